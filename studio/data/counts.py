"""Exact integer shares of a total (largest-remainder / Hamilton apportionment)."""

from __future__ import annotations

import math
from collections.abc import Mapping


def largest_remainder(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split ``total`` into integers proportional to ``weights`` that add up to ``total`` exactly.

    Each key gets the floor of its quota; the units left go to the largest remainders (ties: the key listed
    first). Keys with weight 0 get 0.

    Example:
        >>> largest_remainder(2000, {"ko-ko": 1, "en-en": 1, "ko-en": 1, "en-ko": 1})
        {'ko-ko': 500, 'en-en': 500, 'ko-en': 500, 'en-ko': 500}
        >>> largest_remainder(10, {"a": 1, "b": 1, "c": 1})
        {'a': 4, 'b': 3, 'c': 3}
    """
    positive = {k: float(w) for k, w in weights.items() if w and w > 0}
    out = {k: 0 for k in weights}
    if total <= 0 or not positive:
        return out
    scale = sum(positive.values())
    quotas = {k: total * w / scale for k, w in positive.items()}
    for key, quota in quotas.items():
        out[key] = math.floor(quota)
    left = total - sum(out.values())
    order = sorted(quotas, key=lambda k: (-(quotas[k] - math.floor(quotas[k])), list(weights).index(k)))
    for key in order[:left]:
        out[key] += 1
    return out
