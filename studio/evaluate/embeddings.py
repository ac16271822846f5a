"""Encode texts once, in batches sorted by token length, through an on-disk embedding cache.

The cache lives under ``<data home>/cache/embeddings/``: one SQLite file per model fingerprint
(a content hash of the model's files, :func:`studio.modelref.model_fingerprint`), one row per
(prompt string, text) hash holding the unit-normalised float32 vector. SQLite in WAL mode with a busy
timeout makes concurrent writers (a UI process and job workers) safe; rows are inserted with
``INSERT OR IGNORE`` after every chunk, so an interrupted run keeps what it finished.

Re-evaluating an unchanged model, or another dataset that shares texts, therefore only encodes
what is new.

Example:
    >>> from studio.evaluate.embeddings import Encoder
    >>> encoder = Encoder.for_model("bundled/multilingual-e5-small")  # doctest: +SKIP
    >>> vectors = encoder.encode(["안녕하세요", "hello"], prompt_name="query")  # doctest: +SKIP
    >>> vectors.shape  # doctest: +SKIP
    (2, 384)
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import numpy as np

from studio.context import Studio, get_studio

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Progress = Callable[[int, int, str], None]
CHUNK_BATCHES = 8  # batches per encode call: progress granularity and cache-write interval


def text_key(prompt: str, text: str) -> str:
    """Cache key of ``text`` encoded with the literal ``prompt`` prefix."""
    return hashlib.sha256(f"{prompt}\0{text}".encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    """Vectors of one model, keyed by (prompt, text) hash, in ``<folder>/<fingerprint>.sqlite``."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{fingerprint}.sqlite"
        db = self._connect()
        try:
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vec BLOB) "
                           "WITHOUT ROWID")
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60)
        db.execute("PRAGMA busy_timeout=60000")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def get(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors found for ``keys`` (missing keys are absent)."""
        found: dict[str, np.ndarray] = {}
        db = self._connect()
        try:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start:start + 500])
                rows = db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        finally:
            db.close()
        return found

    def put(self, items: Mapping[str, np.ndarray]) -> None:
        """Store vectors (existing keys are kept)."""
        rows = [(k, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        db = self._connect()
        try:
            with db:  # one transaction
                db.executemany("INSERT OR IGNORE INTO vectors (key, dim, vec) VALUES (?, ?, ?)", rows)
        finally:
            db.close()

    def __len__(self) -> int:
        db = self._connect()
        try:
            return int(db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
        finally:
            db.close()


def object_fingerprint(model: SentenceTransformer) -> str:
    """Content hash of an in-memory model: its modules, prompts and parameter values.

    Computed on every call (about a second for a small model), never memoised: a model changed in place
    (merged, trained) must not reuse the vectors of its former weights.
    """
    import torch

    digest = hashlib.sha256(repr(model).encode())
    digest.update(repr(sorted((model.prompts or {}).items())).encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().to("cpu").contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return "obj-" + digest.hexdigest()[:24]


class Encoder:
    """A model plus its embedding cache: :meth:`encode` returns unit vectors, encoding only cache misses.

    Args:
        model: the sentence-transformers model.
        fingerprint: content hash of the model (cache key).
        cache_dir: folder of the cache files; None disables caching.
        batch_size: texts per forward pass.
    """

    def __init__(self, model: SentenceTransformer, fingerprint: str, cache_dir: Optional[Path],
                 batch_size: int = 32) -> None:
        self.model = model
        self.fingerprint = fingerprint
        self.cache = EmbeddingCache(cache_dir, fingerprint) if cache_dir is not None else None
        self.batch_size = batch_size
        self.encoded = 0  # texts actually run through the model by this encoder
        self.reused = 0  # texts served from the cache

    @classmethod
    def for_model(cls, model: str | SentenceTransformer, studio: Optional[Studio] = None,
                  batch_size: int = 32, use_cache: bool = True) -> Encoder:
        """An encoder for a model reference (registered name, folder, Hub id) or a loaded model."""
        from studio.modelref import load_model, model_fingerprint, resolve_model

        studio = studio or get_studio()
        if isinstance(model, str):
            resolved = resolve_model(model, studio)
            fingerprint = model_fingerprint(resolved)
            model = load_model(model, studio)
        else:
            fingerprint = object_fingerprint(model)
        cache_dir = studio.paths.cache / "embeddings" if use_cache else None
        return cls(model, fingerprint, cache_dir, batch_size)

    def prompt(self, prompt_name: Optional[str]) -> str:
        """The literal prefix of ``prompt_name`` for this model ('' when the model has no such prompt)."""
        return (self.model.prompts or {}).get(prompt_name or "", "")

    def missing(self, texts: Sequence[str], prompt_name: Optional[str]) -> int:
        """How many distinct ``texts`` are not cached yet."""
        prompt = self.prompt(prompt_name)
        keys = list({text_key(prompt, t) for t in texts})
        return len(keys) - (len(self.cache.get(keys)) if self.cache is not None else 0)

    def encode_many(self, requests: Mapping[str, tuple[Sequence[str], Optional[str]]],
                    progress: Optional[Progress] = None) -> dict[str, np.ndarray]:
        """Encode several ``name → (texts, prompt_name)`` lists with one shared cache lookup and progress bar.

        A (prompt, text) pair shared by several lists is encoded once. Returns ``name → (n, dim)`` arrays.
        """
        wanted: dict[str, tuple[str, str]] = {}
        for texts, prompt_name in requests.values():
            prompt = self.prompt(prompt_name)
            for text in texts:
                wanted.setdefault(text_key(prompt, text), (prompt, text))
        vectors = self.cache.get(list(wanted)) if self.cache is not None else {}
        todo = [k for k in wanted if k not in vectors]
        lengths = dict(zip(todo, self._lengths([wanted[k] for k in todo])))
        todo.sort(key=lambda k: -lengths[k])  # batches of similar token length pad little
        self.reused += len(wanted) - len(todo)
        total = len(todo)
        if progress:
            progress(0, total, f"encoding {total} texts ({len(vectors)} cached)")
        chunk = max(1, self.batch_size * CHUNK_BATCHES)
        for start in range(0, total, chunk):
            keys = todo[start:start + chunk]
            fresh = self._encode([wanted[k] for k in keys])
            new = dict(zip(keys, fresh))
            if self.cache is not None:
                self.cache.put(new)
            vectors.update(new)
            self.encoded += len(keys)
            if progress:
                progress(min(start + chunk, total), total, f"encoded {min(start + chunk, total)}/{total} texts")
        return {
            name: np.stack([vectors[text_key(self.prompt(p), t)] for t in texts]) if texts else np.zeros((0, 0))
            for name, (texts, p) in requests.items()
        }

    def encode(self, texts: Sequence[str], prompt_name: Optional[str] = None,
               progress: Optional[Progress] = None) -> np.ndarray:
        """Unit vectors of ``texts`` (n × dim) with the model's ``prompt_name`` prompt."""
        return self.encode_many({"texts": (texts, prompt_name)}, progress)["texts"]

    def _lengths(self, pairs: Sequence[tuple[str, str]]) -> list[int]:
        """Token counts of prompt + text (character counts when the model has no tokenizer).

        Sorting by tokens rather than characters matters here: Korean needs several times more tokens
        per character than English, so character order would batch short English texts with long Korean ones.
        """
        texts = [prompt + text for prompt, text in pairs]
        tokenizer = getattr(self.model, "tokenizer", None)
        if tokenizer is not None and texts:
            try:
                return [len(ids) for ids in tokenizer(texts, add_special_tokens=False, truncation=True)["input_ids"]]
            except Exception:  # noqa: BLE001 - any tokenizer trouble just means a coarser sort
                pass
        return [len(text) for text in texts]

    def _encode(self, pairs: Sequence[tuple[str, str]]) -> list[np.ndarray]:
        """Run the model batch by batch over length-sorted (prompt, text) pairs, grouped by prompt."""
        out: list[Optional[np.ndarray]] = [None] * len(pairs)
        by_prompt: dict[str, list[int]] = {}
        for index, (prompt, _) in enumerate(pairs):
            by_prompt.setdefault(prompt, []).append(index)
        for prompt, indices in by_prompt.items():
            for start in range(0, len(indices), self.batch_size):  # one call per batch keeps our order
                batch = indices[start:start + self.batch_size]
                array = self.model.encode([pairs[i][1] for i in batch], prompt=prompt,
                                          batch_size=self.batch_size, normalize_embeddings=True,
                                          convert_to_numpy=True, show_progress_bar=False)
                for i, vector in zip(batch, np.asarray(array, dtype=np.float32)):
                    out[i] = vector
        return out  # type: ignore[return-value]
