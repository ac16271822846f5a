"""The job kinds: a stable name -> ``"module:function"`` of ``run(payload, ctx) -> dict``.

Adding a kind is one line in ``KINDS``. Targets are imported lazily, inside the worker, so the
app and the CLI never import torch just to list or queue jobs.

Example:
    >>> from studio.jobs.kinds import get_kind
    >>> run = get_kind("train")          # imports studio.train.job
    >>> result = run(payload, ctx)       # what the worker does
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Callable

from studio.errors import StudioError

KindFunction = Callable[[dict[str, Any], Any], dict[str, Any]]

KINDS: dict[str, str] = {
    "train": "studio.train.job:run",
    "evaluate": "studio.evaluate.job:run",
    "study": "studio.study.runner:run",
    "sweep": "studio.merge.sweep:run",
}

# Kinds whose worker runs under torch.distributed (one process per GPU) when several GPUs are present.
DISTRIBUTED_KINDS = frozenset({"train"})

# Extra kinds for tests and plug-ins: "name=module:function;name2=module:function2".
EXTRA_KINDS_ENV = "STUDIO_EXTRA_JOB_KINDS"


class UnknownJobKindError(StudioError):
    """A job names a kind that is not registered."""


def _extra_kinds() -> dict[str, str]:
    extra: dict[str, str] = {}
    for item in os.environ.get(EXTRA_KINDS_ENV, "").split(";"):
        name, _, target = item.strip().partition("=")
        if name and target:
            extra[name.strip()] = target.strip()
    return extra


def kind_names() -> list[str]:
    """Registered kind names, sorted (for choices and messages)."""
    return sorted({**KINDS, **_extra_kinds()})


def kind_target(name: str) -> str:
    """The ``"module:function"`` of kind ``name``; fails clearly on an unknown kind."""
    table = {**_extra_kinds(), **KINDS}
    if name not in table:
        raise UnknownJobKindError(f"Unknown job kind {name!r}; known kinds: {', '.join(kind_names())}.")
    return table[name]


def get_kind(name: str) -> KindFunction:
    """Import and return the ``run(payload, ctx)`` function of kind ``name``."""
    target = kind_target(name)
    module_name, _, function_name = target.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as exc:
        raise UnknownJobKindError(f"Job kind {name!r} points at {target!r}, which cannot be imported: {exc}") from exc
    if not callable(function):
        raise UnknownJobKindError(f"Job kind {name!r} points at {target!r}, which is not a function.")
    return function
