"""The merge-method interface: a name, parameters declared as data, and the per-tensor maths.

A method sees one tensor at a time: the parents' versions of it, one weight per parent (already
resolved for that tensor, so layer-wise weights need nothing special), the base model's version
for task-vector methods, and its parameter values. ``studio.merge.engine`` walks the state dict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Optional

from studio.errors import StudioError

if TYPE_CHECKING:
    import torch


class MergeError(StudioError):
    """A merge cannot start or finish: bad models, weights, method or parameters."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a merge method, declared as data so UI sliders, CLI flags and checks derive from it.

    Attributes:
        name: key in the parameters dict and CLI flag (``--name``, underscores become dashes).
        type: ``"float"``, ``"int"``, ``"bool"`` or ``"choice"``.
        default: value used when the parameter is not given.
        range: ``(low, high)`` inclusive bounds for numbers; ``None`` means unbounded.
        choices: allowed values of a ``"choice"`` parameter.
        help: one sentence for the UI info text and the CLI help.
        step: slider step for numbers.
    """

    name: str
    type: str
    default: Any
    range: Optional[tuple[float, float]] = None
    help: str = ""
    choices: tuple[str, ...] = ()
    step: Optional[float] = None

    def coerce(self, value: Any, method: str) -> Any:
        """``value`` converted to this parameter's type and checked, or MergeError naming the method."""
        try:
            if self.type == "bool":
                value = value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")
            elif self.type == "int":
                value = int(value)
            elif self.type == "float":
                value = float(value)
            else:
                value = str(value)
        except (TypeError, ValueError) as exc:
            raise MergeError(f"Parameter {self.name!r} of {method} must be a {self.type}, not {value!r}.") from exc
        if self.range is not None and not self.range[0] <= value <= self.range[1]:
            raise MergeError(
                f"Parameter {self.name!r} of {method} must lie in [{self.range[0]}, {self.range[1]}], not {value}."
            )
        if self.choices and value not in self.choices:
            raise MergeError(f"Parameter {self.name!r} of {method} must be one of {', '.join(self.choices)}.")
        return value


@dataclass(frozen=True)
class TensorInputs:
    """What a method merges for one state-dict entry."""

    key: str
    tensors: list[torch.Tensor]  # one per parent, same shape, float32
    weights: list[float]  # one per parent, normalised already when the method asks for it
    base: Optional[torch.Tensor] = None
    index: int = 0  # position of the entry in the state dict (seeds per-tensor randomness)


class MergeMethod:
    """A merge method: what it is called, what it needs, and how it merges one tensor.

    Subclasses (or configured instances, see ``methods/task_vectors.py``) set these attributes and
    implement :meth:`merge_tensor`; ``studio.merge.registry`` keys instances by ``name``.
    """

    name: str = ""
    label: str = ""
    description: str = ""
    reference: str = ""
    needs_base: bool = False
    min_models: int = 2
    max_models: Optional[int] = None
    extra_params: tuple[ParamSpec, ...] = ()
    # Task-vector weights may legitimately sum to zero when not normalised (A - B as a direction).
    zero_sum_allowed_unnormalised: bool = False

    def params(self) -> list[ParamSpec]:
        """Parameters of this method, in display order."""
        return [NORMALIZE, *self.extra_params]

    def resolve_params(self, given: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        """Defaults filled in, values coerced and checked; unknown names are an error."""
        given = {k: v for k, v in (given or {}).items() if v is not None}
        specs = {spec.name: spec for spec in self.params()}
        unknown = sorted(set(given) - set(specs))
        if unknown:
            raise MergeError(
                f"{self.name} takes no parameter {', '.join(map(repr, unknown))}; "
                f"it takes {', '.join(specs) or 'none'}."
            )
        return {name: spec.coerce(given.get(name, spec.default), self.name) for name, spec in specs.items()}

    def normalise_weights(self, weights: list[float]) -> list[float]:
        """Weights scaled as the method expects when ``normalize`` is on (default: sum to 1)."""
        total = sum(weights)
        return [w / total for w in weights]

    def merge_tensor(self, inputs: TensorInputs, params: dict[str, Any]) -> torch.Tensor:
        """The merged tensor (float32, the parents' shape)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<merge method {self.name}>"

    def describe(self) -> dict[str, Any]:
        """The method as data, for the UI and ``--help``."""
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "reference": self.reference,
            "needs_base": self.needs_base,
            "min_models": self.min_models,
            "max_models": self.max_models,
            "params": [asdict(spec) for spec in self.params()],
        }


NORMALIZE = ParamSpec(
    "normalize", "bool", True,
    help="Divide the model weights by their sum, so they add up to 1 (turn off to use them as given).",
)
