"""Search tab: one Korean or English query, two retrievers side by side over a dataset's documents.

Each column renders its own results or its own message (index still building, unknown model, BM25 across
languages), so one failing retriever never hides the other. A timer re-runs the search while an index builds.
The public endpoint ``search`` (for ``gradio_client``) returns the structured comparison.
"""

from __future__ import annotations

import html
from typing import Any, Optional

import gradio as gr

from studio.context import BUNDLED_MODEL_NAME
from studio.search.compare import (
    DEMO_DATASET,
    MAX_K,
    ColumnResult,
    Comparison,
    compare,
    example_queries,
    prepare_search,
    search_options,
)
from studio.search.langdetect import detect_language
from studio.search.retrievers import BM25_NAME

SEARCH_CONCURRENCY = 4  # searches running at once (others queue)
UI_WAIT_S = 1.5  # the UI waits this long for a build, then shows progress and polls
API_WAIT_S = 60.0  # gradio_client callers get results rather than "building" when a build is quick
LANG_NAMES = {"ko": "Korean · 한국어", "en": "English", "mixed": "mixed Korean/English", "": "—"}
TAG_STYLE = {"ko": "background:#dbe4ff;color:#1c3d8c", "en": "background:#d3f9d8;color:#1b5e20"}
GOLD_STYLE = "background:#fff3bf;border-left:4px solid #f08c00"


def model_choices() -> list[tuple[str, str]]:
    """(label, value) pairs: registered models, then BM25."""
    return [("BM25 (lexical baseline)", m) if m == BM25_NAME else (m, m) for m in search_options()["models"]]


def default_models(choices: list[tuple[str, str]]) -> tuple[str, str]:
    """Model A: the bundled base model; model B: the newest other dense model, else BM25."""
    values = [value for _, value in choices]
    others = [v for v in values if v not in (BUNDLED_MODEL_NAME, BM25_NAME)]
    a = BUNDLED_MODEL_NAME if BUNDLED_MODEL_NAME in values else (values[0] if values else BM25_NAME)
    return a, (others[-1] if others else BM25_NAME)


def example_choices(dataset: str) -> list[tuple[str, str]]:
    """Dataset queries in both languages, as (label, query) pairs."""
    try:
        rows = example_queries(dataset, limit=30)
    except Exception:  # noqa: BLE001 - no examples is not an error worth a message
        return []
    pairs = [(f"[{lang}] {text}", text) for _, ko, en in rows for lang, text in (("ko", ko), ("en", en)) if text]
    return pairs


def detected_label(query: str) -> str:
    """Markdown naming the query's detected language."""
    return f"Detected language: **{LANG_NAMES[detect_language(query or '')]}**"


def _hit_html(row: Any) -> str:
    other = "English" if row.lang == "ko" else "Korean"
    tag = f'<span style="{TAG_STYLE.get(row.lang, "")};padding:0 6px;border-radius:4px;font-size:.8em">{row.lang.upper()}</span>'
    gold = ' <b title="the gold passage of this dataset query">★ gold</b>' if row.gold else ""
    translation = (
        f'<details><summary style="cursor:pointer;opacity:.75">{other} translation</summary>'
        f'<div style="opacity:.85">{html.escape(row.translation)}</div></details>' if row.translation else ""
    )
    style = GOLD_STYLE if row.gold else "border-left:4px solid transparent"
    return (
        f'<div class="search-hit{" gold" if row.gold else ""}" style="{style};padding:6px 8px;margin:4px 0">'
        f"<div><b>#{row.rank}</b> · score {row.score:.4f} · {tag}{gold} "
        f'<span style="opacity:.6;font-size:.8em">{html.escape(row.record_id)}</span></div>'
        f"<div>{html.escape(row.text)}</div>{translation}</div>"
    )


def render_column(title: str, column: Optional[ColumnResult]) -> str:
    """One result column as HTML: a header, then hits or a message."""
    if column is None:
        return f"<h4>{html.escape(title)}</h4><p style='opacity:.6'>No model chosen.</p>"
    head = f"<h4>{html.escape(title)} · {html.escape(column.model)}</h4>"
    if column.status == "building":
        percent = int(100 * (column.progress or 0))
        return (head + f'<div class="search-building">⏳ Index still building ({percent}%). This column refreshes '
                f'by itself.<br><progress value="{percent}" max="100" style="width:100%"></progress>'
                f'<div style="opacity:.7;font-size:.85em">{html.escape(column.message)}</div></div>')
    if column.status == "error":
        return head + f'<div class="search-error" style="color:#c92a2a">⚠ {html.escape(column.message)}</div>'
    info = f'<div style="opacity:.7;font-size:.85em">{len(column.rows)} results in {column.latency_ms:.1f} ms</div>'
    note = f"<p>{html.escape(column.message)}</p>" if column.message else ""
    return head + info + note + "".join(_hit_html(row) for row in column.rows)


def summary_markdown(result: Comparison) -> str:
    """Overlap@k and the gold record, as one line."""
    parts = [f"Query language: **{LANG_NAMES[result.query_lang]}**"]
    if result.overlap is not None:
        parts.append(f"overlap@{result.k}: **{result.overlap}** shared ({result.overlap_at_k:.0%})")
    if result.gold_record_id:
        parts.append(f"gold: record `{result.gold_record_id}` (highlighted ★)")
    return " · ".join(parts)


def run_search(query: str, model_a: str, model_b: str, dataset: str, doc_lang: str, k: float):
    """UI handler: both columns, the summary line, and whether the refresh timer keeps running."""
    result = compare(query, model_a, model_b or None, dataset=dataset or DEMO_DATASET, doc_lang=doc_lang,
                     k=int(k), wait=UI_WAIT_S)
    columns = list(result.columns) + [None] * (2 - len(result.columns))
    building = any(column is not None and column.status == "building" for column in columns)
    return (render_column("A", columns[0]), render_column("B", columns[1]), summary_markdown(result),
            gr.Timer(active=building))


def search_api(query: str, model_a: str = BUNDLED_MODEL_NAME, model_b: str = BM25_NAME,
               dataset: str = DEMO_DATASET, doc_lang: str = "both", k: int = 10, wait_s: float = API_WAIT_S) -> dict:
    """Search a dataset's documents with one or two models; per-column results, overlap@k, gold record.

    A column whose index is still building after ``wait_s`` seconds has status "building" and a progress.
    """
    return compare(query, model_a, model_b or None, dataset=dataset, doc_lang=doc_lang, k=int(k),
                   wait=max(0.0, min(float(wait_s), 300.0))).to_dict()


def build() -> None:
    """Add the Search tab."""
    choices = model_choices()
    model_a_value, model_b_value = default_models(choices)
    datasets = search_options()["datasets"]
    dataset_value = DEMO_DATASET if DEMO_DATASET in datasets else (datasets[0] if datasets else None)
    with gr.Tab("Search", id="search"):
        with gr.Row():
            query = gr.Textbox(label="Query (Korean or English)", lines=2, scale=5,
                               placeholder="조선 시대에 한글을 만든 왕은 누구인가?  /  Which king created Hangul?")
            with gr.Column(scale=2, min_width=220):
                detected = gr.Markdown(detected_label(""))
                run = gr.Button("Search", variant="primary")
        examples = gr.Dropdown(choices=example_choices(dataset_value) if dataset_value else [], value=None,
                               label="Example queries from the dataset (gold passage highlighted)")
        with gr.Row():
            model_a = gr.Dropdown(choices=choices, value=model_a_value, label="Model A")
            model_b = gr.Dropdown(choices=choices, value=model_b_value, label="Model B")
            dataset = gr.Dropdown(choices=datasets, value=dataset_value, label="Corpus (dataset)")
            doc_lang = gr.Radio(["ko", "en", "both"], value="both", label="Document language")
            k = gr.Slider(1, MAX_K, value=10, step=1, label="Top-k")
            refresh = gr.Button("↻ Models and datasets", size="sm", scale=0)
        summary = gr.Markdown()
        with gr.Row(equal_height=False):
            column_a = gr.HTML("")
            column_b = gr.HTML("")
        timer = gr.Timer(2.0, active=False)

        inputs = [query, model_a, model_b, dataset, doc_lang, k]
        outputs = [column_a, column_b, summary, timer]
        search = dict(fn=run_search, inputs=inputs, outputs=outputs, api_visibility="private",
                      concurrency_limit=SEARCH_CONCURRENCY, concurrency_id="search")
        run.click(**search)
        query.submit(**search)
        timer.tick(**search, show_progress="hidden")
        query.change(detected_label, inputs=query, outputs=detected, api_visibility="private",
                     show_progress="hidden", trigger_mode="always_last", queue=False)
        examples.select(lambda text: text, inputs=examples, outputs=query, api_visibility="private",
                        queue=False).then(**search)
        gr.on([model_a.change, model_b.change, dataset.change, doc_lang.change],
              lambda a, b, d, lang: prepare_search([a, b], d, lang), inputs=[model_a, model_b, dataset, doc_lang],
              api_visibility="private", show_progress="hidden")
        dataset.change(lambda d: gr.Dropdown(choices=example_choices(d), value=None), inputs=dataset,
                       outputs=examples, api_visibility="private")
        refresh.click(_refreshed, outputs=[model_a, model_b, dataset], api_visibility="private")
        gr.api(search_api, api_name="search", concurrency_limit=SEARCH_CONCURRENCY, concurrency_id="search")


def _refreshed():
    options = model_choices()
    return gr.Dropdown(choices=options), gr.Dropdown(choices=options), gr.Dropdown(choices=search_options()["datasets"])
