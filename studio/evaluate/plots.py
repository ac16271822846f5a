"""Pure plotly figure builders for evaluation results (no I/O, no gradio): data in, figure out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

import plotly.graph_objects as go

from studio.evaluate.directions import ALL_DIRECTIONS

DIRECTION_NAMES = [d.value for d in ALL_DIRECTIONS]
SUMMARY_NAMES = ["clir", "mono", "all"]


def _layout(figure: go.Figure, title: str, y_title: str) -> go.Figure:
    figure.update_layout(title=title, yaxis_title=y_title, template="plotly_white", height=380,
                         margin={"l": 50, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.15})
    return figure


def metrics_bar(metrics: Mapping[str, Mapping[str, float]], metrics_shown: Sequence[str] = ("ndcg@10", "mrr@10"),
                title: str = "") -> go.Figure:
    """One evaluation: a bar per direction, one colour per metric."""
    directions = [d for d in DIRECTION_NAMES if d in metrics]
    figure = go.Figure([
        go.Bar(name=name, x=directions, y=[metrics[d].get(name) for d in directions],
               text=[f"{metrics[d].get(name, 0):.3f}" for d in directions], textposition="outside")
        for name in metrics_shown
    ])
    figure.update_yaxes(range=[0, 1.05])
    return _layout(figure, title or "Retrieval quality per direction (QUERY-DOC)", "score")


def grouped_bars(rows: Sequence[Mapping[str, Any]], metric: str = "ndcg@10",
                 columns: Sequence[str] = tuple(DIRECTION_NAMES + SUMMARY_NAMES)) -> go.Figure:
    """Several runs: columns (directions and means) on the x axis, one bar per run.

    ``rows`` are ``{"label": str, "values": {column: value or None}}`` (as in ``Comparison.rows``).
    """
    figure = go.Figure([
        go.Bar(name=row["label"], x=list(columns), y=[row["values"].get(c) for c in columns])
        for row in rows
    ])
    figure.update_layout(barmode="group")
    figure.update_yaxes(range=[0, 1.05])
    return _layout(figure, f"{metric} by direction", metric)


def clir_vs_mono(points: Sequence[Mapping[str, Any]], metric: str = "ndcg@10") -> go.Figure:
    """One point per model: monolingual mean (x) against CLIR mean (y), with the y = x diagonal.

    ``points`` are ``{"label": str, "mono": float, "clir": float}``; points missing either mean are skipped.
    """
    usable = [p for p in points if p.get("mono") is not None and p.get("clir") is not None]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="CLIR = mono",
                                line={"dash": "dot", "color": "#999"}, hoverinfo="skip"))
    figure.add_trace(go.Scatter(
        x=[p["mono"] for p in usable], y=[p["clir"] for p in usable], mode="markers+text",
        text=[p["label"] for p in usable], textposition="top center", name="models", marker={"size": 11},
        hovertemplate="%{text}<br>mono %{x:.4f}<br>CLIR %{y:.4f}<extra></extra>"))
    lows = [min(p["mono"], p["clir"]) for p in usable]
    low = max(0.0, min(lows) - 0.05) if lows else 0.0
    figure.update_xaxes(range=[low, 1.0], title=f"monolingual mean {metric} (ko-ko, en-en)")
    figure.update_yaxes(range=[low, 1.0])
    return _layout(figure, "Cross-lingual vs monolingual", f"CLIR mean {metric} (ko-en, en-ko)")


def per_model_points(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Optional[float]]]:
    """The latest run per model (rows newest first, as in ``Comparison.rows``) as scatter points."""
    seen: dict[str, dict[str, Optional[float]]] = {}
    for row in rows:
        model = row.get("model", row["label"])
        if model not in seen:
            seen[model] = {"label": model, "mono": row["values"].get("mono"), "clir": row["values"].get("clir")}
    return list(seen.values())
