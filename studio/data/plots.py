"""Pure figure builders for the Data tab: length histograms and pairs per direction (plotly)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from studio.data.schema import DIRECTIONS

DIRECTION_COLOURS = {"ko-ko": "#1f77b4", "en-en": "#2ca02c", "ko-en": "#d62728", "en-ko": "#ff7f0e"}


def length_histograms(report: Mapping[str, Any]) -> go.Figure:
    """One histogram of text lengths (characters) per column of a validation report."""
    columns = report.get("columns", {})
    names = list(columns)
    figure = make_subplots(rows=1, cols=max(1, len(names)), subplot_titles=names or ["no data"])
    for index, name in enumerate(names, start=1):
        histogram = columns[name]["length"]["histogram"]
        edges, counts = histogram.get("edges", []), histogram.get("counts", [])
        if not counts:
            continue
        centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]
        figure.add_trace(go.Bar(x=centres, y=counts, width=edges[1] - edges[0], name=name, showlegend=False,
                                hovertemplate="%{x:.0f} chars: %{y} texts<extra>" + name + "</extra>"),
                         row=1, col=index)
    figure.update_layout(title="Text length (characters; the last bin holds the longest 1%)", height=300,
                         margin={"l": 40, "r": 10, "t": 60, "b": 30}, bargap=0.05)
    return figure


def direction_counts(counts: Mapping[str, int], available: Mapping[str, int] | None = None) -> go.Figure:
    """Bar chart of pairs per direction (QUERY-DOC), with the records usable per direction as a hint."""
    directions = list(DIRECTIONS)
    values = [int(counts.get(d, 0)) for d in directions]
    figure = go.Figure(go.Bar(x=directions, y=values, text=[f"{v:,}" for v in values], textposition="outside",
                              marker_color=[DIRECTION_COLOURS[d] for d in directions], name="pairs"))
    if available:
        figure.add_trace(go.Scatter(x=directions, y=[int(available.get(d, 0)) for d in directions], mode="markers",
                                    marker={"symbol": "line-ew-open", "size": 30, "color": "#555"},
                                    name="records usable"))
    figure.update_layout(title=f"Pairs per direction (total {sum(values):,})", height=320,
                         yaxis_title="pairs", margin={"l": 40, "r": 10, "t": 50, "b": 30})
    return figure
