"""Study tab: the language-composition study in one click, its live stage progress, and its report.

Run queues a ``study`` job (four trainings, evaluations, a merge sweep, a report, all in one background
worker); a two-second ``gr.Timer`` reads the job's row and shows its stages. When the study has finished, the
report's Markdown, its two main figures and the HTML/Markdown files for download appear. A failed or interrupted
study gets a Retry button that requeues it: finished stages are skipped. Public endpoint: ``run_study``.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Optional

import gradio as gr
import pandas as pd

from studio.ui.messages import guarded

PRIVATE: dict[str, Any] = {"api_visibility": "private"}
STAGE_COLUMNS = ["#", "stage", "state", "detail", "time"]
STATE_MARKS = {"done": "done", "running": "running…", "failed": "FAILED", "pending": "pending"}
LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def dataset_choices() -> list[str]:
    from studio.data import list_datasets

    return [d.name for d in list_datasets() if d.kind == "parallel"]


def model_choices() -> list[str]:
    from studio.models import model_summaries

    return [row["name"] for row in model_summaries()]


def study_choices() -> list[tuple[str, int]]:
    """Recent studies as (label, job id), newest first."""
    from studio.study.runner import list_studies

    return [(f"#{job.id} · {job.state} · {job.title}", job.id) for job in list_studies()]


def _default(choices: list[str], preferred: str) -> Optional[str]:
    return preferred if preferred in choices else (choices[0] if choices else None)


def _job_id(value: Any) -> Optional[int]:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------------------------ views
def progress_html(status: Any) -> str:
    """A bar with the study's headline (stage i of n, ETA) or its error."""
    if status is None:
        return "<div>Run a study, or pick one above.</div>"
    percent = 100 * (1.0 if status.state == "succeeded" else status.fraction)
    colour = {"succeeded": "#2f9e44", "failed": "#e03131", "interrupted": "#f08c00", "cancelled": "#868e96"}.get(
        status.state, "#1c7ed6")
    return (f'<div style="background:#e9ecef;border-radius:4px;height:18px;margin:6px 0">'
            f'<div style="width:{percent:.1f}%;background:{colour};height:18px;border-radius:4px"></div></div>'
            f"<div>{html.escape(status.headline())}</div>")


def stages_frame(status: Any) -> pd.DataFrame:
    if status is None:
        return pd.DataFrame(columns=STAGE_COLUMNS)
    from studio.study.status import format_seconds

    return pd.DataFrame([[i, s.label, STATE_MARKS.get(s.state, s.state), s.detail,
                          "" if s.seconds is None else format_seconds(s.seconds)]
                         for i, s in enumerate(status.stages, start=1)], columns=STAGE_COLUMNS)


def report_view(job_id: int, paths: dict[str, str]) -> tuple[str, Any, Any, list[str]]:
    """The report's Markdown (links flattened), its trade-off and sweep figures, and copies for download."""
    from studio.context import get_studio
    from studio.study.report import report_for_job, study_figures

    home = get_studio().paths.home
    if not all((home / paths.get(kind, "-")).is_file() for kind in ("html", "markdown")):
        paths = report_for_job(job_id)  # the files were removed: write them again from the stored results
    markdown = (home / paths["markdown"]).read_text(encoding="utf-8")
    figures = study_figures(job_id)
    folder = Path(tempfile.mkdtemp(prefix=f"clir-study-{job_id}-"))
    files = []
    for kind in ("html", "markdown"):
        target = folder / f"study-{job_id}-{Path(paths[kind]).name}"
        shutil.copyfile(home / paths[kind], target)
        files.append(str(target))
    return (LINK.sub(r"\1", markdown), figures.get("tradeoff-heldout"), figures.get("sweep-heldout"), files)


def study_view(job_id: Any, shown: Optional[int]) -> tuple:
    """Progress, stages, Retry visibility, then the report (drawn once per finished study)."""
    from studio.errors import StudioError
    from studio.study.status import study_status

    job_id = _job_id(job_id)
    if job_id is None:
        return progress_html(None), stages_frame(None), gr.Button(visible=False), "", None, None, None, None
    try:
        status = study_status(job_id)
    except StudioError as exc:
        return (f"<div>{html.escape(str(exc))}</div>", stages_frame(None), gr.Button(visible=False), "", None, None,
                None, None)
    head = (progress_html(status), stages_frame(status), gr.Button(visible=status.can_retry))
    if status.state != "succeeded" or not status.report.get("markdown"):
        cleared = ("", None, None, None) if shown is not None else (gr.skip(),) * 4
        return (*head, *cleared, None)
    if shown == job_id:
        return (*head, gr.skip(), gr.skip(), gr.skip(), gr.skip(), shown)
    return (*head, *report_view(job_id, status.report), job_id)


def select_study(job_id: Any) -> tuple:
    """A study picked in the dropdown: redraw everything (clear a previous study's report)."""
    return study_view(job_id, shown=-1)


# --------------------------------------------------------------------------------------------- handlers
@guarded
def start_study(dataset: str, base: str, budget: Any, seed: Any, setting: str, belebele_dir: str, name: str,
                request: gr.Request = None) -> tuple:
    """Queue a study; select it in the picker."""
    from studio.access import owner_of
    from studio.study.preset import StudyConfig
    from studio.study.runner import submit_study

    config = StudyConfig.for_setting(setting or "quick", dataset=dataset, base_model=base,
                                     budget=int(budget) if budget else None, seed=int(seed or 0),
                                     belebele_dir=belebele_dir or None, name=name or None)
    job = submit_study(config, owner=owner_of(request))
    where = "running now" if job.state == "running" else "queued (it starts when a slot frees up)"
    return (f"Study job **{job.id}** {where}. Stages and the report appear below.",
            gr.Dropdown(choices=study_choices(), value=job.id))


@guarded
def retry(job_id: Any) -> tuple:
    """Requeue a failed or interrupted study (finished stages are skipped)."""
    from studio.study.runner import retry_study

    job = retry_study(_job_id(job_id))
    return f"Study job **{job.id}** requeued; finished stages are skipped.", gr.Dropdown(choices=study_choices(),
                                                                                      value=job.id)


def run_study_api(dataset: str, base_model: str, budget: int = 0, seed: int = 0, setting: str = "quick",
                  belebele_dir: str = "", name: str = "") -> dict:
    """Queue a study: ``{"job_id", "state", "title"}`` (poll the Jobs endpoints or the Study tab)."""
    from studio.study.preset import StudyConfig
    from studio.study.runner import submit_study

    config = StudyConfig.for_setting(setting, dataset=dataset, base_model=base_model, budget=budget or None,
                                     seed=seed, belebele_dir=belebele_dir or None, name=name or None)
    job = submit_study(config)
    return {"job_id": job.id, "state": job.state, "title": job.title}


def _refreshed() -> tuple:
    return (gr.Dropdown(choices=dataset_choices()), gr.Dropdown(choices=model_choices()),
            gr.Dropdown(choices=study_choices()))


def _setting_changed(setting: str) -> Any:
    from studio.study.preset import SETTING_DEFAULTS

    return gr.Number(value=SETTING_DEFAULTS.get(setting, SETTING_DEFAULTS["quick"])["budget"])


def build() -> None:
    """Add the Study tab."""
    from studio.context import BUNDLED_MODEL_NAME
    from studio.data.benchmarks import BELEBELE_ENV
    from studio.data.registry import DEMO_DATASET
    from studio.study.preset import SETTING_DEFAULTS

    datasets, models, studies = dataset_choices(), model_choices(), study_choices()
    with gr.Tab("Study", id="study"):
        gr.Markdown(
            "**The study in one click.** From one base model, dataset, pair budget and seed: train **mono-ko**, "
            "**mono-en**, **cross-only** (ko-en + en-ko) and **all-four**; evaluate the base and each model in the "
            "four directions on the held-out split (and Belebele when a folder is given); sweep a linear merge from "
            "the monolingual-trained models to the cross-lingual one; write a report. *quick* takes about 30 "
            "minutes on a 2-core CPU with the bundled model; *full* is meant for a GPU.")
        with gr.Row():
            dataset = gr.Dropdown(datasets, value=_default(datasets, "msmarco_ko_en") or _default(datasets, DEMO_DATASET),
                                  label="Dataset (parallel, split)")
            base = gr.Dropdown(models, value=_default(models, BUNDLED_MODEL_NAME), label="Base model")
            setting = gr.Radio(["quick", "full"], value="quick", label="Setting")
            refresh = gr.Button("↻", size="sm", scale=0, min_width=48)
        with gr.Row():
            budget = gr.Number(SETTING_DEFAULTS["quick"]["budget"], precision=0, minimum=4,
                               label="Budget (training pairs per composition)")
            seed = gr.Number(0, precision=0, minimum=0, label="Seed")
            belebele = gr.Textbox(value=os.environ.get(BELEBELE_ENV, ""), label="Belebele folder (optional)",
                                  placeholder="local Belebele ko/en folder: also evaluate on Belebele")
            name = gr.Textbox(label="Study name (optional)", placeholder="default: study-<job id>")
        run = gr.Button("Run study", variant="primary")
        message = gr.Markdown()
        with gr.Row():
            picker = gr.Dropdown(studies, value=studies[0][1] if studies else None, label="Study", scale=4)
            retry_button = gr.Button("Retry (skips finished stages)", visible=False, scale=1)
        progress = gr.HTML()
        stages = gr.Dataframe(headers=STAGE_COLUMNS, label="Stages", interactive=False, wrap=True, max_height=420)
        with gr.Row():
            tradeoff = gr.Plot(label="CLIR vs monolingual, with the merge sweep")
            sweep = gr.Plot(label="Merge sweep")
        files = gr.File(label="Report (HTML with interactive figures, Markdown)", file_count="multiple",
                        interactive=False)
        report = gr.Markdown()
        shown = gr.State(None)
        timer = gr.Timer(2.0)

        view = [progress, stages, retry_button, report, tradeoff, sweep, files, shown]
        run.click(start_study, inputs=[dataset, base, budget, seed, setting, belebele, name],
                  outputs=[message, picker], **PRIVATE)
        retry_button.click(retry, inputs=picker, outputs=[message, picker], **PRIVATE)
        picker.change(select_study, inputs=picker, outputs=view, show_progress="hidden", **PRIVATE)
        timer.tick(study_view, inputs=[picker, shown], outputs=view, show_progress="hidden", **PRIVATE)
        setting.change(_setting_changed, inputs=setting, outputs=budget, queue=False, **PRIVATE)
        refresh.click(_refreshed, outputs=[dataset, base, picker], **PRIVATE)
        gr.api(run_study_api, api_name="run_study")
