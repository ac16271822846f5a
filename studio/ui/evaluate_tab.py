"""Evaluate tab: a model (or BM25) on a dataset split or a benchmark, in any of the four directions.

Quick evaluations run inline with a progress bar; long ones (many texts not in the embedding cache)
go to the job runner and this tab polls the job. The Belebele button evaluates the chosen model on
Belebele ko/en in all four directions in one click. Public endpoint: ``evaluate``.
"""

from __future__ import annotations

import os
from typing import Any, Optional

import gradio as gr
import pandas as pd

from studio.context import BUNDLED_MODEL_NAME
from studio.evaluate.directions import ALL_DIRECTIONS, MONO_DIRECTIONS
from studio.evaluate.compare import find_run
from studio.evaluate.job import ensure_bm25_baseline, evaluation_options, job_status, start_evaluation
from studio.evaluate.metrics import METRIC_NAMES
from studio.evaluate.plots import metrics_bar
from studio.ui.messages import guarded

BELEBELE = "benchmark/belebele"
DIRECTION_CHOICES = [d.value for d in ALL_DIRECTIONS]
SPLITS = ["test", "dev", "train", "devtest"]


BASELINE_METRICS = ("ndcg@10", "mrr@10")


def metrics_frame(metrics: dict[str, dict[str, float]], summary: dict[str, Optional[float]],
                  baseline: Optional[Any] = None) -> pd.DataFrame:
    """Directions as rows, metrics as columns, then the clir / mono / all nDCG@10 means.

    With a ``baseline`` record (a stored BM25 run on the same queries), its nDCG@10 and MRR@10 are added
    as ``bm25 …`` columns beside the model's.
    """
    base = baseline.metrics if baseline is not None else {}
    extra = [f"bm25 {m}" for m in BASELINE_METRICS] if baseline is not None else []
    rows = []
    for direction, values in metrics.items():
        row = {"direction": direction, **{m: round(values.get(m, 0.0), 4) for m in METRIC_NAMES}}
        for metric in BASELINE_METRICS if baseline is not None else ():
            value = base.get(direction, {}).get(metric)
            row[f"bm25 {metric}"] = None if value is None else round(value, 4)
        rows.append(row)
    for name, value in summary.items():
        row = {"direction": f"{name} mean", "ndcg@10": None if value is None else round(value, 4)}
        if baseline is not None and baseline.summary.get(name) is not None:
            row["bm25 ndcg@10"] = round(baseline.summary[name], 4)
        rows.append(row)
    return pd.DataFrame(rows, columns=["direction", *METRIC_NAMES, *extra])


def _directions(values: Optional[list[str]]) -> Optional[list[str]]:
    return list(values) if values else None


def _limit(value: Any) -> Optional[int]:
    return int(value) if value and int(value) > 0 else None


def _benchmark_dir(value: str) -> Optional[str]:
    return value.strip() or None


def _shown(record_or_result: Any, heading: str) -> tuple[str, pd.DataFrame, Any]:
    """Status, table (with BM25 columns when a BM25 run on the same queries is stored) and bar chart."""
    metrics, summary = record_or_result.metrics, record_or_result.summary
    fingerprint = record_or_result.config.get("evalset_fingerprint")
    is_bm25 = record_or_result.config.get("kind") == "bm25"
    baseline = find_run("bm25", fingerprint) if fingerprint and not is_bm25 else None
    return heading, metrics_frame(metrics, summary, baseline), metrics_bar(metrics)


@guarded
def run_evaluation(model: str, dataset: str, split: str, directions: list[str], limit: Any, benchmark_dir: str,
                   progress: gr.Progress = gr.Progress()):
    """UI handler: evaluate inline or queue a job; returns status, table, figure, job id and the timer."""
    def report(step: int, total: int, message: str) -> None:
        progress((step, max(total, 1)), desc=message)

    outcome = start_evaluation(model, dataset, split, _directions(directions), _limit(limit),
                               _benchmark_dir(benchmark_dir), progress=report)
    if outcome["mode"] == "job":
        status = (f"⏳ Queued as background job **#{outcome['job_id']}** ({outcome['texts']} texts to encode). "
                  "This tab follows it; the result also appears in the Runs tab.")
        return status, None, None, outcome["job_id"], gr.Timer(active=True)
    result = outcome["result"]
    heading = (f"✅ **{result.model}** on **{result.dataset}** ({result.split}), {result.n_queries} queries — "
               f"stored as run #{result.evaluation_id}; {result.config.get('texts_encoded', 0)} texts encoded, "
               f"{result.config.get('texts_from_cache', 0)} from cache, {result.config.get('seconds')} s.")
    return (*_shown(result, heading), None, gr.Timer(active=False))


@guarded
def run_belebele(model: str, benchmark_dir: str, progress: gr.Progress = gr.Progress()):
    """One click: BM25 on Belebele (reused when stored), then ``model`` in all four directions."""
    def report(step: int, total: int, message: str) -> None:
        progress((step, max(total, 1)), desc=f"BM25 baseline: {message}")

    if model == "bm25":
        return run_evaluation(model, BELEBELE, "test", [d.value for d in MONO_DIRECTIONS], 0, benchmark_dir, progress)
    ensure_bm25_baseline(BELEBELE, "test", None, _benchmark_dir(benchmark_dir), progress=report)
    return run_evaluation(model, BELEBELE, "test", DIRECTION_CHOICES, 0, benchmark_dir, progress)


@guarded
def poll_job(job_id: Optional[int]):
    """Timer handler: the job's progress, then its result once it has finished."""
    if not job_id:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.Timer(active=False)
    status = job_status(job_id)
    if status["state"] in ("queued", "running"):
        text = f"⏳ Job #{job_id} {status['state']}: {status['fraction']:.0%} — {status['message']}"
        return text, gr.skip(), gr.skip(), job_id, gr.Timer(active=True)
    if status["state"] != "succeeded" or not status["evaluation_id"]:
        text = f"⚠ Job #{job_id} {status['state']}: {status['error'] or 'no result'}"
        return text, None, None, None, gr.Timer(active=False)
    from studio.context import get_studio

    record = get_studio().store.get_evaluation(status["evaluation_id"])
    heading = f"✅ Job #{job_id} done: **{record.model_name}** on **{record.dataset_name}**, stored as run #{record.id}."
    return (*_shown(record, heading), None, gr.Timer(active=False))


def evaluate_api(model: str = BUNDLED_MODEL_NAME, dataset: str = BELEBELE, split: str = "test",
                 directions: Optional[list[str]] = None, limit: int = 0, benchmark_dir: str = "",
                 background: Optional[bool] = None) -> dict:
    """Evaluate ``model`` on ``dataset``: ``{"model", "dataset", "metrics", "summary", "evaluation_id"}``,
    or ``{"job_id", "mode": "job"}`` when the evaluation was queued as a background job."""
    outcome = start_evaluation(model, dataset, split, _directions(directions), _limit(limit),
                               _benchmark_dir(benchmark_dir or ""), background=background)
    if outcome["mode"] == "job":
        return {"mode": "job", "job_id": outcome["job_id"]}
    result = outcome["result"]
    return {**result.to_json(), "evaluation_id": result.evaluation_id, "mode": "inline"}


def _model_changed(model: str, directions: list[str]):
    """BM25 is monolingual: switch the checkboxes to ko-ko and en-en when it is picked."""
    if model == "bm25":
        return gr.CheckboxGroup(value=[d.value for d in MONO_DIRECTIONS if d.value in (directions or DIRECTION_CHOICES)]
                                or [d.value for d in MONO_DIRECTIONS])
    return gr.skip()


def build() -> None:
    """Add the Evaluate tab."""
    options = evaluation_options()
    model_value = BUNDLED_MODEL_NAME if BUNDLED_MODEL_NAME in options["models"] else options["models"][0]
    with gr.Tab("Evaluate", id="evaluate"):
        gr.Markdown("Retrieval quality in four directions (QUERY-DOC: **ko-en** = Korean query, English documents). "
                    "nDCG@10 is the headline; CLIR mean = (ko-en + en-ko) / 2, mono mean = (ko-ko + en-en) / 2.")
        with gr.Row():
            model = gr.Dropdown(options["models"], value=model_value, label="Model (or BM25 baseline)")
            dataset = gr.Dropdown(options["datasets"], value=BELEBELE, label="Dataset or benchmark",
                                  allow_custom_value=True)
            split = gr.Dropdown(SPLITS, value="test", label="Split", allow_custom_value=True)
            refresh = gr.Button("↻", size="sm", scale=0)
        with gr.Row():
            directions = gr.CheckboxGroup(DIRECTION_CHOICES, value=DIRECTION_CHOICES, label="Directions")
            limit = gr.Number(value=0, precision=0, minimum=0, label="Limit (first N queries; 0 = all)")
            bench_dir = gr.Textbox(value=os.environ.get("STUDIO_BELEBELE_DIR", ""), label="Benchmark folder",
                                   placeholder="local Belebele/FLORES folder (empty: the Hub, when online)")
        with gr.Row():
            run = gr.Button("Evaluate", variant="primary")
            belebele = gr.Button("Belebele ko/en · 4 directions (one click)")
        status = gr.Markdown()
        table = gr.Dataframe(label="Metrics", interactive=False)
        chart = gr.Plot(label="Per direction")
        job = gr.State(None)
        timer = gr.Timer(2.0, active=False)

        outputs = [status, table, chart, job, timer]
        run.click(run_evaluation, inputs=[model, dataset, split, directions, limit, bench_dir], outputs=outputs,
                  api_visibility="private", concurrency_limit=2, concurrency_id="evaluate")
        belebele.click(lambda m: (BELEBELE, "test", [d.value for d in MONO_DIRECTIONS] if m == "bm25"
                                  else DIRECTION_CHOICES, 0), inputs=model,
                       outputs=[dataset, split, directions, limit], api_visibility="private", queue=False).then(
            run_belebele, inputs=[model, bench_dir], outputs=outputs,
            api_visibility="private", concurrency_limit=2, concurrency_id="evaluate")
        timer.tick(poll_job, inputs=job, outputs=outputs, api_visibility="private", show_progress="hidden")
        model.change(_model_changed, inputs=[model, directions], outputs=directions, api_visibility="private",
                     queue=False)
        refresh.click(_refreshed, outputs=[model, dataset], api_visibility="private")
        gr.api(evaluate_api, api_name="evaluate", concurrency_limit=2, concurrency_id="evaluate")


def _refreshed():
    options = evaluation_options()
    return gr.Dropdown(choices=options["models"]), gr.Dropdown(choices=options["datasets"])
