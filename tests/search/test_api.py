"""The Search tab on a real Gradio server: the public ``search`` endpoint through gradio_client, many users at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import gradio as gr
import pytest
from gradio_client import Client

from tests.search.conftest import SEJONG_EN, SEJONG_ID, SEJONG_KO
from tests.net import free_port


@pytest.fixture
def search_server(qa_dataset: str, tiny_model: str):
    from studio.ui import search_tab

    with gr.Blocks() as app:
        search_tab.build()
    app.queue(default_concurrency_limit=4)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_search_endpoint_and_concurrent_users(search_server: str, qa_dataset: str, tiny_model: str) -> None:
    from studio.search.indexes import get_index_manager

    queries = [SEJONG_KO, SEJONG_EN, "한글날은 언제야?", "When is Hangul Day?", ""] * 4
    langs = ["ko", "ko", "both", "en", "ko"] * 4  # the second: an English query over Korean documents

    def one(i: int) -> dict:
        return Client(search_server, verbose=False).predict(
            queries[i], tiny_model, "bm25", qa_dataset, langs[i], 3, api_name="/search")

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(one, range(len(queries))))
    assert len(results) == 20
    for query, lang, payload in zip(queries, langs, results):
        statuses = [c["status"] for c in payload["columns"]]
        if not query:
            assert statuses == ["error", "error"] and "empty" in payload["columns"][0]["message"]
        elif lang == "both" or (lang == "ko") == (payload["query_lang"] == "ko"):
            assert statuses == ["ok", "ok"], payload
        else:  # an English query against Korean documents: BM25 says why it cannot
            assert statuses == ["ok", "error"] and "BM25 matches words" in payload["columns"][1]["message"]
    assert get_index_manager().builds == 4  # two models x two languages, each built once by 20 concurrent users

    client = Client(search_server, verbose=False)
    result = client.predict(SEJONG_KO, tiny_model, "bm25", qa_dataset, "both", 5, api_name="/search")
    assert result["gold_record_id"] == SEJONG_ID and result["query_lang"] == "ko"
    assert [c["status"] for c in result["columns"]] == ["ok", "ok"], result
    assert result["columns"][1]["rows"][0]["gold"] and result["overlap"] is not None


def test_ui_handler_renders_columns_and_messages(qa_dataset: str, tiny_model: str) -> None:
    from studio.ui.search_tab import run_search

    column_a, column_b, summary, timer = run_search(SEJONG_KO, tiny_model, "no/such", qa_dataset, "both", 48)
    assert "★ gold" in column_a and "English translation" in column_a and "<details>" in column_a
    assert "⚠" in column_b and "no/such" in column_b
    assert f"`{SEJONG_ID}`" in summary and "Korean" in summary
    empty_a, empty_b, _, _ = run_search("", tiny_model, "bm25", qa_dataset, "both", 5)
    assert "query is empty" in empty_a and "query is empty" in empty_b
