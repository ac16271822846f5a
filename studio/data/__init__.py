"""Parallel Korean–English data: import, validation, record-level splits and language mixes.

Public API (imported lazily, so ``import studio.data`` stays cheap):

* ``import_dataset``, ``inspect_source``, ``validate_source`` (:mod:`studio.data.ingest`)
* ``get_dataset``, ``list_datasets``, ``load_records``, ``delete_dataset`` (:mod:`studio.data.registry`)
* ``split_dataset`` (:mod:`studio.data.splits`)
* ``compose_mix``, ``preview_mix``, ``save_mix``, ``load_mix_pairs``, ``list_mixes``, ``get_mix``,
  ``delete_mix``, ``PRESETS`` (:mod:`studio.data.mixes`)

Storage contracts are in ``docs/architecture.md`` (Data contracts).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "import_dataset": "ingest", "inspect_source": "ingest", "validate_source": "ingest",
    "get_dataset": "registry", "list_datasets": "registry", "load_records": "registry",
    "delete_dataset": "registry", "find_dataset": "registry", "DEMO_DATASET": "registry",
    "split_dataset": "splits",
    "compose_mix": "mixes", "preview_mix": "mixes", "save_mix": "mixes", "load_mix_pairs": "mixes",
    "list_mixes": "mixes", "get_mix": "mixes", "delete_mix": "mixes", "PRESETS": "mixes",
    "DataError": "errors", "ImportRejected": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'studio.data' has no attribute {name!r}")
    return getattr(importlib.import_module(f"studio.data.{module}"), name)
