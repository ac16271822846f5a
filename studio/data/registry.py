"""Datasets on disk and in the store.

A dataset lives in ``datasets/<folder>/records.parquet`` under the data home (``folder`` is the name made safe
for the file system) and is registered with its kind, record count, content hash, validation report and split.
Imports write into a temporary folder next to it and move it into place with one rename, then register it,
all under a file lock, so a failed or concurrent import never leaves a half-written or unregistered dataset.

The content hash is the SHA-256 of the records (ids, texts and split), in order; it changes when the dataset is
split again.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from filelock import FileLock

from storage import DuplicateNameError, NotFoundError
from storage.records import DatasetRecord
from studio.access import require_write
from studio.context import Studio, get_studio
from studio.data.errors import DataError
from studio.data.schema import SPLIT_COLUMN, SPLITS, RecordKind, parse_kind, record_columns
from studio.models import validate_name

if TYPE_CHECKING:
    import pandas as pd

RECORDS_FILE = "records.parquet"
MIXES_DIR = "mixes"
WRITE_BATCH = 10_000
DEMO_DATASET = "demo/ko-en-qa"


def safe_folder(name: str) -> str:
    """A file-system-safe folder name for ``name`` (a short hash keeps altered names distinct)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name.replace("/", "__")).strip("._") or "dataset"
    if safe != name:
        safe = f"{safe[:80]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return safe


def _inside(root: Path, path: Path) -> Path:
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise DataError(f"Refusing to write outside the data home: {path}.")
    return resolved


def dataset_dir(studio: Studio, name: str) -> Path:
    """Folder of the dataset named ``name`` (which need not exist yet)."""
    return _inside(studio.paths.datasets, studio.paths.datasets / safe_folder(validate_name(name, "dataset")))


def registry_lock(studio: Studio) -> FileLock:
    """The lock taken while datasets and mixes are moved into place, registered or deleted."""
    return FileLock(str(studio.paths.datasets / ".registry.lock"), timeout=120)


def find_dataset(name: str, studio: Optional[Studio] = None) -> Optional[DatasetRecord]:
    """The dataset registered as ``name``, or None."""
    studio = studio or get_studio()
    try:
        return studio.store.get_dataset(name)
    except NotFoundError:
        return None


def get_dataset(name: str, studio: Optional[Studio] = None) -> DatasetRecord:
    """The registered dataset ``name`` (``storage.NotFoundError`` when there is none)."""
    return (studio or get_studio()).store.get_dataset(name)


def list_datasets(studio: Optional[Studio] = None) -> list[DatasetRecord]:
    """All registered datasets, oldest first."""
    return (studio or get_studio()).store.list_datasets()


def records_path(record: DatasetRecord, studio: Optional[Studio] = None) -> Path:
    """Absolute path of a dataset's Parquet file."""
    studio = studio or get_studio()
    return _inside(studio.paths.home, studio.paths.home / record.path)


def load_records(dataset: str, split: Optional[str] = None, studio: Optional[Studio] = None) -> pd.DataFrame:
    """The records of ``dataset`` (all of them, or one split) as a DataFrame of strings.

    Columns: ``id, query_ko, query_en, passage_ko, passage_en, split`` (parallel) or ``id, ko, en, split`` (bitext).

    Example:
        >>> frame = load_records("demo/ko-en-qa", "dev")  # doctest: +SKIP
        >>> list(frame.columns)  # doctest: +SKIP
        ['id', 'query_ko', 'query_en', 'passage_ko', 'passage_en', 'split']
    """
    import pandas as pd

    studio = studio or get_studio()
    record = get_dataset(dataset, studio)
    path = records_path(record, studio)
    if not path.is_file():
        raise DataError(f"The file of dataset {record.name!r} is missing ({path}); delete the dataset and import it again.")
    split = None if split in (None, "", "all") else split
    if split is not None and split not in SPLITS:
        raise DataError(f"Unknown split {split!r}; choose one of {', '.join(SPLITS)} or all.")
    if split is not None and not record.split_counts:
        raise DataError(f"Dataset {record.name!r} is not split yet; split it first (Data tab → Split, or "
                        f"clir-studio data split {record.name!r} --ratios 0.8,0.1,0.1).")
    filters = [(SPLIT_COLUMN, "==", split)] if split else None
    frame = pd.read_parquet(path, filters=filters)
    return frame.reset_index(drop=True)


class ParquetSink:
    """Writes canonical records in batches into a temporary folder under ``datasets/``."""

    def __init__(self, studio: Studio, kind: str | RecordKind) -> None:
        import pyarrow as pa

        self.kind = parse_kind(kind)
        self.columns = record_columns(self.kind)
        self.schema = pa.schema([(c, pa.string()) for c in self.columns])
        self.folder = Path(tempfile.mkdtemp(prefix=".import-", dir=studio.paths.datasets))
        self.path = self.folder / RECORDS_FILE
        self._buffer: list[dict[str, str]] = []
        self._writer: Any = None
        self.n_records = 0

    def write(self, record: dict[str, str]) -> None:
        """Add one record (``id`` and the text columns; the split starts empty)."""
        self._buffer.append({c: record.get(c, "") for c in self.columns})
        self.n_records += 1
        if len(self._buffer) >= WRITE_BATCH:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, self.schema)
        self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=self.schema))
        self._buffer = []

    def close(self) -> Path:
        """Finish the file; returns its path."""
        if self._buffer or self._writer is None:
            self._flush()
        self._writer.close()
        return self.path

    def discard(self) -> None:
        """Remove everything written so far."""
        if self._writer is not None:
            try:
                self._writer.close()
            except Exception:  # already closed or broken: the folder goes anyway
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def _clear_orphan(studio: Studio, folder: Path) -> None:
    """Move aside a folder no registered dataset uses (left by a crash), then delete it."""
    if not folder.exists():
        return
    relative = folder.relative_to(studio.paths.home).as_posix()
    if any(r.path.startswith(relative + "/") for r in studio.store.list_datasets()):
        raise DataError(f"The folder {folder} belongs to another dataset; choose another name.")
    trash = folder.with_name(f".trash-{folder.name}-{os.getpid()}")
    folder.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)


def content_hash(path: Path) -> str:
    """SHA-256 over the records of a dataset Parquet file (ids, texts and split, row by row)."""
    import pyarrow.parquet as pq

    digest = hashlib.sha256()
    for batch in pq.ParquetFile(path).iter_batches(batch_size=WRITE_BATCH):
        for row in zip(*(column.to_pylist() for column in batch.columns)):
            digest.update("\x1f".join(row).encode() + b"\x1e")
    return digest.hexdigest()


def commit_dataset(studio: Studio, sink: ParquetSink, name: str, **fields: Any) -> DatasetRecord:
    """Move the sink's folder into place and register the dataset; on any failure nothing remains."""
    name = validate_name(name, "dataset")
    target = dataset_dir(studio, name)
    try:
        digest = content_hash(sink.path)
        with registry_lock(studio):
            if find_dataset(name, studio) is not None:
                raise DuplicateNameError(f"A dataset named {name!r} already exists; choose another name or delete it first.")
            _clear_orphan(studio, target)
            sink.folder.rename(target)
            try:
                return studio.store.add_dataset(
                    name=name, kind=sink.kind.value, path=f"{target.relative_to(studio.paths.home).as_posix()}/{RECORDS_FILE}",
                    content_hash=digest, n_records=sink.n_records, **fields)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
    finally:
        sink.discard()  # no-op after a successful rename


def delete_dataset(name: str, studio: Optional[Studio] = None) -> None:
    """Forget a dataset and delete its files, mixes included (the built-in demo set cannot be deleted)."""
    require_write("deleting data")
    studio = studio or get_studio()
    if name == DEMO_DATASET:
        raise DataError(f"{DEMO_DATASET} is built in (the app uses it before anything is imported); it cannot be deleted.")
    record = get_dataset(name, studio)
    folder = records_path(record, studio).parent
    with registry_lock(studio):
        studio.store.delete_dataset(record.id)
        if folder.is_relative_to(studio.paths.datasets.resolve()) and folder != studio.paths.datasets.resolve():
            shutil.rmtree(folder, ignore_errors=True)


def split_summary(record: DatasetRecord) -> str:
    """``train 4784 · dev 598 · test 598`` or ``not split``."""
    counts = record.split_counts or {}
    return " · ".join(f"{s} {counts[s]}" for s in SPLITS if s in counts) or "not split"
