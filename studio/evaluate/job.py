"""The ``evaluate`` job kind, and the choice between running an evaluation inline or as a job.

Payload: ``{"model", "dataset", "split", "directions", "limit", "benchmark_dir"}`` (strings / lists / ints).
Result: ``{"evaluation_id", "model", "dataset", "metrics", "summary"}``.

An evaluation goes to the background job runner when it would encode more than
:data:`BACKGROUND_THRESHOLD` texts that are not in the embedding cache yet; otherwise it runs inline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from studio.context import Studio, get_studio
from studio.evaluate.directions import parse_directions

BACKGROUND_THRESHOLD = 2000
JOB_KIND = "evaluate"


def make_payload(model: str, dataset: str, split: str = "test", directions: Any = None,
                 limit: Optional[int] = None, benchmark_dir: Optional[str | Path] = None) -> dict[str, Any]:
    """A JSON-safe job payload (directions as a list of names, or None for the default)."""
    return {"model": model, "dataset": dataset, "split": split,
            "directions": None if directions is None else [d.value for d in parse_directions(directions)],
            "limit": int(limit) if limit else None,
            "benchmark_dir": str(benchmark_dir) if benchmark_dir else None}


def run(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """Job entry point: evaluate as the payload says, reporting progress through ``ctx``."""
    from studio.evaluate.evaluator import evaluate_model

    result = evaluate_model(
        payload["model"], payload["dataset"], split=payload.get("split") or "test",
        directions=payload.get("directions"), limit=payload.get("limit"),
        benchmark_dir=payload.get("benchmark_dir"), progress=lambda step, total, message: ctx.progress(
            step, total, message), job_id=ctx.job_id, studio=ctx.studio)
    return {"evaluation_id": result.evaluation_id, **result.to_json()}


def texts_to_encode(model: str, dataset: str, split: str = "test", directions: Any = None,
                    limit: Optional[int] = None, benchmark_dir: Optional[str | Path] = None,
                    studio: Optional[Studio] = None) -> int:
    """How many texts an evaluation would have to encode (0 for BM25); does not load or convert a model.

    A model that is not ready on disk (the bundled model before its first use) counts every text.
    """
    from studio.evaluate.evalset import load_evalset
    from studio.evaluate.embeddings import EmbeddingCache, text_key
    from studio.modelref import model_dir, model_fingerprint, resolve_model

    studio = studio or get_studio()
    if model.strip().lower() == "bm25":
        return 0
    evalset = load_evalset(dataset, split, limit, benchmark_dir, studio)
    chosen = evalset.directions if directions is None else parse_directions(directions)
    sides = {(evalset.query_prompt, d.query_lang, "q") for d in chosen} | \
            {(evalset.document_prompt, d.doc_lang, "d") for d in chosen}
    pairs = {(prompt, text) for prompt, lang, role in sides
             for text in (evalset.queries if role == "q" else evalset.documents).get(lang, {}).values()}
    record = studio.store.find_model(model.strip())
    folder = model_dir(studio, record.path) if record else None
    if record is not None and record.kind == "bundled" and not (folder / "modules.json").is_file():
        return len(pairs)
    resolved = resolve_model(model, studio)  # unknown models fail here, with the resolver's message
    if not resolved.is_local:
        return len(pairs)
    prompts = _prompts(Path(resolved.location))
    keys = {text_key(prompts.get(name, ""), text) for name, text in pairs}
    cache = EmbeddingCache(studio.paths.cache / "embeddings", model_fingerprint(resolved))
    return len(keys) - len(cache.get(list(keys)))


def _prompts(folder: Path) -> dict[str, str]:
    """The prompts a sentence-transformers folder declares (none for plain transformers folders)."""
    import json

    config = folder / "config_sentence_transformers.json"
    if not config.is_file():
        return {}
    return dict(json.loads(config.read_text(encoding="utf-8")).get("prompts") or {})


def should_run_in_background(n_texts: int) -> bool:
    """True when encoding ``n_texts`` is long enough to deserve a background job."""
    return n_texts > BACKGROUND_THRESHOLD


def submit_evaluation(payload: dict[str, Any], studio: Optional[Studio] = None) -> int:
    """Queue an ``evaluate`` job; returns its id (refused in demo mode and over the job quota)."""
    from studio.access import check_job_quota, require_write
    from studio.jobs.runner import submit

    require_write("queueing background evaluations")
    check_job_quota(payload.get("owner", ""), studio)

    title = f"evaluate {payload['model']} on {payload['dataset']}"
    return submit(JOB_KIND, payload, title=title, studio=studio).id


def evaluation_options(studio: Optional[Studio] = None) -> dict[str, list[str]]:
    """Choices for the UI: models (registered + ``bm25``), datasets (registered + benchmarks)."""
    from studio.data.benchmarks import BENCHMARKS

    studio = studio or get_studio()
    models = [m.name for m in studio.store.list_models()] + ["bm25"]
    datasets = [d.name for d in studio.store.list_datasets()] + [f"benchmark/{name}" for name in BENCHMARKS]
    return {"models": models, "datasets": datasets}


def start_evaluation(model: str, dataset: str, split: str = "test", directions: Any = None,
                     limit: Optional[int] = None, benchmark_dir: Optional[str | Path] = None,
                     progress: Any = None, background: Optional[bool] = None,
                     studio: Optional[Studio] = None) -> dict[str, Any]:
    """Run an evaluation inline, or queue it as a job when it is long (``background=None`` decides).

    Returns ``{"mode": "inline", "result": EvaluationResult}`` or ``{"mode": "job", "job_id": int, "texts": n}``.
    """
    from studio.evaluate.evaluator import evaluate_model

    studio = studio or get_studio()
    if background is None:
        texts = texts_to_encode(model, dataset, split, directions, limit, benchmark_dir, studio)
        background = should_run_in_background(texts)
    else:
        texts = None
    if background:
        payload = make_payload(model, dataset, split, directions, limit, benchmark_dir)
        return {"mode": "job", "job_id": submit_evaluation(payload, studio), "texts": texts}
    result = evaluate_model(model, dataset, split=split, directions=directions, limit=limit,
                            benchmark_dir=benchmark_dir, progress=progress, studio=studio)
    return {"mode": "inline", "result": result}


def job_status(job_id: int, studio: Optional[Studio] = None) -> dict[str, Any]:
    """State, progress fraction, message, error and (when done) the evaluation id of an evaluate job."""
    studio = studio or get_studio()
    job = studio.store.get_job(int(job_id))
    return {"job_id": job.id, "state": job.state, "fraction": job.fraction, "message": job.message,
            "error": job.error, "evaluation_id": (job.result or {}).get("evaluation_id")}


def ensure_bm25_baseline(dataset: str, split: str = "test", limit: Optional[int] = None,
                         benchmark_dir: Optional[str | Path] = None, progress: Any = None,
                         studio: Optional[Studio] = None) -> Optional[int]:
    """The id of a stored BM25 run on this eval set, running BM25 (ko-ko, en-en) first when there is none.

    Returns None for sets without monolingual directions (bitext).
    """
    from studio.evaluate.compare import find_run
    from studio.evaluate.evalset import load_evalset
    from studio.evaluate.evaluator import evaluate_model

    studio = studio or get_studio()
    evalset = load_evalset(dataset, split, limit, benchmark_dir, studio)
    if not any(not d.is_crosslingual for d in evalset.directions):
        return None
    existing = find_run("bm25", evalset.fingerprint(), studio)
    if existing is not None:
        return existing.id
    result = evaluate_model("bm25", evalset, split=split, limit=limit, progress=progress, studio=studio)
    return result.evaluation_id
