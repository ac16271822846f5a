"""Sweeps: merge along one weight in k steps, score each point, mark the CLIR-vs-monolingual Pareto front.

Between two models the swept weight is the second model's share, ``(1 - α, α)`` for α in
``0, 1/(k-1), …, 1``. With more models one slider moves (``axis``) and the others keep their relative
weights, scaled to the remaining ``1 - α``. Inline (``run_sweep``, CLI) or as the ``sweep`` job kind
(``submit_sweep``); the result is stored with the spec and each point's weights so any point can be saved.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from studio.context import Studio, get_studio
from studio.merge.base import MergeError
from studio.merge.io import merge_models, save_merged
from studio.merge.preview import DEFAULT_DATASET, DEFAULT_LIMIT, DEFAULT_SPLIT, parent_evaluation, quick_evaluate
from studio.merge.spec import MergeSpec
from studio.merge.validation import check_request

if TYPE_CHECKING:
    from storage.records import JobRecord, ModelRecord
    from studio.jobs.context import JobContext

Progress = Callable[[int, int, str], None]
JOB_KIND = "sweep"
METRIC = "ndcg@10"
MAX_STEPS = 101


def sweep_weights(steps: int, n_models: int = 2, axis: int = 1,
                  weights: Optional[Sequence[float]] = None) -> list[tuple[float, list[float]]]:
    """``(α, weights)`` for each of ``steps`` points; model ``axis`` gets weight α, the others share ``1 - α``."""
    if not 2 <= steps <= MAX_STEPS:
        raise MergeError(f"A sweep takes between 2 and {MAX_STEPS} steps, not {steps}.")
    if not 0 <= axis < n_models:
        raise MergeError(f"The swept model must be one of the {n_models} models "
                         f"(index 0 to {n_models - 1}), not {axis}.")
    given = [float(w) for w in weights] if weights else [1.0] * n_models
    if len(given) != n_models:
        raise MergeError(f"Give one weight per model: {n_models} models but {len(given)} weights.")
    others = [w for i, w in enumerate(given) if i != axis]
    total = sum(others)
    if total <= 0:
        raise MergeError("The models that are not swept need positive weights to share the rest between them.")
    points = []
    for step in range(steps):
        alpha = step / (steps - 1)
        rest = iter(o / total * (1.0 - alpha) for o in others)
        points.append((round(alpha, 6), [alpha if i == axis else next(rest) for i in range(n_models)]))
    return points


def pareto_front(points: Sequence[tuple[Optional[float], Optional[float]]]) -> list[int]:
    """Indices of the points no other point beats on both CLIR and mono (higher is better), in order."""
    front = []
    for i, (clir, mono) in enumerate(points):
        if clir is None or mono is None:
            continue
        dominated = any(c is not None and m is not None and c >= clir and m >= mono and (c > clir or m > mono)
                        for j, (c, m) in enumerate(points) if j != i)
        if not dominated:
            front.append(i)
    return front


def _point_name(spec: MergeSpec, weights: Sequence[float], job_id: Optional[int]) -> str:
    parts = " + ".join(f"{w:.2f}·{m}" for m, w in zip(spec.models, weights))
    return f"sweep{f' #{job_id}' if job_id else ''}: {parts}"


def run_sweep(spec: MergeSpec, steps: int, axis: int = 1, dataset: str = DEFAULT_DATASET,
              split: str = DEFAULT_SPLIT, limit: Optional[int] = DEFAULT_LIMIT, progress: Optional[Progress] = None,
              store_results: bool = False, job_id: Optional[int] = None, studio: Optional[Studio] = None,
              on_point: Optional[Callable[[int, dict[str, Any]], None]] = None) -> dict[str, Any]:
    """Merge and score each point; returns the sweep as a JSON-able dict (also a job's stored result).

    The spec's method, base, parameters and layer-wise setting apply at every point; only the weights move.
    """
    studio = studio or get_studio()
    grid = sweep_weights(steps, len(spec.models), axis, spec.weights or None)
    check_request(spec.with_weights(grid[len(grid) // 2][1]))  # method, base, params: before any work
    started = time.perf_counter()
    parents = [parent_evaluation(ref, dataset, split, limit, studio) for ref in dict.fromkeys(spec.models)]
    points: list[dict[str, Any]] = []
    for index, (alpha, weights) in enumerate(grid):
        if progress:
            progress(index, steps, f"point {index + 1}/{steps}: α = {alpha:.2f}")
        outcome = merge_models(spec.with_weights(weights), studio=studio, reuse=False)
        scored = quick_evaluate(outcome.model, _point_name(spec, weights, job_id), dataset, split, limit,
                                store_result=store_results, job_id=job_id, studio=studio)
        point = {"index": index, "alpha": alpha, "weights": weights, "summary": scored.summary,
                 "metrics": scored.metrics, "evaluation_id": scored.evaluation_id,
                 "merge_seconds": round(outcome.merge_seconds, 3), "eval_seconds": round(scored.seconds, 3)}
        points.append(point)
        del outcome
        if on_point:
            on_point(index, point)
    if progress:
        progress(steps, steps, "sweep done")
    front = pareto_front([(p["summary"].get("clir"), p["summary"].get("mono")) for p in points])
    return {"spec": spec.to_dict(), "axis": axis, "steps": steps, "dataset": dataset, "split": split, "limit": limit,
            "parents": [{"name": p.name, "summary": p.summary, "metrics": p.metrics} for p in parents],
            "points": points, "pareto": front, "seconds": round(time.perf_counter() - started, 2)}


def run(payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """The ``sweep`` job kind: ``payload = {"spec", "steps", "axis", "dataset", "split", "limit"}``."""
    def log_point(index: int, point: dict[str, Any]) -> None:
        values = {"alpha": point["alpha"], **{k: v for k, v in point["summary"].items() if v is not None}}
        values.update({d: m[METRIC] for d, m in point["metrics"].items() if m.get(METRIC) is not None})
        ctx.log_metrics(index, values)

    return run_sweep(MergeSpec.from_dict(payload["spec"]), int(payload["steps"]), int(payload.get("axis", 1)),
                     payload.get("dataset", DEFAULT_DATASET), payload.get("split", DEFAULT_SPLIT),
                     payload.get("limit", DEFAULT_LIMIT), progress=ctx.progress, store_results=True,
                     job_id=ctx.job_id, studio=ctx.studio, on_point=log_point)


def submit_sweep(spec: MergeSpec, steps: int, axis: int = 1, dataset: str = DEFAULT_DATASET,
                 split: str = DEFAULT_SPLIT, limit: Optional[int] = DEFAULT_LIMIT, owner: str = "",
                 studio: Optional[Studio] = None) -> JobRecord:
    """Check the request, then queue a ``sweep`` job (it starts when a slot is free).

    Raises:
        MergeError, ModelRefError: a bad request (checked before queueing).
        AccessError: a read-only demo, or ``owner``'s job quota is used up.
    """
    from studio.access import check_job_quota, require_write
    from studio.jobs import runner
    from studio.modelref import resolve_model

    require_write("running sweeps (each point's evaluation is stored)")
    studio = studio or get_studio()
    check_job_quota(owner, studio)
    grid = sweep_weights(steps, len(spec.models), axis, spec.weights or None)
    check_request(spec.with_weights(grid[len(grid) // 2][1]))
    for ref in (*spec.models, *([spec.base] if spec.base else [])):
        resolve_model(ref, studio)
    payload = {"spec": spec.to_dict(), "steps": steps, "axis": axis, "dataset": dataset, "split": split,
               "limit": limit}
    title = f"sweep {spec.method}: {' ↔ '.join(spec.models)} ({steps} steps)"
    return runner.submit(JOB_KIND, payload, title=title, owner=owner, studio=studio)


def _sweep_job(job_id: int, studio: Studio) -> JobRecord:
    job = studio.store.get_job(int(job_id))
    if job.kind != JOB_KIND:
        raise MergeError(f"Job {job_id} is a {job.kind} job, not a sweep.")
    return job


def sweep_result(job_id: int, studio: Optional[Studio] = None) -> dict[str, Any]:
    """The stored result of a finished sweep job (empty while it runs)."""
    return dict(_sweep_job(job_id, studio or get_studio()).result or {})


def partial_result(job: JobRecord, studio: Studio) -> dict[str, Any]:
    """The points a running sweep has logged so far (scores only), in the shape of a result."""
    steps: dict[int, dict[str, float]] = {}
    for metric in studio.store.job_metrics(job.id):
        steps.setdefault(metric.step, {})[metric.name] = metric.value
    spec = MergeSpec.from_dict(job.payload["spec"])
    grid = dict(enumerate(sweep_weights(int(job.payload["steps"]), len(spec.models), int(job.payload.get("axis", 1)),
                                        spec.weights or None)))
    points = [{"index": i, "alpha": values.get("alpha", grid[i][0]), "weights": grid[i][1],
               "summary": {k: values.get(k) for k in ("clir", "mono", "all")},
               "metrics": {d: {METRIC: values[d]} for d in ("ko-ko", "en-en", "ko-en", "en-ko") if d in values}}
              for i, values in sorted(steps.items()) if i in grid]
    front = pareto_front([(p["summary"]["clir"], p["summary"]["mono"]) for p in points])
    return {**job.payload, "parents": [], "points": points, "pareto": [points[i]["index"] for i in front]}


def sweep_status(job_id: int, studio: Optional[Studio] = None) -> dict[str, Any]:
    """State, progress and the result so far (the stored one once the job has succeeded)."""
    studio = studio or get_studio()
    job = _sweep_job(job_id, studio)
    result = dict(job.result or {}) if job.result else partial_result(job, studio)
    return {"job_id": job.id, "state": job.state, "fraction": job.fraction, "message": job.message,
            "error": job.error, "title": job.title, "result": result}


def list_sweeps(limit: int = 50, studio: Optional[Studio] = None) -> list[tuple[str, int]]:
    """Recent sweep jobs as (label, id), newest first, for a dropdown."""
    studio = studio or get_studio()
    return [(f"#{job.id} · {job.state} · {job.title}", job.id)
            for job in studio.store.list_jobs(kind=JOB_KIND, limit=limit)]


def save_sweep_point(result: dict[str, Any], index: int, name: str, studio: Optional[Studio] = None,
                     job_id: Optional[int] = None) -> ModelRecord:
    """Save point ``index`` of a sweep result as a registered merged model (merged again from the parents)."""
    points = result.get("points") or []
    if not 0 <= index < len(points):
        raise MergeError(f"The sweep has points 0 to {len(points) - 1}; there is no point {index}.")
    point = points[index]
    spec = MergeSpec.from_dict(result["spec"]).with_weights(point["weights"])
    extra = {"sweep": {"job_id": job_id, "index": index, "alpha": point["alpha"], "summary": point["summary"],
                       "dataset": result.get("dataset"), "split": result.get("split"), "limit": result.get("limit")}}
    return save_merged(spec, name, studio=studio, extra_config=extra)
