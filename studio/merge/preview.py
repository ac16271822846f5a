"""Quick evaluation of a merge and of its parents on a fixed subset of a dev split.

The subset is the first ``limit`` queries of ``dataset``/``split`` (the evaluator's ``limit``), so every
preview and sweep point is scored on the same queries. Parents are scored the same way once and kept in
memory, keyed by their files' timestamps; the merged model is scored without storing a result.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from studio.context import Studio, get_studio
from studio.merge.io import merge_models, model_stamp
from studio.merge.spec import DEFAULT_DATASET, DEFAULT_LIMIT, DEFAULT_SPLIT, MergeSpec

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Progress = Callable[[int, int, str], None]
_parents_lock = threading.Lock()
_parents: dict[tuple[Any, ...], QuickEval] = {}


@dataclass(frozen=True)
class QuickEval:
    """nDCG@10 and friends per direction, with the CLIR / mono / all summary."""

    name: str
    metrics: dict[str, dict[str, float]]
    summary: dict[str, Optional[float]]
    seconds: float = 0.0
    evaluation_id: Optional[int] = None


@dataclass(frozen=True)
class PreviewResult:
    """A merge scored beside its parents."""

    spec: MergeSpec
    weights: list[float]  # as applied: normalised when the method normalises
    merged: QuickEval
    parents: list[QuickEval]
    load_seconds: float
    merge_seconds: float
    eval_seconds: float
    dataset: str
    split: str
    limit: Optional[int]
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["spec"] = self.spec.to_dict()
        return data


def quick_evaluate(model: str | SentenceTransformer, name: str, dataset: str = DEFAULT_DATASET,
                   split: str = DEFAULT_SPLIT, limit: Optional[int] = DEFAULT_LIMIT, *, store_result: bool = False,
                   progress: Optional[Progress] = None, job_id: Optional[int] = None,
                   studio: Optional[Studio] = None) -> QuickEval:
    """Evaluate in all four directions through ``studio.evaluate.evaluate_model``."""
    from studio.evaluate import evaluate_model

    started = time.perf_counter()
    result = evaluate_model(model, dataset, split, limit=limit, progress=progress, store_result=store_result,
                            model_name=name, job_id=job_id, studio=studio)
    return QuickEval(name, result.metrics, result.summary, time.perf_counter() - started, result.evaluation_id)


def parent_evaluation(reference: str, dataset: str = DEFAULT_DATASET, split: str = DEFAULT_SPLIT,
                      limit: Optional[int] = DEFAULT_LIMIT, studio: Optional[Studio] = None) -> QuickEval:
    """A parent's quick evaluation, computed once per (files, dataset, split, limit)."""
    studio = studio or get_studio()
    key = (str(studio.paths.home), model_stamp(reference, studio), dataset, split, limit)
    with _parents_lock:
        if key in _parents:
            return _parents[key]
    result = quick_evaluate(reference, reference, dataset, split, limit, studio=studio)
    with _parents_lock:
        _parents[key] = result
    return result


def preview(spec: MergeSpec, dataset: str = DEFAULT_DATASET, split: str = DEFAULT_SPLIT,
            limit: Optional[int] = DEFAULT_LIMIT, progress: Optional[Progress] = None,
            studio: Optional[Studio] = None) -> PreviewResult:
    """Merge in memory (nothing written) and score the merge and its parents on the same queries.

    Raises:
        MergeError, ModelRefError: see :func:`studio.merge.io.merge_models` (checked before any work).
        StudioError: an unknown dataset or an empty split.
    """
    studio = studio or get_studio()
    outcome = merge_models(spec, progress, studio)
    started = time.perf_counter()
    merged = quick_evaluate(outcome.model, "merge preview", dataset, split, limit, progress=progress, studio=studio)
    parents = [parent_evaluation(ref, dataset, split, limit, studio) for ref in dict.fromkeys(spec.models)]
    request = outcome.request
    weights = request.method.normalise_weights(list(spec.weights)) if request.normalize else list(spec.weights)
    return PreviewResult(spec, weights, merged, parents, outcome.load_seconds, outcome.merge_seconds,
                         time.perf_counter() - started, dataset, split, limit)


def merge_options(studio: Optional[Studio] = None) -> dict[str, list[str]]:
    """Choices for the UI: registered models and datasets (the demo set first)."""
    studio = studio or get_studio()
    datasets = [d.name for d in studio.store.list_datasets()]
    datasets = [DEFAULT_DATASET] + [d for d in datasets if d != DEFAULT_DATASET]
    return {"models": [m.name for m in studio.store.list_models()], "datasets": datasets}
