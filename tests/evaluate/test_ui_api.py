"""The Evaluate and Runs endpoints through gradio_client on a real launched server."""

from __future__ import annotations

import warnings

import pytest
from tests.net import free_port


@pytest.fixture
def server(studio):
    from studio.ui.app import build_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = build_app()
        port = free_port()
        app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_evaluate_and_compare_runs_endpoints(server, tiny_model, parallel_jsonl):
    from gradio_client import Client

    client = Client(server, verbose=False)
    first = client.predict(model=tiny_model, dataset=str(parallel_jsonl), split="test", directions=["ko-ko", "ko-en"],
                           limit=5, benchmark_dir="", background=None, api_name="/evaluate")
    assert first["mode"] == "inline" and set(first["metrics"]) == {"ko-ko", "ko-en"}
    second = client.predict(model="bm25", dataset=str(parallel_jsonl), split="test", directions=None, limit=5,
                            benchmark_dir="", background=None, api_name="/evaluate")
    assert set(second["metrics"]) == {"ko-ko", "en-en"}
    ids = [first["evaluation_id"], second["evaluation_id"]]
    compared = client.predict(ids=ids, metric="ndcg@10", reference=ids[0], drill_direction="ko-ko", top=3,
                              api_name="/compare_runs")
    assert [row["id"] for row in compared["rows"]] == ids
    assert compared["best"]["ko-ko"] in ids and compared["best"]["ko-en"] == ids[0]
    assert len(compared["drill_down"]) <= 3
    assert all(set(item) >= {"query", "gold", "top5_a", "top5_b"} for item in compared["drill_down"])
    listed = client.predict(dataset="", api_name="/list_runs")
    assert [row["id"] for row in listed] == ids[::-1]
