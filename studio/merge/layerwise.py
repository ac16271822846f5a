"""Layer-wise weights: separate weights for the embeddings and the encoder layers, interpolated over depth.

A layer-wise setting is a dict with two optional groups, each holding one entry per parent model:

    {"embeddings": [0.8, 0.2],                  # a weight per model for the embedding tables
     "layers": [[0.8, 0.2], [0.2, 0.8]]}        # per model a scalar or a gradient over depth

A gradient ``[a, b, c]`` is mergekit's ``ScalarOrGradient``: its values are spread evenly from the
first encoder layer (``a``) to the last (``c``) and interpolated linearly in between. Tensors after the
encoder (pooler, dense heads) take the last layer's value. A group that is absent uses the spec's
plain weights. The UI's "embeddings, lower layers, upper layers" sliders are ``from_groups``.
"""

from __future__ import annotations

import math
import re
from typing import Any, Optional, Sequence

from studio.merge.base import MergeError

GROUPS = ("embeddings", "layers")
_LAYER = re.compile(r"(?:^|\.)(?:layer|layers|h|block|blocks)\.(\d+)\.")


def gradient_value(value: float | Sequence[float], t: float) -> float:
    """The value of a scalar or gradient at relative depth ``t`` in [0, 1]."""
    if isinstance(value, (int, float)):
        return float(value)
    values = [float(v) for v in value]
    if len(values) == 1:
        return values[0]
    position = min(max(t, 0.0), 1.0) * (len(values) - 1)
    low = min(int(math.floor(position)), len(values) - 2)
    frac = position - low
    return values[low] * (1.0 - frac) + values[low + 1] * frac


def locate(key: str) -> tuple[str, Optional[int]]:
    """Which group a state-dict key belongs to: ("embeddings", None), ("layer", i) or ("head", None)."""
    match = _LAYER.search(key)
    if match:
        return "layer", int(match.group(1))
    if "embed" in key:
        return "embeddings", None
    return "head", None


def count_layers(keys: Sequence[str]) -> int:
    """Number of encoder layers seen in the keys."""
    indices = [index for group, index in map(locate, keys) if group == "layer" and index is not None]
    return max(indices) + 1 if indices else 0


def check_layerwise(layerwise: Optional[dict[str, Any]], n_models: int) -> Optional[dict[str, Any]]:
    """Validate the shape of a layer-wise setting (one entry per model, numbers or number lists)."""
    if not layerwise:
        return None
    unknown = set(layerwise) - set(GROUPS)
    if unknown:
        raise MergeError(f"Layer-wise weights take the groups {', '.join(GROUPS)}, not {', '.join(sorted(unknown))}.")
    for group, values in layerwise.items():
        if values is None:
            continue
        if len(values) != n_models:
            raise MergeError(f"Layer-wise {group!r} weights need one entry per model ({n_models}), got {len(values)}.")
        for value in values:
            items = [value] if isinstance(value, (int, float)) else list(value)
            if not items or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in items):
                raise MergeError(f"Layer-wise {group!r} weights must be numbers or lists of numbers, not {value!r}.")
    return layerwise


def weights_for_key(key: str, weights: Sequence[float], layerwise: Optional[dict[str, Any]],
                    n_layers: int) -> list[float]:
    """The per-model weights that apply to one tensor."""
    if not layerwise:
        return list(weights)
    group, index = locate(key)
    if group == "embeddings":
        values = layerwise.get("embeddings")
        return [float(v) for v in values] if values is not None else list(weights)
    layers = layerwise.get("layers")
    if layers is None:
        return list(weights)
    t = 1.0 if group == "head" or n_layers <= 1 else (index or 0) / (n_layers - 1)
    return [gradient_value(value, t) for value in layers]


def from_groups(embeddings: Sequence[float], lower: Sequence[float], upper: Sequence[float]) -> dict[str, Any]:
    """The UI's three sliders per model as a layer-wise setting (lower → upper is a two-point gradient)."""
    return {"embeddings": [float(e) for e in embeddings],
            "layers": [[float(lo), float(hi)] for lo, hi in zip(lower, upper)]}
