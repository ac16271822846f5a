"""Plain text: one sentence per line, for two line-aligned files (one per language).

Every line is a row ``{"text": line}`` located as ``line N`` (empty lines count: they keep the alignment).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from studio.data.importers.base import RawRow, SourceTable, check_text_file, decode_line

TEXT_COLUMN = "text"


def read_lines(path: Path) -> Iterator[RawRow]:
    """One row per line; a line that is not UTF-8 becomes a problem row."""
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            offset += len(raw)
            text, problem = decode_line(raw, number)
            if text is None:
                yield RawRow(f"line {number}", None, problem, offset)
            else:
                yield RawRow(f"line {number}", {TEXT_COLUMN: text.rstrip("\r\n")}, "", offset)


def open_text(path: Path, fmt: str = "text") -> SourceTable:
    """A UTF-8 text file, one sentence per line."""
    size = check_text_file(path)
    return SourceTable(path.name, "text", lambda: read_lines(path), size, path)
