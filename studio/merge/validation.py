"""Checks that run before any merging: the request itself, then the loaded models' compatibility.

Every failure is a ``MergeError`` with one sentence saying what is wrong and what to do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Sequence

from studio.merge import registry
from studio.merge.base import MergeError, MergeMethod
from studio.merge.layerwise import check_layerwise
from studio.merge.spec import MergeSpec

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Transformer config fields that may differ between fine-tunes of one base.
_IGNORED_CONFIG = {"architectures", "transformers_version", "torch_dtype", "dtype", "name_or_path", "_name_or_path",
                   "id2label", "label2id", "output_hidden_states", "output_attentions", "return_dict"}
_ARCH_FIELDS = ("model_type", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                "vocab_size", "max_position_embeddings")


@dataclass(frozen=True)
class CheckedRequest:
    """A request that passed the cheap checks: the method object and its full parameters."""

    spec: MergeSpec
    method: MergeMethod
    params: dict[str, Any]
    layerwise: Optional[dict[str, Any]]

    @property
    def normalize(self) -> bool:
        return bool(self.params.get("normalize", True))


def check_weights(weights: Sequence[float], method: MergeMethod, normalize: bool, where: str = "") -> None:
    """Weights must be finite and, unless a task-vector method uses them as given, not sum to zero."""
    if not all(math.isfinite(w) for w in weights):
        raise MergeError(f"Weights must be finite numbers{where}, not {list(weights)}.")
    if abs(sum(weights)) < 1e-12 and (normalize or not method.zero_sum_allowed_unnormalised):
        raise MergeError(
            f"The weights{where} sum to zero ({', '.join(f'{w:g}' for w in weights)}), so they cannot be normalised; "
            "give at least one model a positive weight."
        )


def check_request(spec: MergeSpec) -> CheckedRequest:
    """Check method, model count, weights, base and parameters without loading anything."""
    method = registry.get(spec.method)
    n = len(spec.models)
    if n < method.min_models:
        raise MergeError(f"{method.label} needs at least {method.min_models} models; {n} chosen.")
    if method.max_models is not None and n > method.max_models:
        raise MergeError(f"{method.label} merges exactly {method.max_models} models; {n} chosen. "
                         "Pick two, or use linear or TIES for more.")
    if len(spec.weights) != n:
        raise MergeError(f"Give one weight per model: {n} models but {len(spec.weights)} weights.")
    if method.needs_base and not spec.base:
        raise MergeError(f"{method.label} works on task vectors (model minus base), so it needs a base model; "
                         "choose the model the parents were fine-tuned from (e.g. bundled/multilingual-e5-small).")
    if spec.base and not method.needs_base:
        raise MergeError(f"{method.label} does not use a base model; leave the base empty or choose "
                         "task_arithmetic, ties, dare_linear or dare_ties.")
    params = method.resolve_params(spec.params)
    normalize = bool(params.get("normalize", True))
    check_weights(spec.weights, method, normalize)
    layerwise = check_layerwise(spec.layerwise, n)
    return CheckedRequest(spec, method, params, layerwise)


def _arch(model: SentenceTransformer) -> dict[str, Any]:
    auto = getattr(model[0], "auto_model", None)
    if auto is None or not hasattr(auto, "config"):
        return {}
    return {k: v for k, v in auto.config.to_dict().items() if k not in _IGNORED_CONFIG and not k.startswith("_")}


def _settings(module: Any) -> dict[str, Any]:
    """A module's own settings (not the transformer's, compared separately as the architecture)."""
    if hasattr(module, "auto_model") or not hasattr(module, "get_config_dict"):
        return {}
    return dict(module.get_config_dict())


def _describe(config: dict[str, Any]) -> str:
    return ", ".join(f"{k}={config.get(k)}" for k in _ARCH_FIELDS if k in config)


def _dimension(model: SentenceTransformer) -> Optional[int]:
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return getter()


def _vocab(model: SentenceTransformer) -> Optional[dict[str, int]]:
    tokenizer = getattr(model, "tokenizer", None)
    return tokenizer.get_vocab() if tokenizer is not None and hasattr(tokenizer, "get_vocab") else None


def check_compatible(models: Sequence[tuple[str, SentenceTransformer]]) -> None:
    """Same module pipeline, architecture, dimension, tokenizer and state keys, or MergeError naming the pair."""
    (ref_name, ref), others = models[0], models[1:]
    ref_modules = [type(m).__name__ for m in ref]
    ref_arch, ref_dim, ref_vocab = _arch(ref), _dimension(ref), _vocab(ref)
    ref_state = {k: tuple(v.shape) for k, v in ref.state_dict().items()}
    for name, model in others:
        pair = f"{ref_name!r} and {name!r}"
        modules = [type(m).__name__ for m in model]
        if modules != ref_modules:
            raise MergeError(f"Models {pair} have different module pipelines ({' → '.join(ref_modules)} vs "
                             f"{' → '.join(modules)}); merge only models built the same way.")
        for index, (mine, theirs) in enumerate(zip(ref, model)):
            settings = [_settings(m) for m in (mine, theirs)]
            if settings[0] != settings[1]:
                keys = [k for k in settings[0] if settings[0].get(k) != settings[1].get(k)]
                raise MergeError(f"Models {pair} configure module {index} ({type(mine).__name__}) differently "
                                 f"({', '.join(keys[:3]) or 'settings'}); merge only models built the same way.")
        arch = _arch(model)
        if arch != ref_arch:
            keys = [k for k in sorted(set(arch) | set(ref_arch)) if arch.get(k) != ref_arch.get(k)]
            raise MergeError(f"Models {pair} have different architectures ({_describe(ref_arch)} vs {_describe(arch)}; "
                             f"differs in {', '.join(keys[:5])}); merge only fine-tunes of the same base model.")
        dim = _dimension(model)
        if dim != ref_dim:
            raise MergeError(f"Models {pair} produce embeddings of different dimensions ({ref_dim} vs {dim}); "
                             "they cannot be merged.")
        vocab = _vocab(model)
        if vocab != ref_vocab:
            size = len(vocab) if vocab else 0
            raise MergeError(f"Models {pair} use different tokenizers (vocabularies of {len(ref_vocab or {})} and "
                             f"{size} tokens, or different token ids); merge only models sharing a tokenizer.")
        state = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        if state != ref_state:
            diff = sorted(set(state) ^ set(ref_state)) or [k for k in state if state[k] != ref_state[k]]
            raise MergeError(f"Models {pair} have different weights (first difference: {diff[0]}); "
                             "merge only models with identical parameter names and shapes.")
