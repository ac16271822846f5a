"""One reader per format, keyed by a stable name; ``open_sources`` picks and opens them.

Formats: ``jsonl`` (JSON Lines), ``json`` (JSON Lines or one array of objects), ``csv``, ``tsv``, ``parquet``,
``text`` (one sentence per line, two line-aligned files), ``hf-disk`` (a ``save_to_disk`` folder) and ``hub``
(a Hub dataset id, online). ``auto`` picks by extension, then by content.

Example:
    >>> sorted(FORMATS)  # doctest: +NORMALIZE_WHITESPACE
    ['csv', 'hf-disk', 'hub', 'json', 'jsonl', 'parquet', 'text', 'tsv']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Callable

from studio.data.errors import DataError
from studio.data.importers.base import BOM, RawRow, SourceTable, flatten, max_upload_bytes  # noqa: F401
from studio.data.importers.delimited import open_delimited
from studio.data.importers.hf import HUB_ID, is_hf_folder, open_hf_disk, open_hub
from studio.data.importers.jsonl import open_json
from studio.data.importers.parquet import open_parquet
from studio.data.importers.text import TEXT_COLUMN, open_text

__all__ = ["FORMATS", "RawRow", "SourceTable", "TEXT_COLUMN", "detect_format", "flatten", "max_upload_bytes",
           "open_sources"]

Opener = Callable[[Path, str], SourceTable]

FORMATS: dict[str, Opener] = {
    "jsonl": open_json,
    "json": open_json,
    "csv": open_delimited,
    "tsv": open_delimited,
    "parquet": open_parquet,
    "text": open_text,
    "hf-disk": open_hf_disk,
    "hub": open_hub,  # type: ignore[dict-item]
}
FORMAT_CHOICES = ("auto", *FORMATS)
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
              ".parquet": "parquet", ".pq": "parquet", ".txt": "text"}


def _sniff(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.removeprefix(BOM).lstrip()
    if text.startswith(b"{"):
        return "jsonl"
    if text.startswith(b"["):
        return "json"
    return "text"


def detect_format(source: str | Path) -> str:
    """The format of one source by its extension or content; a non-path ``owner/name`` is a Hub id."""
    path = Path(source).expanduser()
    if path.is_dir():
        if is_hf_folder(path):
            return "hf-disk"
        raise DataError(f"{path} is a folder but not one saved with datasets' save_to_disk; give the files in it.")
    if not path.exists():
        if HUB_ID.match(str(source)):
            return "hub"
        raise DataError(f"{source} does not exist; give a file, a saved datasets folder or a Hub id (owner/name).")
    return EXTENSIONS.get(path.suffix.lower()) or _sniff(path)


def open_sources(sources: Sequence[str | Path], fmt: str = "auto") -> list[SourceTable]:
    """Open one source, or one per language (two), in the given or detected format."""
    sources = [s for s in sources if str(s).strip()]
    if not sources:
        raise DataError("No data given; choose a file (or one file per language), a saved datasets folder or a Hub id.")
    if len(sources) > 2:
        raise DataError(f"{len(sources)} sources given; give one file, or two: one per language.")
    fmt = (fmt or "auto").strip().lower()
    if fmt not in FORMAT_CHOICES:
        raise DataError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMAT_CHOICES)}.")
    tables = []
    for source in sources:
        chosen = detect_format(source) if fmt == "auto" else fmt
        target = str(source) if chosen == "hub" else Path(source).expanduser()
        tables.append(FORMATS[chosen](target, chosen))  # type: ignore[arg-type]
    return tables
