"""Runs tab: stored evaluations side by side, best per column marked, deltas against a reference run,
a grouped bar chart, a CLIR-vs-monolingual scatter (one point per model) and a per-query drill-down.

Public endpoints: ``list_runs`` and ``compare_runs``.
"""

from __future__ import annotations

import html
from typing import Any, Optional

import gradio as gr
import pandas as pd

from studio.evaluate.compare import Comparison, compare_runs, list_runs, query_differences
from studio.evaluate.directions import ALL_DIRECTIONS
from studio.evaluate.metrics import METRIC_NAMES
from studio.evaluate.plots import clir_vs_mono, grouped_bars, per_model_points
from studio.ui.messages import guarded

LIST_COLUMNS = ["id", "model", "dataset", "split", "limit", "created", "ko-ko", "en-en", "ko-en", "en-ko",
                "clir", "mono", "all"]
GOLD_STYLE = "background:#fff3bf"


def runs_frame(dataset: Optional[str] = None) -> pd.DataFrame:
    """Stored evaluations (nDCG@10), newest first."""
    rows = list_runs(dataset=dataset or None)
    frame = pd.DataFrame(rows, columns=LIST_COLUMNS)
    return frame.round(4)


def run_choices(dataset: Optional[str] = None) -> list[tuple[str, int]]:
    """(label, id) pairs for the run pickers."""
    return [(row["label"], row["id"]) for row in list_runs(dataset=dataset or None)]


def dataset_choices() -> list[str]:
    """Datasets that have stored evaluations ('' = all)."""
    return [""] + sorted({row["dataset"] for row in list_runs()})


def comparison_frame(comparison: Comparison) -> pd.DataFrame:
    """Display table: a row per run, directions and means as columns; ★ best per column, (±) vs the reference."""
    multiple = len(comparison.rows) > 1
    records = []
    for row in comparison.rows:
        cells: dict[str, Any] = {"run": row["label"] + (" (reference)" if row["id"] == comparison.reference else "")}
        for column in comparison.columns:
            value, delta = row["values"][column], row["delta"][column]
            if value is None:
                cells[column] = "–"
                continue
            text = f"{value:.4f}"
            if multiple and comparison.best.get(column) == row["id"]:
                text += " ★"
            if delta is not None and row["id"] != comparison.reference:
                text += f" ({delta:+.4f})"
            cells[column] = text
        records.append(cells)
    return pd.DataFrame(records, columns=["run", *comparison.columns])


@guarded
def run_compare(ids: list[int], metric: str, reference: Optional[int]):
    """UI handler: comparison table, grouped bars, scatter."""
    if not ids:
        raise gr.Error("Pick at least one stored evaluation.")
    reference = reference if reference in ids else ids[0]
    comparison = compare_runs(ids, metric=metric, reference=reference)
    return (comparison_frame(comparison), grouped_bars(comparison.rows, metric),
            clir_vs_mono(per_model_points(comparison.rows), metric))


def _hits_html(hits: list[dict[str, Any]]) -> str:
    items = []
    for hit in hits:
        style = f' style="{GOLD_STYLE}"' if hit["gold"] else ""
        star = " ★ gold" if hit["gold"] else ""
        items.append(f"<li{style}><b>{hit['rank']}</b> <code>{html.escape(hit['doc_id'])}</code> "
                     f"{hit['score']:.4f}{star}<br>{html.escape(hit['text'])}</li>")
    return "<ol style='padding-left:1em;list-style:none'>" + "".join(items) + "</ol>"


def drill_html(items: list[dict[str, Any]], label_a: str, label_b: str, metric: str) -> str:
    """The differing queries as HTML: query, gold passage, both top-5 lists side by side."""
    if not items:
        return "<p>The two runs score every query the same in this direction.</p>"
    blocks = []
    for item in items:
        gold = html.escape(item["gold"][0]) if item["gold"] else "?"
        blocks.append(
            f"<div style='border-top:1px solid #ddd;padding:8px 0'>"
            f"<div><b>{html.escape(item['query'])}</b> <code>{item['qid']}</code> — {metric}: A {item['a']:.3f}, "
            f"B {item['b']:.3f} (<b>{item['diff']:+.3f}</b>)</div>"
            f"<div style='{GOLD_STYLE};padding:4px;margin:4px 0'>gold: {gold}</div>"
            f"<div style='display:flex;gap:16px'><div style='flex:1'><b>A</b> {html.escape(label_a)}"
            f"{_hits_html(item['top5_a'])}</div><div style='flex:1'><b>B</b> {html.escape(label_b)}"
            f"{_hits_html(item['top5_b'])}</div></div></div>")
    return "".join(blocks)


@guarded
def run_drill(id_a: Optional[int], id_b: Optional[int], direction: str, metric: str, top: Any) -> str:
    """UI handler: the queries where runs A and B differ most."""
    if not id_a or not id_b:
        raise gr.Error("Pick two runs (A and B) for the drill-down.")
    items = query_differences(id_a, id_b, direction, metric=metric, top=int(top or 10))
    labels = dict((value, label) for label, value in run_choices())
    return drill_html(items, labels.get(id_a, f"#{id_a}"), labels.get(id_b, f"#{id_b}"), metric)


def compare_api(ids: list[int], metric: str = "ndcg@10", reference: Optional[int] = None,
                drill_direction: str = "", top: int = 5) -> dict:
    """Compare stored evaluations: ``{"metric", "reference", "best", "rows"}`` (+ ``drill_down`` of the first
    two runs when ``drill_direction`` is given)."""
    ids = [int(i) for i in ids]
    comparison = compare_runs(ids, metric=metric, reference=reference if reference is not None else ids[0])
    out = comparison.to_json()
    if drill_direction and len(ids) > 1:
        out["drill_down"] = query_differences(ids[0], ids[1], drill_direction, metric=metric, top=int(top))
    return out


def list_api(dataset: str = "") -> list[dict]:
    """Stored evaluations, newest first (nDCG@10 per direction and the means)."""
    return list_runs(dataset=dataset or None)


def _refreshed(dataset: str):
    choices = run_choices(dataset)
    return (runs_frame(dataset), gr.Dropdown(choices=choices), gr.Dropdown(choices=choices),
            gr.Dropdown(choices=choices), gr.Dropdown(choices=choices), gr.Dropdown(choices=dataset_choices()))


def build() -> None:
    """Add the Runs tab."""
    choices = run_choices()
    with gr.Tab("Runs", id="runs") as tab:
        with gr.Row():
            dataset = gr.Dropdown(dataset_choices(), value="", label="Dataset filter ('' = all)")
            refresh = gr.Button("↻ Refresh", size="sm", scale=0)
        runs = gr.Dataframe(value=runs_frame, label="Stored evaluations (nDCG@10)", interactive=False)
        with gr.Row():
            picked = gr.Dropdown(choices, multiselect=True, label="Runs to compare", scale=3)
            reference = gr.Dropdown(choices, label="Reference run (deltas)", scale=2)
            metric = gr.Dropdown(list(METRIC_NAMES), value="ndcg@10", label="Metric", scale=1)
        compare = gr.Button("Compare", variant="primary")
        table = gr.Dataframe(label="Side by side (★ best per column, ± against the reference)", interactive=False)
        with gr.Row():
            bars = gr.Plot(label="By direction")
            scatter = gr.Plot(label="CLIR vs monolingual, one point per model")
        gr.Markdown("### Drill-down: queries where two runs differ most")
        with gr.Row():
            run_a = gr.Dropdown(choices, label="Run A")
            run_b = gr.Dropdown(choices, label="Run B")
            direction = gr.Radio([d.value for d in ALL_DIRECTIONS], value="ko-en", label="Direction")
            top = gr.Number(value=10, precision=0, minimum=1, maximum=100, label="Queries")
        drill = gr.Button("Show differing queries")
        details = gr.HTML()

        compare.click(run_compare, inputs=[picked, metric, reference], outputs=[table, bars, scatter],
                      api_visibility="private")
        drill.click(run_drill, inputs=[run_a, run_b, direction, metric, top], outputs=details,
                    api_visibility="private")
        listing = [runs, picked, reference, run_a, run_b, dataset]
        refresh.click(_refreshed, inputs=dataset, outputs=listing, api_visibility="private")
        dataset.change(lambda d: _refreshed(d)[:-1], inputs=dataset, outputs=listing[:-1], api_visibility="private")
        tab.select(_refreshed, inputs=dataset, outputs=listing, api_visibility="private")
        gr.api(compare_api, api_name="compare_runs")
        gr.api(list_api, api_name="list_runs")
