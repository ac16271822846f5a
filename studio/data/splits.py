"""Record-level train/dev/test splits with a seed, stored in the dataset's ``split`` column.

Splitting is by record, never by pair, so a passage's translation cannot sit in train while the passage is in
test. It goes one step further: records that share any text (the same question or passage in either language,
e.g. Belebele's two questions per passage) form one group, and a group never straddles two splits. Groups are
shuffled with ``numpy.random.default_rng(seed)`` and dealt out in order until each split has its share of
records (largest-remainder counts; exact when every group is one record). Same data, ratios and seed: same split.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": list("abcd"), "ko": ["가", "나", "다", "다"], "en": ["a", "b", "c", "d"]})
    >>> labels = assign_splits(frame, "bitext", (0.5, 0.5, 0.0), seed=0)
    >>> labels[2] == labels[3]  # they share the Korean text
    True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np

from storage.records import DatasetRecord
from studio.access import require_write
from studio.context import Studio, get_studio
from studio.data.counts import largest_remainder
from studio.data.errors import DataError
from studio.data.registry import WRITE_BATCH, content_hash, get_dataset, records_path, registry_lock
from studio.data.schema import SPLIT_COLUMN, SPLITS, RecordKind, parse_kind, text_columns

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_RATIOS = (0.8, 0.1, 0.1)


def parse_ratios(value: str | Sequence[float]) -> tuple[float, float, float]:
    """Three train/dev/test shares (``"0.8,0.1,0.1"``, ``"80/10/10"`` or a sequence), normalised to sum to 1."""
    if isinstance(value, str):
        parts = [p for p in value.replace("/", ",").replace(" ", ",").split(",") if p]
    else:
        parts = list(value)
    try:
        numbers = [float(p) for p in parts]
    except (TypeError, ValueError):
        raise DataError(f"Split ratios {value!r} are not numbers; write them like 0.8,0.1,0.1.") from None
    if len(numbers) != 3 or any(n < 0 or n != n for n in numbers) or sum(numbers) <= 0:
        raise DataError(f"Split ratios {value!r} must be three non-negative numbers for train, dev and test, "
                        "e.g. 0.8,0.1,0.1.")
    total = sum(numbers)
    return tuple(n / total for n in numbers)  # type: ignore[return-value]


def _union_groups(columns: Sequence[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """Group number of every row from per-column (codes, empty) pairs: equal non-empty codes join rows."""
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    positions = np.arange(n)
    for codes, empty in columns:
        first = np.full(int(codes.max()) + 1 if n else 0, n, dtype=np.int64)
        np.minimum.at(first, codes, positions)
        for i in np.nonzero((first[codes] != positions) & ~empty)[0]:
            a, b = find(int(i)), find(int(first[codes[i]]))
            if a != b:
                parent[max(a, b)] = min(a, b)
    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    return np.unique(roots, return_inverse=True)[1].reshape(-1)


def record_groups(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Group number of every row: rows sharing a non-empty text in any of ``columns`` share a group."""
    import pandas as pd

    encoded = [(pd.factorize(frame[c].to_numpy())[0], (frame[c] == "").to_numpy()) for c in columns]
    return _union_groups(encoded, len(frame))


def _deal(groups: np.ndarray, ratios: Sequence[float], seed: int) -> np.ndarray:
    """Split index (0 train, 1 dev, 2 test) of every row: shuffled groups dealt out until each split is full."""
    n = len(groups)
    sizes = np.bincount(groups, minlength=int(groups.max()) + 1 if n else 0)
    order = np.random.default_rng(int(seed)).permutation(len(sizes))
    targets = largest_remainder(n, dict(zip(SPLITS, parse_ratios(ratios))))
    bounds = np.cumsum([targets[s] for s in SPLITS])
    starts = np.concatenate([[0], np.cumsum(sizes[order])[:-1]]) if len(order) else np.array([], dtype=np.int64)
    split_of_group = np.empty(len(sizes), dtype=np.int64)
    split_of_group[order] = np.minimum(np.searchsorted(bounds, starts, side="right"), len(SPLITS) - 1)
    return split_of_group[groups]


def assign_splits(frame: pd.DataFrame, kind: str | RecordKind, ratios: Sequence[float], seed: int) -> np.ndarray:
    """The split name of every row (``train``/``dev``/``test``), deterministic in data, ratios and seed."""
    groups = record_groups(frame, text_columns(parse_kind(kind)))
    return np.array(SPLITS, dtype=object)[_deal(groups, ratios, seed)]


def _file_groups(path: Path, kind: str | RecordKind) -> np.ndarray:
    """Groups of a dataset file, read one column and one batch at a time (texts kept as 64-bit hashes)."""
    import pandas as pd
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    encoded = []
    for column in text_columns(parse_kind(kind)):
        hashes, empty = [], []
        for batch in handle.iter_batches(batch_size=WRITE_BATCH, columns=[column]):
            texts = batch.column(0).to_pylist()
            hashes.append(np.fromiter(map(hash, texts), dtype=np.int64, count=len(texts)))
            empty.append(np.fromiter((not t for t in texts), dtype=bool, count=len(texts)))
        codes = pd.factorize(np.concatenate(hashes))[0] if hashes else np.zeros(0, dtype=np.int64)
        encoded.append((codes, np.concatenate(empty) if empty else np.zeros(0, dtype=bool)))
    return _union_groups(encoded, handle.metadata.num_rows)


def write_split(path: Path, kind: str | RecordKind, ratios: Sequence[float], seed: int) -> dict[str, int]:
    """Rewrite a dataset Parquet file with a new ``split`` column, batch by batch and atomically; returns
    records per split."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    labels = _deal(_file_groups(path, kind), ratios, seed)
    names = np.array(SPLITS, dtype=object)
    handle = pq.ParquetFile(path)
    schema = handle.schema_arrow
    position = schema.get_field_index(SPLIT_COLUMN)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with pq.ParquetWriter(temporary, schema) as writer:
            done = 0
            for batch in handle.iter_batches(batch_size=WRITE_BATCH):
                arrays = list(batch.columns)
                arrays[position] = pa.array(names[labels[done:done + batch.num_rows]], pa.string())
                writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
                done += batch.num_rows
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    counts = np.bincount(labels, minlength=len(SPLITS))
    return {s: int(c) for s, c in zip(SPLITS, counts)}


def split_dataset(name: str, ratios: str | Sequence[float] = DEFAULT_RATIOS, seed: int = 0, *,
                  force: bool = False, studio: Optional[Studio] = None) -> DatasetRecord:
    """Split a registered dataset by record; stored in its Parquet file and ``split_counts``/``split_seed``.

    A dataset that already has mixes keeps its split unless ``force`` (which deletes those mixes): a new split
    would put some of their training pairs into dev or test.

    Example:
        >>> split_dataset("msmarco", "0.8,0.1,0.1", seed=0).split_counts  # doctest: +SKIP
        {'train': 4784, 'dev': 598, 'test': 598}
    """
    from studio.data.mixes import delete_mix

    require_write("splitting data")
    studio = studio or get_studio()
    shares = parse_ratios(ratios)
    record = get_dataset(name, studio)
    mixes = studio.store.list_mixes(record.id)
    if mixes and not force:
        names = ", ".join(m.name for m in mixes)
        raise DataError(f"Dataset {record.name!r} has mixes composed from its current split ({names}); a new split "
                        "would leak their pairs into dev/test. Delete those mixes first (or use --force to delete them).")
    for mix in mixes:
        delete_mix(mix.name, studio=studio)
    path = records_path(record, studio)
    with registry_lock(studio):
        counts = write_split(path, record.kind, shares, seed)
        report = dict(record.report, split={"ratios": [round(r, 6) for r in shares], "seed": int(seed)})
        return studio.store.update_dataset(record.id, split_counts=counts, split_seed=int(seed), report=report,
                                           content_hash=content_hash(path))
