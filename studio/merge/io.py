"""Models in and out: load and check the parents, build the merged model in memory, save and register it.

``merge_models`` never touches disk: the result is a complete ``SentenceTransformer`` (modules, tokenizer,
pooling, prompts from the first parent) whose weights are the merged tensors. ``save_merged`` writes it
to a temporary folder under ``models/merged/``, renames it into place and registers it with its lineage.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from studio.context import Studio, get_studio
from studio.merge.base import MergeError
from studio.merge.spec import MergeSpec
from studio.merge.validation import CheckedRequest, check_compatible, check_request
from studio.modelref import load_model, resolve_model

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from storage.records import ModelRecord

Progress = Callable[[int, int, str], None]
MERGED_DIR = "merged"
_last_lock = threading.Lock()
_last: dict[str, MergeOutcome] = {}
_compatible: set[tuple[tuple[str, float], ...]] = set()  # parent sets already checked (by files), for sliders


@dataclass
class MergeOutcome:
    """A merged model held in memory, with the request it answers and how long it took."""

    model: SentenceTransformer
    request: CheckedRequest
    load_seconds: float
    merge_seconds: float

    @property
    def spec(self) -> MergeSpec:
        return self.request.spec


def model_stamp(reference: str, studio: Studio) -> tuple[str, float]:
    """(location, newest weight-file time) of a model reference: changes when its files do."""
    location = Path(resolve_model(reference, studio).location)
    return str(location), max((p.stat().st_mtime for p in location.glob("*.safetensors")), default=0.0)


def _cache_key(spec: MergeSpec, studio: Studio) -> str:
    stamps = [model_stamp(ref, studio) for ref in (*spec.models, *([spec.base] if spec.base else []))]
    return f"{spec.key()}:{stamps}"


def load_parents(request: CheckedRequest,
                 studio: Studio) -> tuple[list[SentenceTransformer], Optional[SentenceTransformer]]:
    """Load the parents (and base) through the model cache and check they can be merged."""
    spec = request.spec
    models = [load_model(ref, studio) for ref in spec.models]
    base = load_model(spec.base, studio) if spec.base else None
    named = list(zip(spec.models, models)) + ([(spec.base, base)] if base is not None else [])
    key = tuple(sorted({model_stamp(ref, studio) for ref, _ in named}))
    if key not in _compatible:  # comparing two 250k-token vocabularies takes a while; once per parent set
        check_compatible(named)
        _compatible.add(key)
    return models, base


def build_model(first: SentenceTransformer, merged: dict[str, Any], aliases: dict[str, str]) -> SentenceTransformer:
    """A copy of ``first`` whose tensors are ``merged`` (tied weights stay tied); weights are not copied twice.

    The tokenizer object is shared with ``first`` rather than deep-copied (a 250k-token vocabulary takes ~1 s
    of CPU to copy); it is only read. Everything else (modules, pooling, prompts, configs) is copied.
    """
    import torch

    tokenizer = getattr(first, "tokenizer", None)
    memo: dict[int, Any] = {id(tokenizer): tokenizer} if tokenizer is not None else {}
    for key, tensor in first.state_dict(keep_vars=True).items():
        if id(tensor) in memo:
            continue
        value = merged[aliases[key]]
        if isinstance(tensor, torch.nn.Parameter):
            value = torch.nn.Parameter(value, requires_grad=tensor.requires_grad)
        memo[id(tensor)] = value
    model = deepcopy(first, memo)
    # The parent's model card describes its own training, not this merge.
    model._model_card_text = None
    model.model_card_data = model.model_card_data_class(local_files_only=True)
    model.model_card_data.register_model(model)
    return model.eval()


def merge_models(spec: MergeSpec, progress: Optional[Progress] = None, studio: Optional[Studio] = None,
                 reuse: bool = True) -> MergeOutcome:
    """Merge in memory after every check has passed.

    With ``reuse``, the last result is kept (one model) and returned again for the same request, so a
    preview followed by "Save" merges once; sweeps pass ``reuse=False`` and keep nothing.

    Raises:
        MergeError: bad request (method, weights, base, parameters) or incompatible models.
        ModelRefError: a parent cannot be found or loaded.
    """
    studio = studio or get_studio()
    request = check_request(spec)
    key = _cache_key(spec, studio)
    with _last_lock:
        if reuse and key in _last:
            return _last[key]
        if reuse:
            _last.clear()  # drop the previous preview's model first: one merged model less at the peak
    from studio.merge.engine import merge_states, unique_state, weight_plan  # torch: only when merging

    started = time.perf_counter()
    models, base = load_parents(request, studio)
    loaded = time.perf_counter()
    states, aliases = zip(*(unique_state(model) for model in models))
    if any(a != aliases[0] for a in aliases[1:]):
        raise MergeError("The models tie different weights together; merge only models with the same architecture.")
    plan = weight_plan(request, list(states[0]))  # layer-wise zero sums fail here, before any merging
    base_state = unique_state(base)[0] if base is not None else None
    merged = merge_states(request, states, base_state, progress, plan)
    model = build_model(models[0], merged, aliases[0])
    outcome = MergeOutcome(model, request, loaded - started, time.perf_counter() - loaded)
    if reuse:
        with _last_lock:
            _last.clear()
            _last[key] = outcome
    return outcome


def merged_dir_name(name: str) -> str:
    """Folder name under ``models/merged/`` for a model name (``/`` becomes ``--``)."""
    return name.replace("/", "--")


def describe(spec: MergeSpec, params: dict[str, Any]) -> str:
    """One line saying what was merged, for the model's description."""
    parents = " + ".join(f"{m} ({w:g})" for m, w in zip(spec.models, spec.weights))
    base = f" on base {spec.base}" if spec.base else ""
    layerwise = ", layer-wise weights" if spec.layerwise else ""
    return f"{spec.method} merge of {parents}{base}{layerwise}"


def save_merged(spec: MergeSpec, name: str, progress: Optional[Progress] = None,
                studio: Optional[Studio] = None, extra_config: Optional[dict[str, Any]] = None) -> ModelRecord:
    """Merge (or reuse the preview's model), write it atomically and register it with its lineage.

    The folder is ``models/merged/<name>``; the registry row records parents with their weights, the base,
    and ``config = {"merge": {method, params, weights, normalized weights, layerwise, models, base}}``.
    """
    from studio import __version__
    from studio.access import require_write
    from studio.models import validate_name

    require_write("saving merged models")
    studio = studio or get_studio()
    name = validate_name(name)
    if studio.store.find_model(name) is not None:
        raise MergeError(f"A model named {name!r} already exists; choose another name.")
    target = studio.paths.models / MERGED_DIR / merged_dir_name(name)
    if target.exists():
        raise MergeError(f"The folder {target} already exists; choose another name or remove that folder.")
    outcome = merge_models(spec, progress, studio)
    request = outcome.request
    config = {"merge": {**spec.to_dict(), "params": request.params,
                        "normalized_weights": request.method.normalise_weights(list(spec.weights))
                        if request.normalize else list(spec.weights),
                        "load_seconds": round(outcome.load_seconds, 3),
                        "merge_seconds": round(outcome.merge_seconds, 3)},
              **(extra_config or {})}
    temp = target.parent / f".tmp-{target.name}-{uuid.uuid4().hex[:8]}"
    temp.parent.mkdir(parents=True, exist_ok=True)
    try:
        outcome.model.save(str(temp), model_name=name, create_model_card=False)
        (temp / "merge.json").write_text(json.dumps({"name": name, **config}, indent=2, ensure_ascii=False))
        os.replace(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    base = spec.base if spec.base and studio.store.find_model(spec.base) is not None else None
    try:
        return studio.store.add_model(
            name, "merged", f"{MERGED_DIR}/{target.name}",
            parents=list(zip(spec.models, spec.weights)), base_model=base, config=config,
            description=describe(spec, request.params), app_version=__version__,
        )
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
