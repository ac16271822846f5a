"""Exact dense search: a small wrapper over FAISS ``IndexFlatIP`` with string ids.

Vectors are L2-normalised on the way in (documents and queries), so inner product is cosine
similarity and the ranking is exact. The same class serves the evaluator and the Search tab.

Example:
    >>> import numpy as np
    >>> from studio.search.index import VectorIndex
    >>> index = VectorIndex(dim=3)
    >>> index.add(np.eye(3, dtype="float32"), ["a", "b", "c"])
    >>> hits = index.search(np.array([[0.9, 0.1, 0.0]], dtype="float32"), k=2)
    >>> [(h.doc_id, round(h.score, 3)) for h in hits[0]]
    [('a', 0.994), ('b', 0.11)]
    >>> _ = index.save("/tmp/idx")
    >>> VectorIndex.load("/tmp/idx").ntotal
    3
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from studio.errors import StudioError

INDEX_FILE = "index.faiss"
IDS_FILE = "ids.json"


class SearchIndexError(StudioError):
    """A search index cannot be built, searched or loaded."""


@dataclass(frozen=True)
class Hit:
    """One retrieved document: its id, cosine score and 1-based rank."""

    doc_id: str
    score: float
    rank: int


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Return float32, C-contiguous, unit-length rows (zero rows stay zero)."""
    array = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.ascontiguousarray(array / np.maximum(norms, 1e-12))


class VectorIndex:
    """Exact inner-product search over normalised vectors, with string document ids.

    Args:
        dim: the embedding size.
    """

    def __init__(self, dim: int) -> None:
        import faiss

        self.dim = int(dim)
        self._index = faiss.IndexFlatIP(self.dim)
        self.ids: list[str] = []

    @property
    def ntotal(self) -> int:
        """Number of indexed vectors."""
        return int(self._index.ntotal)

    def __len__(self) -> int:
        return self.ntotal

    def add(self, vectors: np.ndarray, ids: Optional[Sequence[str]] = None) -> None:
        """Add ``vectors`` (n × dim); ``ids`` default to their running positions as strings."""
        array = normalize(vectors)
        if array.shape[1] != self.dim:
            raise SearchIndexError(f"Vectors have {array.shape[1]} dimensions but the index has {self.dim}.")
        ids = [str(i) for i in range(self.ntotal, self.ntotal + len(array))] if ids is None else [str(i) for i in ids]
        if len(ids) != len(array):
            raise SearchIndexError(f"Got {len(array)} vectors but {len(ids)} ids.")
        self._index.add(array)
        self.ids.extend(ids)

    def search_arrays(self, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, positions) arrays, shape (n_queries, k'), k' = min(k, ntotal)."""
        if self.ntotal == 0:
            raise SearchIndexError("The index is empty; add documents before searching.")
        array = normalize(queries)
        if array.shape[1] != self.dim:
            raise SearchIndexError(f"Queries have {array.shape[1]} dimensions but the index has {self.dim}.")
        return self._index.search(array, min(int(k), self.ntotal))

    def search(self, queries: np.ndarray, k: int = 10) -> list[list[Hit]]:
        """Top-``k`` hits per query row, best first."""
        scores, positions = self.search_arrays(queries, k)
        return [
            [Hit(self.ids[p], float(s), rank) for rank, (s, p) in enumerate(zip(row_s, row_p), start=1) if p >= 0]
            for row_s, row_p in zip(scores, positions)
        ]

    def save(self, folder: str | Path) -> Path:
        """Write ``index.faiss`` and ``ids.json`` into ``folder`` (each file replaced atomically)."""
        import faiss

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as handle:
            tmp_index = Path(handle.name)
        faiss.write_index(self._index, str(tmp_index))
        os.replace(tmp_index, folder / INDEX_FILE)
        _write_atomic(folder / IDS_FILE, json.dumps(self.ids, ensure_ascii=False))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> VectorIndex:
        """Read an index written by :meth:`save`."""
        import faiss

        folder = Path(folder)
        if not (folder / INDEX_FILE).is_file() or not (folder / IDS_FILE).is_file():
            raise SearchIndexError(f"{folder} holds no saved index ({INDEX_FILE} + {IDS_FILE}).")
        raw = faiss.read_index(str(folder / INDEX_FILE))
        index = cls(raw.d)
        index._index = raw
        index.ids = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
        if len(index.ids) != index.ntotal:
            raise SearchIndexError(f"{folder}: {index.ntotal} vectors but {len(index.ids)} ids; rebuild the index.")
        return index

    @classmethod
    def from_vectors(cls, vectors: np.ndarray, ids: Optional[Sequence[str]] = None) -> VectorIndex:
        """Build an index holding ``vectors``."""
        array = np.asarray(vectors)
        index = cls(array.shape[-1])
        index.add(array, ids)
        return index


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8") as handle:
        handle.write(text)
        tmp = Path(handle.name)
    os.replace(tmp, path)
