"""What every reader shares: the row and table types, file checks, the upload size limit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from studio.access import MAX_UPLOAD_ENV, max_upload_bytes
from studio.data.errors import DataError

SNIFF_BYTES = 8192
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class RawRow:
    """One row as read: where it is (for messages), its values, or what is wrong with it.

    ``offset`` is how many bytes of the source were consumed up to this row (for progress).
    """

    where: str
    values: Optional[dict[str, Any]]
    problem: str = ""
    offset: int = 0


@dataclass
class SourceTable:
    """One readable source (a file, a saved folder, a Hub dataset) of a known format.

    ``open_rows()`` starts a fresh pass over the rows; every pass yields the same rows.
    """

    label: str
    format: str
    open_rows: Callable[[], Iterator[RawRow]]
    size_bytes: int = 0
    path: Optional[Path] = None
    notes: list[str] = field(default_factory=list)

    def sample(self, n: int = 50) -> list[dict[str, Any]]:
        """The first ``n`` good rows, flattened (for layout detection and previews)."""
        rows: list[dict[str, Any]] = []
        for row in self.open_rows():
            if row.values is not None:
                rows.append(flatten(row.values))
                if len(rows) >= n:
                    break
        return rows


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns: ``{"translation": {"ko": …}}`` → ``{"translation.ko": …}``."""
    if not any(isinstance(v, dict) for v in values.values()) and not prefix:
        return values
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 102400 else f"{n} bytes"


def check_size(label: str, size: int) -> None:
    """Refuse a source over the configured size limit."""
    limit = max_upload_bytes()  # $STUDIO_MAX_UPLOAD_MB, the same limit as uploads to the server
    if size > limit:
        raise DataError(
            f"{label} is {_megabytes(size)}, over the {_megabytes(limit)} limit; split it into smaller files "
            f"or raise {MAX_UPLOAD_ENV}."
        )


def check_text_file(path: Path) -> int:
    """Check that ``path`` is a non-empty UTF-8 text file within the size limit; returns its size."""
    size = check_file(path)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if b"\x00" in head:
        raise DataError(
            f"{path.name} looks like a binary file, not UTF-8 text; give JSONL, JSON, CSV, TSV, text or Parquet "
            "(save text files as UTF-8)."
        )
    if not head.removeprefix(BOM).strip():
        raise DataError(f"{path.name} is empty (no records); choose a file with data.")
    return size


def check_file(path: Path) -> int:
    """Check that ``path`` is an existing, non-empty file within the size limit; returns its size."""
    if not path.exists():
        raise DataError(f"{path} does not exist; check the path.")
    if not path.is_file():
        raise DataError(f"{path} is not a file.")
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"{path.name} is empty (0 bytes); choose a file with data.")
    check_size(path.name, size)
    return size


def decode_line(raw: bytes, number: int) -> tuple[Optional[str], str]:
    """Decode one line as UTF-8: (text, "") or (None, problem)."""
    if number == 1:
        raw = raw.removeprefix(BOM)
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start}); save the file as UTF-8"
