"""Pure figure and HTML builders for job views: records in, plotly figures / HTML out."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from storage.records import JobRecord
from studio.jobs.views import format_duration

if TYPE_CHECKING:
    import plotly.graph_objects as go

DIRECTION_COLOURS = {"ko-ko": "#1c7ed6", "en-en": "#37b24d", "ko-en": "#f08c00", "en-ko": "#e03131",
                     "clir": "#862e9c", "mono": "#495057", "all": "#000000"}
STATE_COLOURS = {"queued": "#adb5bd", "running": "#1c7ed6", "succeeded": "#37b24d", "failed": "#e03131",
                 "cancelled": "#868e96", "interrupted": "#f08c00"}

Series = dict[str, list[tuple[int, float]]]


def _empty(title: str, note: str) -> go.Figure:
    import plotly.graph_objects as go

    figure = go.Figure()
    figure.update_layout(title=title, height=320, margin=dict(l=40, r=10, t=40, b=40),
                         annotations=[dict(text=note, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")])
    return figure


def loss_figure(series: Series) -> go.Figure:
    """Training loss against the optimiser step."""
    import plotly.graph_objects as go

    points = series.get("loss", [])
    if not points:
        return _empty("Training loss", "no loss logged yet")
    steps, values = zip(*points)
    figure = go.Figure(go.Scatter(x=steps, y=values, mode="lines+markers" if len(points) < 50 else "lines",
                                  name="loss", line=dict(color="#1c7ed6")))
    figure.update_layout(title="Training loss", xaxis_title="step", yaxis_title="loss", height=320,
                         margin=dict(l=40, r=10, t=40, b=40))
    return figure


def dev_figure(series: Series, metric: str = "ndcg@10") -> go.Figure:
    """Dev ``metric`` per direction (and the CLIR mean, dashed) against the step; step 0 is the base model."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for group, colour in DIRECTION_COLOURS.items():
        points = series.get(f"dev/{group}/{metric}", [])
        if not points or group in ("mono", "all"):
            continue
        steps, values = zip(*points)
        figure.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers", name=group,
                                    line=dict(color=colour, dash="dash" if group == "clir" else "solid")))
    if not figure.data:
        return _empty(f"Dev {metric}", "no dev evaluation yet")
    figure.update_layout(title=f"Dev {metric} by direction (QUERY-DOC)", xaxis_title="step", yaxis_title=metric,
                         height=320, margin=dict(l=40, r=10, t=40, b=40), legend=dict(orientation="h", y=-0.25))
    return figure


def progress_html(job: JobRecord | None) -> str:
    """A progress bar with state, step/total, ETA, loss and the job's last message (or its error)."""
    if job is None:
        return "<div>Select a job.</div>"
    percent = 100 * (1.0 if job.state == "succeeded" else job.fraction)
    colour = STATE_COLOURS.get(job.state, "#1c7ed6")
    counts = f"{job.step}/{job.total} steps" if job.total else ""
    eta = f"ETA {format_duration(job.eta_seconds)}" if job.state == "running" and job.eta_seconds else ""
    loss = f"loss {job.loss:.4f}" if job.loss is not None else ""
    facts = " · ".join(html.escape(part) for part in (job.state, counts, f"{percent:.0f}%", eta, loss) if part)
    note = job.error if job.error and job.state != "succeeded" else job.message
    return (
        f'<div class="job-progress"><div style="font-weight:600">Job {job.id}: {html.escape(job.title)}</div>'
        f'<div style="background:#e9ecef;border-radius:4px;height:18px;margin:6px 0">'
        f'<div style="width:{percent:.1f}%;background:{colour};height:18px;border-radius:4px"></div></div>'
        f"<div>{facts}</div><div style=\"opacity:0.8\">{html.escape(note or '')}</div></div>"
    )
