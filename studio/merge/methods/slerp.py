"""Spherical linear interpolation between two models, tensor by tensor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.merge.base import MergeMethod, ParamSpec, TensorInputs

if TYPE_CHECKING:
    import torch

DOT_THRESHOLD = 0.9995  # nearly colinear tensors: plain linear interpolation is exact enough


def slerp(t: float, v0: torch.Tensor, v1: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Interpolate from ``v0`` (t=0) to ``v1`` (t=1) along the great circle between their directions.

    The angle comes from the normalised tensors; the interpolation weights ``sin((1-t)Ω)/sin Ω`` and
    ``sin(tΩ)/sin Ω`` apply to the tensors as they are (mergekit's ``slerp``). Nearly parallel or
    zero tensors fall back to ``(1-t) v0 + t v1``.
    """
    import torch

    a, b = v0.double().flatten(), v1.double().flatten()
    norm_a, norm_b = a.norm(), b.norm()
    if norm_a < eps or norm_b < eps:
        return torch.lerp(v0, v1, t)
    dot = torch.clamp((a / norm_a) @ (b / norm_b), -1.0, 1.0)
    if dot.abs() > DOT_THRESHOLD:
        return torch.lerp(v0, v1, t)
    omega = torch.arccos(dot)
    sin_omega = torch.sin(omega)
    s0 = torch.sin((1.0 - t) * omega) / sin_omega
    s1 = torch.sin(t * omega) / sin_omega
    return (s0 * a + s1 * b).reshape(v0.shape).to(v0.dtype)


class SlerpMerge(MergeMethod):
    """SLERP between exactly two models; ``t = w_B / (w_A + w_B)`` comes from the two weights.

    ``t = 0`` gives the first model, ``t = 1`` the second; weights ``(0.7, 0.3)`` give ``t = 0.3``.
    Layer-wise weights give a per-layer ``t`` (mergekit's ``t: [0, 0.5, 1]`` gradients).
    Neither ``sentence-transformers`` without mergekit nor ``peft`` offers SLERP on plain tensors, so
    the ~15 lines above follow mergekit's ``merge_methods/slerp.py``.

    Reference: Shoemake, "Animating rotation with quaternion curves" (1985); mergekit ``slerp``.
    """

    name = "slerp"
    label = "SLERP (two models)"
    description = "Spherical interpolation between two models; t is the second model's share of the weights."
    reference = "https://github.com/arcee-ai/mergekit/blob/main/docs/merge_methods.md"
    max_models = 2

    def params(self) -> list[ParamSpec]:
        return []  # t comes from the two weights, which are always normalised

    def merge_tensor(self, inputs: TensorInputs, params: dict[str, Any]) -> torch.Tensor:
        w0, w1 = inputs.weights
        return slerp(w1 / (w0 + w1), inputs.tensors[0], inputs.tensors[1])
