"""Task-vector methods: task arithmetic, TIES, DARE (linear and TIES), as one configurable class.

Each parent becomes a task vector ``τ_i = θ_i - θ_base``; the vectors are optionally sparsified
(by magnitude for TIES, at random with rescaling for DARE), optionally reduced by sign election and a
disjoint mean (TIES), weighted and added back: ``θ = θ_base + scale · merge(τ)``. The maths is
``peft.utils.merge_utils`` (``ties``, ``dare_linear``, ``dare_ties``), tensor by tensor, as mergekit expresses
the family as sparsification × consensus in one class; plain task arithmetic is the same linear combination
as peft's ``task_arithmetic``, rewritten as one weighted sum over base and parents (tests compare the two).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from studio.merge.base import NORMALIZE, MergeMethod, ParamSpec, TensorInputs
from studio.merge.methods.linear import weighted_sum

if TYPE_CHECKING:
    import torch

SCALE = ParamSpec("scale", "float", 1.0, (0.0, 3.0), "λ: how much of the merged task vector to add to the base.",
                  step=0.05)
DENSITY = ParamSpec("density", "float", 0.5, (0.0, 1.0), "Fraction of each task vector's entries kept.", step=0.05)
SEED = ParamSpec("seed", "int", 0, (0, 2**31 - 1), "Seed of DARE's random drop (same seed, same model).", step=1)
MAJORITY_SIGN = ParamSpec(
    "majority_sign", "choice", "total", help="Sign election: by summed magnitude (total) or by count (frequency).",
    choices=("total", "frequency"),
)
NORMALIZE_DISJOINT = ParamSpec(
    "normalize", "bool", True,
    help="Rescale the weights to average 1, so equal weights give TIES' plain disjoint mean.",
)


class TaskVectorMerge(MergeMethod):
    """Task vectors against a base model, combined by one of peft's merge functions.

    Args:
        name: registry key (``task_arithmetic``, ``ties``, ``dare_linear``, ``dare_ties``).
        label: display name.
        description: one sentence for the UI.
        reference: paper URL.
        sparsify: ``None``, ``"magnitude"`` (TIES: keep the ``density`` largest entries) or ``"random"``
            (DARE: keep each entry with probability ``density`` and divide by it).
        consensus: elect a sign per entry and average only the agreeing entries (TIES); otherwise the
            weighted sum of the (sparsified) task vectors.

    With ``normalize`` on, weights sum to 1 for the summing variants; for the consensus variants they are
    rescaled to average 1, because peft's disjoint merge already divides by the number of agreeing models.
    """

    needs_base = True
    zero_sum_allowed_unnormalised = True

    def __init__(self, name: str, label: str, description: str, reference: str,
                 sparsify: Optional[str] = None, consensus: bool = False) -> None:
        self.name, self.label, self.description, self.reference = name, label, description, reference
        self.sparsify, self.consensus = sparsify, consensus
        extra = [SCALE]
        if sparsify:
            extra.append(DENSITY)
        if sparsify == "random":
            extra.append(SEED)
        if consensus:
            extra.append(MAJORITY_SIGN)
        self.extra_params = tuple(extra)

    def params(self) -> list[ParamSpec]:
        return [NORMALIZE_DISJOINT if self.consensus else NORMALIZE, *self.extra_params]

    def normalise_weights(self, weights: list[float]) -> list[float]:
        if not self.consensus:
            return super().normalise_weights(weights)
        total = sum(weights)
        return [w * len(weights) / total for w in weights]

    def _combine(self) -> Callable[..., torch.Tensor]:
        from peft.utils import merge_utils

        table = {
            (None, False): merge_utils.task_arithmetic,
            ("magnitude", True): merge_utils.ties,
            ("random", False): merge_utils.dare_linear,
            ("random", True): merge_utils.dare_ties,
            ("magnitude", False): merge_utils.magnitude_prune,
        }
        return table[(self.sparsify, self.consensus)]

    def merge_tensor(self, inputs: TensorInputs, params: dict[str, Any]) -> torch.Tensor:
        assert inputs.base is not None, "task-vector methods need the base tensor"
        if not self.sparsify and not self.consensus:
            # base + λ Σ w_i (θ_i - base) = (1 - λ Σ w_i) base + Σ λ w_i θ_i: one pass, no task-vector buffers.
            scale = params["scale"]
            return weighted_sum([inputs.base, *inputs.tensors],
                                [1.0 - scale * sum(inputs.weights), *(scale * w for w in inputs.weights)])
        import torch

        vectors = [tensor - inputs.base for tensor in inputs.tensors]
        weights = torch.tensor(inputs.weights, dtype=inputs.base.dtype)
        kwargs: dict[str, Any] = {}
        if self.sparsify:
            kwargs["density"] = params["density"]
        if self.consensus:
            kwargs["majority_sign_method"] = params["majority_sign"]
        if self.sparsify == "random" and params["density"] <= 0.0:
            return inputs.base.clone()  # everything dropped (peft would divide by zero)
        merged = self._combine()(vectors, weights, **kwargs)
        return inputs.base + params["scale"] * merged


TASK_ARITHMETIC = TaskVectorMerge(
    "task_arithmetic", "Task arithmetic",
    "Adds the weighted task vectors (model minus base) to the base, scaled by λ.",
    "https://arxiv.org/abs/2212.04089",
)
TIES = TaskVectorMerge(
    "ties", "TIES",
    "Trims each task vector to its largest entries, elects a sign per entry and averages the agreeing ones.",
    "https://arxiv.org/abs/2306.01708", sparsify="magnitude", consensus=True,
)
DARE_LINEAR = TaskVectorMerge(
    "dare_linear", "DARE (linear)",
    "Drops task-vector entries at random, rescales the rest by 1/density and adds the weighted sum.",
    "https://arxiv.org/abs/2311.03099", sparsify="random",
)
DARE_TIES = TaskVectorMerge(
    "dare_ties", "DARE (TIES)",
    "DARE's random drop and rescale, then TIES' sign election and disjoint mean.",
    "https://arxiv.org/abs/2311.03099", sparsify="random", consensus=True,
)
