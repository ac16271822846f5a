"""One resolver for model references: a registered name, a local directory, or a Hub id.

Loading never passes ``trust_remote_code``. Offline (``HF_HUB_OFFLINE=1``, the default
on machines without Hub access), a Hub id fails with a message naming the local choices.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from studio.context import BUNDLED_MODEL_NAME, Studio, get_studio
from studio.errors import StudioError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_CACHE_SIZE = 3
_cache: OrderedDict[tuple[str, float], SentenceTransformer] = OrderedDict()
_cache_lock = threading.Lock()


class ModelRefError(StudioError):
    """A model reference cannot be resolved or loaded."""


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model reference points."""

    name: str  # registered name, or the reference as given
    location: str  # a local directory, or a Hub id
    kind: str  # bundled | trained | merged | imported | local | hub
    registered: bool

    @property
    def is_local(self) -> bool:
        return self.kind != "hub"


def hub_offline() -> bool:
    """True when the Hugging Face Hub must not be contacted."""
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")


def local_choices(studio: Studio) -> list[str]:
    """Names of the registered models, for error messages and dropdowns."""
    return [record.name for record in studio.store.list_models()]


def _is_model_dir(path: Path) -> bool:
    return (path / "modules.json").is_file() or (path / "config.json").is_file()


def model_dir(studio: Studio, stored_path: str) -> Path:
    """Absolute directory of a registered model (paths may be stored relative to ``models/``)."""
    path = Path(stored_path)
    return path if path.is_absolute() else studio.paths.models / path


def ensure_bundled(studio: Studio, progress: Optional[Callable[[str], None]] = None) -> Path:
    """Convert the bundled base model on first use and return its directory."""
    from studio.bundled import ensure_bundled_model

    record = studio.store.get_model(BUNDLED_MODEL_NAME)
    return ensure_bundled_model(model_dir(studio, record.path), progress=progress)


def resolve_model(reference: str, studio: Optional[Studio] = None) -> ResolvedModel:
    """Resolve ``reference`` to a local directory or a Hub id.

    Raises:
        ModelRefError: unknown name, a directory that is not a model, or a Hub id while offline.
    """
    studio = studio or get_studio()
    reference = reference.strip()
    if not reference:
        raise ModelRefError("No model given; pick one of: " + ", ".join(local_choices(studio)))
    record = studio.store.find_model(reference)
    if record is not None:
        if record.kind == "bundled":
            return ResolvedModel(record.name, str(ensure_bundled(studio)), record.kind, True)
        path = model_dir(studio, record.path)
        if not _is_model_dir(path):
            raise ModelRefError(
                f"The files of model {record.name!r} are missing from {path}; delete it with "
                f"`clir-studio models delete {record.name}` or restore the folder."
            )
        return ResolvedModel(record.name, str(path), record.kind, True)
    path = Path(reference).expanduser()
    if path.is_dir():
        if not _is_model_dir(path):
            raise ModelRefError(f"{path} is a folder but not a model (no modules.json or config.json in it).")
        return ResolvedModel(reference, str(path.resolve()), "local", False)
    choices = ", ".join(local_choices(studio)) or "none registered yet"
    if HUB_ID.match(reference) and not hub_offline():
        return ResolvedModel(reference, reference, "hub", False)
    if HUB_ID.match(reference):
        raise ModelRefError(
            f"{reference!r} is not a registered model, and the Hugging Face Hub is offline (HF_HUB_OFFLINE=1), "
            f"so it cannot be downloaded. Local models: {choices}."
        )
    raise ModelRefError(f"Unknown model {reference!r}: not a registered name, a model folder or a Hub id. "
                        f"Local models: {choices}.")


def _cache_key(resolved: ResolvedModel) -> tuple[str, float]:
    if not resolved.is_local:
        return (resolved.location, 0.0)
    path = Path(resolved.location)
    stamps = [p.stat().st_mtime for p in path.glob("*.safetensors")] + [path.stat().st_mtime]
    return (resolved.location, max(stamps))


def load_model(reference: str, studio: Optional[Studio] = None, device: Optional[str] = None) -> SentenceTransformer:
    """Load a sentence-transformers model by reference, keeping the last few in memory.

    A plain transformers directory gets mean pooling; Hub downloads happen only online.
    """
    resolved = resolve_model(reference, studio)
    key = _cache_key(resolved)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(resolved.location, device=device, trust_remote_code=False)
    except (OSError, ValueError) as exc:
        raise ModelRefError(f"Could not load model {reference!r} from {resolved.location}: {exc}") from exc
    with _cache_lock:
        _cache[key] = model
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return model


_fingerprints: dict[tuple, str] = {}
_FINGERPRINT_SKIP = ("README.md",)


def _model_files(folder: Path) -> list[Path]:
    """Files that define a model folder's behaviour (hidden files and the README card left out)."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.name not in _FINGERPRINT_SKIP
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def model_fingerprint(resolved: ResolvedModel) -> str:
    """A content hash of a local model folder (weights, configs, tokenizer): equal files, equal fingerprint.

    Hub models are fingerprinted by id only (their files live in the Hub cache). Results are memoised per
    process by file sizes and modification times, so repeated calls cost a ``stat`` per file.
    """
    import hashlib

    if not resolved.is_local:
        return "hub-" + hashlib.sha256(resolved.location.encode()).hexdigest()[:24]
    folder = Path(resolved.location)
    files = _model_files(folder)
    signature = tuple((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    key = (str(folder), signature)
    if key not in _fingerprints:
        digest = hashlib.sha256()
        for path, (relative, size, _) in zip(files, signature):
            digest.update(f"{relative}\0{size}\0".encode())
            inner = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    inner.update(chunk)
            digest.update(inner.digest())
        _fingerprints[key] = digest.hexdigest()[:24]
    return _fingerprints[key]
