"""Pure plotly builders for merge previews and sweeps: JSON-able results in, figures and rows out.

Axes follow ``studio.evaluate.plots``: monolingual mean on x, CLIR mean on y (nDCG@10).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

import plotly.graph_objects as go

from studio.evaluate.plots import DIRECTION_NAMES, SUMMARY_NAMES, _layout

METRIC = "ndcg@10"
MERGE_COLOUR = "#d6336c"
PARENT_COLOURS = ("#1c7ed6", "#37b24d", "#f59f00", "#7048e8", "#0ca678", "#868e96")
FRONT_COLOUR = "#f08c00"


def _values(metrics: Mapping[str, Mapping[str, float]],
            summary: Mapping[str, Optional[float]]) -> list[Optional[float]]:
    return [metrics.get(d, {}).get(METRIC) for d in DIRECTION_NAMES] + [summary.get(s) for s in SUMMARY_NAMES]


def direction_bars(preview: Mapping[str, Any]) -> go.Figure:
    """The merge's nDCG@10 in the four directions (and the means) beside its parents'."""
    columns = DIRECTION_NAMES + SUMMARY_NAMES
    figure = go.Figure()
    for i, parent in enumerate(preview.get("parents", [])):
        figure.add_trace(go.Bar(name=parent["name"], x=columns, y=_values(parent["metrics"], parent["summary"]),
                                marker={"color": PARENT_COLOURS[i % len(PARENT_COLOURS)], "opacity": 0.45}))
    merged = preview["merged"]
    values = _values(merged["metrics"], merged["summary"])
    figure.add_trace(go.Bar(name="merge", x=columns, y=values, marker={"color": MERGE_COLOUR},
                            text=[f"{v:.3f}" if v is not None else "" for v in values], textposition="outside"))
    figure.update_layout(barmode="group")
    figure.update_yaxes(range=[0, 1.1])
    return _layout(figure, f"{METRIC} per direction (QUERY-DOC): merge vs parents", METRIC)


def _axes(figure: go.Figure, xs: Sequence[float], ys: Sequence[float]) -> None:
    values = [v for v in (*xs, *ys) if v is not None]
    low = max(0.0, min(values) - 0.05) if values else 0.0
    high = min(1.0, max(values) + 0.05) if values else 1.0
    figure.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="CLIR = mono",
                                line={"dash": "dot", "color": "#adb5bd"}, hoverinfo="skip"))
    figure.update_xaxes(range=[low, high], title=f"monolingual mean {METRIC} (ko-ko, en-en)")
    figure.update_yaxes(range=[low, high])


def _parent_traces(figure: go.Figure, parents: Sequence[Mapping[str, Any]]) -> None:
    for i, parent in enumerate(parents):
        summary = parent["summary"]
        figure.add_trace(go.Scatter(
            x=[summary.get("mono")], y=[summary.get("clir")], mode="markers+text", text=[parent["name"]],
            textposition="bottom center", name=parent["name"],
            marker={"size": 13, "symbol": "square", "color": PARENT_COLOURS[i % len(PARENT_COLOURS)]},
            hovertemplate="%{text}<br>mono %{x:.4f}<br>CLIR %{y:.4f}<extra></extra>"))


def tradeoff_point(preview: Mapping[str, Any]) -> go.Figure:
    """The merge's (mono, CLIR) point with its parents' points beside it."""
    parents, merged = preview.get("parents", []), preview["merged"]["summary"]
    figure = go.Figure()
    _axes(figure, [merged.get("mono"), *(p["summary"].get("mono") for p in parents)],
          [merged.get("clir"), *(p["summary"].get("clir") for p in parents)])
    _parent_traces(figure, parents)
    label = " / ".join(f"{w:.2f}" for w in preview.get("weights", []))
    figure.add_trace(go.Scatter(
        x=[merged.get("mono")], y=[merged.get("clir")], mode="markers+text", text=[f"merge {label}"],
        textposition="top center", name="merge", marker={"size": 18, "symbol": "star", "color": MERGE_COLOUR},
        hovertemplate="%{text}<br>mono %{x:.4f}<br>CLIR %{y:.4f}<extra></extra>"))
    return _layout(figure, "Cross-lingual vs monolingual trade-off", f"CLIR mean {METRIC} (ko-en, en-ko)")


def sweep_curve(result: Mapping[str, Any], selected: Optional[int] = None) -> go.Figure:
    """The sweep's points joined in weight order, the parents, the Pareto front and the chosen point."""
    points = result.get("points", [])
    parents = result.get("parents", [])
    front = set(result.get("pareto", []))
    xs = [p["summary"].get("mono") for p in points]
    ys = [p["summary"].get("clir") for p in points]
    figure = go.Figure()
    _axes(figure, xs + [p["summary"].get("mono") for p in parents], ys + [p["summary"].get("clir") for p in parents])
    figure.add_trace(go.Scatter(
        x=xs, y=ys, mode="lines+markers+text", name="sweep", text=[f"α={p['alpha']:.2f}" for p in points],
        textposition="top center", line={"color": MERGE_COLOUR}, marker={"size": 8},
        customdata=[p["index"] for p in points],
        hovertemplate="point %{customdata}, %{text}<br>mono %{x:.4f}<br>CLIR %{y:.4f}<extra></extra>"))
    ordered = sorted((i for i in front if i < len(points)), key=lambda i: xs[i] or 0.0)
    figure.add_trace(go.Scatter(
        x=[xs[i] for i in ordered], y=[ys[i] for i in ordered], mode="lines+markers", name="Pareto front",
        line={"color": FRONT_COLOUR, "dash": "dash"},
        marker={"size": 15, "symbol": "circle-open", "color": FRONT_COLOUR, "line": {"width": 3}}))
    _parent_traces(figure, parents)
    if selected is not None and 0 <= selected < len(points):
        figure.add_trace(go.Scatter(x=[xs[selected]], y=[ys[selected]], mode="markers", name=f"point {selected}",
                                    marker={"size": 20, "symbol": "star", "color": "#212529"}))
    return _layout(figure, "Sweep: CLIR vs monolingual", f"CLIR mean {METRIC} (ko-en, en-ko)")


SWEEP_COLUMNS = ["point", "alpha", "weights", *DIRECTION_NAMES, "clir", "mono", "all", "pareto"]


def sweep_rows(result: Mapping[str, Any]) -> list[list[Any]]:
    """One row per sweep point (``SWEEP_COLUMNS``), scores rounded for display."""
    front = set(result.get("pareto", []))
    rows = []
    for p in result.get("points", []):
        scores = [p["metrics"].get(d, {}).get(METRIC) for d in DIRECTION_NAMES]
        means = [p["summary"].get(k) for k in SUMMARY_NAMES]
        rows.append([p["index"], round(p["alpha"], 3), " / ".join(f"{w:.2f}" for w in p["weights"]),
                     *(round(v, 4) if v is not None else None for v in scores + means),
                     "★" if p["index"] in front else ""])
    return rows
