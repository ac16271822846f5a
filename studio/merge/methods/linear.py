"""Linear merging: the weighted average of the parents' weights."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.merge.base import MergeMethod, TensorInputs

if TYPE_CHECKING:
    import torch


def weighted_sum(tensors: list[torch.Tensor], weights: list[float]) -> torch.Tensor:
    """``Σ w_i t_i``: the maths of ``peft.utils.merge_utils.task_arithmetic`` (which stacks, scales and sums,
    four buffers of N tensors each) accumulated into one new buffer, so a merge reads each parent once and
    allocates only its result. Two weights summing to 1 (the slider case) are one ``lerp``: read two, write one.
    The tests check it against peft's.
    """
    if len(tensors) == 2 and abs(weights[0] + weights[1] - 1.0) < 1e-9:
        return tensors[0].lerp(tensors[1], weights[1])
    out = tensors[0] * weights[0]
    for tensor, weight in zip(tensors[1:], weights[1:]):
        out.add_(tensor, alpha=weight)
    return out


class LinearMerge(MergeMethod):
    """``θ = Σ w_i θ_i``: a weighted average of N models ("model soup").

    With ``normalize`` on (the default) the weights are divided by their sum, so ``(2, 1)`` means
    ``(2/3, 1/3)``. The weighted sum is :func:`weighted_sum` (``peft``'s ``task_arithmetic`` applied to
    the weights themselves, fused into one pass).

    Reference: Wortsman et al., "Model soups" (2022), https://arxiv.org/abs/2203.05482

    Example:
        >>> from studio.merge import MergeSpec, merge_models
        >>> merged = merge_models(MergeSpec(models=("ko-only", "mixed"), weights=(0.5, 0.5))).model
    """

    name = "linear"
    label = "Linear (weighted average)"
    description = "Weighted average of the parents' weights; normalised to sum to 1 unless turned off."
    reference = "https://arxiv.org/abs/2203.05482"

    def merge_tensor(self, inputs: TensorInputs, params: dict[str, Any]) -> torch.Tensor:
        return weighted_sum(inputs.tensors, inputs.weights)
