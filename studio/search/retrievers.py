"""Retrievers over one corpus part: a dense model with a FAISS index, or BM25.

Both answer ``search(query, k) -> [(Document, score), ...]``, best first. Encoding goes through one lock per
model, because a fast tokenizer used by several threads at once can fail ("Already borrowed"); query
encodings are also kept in a small cache, so a Korean+English corpus encodes the query once.

Encoding runs on one torch thread (a per-thread OpenMP setting, restored afterwards). A single short query
gains little from two threads on an idle machine, and on a busy shared server intra-op threads wait for each
other: measured here under load, one query took 1.9 s with two threads and 0.1 s with one, and a batch of
passages 30 s against 18 s. Builds use one thread too, which leaves the other cores to users' queries.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator, Optional, Protocol

import numpy as np

from studio.search.corpus import CorpusPart, Document

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from studio.evaluate.bm25 import BM25Index
    from studio.search.index import VectorIndex

BM25_NAME = "bm25"
QUERY_THREADS = 1
BUILD_THREADS = 1
_QUERY_CACHE_SIZE = 512
_query_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_query_cache_lock = threading.Lock()
_model_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_model_locks_lock = threading.Lock()


class Retriever(Protocol):
    """Search one corpus part."""

    part: CorpusPart

    def search(self, query: str, k: int) -> list[tuple[Document, float]]: ...


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` intra-op torch threads in this thread only, then restore the setting."""
    import torch

    previous = torch.get_num_threads()
    if previous == n:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def model_lock(model: SentenceTransformer) -> threading.Lock:
    """The lock that serialises encoding with ``model``."""
    with _model_locks_lock:
        lock = _model_locks.get(model)
        if lock is None:
            lock = _model_locks[model] = threading.Lock()
        return lock


def encode_batches(model: SentenceTransformer, texts: list[str], prompt: str, batch_size: int = 32,
                   on_progress: Optional[Callable[[int], None]] = None) -> np.ndarray:
    """Unit-norm embeddings of ``texts`` with the model's ``prompt`` (query|passage) when it has one.

    The model lock is taken per batch, so searches by other users interleave with a long build.
    """
    prompt_name = prompt if prompt in (model.prompts or {}) else None
    lock = model_lock(model)
    chunks = []
    for start in range(0, len(texts), batch_size):
        with lock, torch_threads(BUILD_THREADS):
            chunks.append(model.encode(texts[start:start + batch_size], prompt_name=prompt_name,
                                       normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False))
        if on_progress is not None:
            on_progress(min(start + batch_size, len(texts)))
    if not chunks:
        return np.zeros((0, model.get_sentence_embedding_dimension() or 0), dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32, copy=False)


class DenseRetriever:
    """A sentence-transformers model and the FAISS index of its passage embeddings."""

    def __init__(self, model_name: str, fingerprint: str, model: SentenceTransformer, lock: threading.Lock,
                 index: VectorIndex, part: CorpusPart) -> None:
        self.model_name = model_name
        self.fingerprint = fingerprint
        self.model = model
        self.lock = lock
        self.index = index
        self.part = part
        self._prompt = "query" if "query" in (model.prompts or {}) else None

    def warm_up(self) -> DenseRetriever:
        """Run one throw-away encoding, so the first user query does not pay for lazy initialisation."""
        with self.lock, torch_threads(QUERY_THREADS):
            self.model.encode(["warm up"], prompt_name=self._prompt, show_progress_bar=False)
        return self

    def encode_query(self, query: str) -> np.ndarray:
        """The query's unit-norm embedding (cached per model and text)."""
        key = (self.fingerprint, query)
        with _query_cache_lock:
            vector = _query_cache.get(key)
            if vector is not None:
                _query_cache.move_to_end(key)
                return vector
        with self.lock, torch_threads(QUERY_THREADS):
            vector = self.model.encode([query], prompt_name=self._prompt, normalize_embeddings=True,
                                       convert_to_numpy=True, show_progress_bar=False)
        vector = np.ascontiguousarray(vector, dtype=np.float32)
        with _query_cache_lock:
            _query_cache[key] = vector
            while len(_query_cache) > _QUERY_CACHE_SIZE:
                _query_cache.popitem(last=False)
        return vector

    def search(self, query: str, k: int) -> list[tuple[Document, float]]:
        scores, positions = self.index.search_arrays(self.encode_query(query), k)
        return [(self.part.docs[p], float(s)) for s, p in zip(scores[0], positions[0]) if p >= 0]


class BM25Retriever:
    """BM25 over one language; documents that share no term with the query are left out."""

    def __init__(self, index: BM25Index, part: CorpusPart) -> None:
        self.index = index
        self.part = part

    def warm_up(self) -> BM25Retriever:
        """Load the tokeniser (Kiwi takes a second or two) before the first user query."""
        self.index.search_arrays(["warm up"], 1)
        return self

    def search(self, query: str, k: int) -> list[tuple[Document, float]]:
        scores, positions = self.index.search_arrays([query], k)
        return [(self.part.docs[int(p)], float(s)) for s, p in zip(scores[0], positions[0]) if s > 0]


def clear_query_cache() -> None:
    """Forget cached query embeddings (benchmarks measure cold queries)."""
    with _query_cache_lock:
        _query_cache.clear()
