"""Merge methods keyed by stable names; the UI dropdown and the CLI choices read this registry."""

from __future__ import annotations

from studio.merge.base import MergeError, MergeMethod, ParamSpec
from studio.merge.methods.linear import LinearMerge
from studio.merge.methods.slerp import SlerpMerge
from studio.merge.methods.task_vectors import DARE_LINEAR, DARE_TIES, TASK_ARITHMETIC, TIES

_METHODS: dict[str, MergeMethod] = {}


def register(method: MergeMethod) -> MergeMethod:
    """Add a method; a second method with the same name, or a parameter clash, is a programming error."""
    if method.name in _METHODS:
        raise ValueError(f"duplicate merge method {method.name!r}")
    known = {spec.name: spec for other in _METHODS.values() for spec in other.params()}
    for spec in method.params():
        if spec.name in known and (known[spec.name].type, known[spec.name].range) != (spec.type, spec.range):
            raise ValueError(f"parameter {spec.name!r} of {method.name} clashes with another method's")
    _METHODS[method.name] = method
    return method


for _method in (LinearMerge(), SlerpMerge(), TASK_ARITHMETIC, TIES, DARE_LINEAR, DARE_TIES):
    register(_method)


def names() -> list[str]:
    """Method names in display order."""
    return list(_METHODS)


def get(name: str) -> MergeMethod:
    """The method called ``name``, or MergeError listing the known ones."""
    key = (name or "").strip().lower().replace("-", "_")
    if key not in _METHODS:
        raise MergeError(f"Unknown merge method {name!r}; choose one of: {', '.join(_METHODS)}.")
    return _METHODS[key]


def all_params() -> list[ParamSpec]:
    """Every parameter of every method, once each (one UI control or CLI flag per name)."""
    seen: dict[str, ParamSpec] = {}
    for method in _METHODS.values():
        for spec in method.params():
            seen.setdefault(spec.name, spec)
    return list(seen.values())
