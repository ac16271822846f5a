"""Jobs tab: the queue, and for the selected job a live progress bar, loss and dev curves, the log tail,
cancel and resume. Everything is read from the database every two seconds (``gr.Timer``); the jobs
run in their own processes, so this view can be closed and reopened at will.

Public endpoints: ``cancel_job`` and ``resume_job`` (a job id in, a status line out).
"""

from __future__ import annotations

from typing import Any, Optional

import gradio as gr
import pandas as pd

from studio.ui.messages import guarded

PRIVATE: dict[str, Any] = {"api_visibility": "private"}
LOG_LINES = 60


def jobs_table() -> pd.DataFrame:
    from studio.jobs.views import COLUMNS, job_rows

    return pd.DataFrame(job_rows(100), columns=COLUMNS)


def default_job() -> Optional[int]:
    """The job to show first: the newest running one, else the newest."""
    from studio.jobs.views import job_rows

    rows = job_rows(50)
    running = [row["id"] for row in rows if row["state"] == "running"]
    return running[0] if running else (rows[0]["id"] if rows else None)


def _job_id(value: Any) -> Optional[int]:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def job_view(job_id: Any, seen: Optional[tuple]) -> tuple:
    """Progress HTML, loss figure, dev figure, log tail, details, and what was drawn (to skip redraws)."""
    from studio.errors import StudioError
    from studio.jobs.plots import dev_figure, loss_figure, progress_html
    from studio.jobs.runner import get_job
    from studio.jobs.views import log_tail, metric_series

    job_id = _job_id(job_id)
    if job_id is None:
        return progress_html(None), None, None, "", {}, None
    try:
        job = get_job(job_id)
    except StudioError as exc:
        return f"<div>{exc}</div>", None, None, "", {}, None
    series = metric_series(job_id)
    drawn = (job_id, sum(len(points) for points in series.values()))
    details = {"state": job.state, "error": job.error, "attempts": job.attempts, "payload": job.payload,
               "result": job.result}
    if drawn == seen:
        figures: tuple = (gr.skip(), gr.skip())
    else:
        figures = (loss_figure(series), dev_figure(series))
    return progress_html(job), *figures, log_tail(job_id, LOG_LINES), details, drawn


def show_job(job_id: Any) -> tuple:
    """A newly selected job: draw everything."""
    return job_view(job_id, None)


def refresh(job_id: Any, seen: Optional[tuple]) -> tuple:
    """Timer handler: the table and the selected job's view."""
    return (jobs_table(), *job_view(job_id, seen))


def pick(table: pd.DataFrame, event: gr.SelectData) -> Any:
    """A click on a table row selects its job."""
    row = event.row_value if event.row_value is not None else table.iloc[event.index[0]].tolist()
    return int(row[0])


@guarded
def cancel_job(job_id: Any) -> str:
    """Cancel a queued or running job (SIGTERM to its process group, SIGKILL after a grace period)."""
    from studio.jobs.runner import cancel

    job = cancel(int(job_id))
    return f"Job {job.id} {job.state}."


@guarded
def resume_job(job_id: Any) -> str:
    """Queue a failed, cancelled or interrupted job again; training continues from its last checkpoint."""
    from studio.jobs.runner import resume

    job = resume(int(job_id))
    return f"Job {job.id} {job.state} (continues from its last checkpoint, if any)."


def build() -> None:
    """Add the Jobs tab."""
    with gr.Tab("Jobs", id="jobs"):
        table = gr.Dataframe(value=jobs_table, label="Queue (newest first; click a row)", interactive=False,
                             wrap=True, max_height=300)
        with gr.Row():
            job_id = gr.Number(value=default_job, precision=0, label="Job", scale=1)
            cancel = gr.Button("Cancel", variant="stop", scale=1)
            resume = gr.Button("Resume", scale=1)
            status = gr.Markdown(scale=3)
        progress = gr.HTML()
        with gr.Row():
            loss_plot = gr.Plot(label="Loss")
            dev_plot = gr.Plot(label="Dev nDCG@10")
        log = gr.Textbox(label=f"Log (last {LOG_LINES} lines)", lines=12, max_lines=12, autoscroll=True,
                         interactive=False)
        with gr.Accordion("Details (payload, result)", open=False):
            details = gr.JSON()
        seen = gr.State(None)
        timer = gr.Timer(2.0)

        view = [progress, loss_plot, dev_plot, log, details, seen]
        timer.tick(refresh, inputs=[job_id, seen], outputs=[table, *view], show_progress="hidden", **PRIVATE)
        job_id.change(show_job, inputs=job_id, outputs=view, show_progress="hidden", **PRIVATE)
        table.select(pick, inputs=table, outputs=job_id, **PRIVATE)
        cancel.click(cancel_job, inputs=job_id, outputs=status, api_name="cancel_job")
        resume.click(resume_job, inputs=job_id, outputs=status, api_name="resume_job")
