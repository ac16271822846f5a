"""Library functions over registered models: list, describe, register, forget, embed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from studio import __version__
from studio.context import BUNDLED_MODEL_NAME, Studio, get_studio
from studio.errors import StudioError
from studio.modelref import ModelRefError, load_model, model_dir
from storage.records import ModelRecord

if TYPE_CHECKING:
    import numpy as np

MAX_NAME_LENGTH = 120


def validate_name(name: str, what: str = "model") -> str:
    """Check a user-chosen name: printable, no path tricks, not too long."""
    name = name.strip()
    if not name:
        raise StudioError(f"Give the {what} a name.")
    if len(name) > MAX_NAME_LENGTH:
        raise StudioError(f"The {what} name is {len(name)} characters long; keep it under {MAX_NAME_LENGTH}.")
    if name.startswith(("/", ".", "~")) or ".." in name or "\\" in name or not name.isprintable():
        raise StudioError(f"{name!r} is not a usable {what} name: use letters, digits, '-', '_', '.' and '/'.")
    if any(part in ("", ".") for part in name.split("/")):
        # "a//b", "a/./b" and "a/" would name the same folder as "a/b" and "a" (pathlib drops the extra parts)
        raise StudioError(f"{name!r} is not a usable {what} name: no empty or '.' parts between slashes.")
    return name


def is_ready(studio: Studio, record: ModelRecord) -> bool:
    """Whether the model's files are on disk (the bundled model converts on first use)."""
    path = model_dir(studio, record.path)
    return (path / "modules.json").is_file() or (path / "config.json").is_file()


def model_summaries(studio: Optional[Studio] = None) -> list[dict[str, Any]]:
    """One row per registered model: name, kind, ready, created."""
    studio = studio or get_studio()
    return [
        {
            "name": record.name,
            "kind": record.kind,
            "ready": "yes" if is_ready(studio, record) else ("converts on first use" if record.kind == "bundled" else "missing"),
            "created": record.created_at.strftime("%Y-%m-%d %H:%M"),
            "description": record.description,
        }
        for record in studio.store.list_models()
    ]


def model_details(name: str, studio: Optional[Studio] = None) -> dict[str, Any]:
    """Everything known about one model, including its lineage."""
    studio = studio or get_studio()
    record = studio.store.get_model(name)
    base = studio.store.get_model(record.base_model_id).name if record.base_model_id else None
    return {
        "name": record.name,
        "kind": record.kind,
        "path": str(model_dir(studio, record.path)),
        "ready": is_ready(studio, record),
        "description": record.description,
        "base_model": base,
        "parents": [{"name": p.parent_name, "weight": p.weight} for p in record.parents],
        "dataset_id": record.dataset_id,
        "mix_id": record.mix_id,
        "config": record.config,
        "app_version": record.app_version,
        "created": record.created_at.isoformat(timespec="seconds"),
    }


def register_local_model(name: str, path: str | Path, studio: Optional[Studio] = None) -> ModelRecord:
    """Register an existing sentence-transformers or transformers folder under ``name``."""
    studio = studio or get_studio()
    name = validate_name(name)
    folder = Path(path).expanduser().resolve()
    if not ((folder / "modules.json").is_file() or (folder / "config.json").is_file()):
        raise ModelRefError(f"{folder} is not a model folder (no modules.json or config.json).")
    return studio.store.add_model(name, "imported", str(folder), app_version=__version__,
                                  description=f"imported from {folder}")


def forget_model(name: str, studio: Optional[Studio] = None) -> None:
    """Remove a model from the registry (files stay on disk)."""
    studio = studio or get_studio()
    if name == BUNDLED_MODEL_NAME:
        raise StudioError("The bundled base model cannot be deleted; every other model derives from it.")
    studio.store.delete_model(name)


def embed(reference: str, texts: list[str], prompt: str = "query", studio: Optional[Studio] = None) -> np.ndarray:
    """Embed ``texts`` with the model's ``query`` or ``passage`` prompt; rows are unit-norm."""
    model = load_model(reference, studio)
    prompt_name = prompt if prompt in (model.prompts or {}) else None
    return model.encode(texts, prompt_name=prompt_name, normalize_embeddings=True, convert_to_numpy=True)
