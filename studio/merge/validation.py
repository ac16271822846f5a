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
                   "id2label", "label2id", "output_hidden_states", "output_attentions", "return_dict",
                   # transformers' Trainer aligns these with the tokenizer when it saves a fine-tune, so a
                   # fine-tune may carry ids its base left unset (same tokenizer: _tokenizers compares vocabularies)
                   "bos_token_id", "eos_token_id", "pad_token_id"}
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


def _arch_order(key: str) -> tuple[int, str]:
    """The telling fields (model type, sizes) first."""
    return (_ARCH_FIELDS.index(key) if key in _ARCH_FIELDS else len(_ARCH_FIELDS), key)


def _dimension(model: SentenceTransformer) -> Optional[int]:
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return getter()


def _vocab(model: SentenceTransformer) -> Optional[dict[str, int]]:
    tokenizer = getattr(model, "tokenizer", None)
    return tokenizer.get_vocab() if tokenizer is not None and hasattr(tokenizer, "get_vocab") else None


def _pipeline(ref: SentenceTransformer, model: SentenceTransformer) -> Optional[str]:
    mine, theirs = ([type(m).__name__ for m in x] for x in (ref, model))
    if mine != theirs:
        return (f"have different module pipelines ({' → '.join(mine)} vs {' → '.join(theirs)}); "
                "merge only models built the same way")
    return None


def _dimensions(ref: SentenceTransformer, model: SentenceTransformer) -> Optional[str]:
    mine, theirs = _dimension(ref), _dimension(model)
    if mine != theirs:
        return f"produce embeddings of different dimensions ({mine} vs {theirs}); they cannot be merged"
    return None


def _architectures(ref: SentenceTransformer, model: SentenceTransformer) -> Optional[str]:
    mine, theirs = _arch(ref), _arch(model)
    if mine != theirs:
        keys = [k for k in sorted(set(mine) | set(theirs), key=_arch_order) if mine.get(k) != theirs.get(k)]
        differences = ", ".join(f"{k} {mine.get(k)} vs {theirs.get(k)}" for k in keys[:3])
        return f"have different architectures ({differences}); merge only fine-tunes of the same base model"
    return None


def _tokenizers(ref: SentenceTransformer, model: SentenceTransformer) -> Optional[str]:
    mine, theirs = _vocab(ref), _vocab(model)
    if mine != theirs:
        moved = sum(1 for token, index in (mine or {}).items() if (theirs or {}).get(token) != index)
        return (f"use different tokenizers ({len(mine or {})} and {len(theirs or {})} tokens, {moved} with other ids); "
                "merge only models that share a tokenizer")
    special = [getattr(getattr(m, "tokenizer", None), "special_tokens_map", None) for m in (ref, model)]
    if special[0] != special[1]:
        return "use different special tokens; merge only models that share a tokenizer"
    return None


def _module_settings(ref: SentenceTransformer, model: SentenceTransformer) -> Optional[str]:
    for index, (mine, theirs) in enumerate(zip(ref, model)):
        settings = [_settings(m) for m in (mine, theirs)]
        if settings[0] != settings[1]:
            keys = [k for k in settings[0] if settings[0].get(k) != settings[1].get(k)]
            return (f"configure module {index} ({type(mine).__name__}) differently "
                    f"({', '.join(keys[:3]) or 'settings'}); "
                    "merge only models built the same way")
    return None


def _state_keys(ref: SentenceTransformer, model: SentenceTransformer) -> Optional[str]:
    mine, theirs = ({k: tuple(v.shape) for k, v in m.state_dict().items()} for m in (ref, model))
    if mine != theirs:
        diff = sorted(set(mine) ^ set(theirs)) or [k for k in mine if mine[k] != theirs[k]]
        return (f"have different weights (first difference: {diff[0]}); "
                "merge only models with the same parameter names and shapes")
    return None


CHECKS = (_pipeline, _dimensions, _architectures, _tokenizers, _module_settings, _state_keys)


def check_compatible(models: Sequence[tuple[str, SentenceTransformer]]) -> None:
    """Same pipeline, dimension, architecture, tokenizer, module settings and state keys.

    Raises:
        MergeError: naming the first incompatible pair and what differs.
    """
    (ref_name, ref), others = models[0], models[1:]
    for name, model in others:
        if model is ref:
            continue
        for check in CHECKS:
            problem = check(ref, model)
            if problem:
                raise MergeError(f"Models {ref_name!r} and {name!r} {problem}.")
