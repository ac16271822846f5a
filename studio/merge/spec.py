"""What to merge, as one typed value: the payload a sweep job stores and the config a merged model records."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Optional, Sequence

# The quick-evaluation subset of previews and sweeps: the first DEFAULT_LIMIT queries of the demo dev split.
DEFAULT_DATASET = "demo/ko-en-qa"
DEFAULT_SPLIT = "dev"
DEFAULT_LIMIT = 32


@dataclass(frozen=True)
class MergeSpec:
    """A merge request.

    Attributes:
        models: parent references (registered names, or model folders), two or more.
        weights: one weight per parent (the sliders); normalised by the method unless ``normalize`` is off.
        method: a name from ``studio.merge.registry``.
        base: reference of the base model, required by task-vector methods.
        params: the method's parameters (see its ``params()``); missing ones take their defaults.
        layerwise: optional per-group weights, see ``studio.merge.layerwise``.
    """

    models: tuple[str, ...]
    weights: tuple[float, ...] = ()
    method: str = "linear"
    base: Optional[str] = None
    params: dict[str, Any] = field(default_factory=dict)
    layerwise: Optional[dict[str, Any]] = None

    @classmethod
    def make(cls, models: Sequence[str], weights: Optional[Sequence[float]] = None, method: str = "linear",
             base: Optional[str] = None, params: Optional[dict[str, Any]] = None,
             layerwise: Optional[dict[str, Any]] = None) -> MergeSpec:
        """Build a spec from loose inputs (lists, blanks); equal weights when none are given."""
        models = tuple(m.strip() for m in models if m and m.strip())
        weights = tuple(float(w) for w in weights) if weights else tuple(1.0 for _ in models)
        base = base.strip() if base and base.strip() else None
        return cls(models, weights, method, base, dict(params or {}), layerwise or None)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MergeSpec:
        return cls.make(data["models"], data.get("weights"), data.get("method", "linear"), data.get("base"),
                        data.get("params"), data.get("layerwise"))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["models"], data["weights"] = list(self.models), list(self.weights)
        return data

    def with_weights(self, weights: Sequence[float]) -> MergeSpec:
        return replace(self, weights=tuple(float(w) for w in weights))

    def key(self) -> str:
        """A stable digest of the request (to reuse a preview's model when saving it)."""
        return hashlib.sha1(json.dumps(self.to_dict(), sort_keys=True, default=str).encode()).hexdigest()
