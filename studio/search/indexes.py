"""Search indexes per (model, corpus, language): built once in the background, cached on disk, shared.

An index is keyed by the model's fingerprint (a hash of its files' contents), the corpus part's content hash and
its language, so retraining a model or editing a dataset gives a new key and a rebuild; an unchanged pair is
loaded from ``cache/indexes/<model>--<dataset>--<lang>--<hashes>/`` in milliseconds (lock files, shared
progress and staging folders live in ``cache/indexes/.work/``). A build runs in a daemon thread; a thread lock per key keeps
one build per process and a file lock per key keeps one build across processes (a second process waits
for the first one's files). While it runs, :meth:`IndexManager.state` reports its progress, and
:meth:`IndexManager.get` raises :class:`IndexBuildingError` (after an optional wait) instead of blocking.

Example:
    >>> manager = get_index_manager()
    >>> retriever = manager.get("bundled/multilingual-e5-small", corpus.parts[0], wait=None)  # waits
    >>> retriever.search("조선 시대에 한글을 만든 왕은 누구인가?", k=3)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional

from studio.context import Studio, get_studio
from studio.errors import StudioError
from studio.search.corpus import CorpusPart
from studio.search.retrievers import (
    BM25_NAME,
    BM25Retriever,
    DenseRetriever,
    Retriever,
    encode_batches,
    model_lock,
)

FORMAT_VERSION = 1
BATCH_SIZE = 32
FINGERPRINT_TTL_S = 2.0  # a changed model is noticed within this time; saves a DB query + stats per search
_LOADED_SIZE = 16
Progress = Callable[[int, int, str], None]


class IndexBuildingError(StudioError):
    """The index a search needs is still being built; the message says how far it is."""

    def __init__(self, state: BuildState) -> None:
        self.state = state
        super().__init__(
            f"The {state.lang} index of {state.model!r} is still building ({state.percent}%); "
            "try again in a moment."
        )


class IndexBuildError(StudioError):
    """Building an index failed; the message carries the reason."""


@dataclass(frozen=True)
class IndexKey:
    """What an index is built from."""

    model: str  # the reference as the user gave it
    fingerprint: str  # model files (or "bm25-v<N>"); "pending" while the bundled model is unconverted
    dataset: str
    lang: str
    corpus_hash: str

    @property
    def folder_name(self) -> str:
        return "--".join(
            (_slug(self.model), _slug(self.dataset), self.lang, f"{self.corpus_hash[:12]}-{self.fingerprint[:12]}")
        )


@dataclass(frozen=True)
class BuildState:
    """Progress of one build, as the UI shows it."""

    model: str
    lang: str
    status: str  # building | ready | failed
    done: int = 0
    total: int = 0
    message: str = ""

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:60] or "x"


def model_fingerprint(model: str, studio: Studio) -> str:
    """The content fingerprint of ``model``'s files (``studio.modelref.model_fingerprint``).

    ``"pending"`` when ``model`` is the bundled model before its first conversion (the build converts it).
    """
    from studio.modelref import ResolvedModel, model_dir, resolve_model
    from studio.modelref import model_fingerprint as files_fingerprint

    if model == BM25_NAME:
        return f"bm25-v{FORMAT_VERSION}"
    record = studio.store.find_model(model)
    if record is not None and record.kind == "bundled":
        folder = model_dir(studio, record.path)
        if not (folder / "modules.json").is_file():
            return "pending"
        return files_fingerprint(ResolvedModel(record.name, str(folder), record.kind, True))
    return files_fingerprint(resolve_model(model, studio))


class IndexManager:
    """Finds, loads or builds the index of a (model, corpus part) pair; one per data home."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.root = studio.paths.cache / "indexes"
        self.work = self.root / ".work"  # lock files, shared progress, staging folders
        self._lock = threading.Lock()
        self._loaded: OrderedDict[IndexKey, Retriever] = OrderedDict()
        self._states: dict[IndexKey, BuildState] = {}
        self._threads: dict[IndexKey, threading.Thread] = {}
        self._key_locks: dict[IndexKey, threading.Lock] = {}
        self._fingerprints: dict[str, tuple[float, str]] = {}
        self.builds = 0  # indexes this process encoded and wrote (tests check for duplicates)

    # ------------------------------------------------------------------ public
    def key(self, model: str, part: CorpusPart) -> IndexKey:
        """The key of ``model``'s index over ``part`` (resolves the model; raises for unknown ones)."""
        now = time.monotonic()
        with self._lock:
            seen = self._fingerprints.get(model)
        if seen is None or now - seen[0] > FINGERPRINT_TTL_S or seen[1] == "pending":
            seen = (now, model_fingerprint(model, self.studio))
            with self._lock:
                self._fingerprints[model] = seen
        return IndexKey(model, seen[1], part.dataset, part.lang, part.content_hash)

    def get(self, model: str, part: CorpusPart, wait: Optional[float] = 0.0,
            progress: Optional[Progress] = None) -> Retriever:
        """The retriever of ``model`` over ``part``, starting a background build when there is none.

        Args:
            wait: seconds to wait for a build to finish; ``None`` waits as long as it takes.
            progress: called with (done, total, message) while waiting.

        Raises:
            IndexBuildingError: the build is still running after ``wait`` seconds.
            IndexBuildError: the build failed (the next call tries again).
        """
        key = self.key(model, part)
        retriever = self._cached(key) or self._load_from_disk(key, part)
        if retriever is not None:
            return retriever
        thread = self._start(key, part)
        deadline = None if wait is None else time.monotonic() + wait
        while thread.is_alive():
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise IndexBuildingError(self._state(key))
            thread.join(0.2 if remaining is None else min(0.2, remaining))
            if progress is not None:
                state = self._state(key)
                progress(state.done, state.total, state.message)
        return self._finished(key, part)

    def state(self, model: str, part: CorpusPart) -> Optional[BuildState]:
        """The build state of ``model`` over ``part``: None when there is no build and no index yet."""
        key = self.key(model, part)
        if self._cached(key) is not None or (self.root / key.folder_name / "meta.json").is_file():
            return BuildState(model, part.lang, "ready", 1, 1)
        with self._lock:
            return self._states.get(key) and self._state(key)

    def prepare(self, model: str, part: CorpusPart) -> None:
        """Start building in the background if needed (for example when a user picks a model)."""
        key = self.key(model, part)
        if self._cached(key) is None and self._load_from_disk(key, part) is None:
            self._start(key, part)

    # ----------------------------------------------------------------- helpers
    def _cached(self, key: IndexKey) -> Optional[Retriever]:
        with self._lock:
            retriever = self._loaded.get(key)
            if retriever is not None:
                self._loaded.move_to_end(key)
            return retriever

    def _remember(self, key: IndexKey, retriever: Retriever) -> Retriever:
        with self._lock:
            self._loaded[key] = retriever
            while len(self._loaded) > _LOADED_SIZE:
                self._loaded.popitem(last=False)
        return retriever

    def _key_lock(self, key: IndexKey) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def _load_from_disk(self, key: IndexKey, part: CorpusPart) -> Optional[Retriever]:
        folder = self.root / key.folder_name
        if key.fingerprint == "pending" or not (folder / "meta.json").is_file():
            return None
        with self._key_lock(key):
            retriever = self._cached(key)
            if retriever is None:
                retriever = _open(key, folder, part, self.studio)
                if retriever is None:
                    return None
                self._remember(key, retriever)
            return retriever

    def _state(self, key: IndexKey) -> BuildState:
        state = self._states.get(key) or BuildState(key.model, key.lang, "building")
        if state.status == "building" and state.total == 0:  # maybe another process holds the build
            shared = _read_progress(self.work / f"{key.folder_name}.progress.json")
            if shared:
                state = replace(state, done=shared[0], total=shared[1])
        return state

    def _start(self, key: IndexKey, part: CorpusPart) -> threading.Thread:
        with self._lock:
            thread = self._threads.get(key)
            if thread is not None and (thread.is_alive() or self._states[key].status == "ready"):
                return thread
            self._states[key] = BuildState(key.model, key.lang, "building", 0, len(part.docs), "starting")
            thread = threading.Thread(target=self._build, args=(key, part), name=f"index:{key.folder_name}",
                                      daemon=True)
            self._threads[key] = thread
        thread.start()
        return thread

    def _finished(self, key: IndexKey, part: CorpusPart) -> Retriever:
        with self._lock:
            state = self._states.get(key)
        if state is not None and state.status == "failed":
            with self._lock:
                self._threads.pop(key, None)  # the next request retries
            raise IndexBuildError(state.message)
        retriever = self._cached(key)
        if retriever is None:  # "pending" bundled builds land under the converted model's key
            retriever = self.get(key.model, part, wait=None)
        return retriever

    def _set(self, key: IndexKey, **changes: object) -> None:
        with self._lock:
            self._states[key] = replace(self._states[key], **changes)

    def _build(self, key: IndexKey, part: CorpusPart) -> None:
        from filelock import FileLock

        try:
            if key.fingerprint == "pending":
                self._set(key, message="converting the bundled model (first use)")
                from studio.modelref import resolve_model

                resolve_model(key.model, self.studio)  # converts once, under its own file lock
                key_now = self.key(key.model, part)
            else:
                key_now = key
            self.work.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.work / f"{key_now.folder_name}.lock")):
                retriever = self._load_from_disk(key_now, part) or self._build_locked(key, key_now, part)
            self._remember(key, retriever)
            self._remember(key_now, retriever)
            self._set(key, status="ready", done=len(part.docs), message="ready")
        except Exception as exc:  # noqa: BLE001 - reported to the user through the state
            reason = str(exc) if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
            self._set(key, status="failed", message=f"Building the {key.lang} index of {key.model!r} failed: {reason}")

    def _build_locked(self, key: IndexKey, key_now: IndexKey, part: CorpusPart) -> Retriever:
        folder = self.root / key_now.folder_name
        progress_file = self.work / f"{key_now.folder_name}.progress.json"
        total = len(part.docs)

        def report(done: int, message: str) -> None:
            self._set(key, done=done, total=total, message=message)
            _write_json(progress_file, {"done": done, "total": total})

        with self._lock:
            self.builds += 1
        ids = [doc.doc_id for doc in part.docs]
        if key.model == BM25_NAME:
            from studio.evaluate.bm25 import BM25Index

            report(0, "tokenising")
            index = BM25Index(part.lang)
            index.add(part.texts, ids)
            retriever: Retriever = BM25Retriever(index, part)
        else:
            from studio.modelref import load_model
            from studio.search.index import VectorIndex

            report(0, "loading the model")
            model = load_model(key.model, self.studio)
            vectors = encode_batches(model, part.texts, "passage", BATCH_SIZE,
                                     lambda done: report(done, "encoding passages"))
            index = VectorIndex.from_vectors(vectors, ids)
            retriever = DenseRetriever(key.model, key_now.fingerprint, model, model_lock(model), index, part)
        staging = self.work / f"{key_now.folder_name}.tmp-{os.getpid()}-{threading.get_ident()}"
        try:
            index.save(staging)
            _write_json(staging / "meta.json", {
                "format": FORMAT_VERSION, "model": key.model, "fingerprint": key_now.fingerprint,
                "dataset": part.dataset, "lang": part.lang, "corpus_hash": part.content_hash, "n_docs": total,
            })
            shutil.rmtree(folder, ignore_errors=True)  # an unreadable leftover, replaced under our lock
            os.replace(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            progress_file.unlink(missing_ok=True)
        return retriever.warm_up()


def _open(key: IndexKey, folder: Path, part: CorpusPart, studio: Studio) -> Optional[Retriever]:
    """Load a saved index; None when it does not match the corpus (it is then rebuilt)."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("format") != FORMAT_VERSION or meta.get("corpus_hash") != part.content_hash:
        return None
    ids = [doc.doc_id for doc in part.docs]
    if key.model == BM25_NAME:
        from studio.evaluate.bm25 import BM25Index

        index = BM25Index.load(folder)
        return BM25Retriever(index, part).warm_up() if index.ids == ids else None
    from studio.modelref import load_model
    from studio.search.index import VectorIndex

    index = VectorIndex.load(folder)
    if index.ids != ids:
        return None
    model = load_model(key.model, studio)
    return DenseRetriever(key.model, key.fingerprint, model, model_lock(model), index, part).warm_up()


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _read_progress(path: Path) -> Optional[tuple[int, int]]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return int(payload["done"]), int(payload["total"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


_managers: dict[str, IndexManager] = {}
_managers_lock = threading.Lock()


def get_index_manager(studio: Optional[Studio] = None) -> IndexManager:
    """The index manager of the current data home (one per process and home)."""
    studio = studio or get_studio()
    with _managers_lock:
        manager = _managers.get(str(studio.paths.home))
        if manager is None or manager.studio is not studio:
            manager = _managers[str(studio.paths.home)] = IndexManager(studio)
        return manager
