"""Pure plotly builders for a study report: the CLIR-vs-monolingual trade-off with the sweep, the sweep curve.

Points are ``{"label", "clir", "mono", "all", "evaluation_id"}`` (nDCG@10 means); sweep points add ``"alpha"``.
The per-direction bars reuse :func:`studio.evaluate.plots.grouped_bars`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from studio.evaluate.plots import clir_vs_mono, grouped_bars

METRIC = "nDCG@10"


def _run(point: Mapping[str, Any]) -> str:
    return f"run #{point['evaluation_id']}" if point.get("evaluation_id") else "no stored run"


def _pareto(pairs: Sequence[tuple[float, float]]) -> list[int]:
    from studio.merge.sweep import pareto_front

    return pareto_front(pairs)


def _padded(values: Sequence[Any]) -> list[float]:
    """An axis range around ``values`` (each axis zooms on its own data; the diagonal is only a guide)."""
    known = [v for v in values if v is not None] or [0.0, 1.0]
    span = max(max(known) - min(known), 0.02)
    return [max(0.0, min(known) - 0.15 * span), min(1.0, max(known) + 0.15 * span)]


def tradeoff_figure(points: Sequence[Mapping[str, Any]], sweep: Sequence[Mapping[str, Any]],
                    title: str = "") -> go.Figure:
    """Monolingual mean (x) against CLIR mean (y): one marker per model, the merge sweep as a line."""
    figure = clir_vs_mono(points, metric=METRIC)
    figure.data[1].customdata = [_run(p) for p in points if p.get("mono") is not None and p.get("clir") is not None]
    figure.data[1].hovertemplate = "%{text}<br>mono %{x:.4f}<br>CLIR %{y:.4f}<br>%{customdata}<extra></extra>"
    figure.data[1].marker.color = "#1c7ed6"
    line = [p for p in sweep if p.get("mono") is not None and p.get("clir") is not None]
    if line:
        figure.add_trace(go.Scatter(
            x=[p["mono"] for p in line], y=[p["clir"] for p in line], mode="lines+markers+text",
            text=[f"α={p['alpha']:.2f}" for p in line], textposition="bottom right", textfont={"size": 10},
            name="merge sweep (α = cross share)",
            customdata=[_run(p) for p in line], line={"color": "#e8590c"}, marker={"size": 8, "symbol": "diamond"},
            hovertemplate="%{text}<br>mono %{x:.4f}<br>CLIR %{y:.4f}<br>%{customdata}<extra></extra>"))
        front = [line[i] for i in _pareto([(p["clir"], p["mono"]) for p in line])]
        figure.add_trace(go.Scatter(
            x=[p["mono"] for p in front], y=[p["clir"] for p in front], mode="markers", name="Pareto front of the sweep",
            marker={"size": 16, "color": "rgba(0,0,0,0)", "line": {"color": "#e8590c", "width": 2}},
            hoverinfo="skip"))
    figure.update_xaxes(range=_padded([p.get("mono") for p in [*points, *line]]))
    figure.update_yaxes(range=_padded([p.get("clir") for p in [*points, *line]]))
    figure.update_layout(title=title or "CLIR vs monolingual retrieval, with the merge sweep", height=480)
    return figure


def sweep_figure(sweep: Sequence[Mapping[str, Any]], title: str = "") -> go.Figure:
    """CLIR, monolingual and all-four means against the cross-lingual share α of the merge."""
    alphas = [p["alpha"] for p in sweep]
    figure = go.Figure([
        go.Scatter(x=alphas, y=[p.get(key) for p in sweep], mode="lines+markers", name=name,
                   customdata=[_run(p) for p in sweep],
                   hovertemplate=f"α=%{{x:.2f}}<br>{name} %{{y:.4f}}<br>%{{customdata}}<extra></extra>")
        for key, name in (("clir", "CLIR mean"), ("mono", "monolingual mean"), ("all", "mean of four"))
    ])
    figure.update_layout(title=title or "Linear merge sweep: monolingual-trained (α=0) → cross-lingual-trained (α=1)",
                         template="plotly_white", height=380, margin={"l": 50, "r": 20, "t": 50, "b": 40},
                         legend={"orientation": "h", "y": -0.2}, yaxis_title=METRIC,
                         xaxis_title="α (weight of the cross-lingual-trained model)")
    return figure


def directions_figure(rows: Sequence[Mapping[str, Any]], title: str = "") -> go.Figure:
    """nDCG@10 per direction and mean, one bar per model (``rows``: ``{"label", "values"}``)."""
    figure = grouped_bars(rows, metric="ndcg@10")
    if title:
        figure.update_layout(title=title)
    return figure
