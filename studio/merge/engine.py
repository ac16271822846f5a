"""Walk the parents' state dicts and merge tensor by tensor with the chosen method."""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Callable, Optional

import torch

from studio.merge.base import MergeError, TensorInputs
from studio.merge.layerwise import count_layers, locate, weights_for_key
from studio.merge.validation import CheckedRequest, check_weights

if TYPE_CHECKING:
    from collections.abc import Sequence

Progress = Callable[[int, int, str], None]


def unique_state(model: torch.nn.Module) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """One entry per tensor object (tied weights once) and a map from every key to its representative."""
    state: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    seen: dict[int, str] = {}
    for key, tensor in model.state_dict(keep_vars=True).items():
        canonical = seen.setdefault(id(tensor), key)
        aliases[key] = canonical
        if canonical == key:
            state[key] = tensor.detach()
    return state, aliases


def weight_plan(request: CheckedRequest, keys: Sequence[str]) -> dict[str, list[float]]:
    """The weights each tensor gets (layer-wise or plain, normalised as the method wants), checked up front."""
    n_layers = count_layers(keys)
    plan: dict[str, list[float]] = {}
    checked: dict[tuple[str, int | None], list[float]] = {}
    for key in keys:
        weights = weights_for_key(key, request.spec.weights, request.layerwise, n_layers)
        where = locate(key)
        if where not in checked:
            label = {"embeddings": " for the embeddings", "head": " after the encoder"}.get(
                where[0], f" at layer {where[1]}")
            check_weights(weights, request.method, request.normalize, label if request.layerwise else "")
            checked[where] = weights
        plan[key] = request.method.normalise_weights(weights) if request.normalize else weights
    return plan


@torch.no_grad()
def merge_states(
    request: CheckedRequest,
    states: Sequence[dict[str, torch.Tensor]],
    base_state: Optional[dict[str, torch.Tensor]] = None,
    progress: Optional[Progress] = None,
    plan: Optional[dict[str, list[float]]] = None,
) -> dict[str, torch.Tensor]:
    """Merged tensors for every key of the first state dict; non-float entries come from the first parent.

    ``plan`` (from :func:`weight_plan`, which checks it) gives each tensor's weights; computed when absent.
    """
    keys = list(states[0])
    plan = plan if plan is not None else weight_plan(request, keys)
    method, params = request.method, request.params
    seed = params.get("seed")
    merged: dict[str, torch.Tensor] = {}
    started = time.monotonic()
    with warnings.catch_warnings(), torch.random.fork_rng(devices=[]):
        warnings.simplefilter("ignore", UserWarning)  # peft warns once per tensor when density >= 1
        for index, key in enumerate(keys):
            first = states[0][key]
            if not first.is_floating_point():
                merged[key] = first.clone()
                continue
            if seed is not None:
                torch.manual_seed(int(seed) + index)
            tensors = [state[key].float() for state in states]
            base = base_state[key].float() if base_state is not None else None
            inputs = TensorInputs(key, tensors, plan[key], base, index)
            result = method.merge_tensor(inputs, params)
            if not torch.isfinite(result.sum()):  # one read, no mask buffer; NaN and inf propagate into the sum
                raise MergeError(f"{method.label} produced NaN or infinite values in {key}; "
                                 "check the weights and parameters (e.g. a density of 0 with rescaling).")
            merged[key] = result.to(first.dtype)
            if progress is not None and (index % 20 == 0 or index == len(keys) - 1):
                progress(index + 1, len(keys), f"merged {index + 1}/{len(keys)} tensors "
                                               f"({time.monotonic() - started:.1f} s)")
    return merged
