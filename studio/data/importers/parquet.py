"""Parquet files, read in record batches (never the whole table at once). Rows are located as ``row N``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from studio.data.errors import DataError
from studio.data.importers.base import RawRow, SourceTable, check_file

BATCH_ROWS = 8192


def read_parquet(path: Path, size: int) -> Iterator[RawRow]:
    """Rows of a Parquet file as dicts."""
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    total = max(1, handle.metadata.num_rows)
    number = 0
    for batch in handle.iter_batches(batch_size=BATCH_ROWS):
        for values in batch.to_pylist():
            number += 1
            yield RawRow(f"row {number}", values, "", size * number // total)


def open_parquet(path: Path, fmt: str = "parquet") -> SourceTable:
    """A Parquet file; its footer is checked before any row is read."""
    import pyarrow.parquet as pq

    size = check_file(path)
    try:
        rows = pq.ParquetFile(path).metadata.num_rows
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError... for a damaged or foreign file
        raise DataError(f"{path.name} is not a readable Parquet file ({exc}); export it again or choose another format.") from exc
    if rows == 0:
        raise DataError(f"{path.name} has no rows; choose a file with data.")
    return SourceTable(path.name, "parquet", lambda: read_parquet(path, size), size, path)
