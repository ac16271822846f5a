"""CSV and TSV files with a header row, read as a stream.

CSV follows RFC 4180 quoting (a quoted field may hold commas, quotes and newlines). TSV is read literally:
fields are split at tabs and quotes are kept as text, since tab-separated corpora rarely quote (Belebele-style
passages contain ``""``). Rows are located by the physical ``line N`` where they end.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path

from studio.data.errors import DataError
from studio.data.importers.base import RawRow, SourceTable, check_text_file, decode_line

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class _BadLine(Exception):
    def __init__(self, number: int, problem: str) -> None:
        super().__init__(problem)
        self.number, self.problem = number, problem


def _lines(path: Path, position: list[int]) -> Iterator[str]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            position[0] += len(raw)
            text, problem = decode_line(raw, number)
            if text is None:
                raise _BadLine(number, problem)
            yield text


def read_delimited(path: Path, delimiter: str) -> Iterator[RawRow]:
    """Rows of a CSV (``,``) or TSV (``\\t``) file as ``{header: value}``; a row whose field count differs from
    the header's is a problem row. Invalid UTF-8 ends the file with one problem row (its line number)."""
    position = [0]
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(_lines(path, position), delimiter=delimiter, quoting=quoting)
    try:
        header = [name.strip() for name in next(reader)]
        for fields in reader:
            where = f"line {reader.line_num}"
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != len(header):
                yield RawRow(where, None, f"{len(fields)} fields, but the header has {len(header)}", position[0])
                continue
            yield RawRow(where, dict(zip(header, fields)), "", position[0])
    except _BadLine as exc:
        yield RawRow(f"line {exc.number}", None, exc.problem, position[0])
    except csv.Error as exc:
        yield RawRow(f"line {reader.line_num}", None, f"not valid {'TSV' if delimiter == chr(9) else 'CSV'} ({exc})",
                     position[0])


def _check_header(path: Path, delimiter: str) -> None:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
        header = next(csv.reader(handle, delimiter=delimiter, quoting=quoting), [])
    names = [name.strip() for name in header]
    if len(names) < 2:
        raise DataError(f"{path.name} has {len(names)} column in its header; a {'TSV' if delimiter == chr(9) else 'CSV'} "
                        "file needs a header row naming at least two columns.")
    if "" in names or len(set(names)) != len(names):
        raise DataError(f"The header of {path.name} has empty or repeated column names ({', '.join(names)}); "
                        "give every column a distinct name.")


def open_delimited(path: Path, fmt: str) -> SourceTable:
    """A CSV (``fmt="csv"``) or TSV (``fmt="tsv"``) file."""
    size = check_text_file(path)
    delimiter = "\t" if fmt == "tsv" else ","
    _check_header(path, delimiter)
    return SourceTable(path.name, fmt, lambda: read_delimited(path, delimiter), size, path)
