"""Model merging: N compatible sentence-transformers models into one, and the CLIR-vs-monolingual trade-off.

Modules: ``base`` (MergeMethod, ParamSpec), ``registry`` (methods by name), ``methods/`` (linear, slerp,
task vectors: task_arithmetic, ties, dare_linear, dare_ties), ``spec`` (MergeSpec: what to merge),
``validation`` (checks before any work), ``layerwise`` (per-group weights over depth), ``engine`` (tensor
by tensor), ``io`` (in-memory model, atomic save + lineage), ``preview`` (quick evaluation, parents cached),
``sweep`` (k-step interpolation, Pareto front, the ``sweep`` job kind), ``plots`` (plotly builders).

Example:
    >>> from studio.merge import MergeSpec, merge_models, save_merged
    >>> spec = MergeSpec.make(["ko-only", "mixed"], [0.3, 0.7], method="slerp")
    >>> model = merge_models(spec).model          # in memory, nothing written
    >>> record = save_merged(spec, "ko-mixed-slerp")  # models/merged/ko-mixed-slerp, registered
"""

from __future__ import annotations

from typing import Any

from studio.merge.base import MergeError, MergeMethod, ParamSpec
from studio.merge.spec import MergeSpec

__all__ = ["MergeError", "MergeMethod", "MergeSpec", "ParamSpec", "merge_models", "save_merged", "preview",
           "run_sweep"]

_LAZY = {"merge_models": "studio.merge.io", "save_merged": "studio.merge.io", "MergeOutcome": "studio.merge.io",
         "preview": "studio.merge.preview", "run_sweep": "studio.merge.sweep"}


def __getattr__(name: str) -> Any:  # torch-heavy modules load on first use, so the CLI starts fast
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
