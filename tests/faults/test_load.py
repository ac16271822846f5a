"""Load: 50 searches at once through ``gradio_client`` on a served app (tiny model and BM25), every result checked.

Each distinct request is first answered once, alone (the reference); then 50 threads fire the same requests
(five each) over ten clients at the same moment. Every concurrent answer must be complete, well formed and
identical to its reference: same documents in the same order, same scores, the right texts.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.faults.served import Sandbox
from tests.tiny_model import DEMO_FILE

N_REQUESTS = 50
N_CLIENTS = 10


def requests_to_send() -> list[tuple[str, str, str, str, int]]:
    """Ten distinct (query, model A, model B, doc_lang, k): Korean and English queries, both columns kinds."""
    records = [json.loads(line) for line in DEMO_FILE.read_text(encoding="utf-8").splitlines()[:5]]
    requests = []
    for index, record in enumerate(records):
        requests.append((record["query_ko"], "test/tiny", "bm25", "both" if index % 2 else "ko", 5 + index))
        requests.append((record["query_en"], "test/tiny", "", "en" if index % 2 else "both", 10))
    return requests


def search(client: Any, request: tuple) -> dict:
    query, model_a, model_b, doc_lang, k = request
    return client.predict(query, model_a, model_b, "demo/ko-en-qa", doc_lang, k, 120, api_name="/search")


def documents() -> dict[str, str]:
    """Every passage of the demo set by text, to check that returned texts are real documents."""
    texts = {}
    for line in DEMO_FILE.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        texts[record["passage_ko"]] = record["id"]
        texts[record["passage_en"]] = record["id"]
    return texts


def check_well_formed(request: tuple, result: dict, corpus: dict[str, str]) -> None:
    query, model_a, model_b, doc_lang, k = request
    assert result["query"] == query and result["k"] == k and result["doc_lang"] == doc_lang
    assert [c["model"] for c in result["columns"]] == [m for m in (model_a, model_b) if m]
    for column in result["columns"]:
        assert column["status"] == "ok", column
        rows = column["rows"]
        n = len(rows)  # BM25 returns only documents sharing a term with the query
        assert (n == k if column["model"] != "bm25" else 1 <= n <= k), (column["model"], n, k)
        assert [r["rank"] for r in rows] == list(range(1, n + 1))
        scores = [r["score"] for r in rows]
        assert scores == sorted(scores, reverse=True)
        assert len({r["doc_id"] for r in rows}) == n  # no document twice
        for row in rows:
            assert corpus.get(row["text"]) == row["record_id"], row
            assert doc_lang == "both" or row["lang"] == doc_lang


def ranking(result: dict) -> list[list[tuple[str, float]]]:
    return [[(r["doc_id"], round(r["score"], 4)) for r in c["rows"]] for c in result["columns"]]


def test_50_concurrent_searches_all_answer_correctly(sandbox: Sandbox) -> None:
    corpus = documents()
    requests = requests_to_send()
    log_start = len(sandbox.app.log_text())
    clients = [sandbox.app.client(fresh=True) for _ in range(N_CLIENTS)]
    reference = {}
    for request in requests:  # alone, one after the other (this also builds the indexes)
        result = search(clients[0], request)
        check_well_formed(request, result, corpus)
        reference[request] = ranking(result)

    start = threading.Barrier(N_REQUESTS)

    def one(index: int) -> tuple[tuple, Any, float]:
        request = requests[index % len(requests)]
        start.wait(timeout=60)  # all 50 go at the same moment
        began = time.monotonic()
        try:
            return request, search(clients[index % N_CLIENTS], request), time.monotonic() - began
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            return request, exc, time.monotonic() - began

    with ThreadPoolExecutor(max_workers=N_REQUESTS) as pool:
        outcomes = list(pool.map(one, range(N_REQUESTS)))

    errors = [(request[0], repr(result)) for request, result, _ in outcomes if isinstance(result, Exception)]
    assert not errors, f"{len(errors)} of {N_REQUESTS} searches failed: {errors[:5]}"
    for request, result, _ in outcomes:
        check_well_formed(request, result, corpus)
        assert ranking(result) == reference[request], request[0]
    slowest = max(seconds for _, _, seconds in outcomes)
    assert slowest < 120, f"the slowest of {N_REQUESTS} concurrent searches took {slowest:.1f} s"
    assert sandbox.app.serving()
    assert "Traceback" not in sandbox.app.log_text()[log_start:], sandbox.app.log_text()[log_start:][-3000:]
