"""Side-by-side comparison: gold highlighting, overlap@k and per-column messages for bad input."""

from __future__ import annotations

import threading

import pytest

from studio.search.compare import MAX_QUERY_CHARS, compare
from tests.search.conftest import N_RECORDS, SEJONG_EN, SEJONG_ID, SEJONG_KO, demo_frame


def test_gold_is_flagged_in_both_columns_in_both_languages(qa_dataset: str, tiny_model: str) -> None:
    result = compare(SEJONG_KO, tiny_model, "bm25", dataset=qa_dataset, doc_lang="both", k=2 * N_RECORDS, wait=None)
    assert result.query_lang == "ko" and result.gold_record_id == SEJONG_ID
    dense, bm25 = result.columns
    assert dense.ok and bm25.ok, (dense.message, bm25.message)
    assert {(r.lang, r.record_id) for r in dense.rows if r.gold} == {("ko", SEJONG_ID), ("en", SEJONG_ID)}
    assert all(r.record_id == SEJONG_ID for r in dense.rows + bm25.rows if r.gold)
    assert bm25.rows[0].gold and bm25.rows[0].lang == "ko"  # BM25 matches the Korean words
    assert all(r.lang == "ko" for r in bm25.rows)  # and never searches the other language
    assert [r.rank for r in dense.rows] == list(range(1, len(dense.rows) + 1))
    assert dense.rows[0].translation and dense.latency_ms is not None
    assert result.overlap is not None and 0 <= result.overlap_at_k <= 1


def test_english_query_finds_the_same_gold_and_identical_models_overlap_fully(qa_dataset: str, tiny_model: str) -> None:
    result = compare(SEJONG_EN, tiny_model, tiny_model, dataset=qa_dataset, doc_lang="en", k=5, wait=None)
    assert result.query_lang == "en" and result.gold_record_id == SEJONG_ID
    assert (result.overlap, result.overlap_at_k) == (5, 1.0)
    free = compare("how do volcanoes form", tiny_model, dataset=qa_dataset, doc_lang="ko", k=3, wait=None)
    assert free.gold_record_id is None and len(free.columns) == 1 and free.overlap is None
    assert not any(r.gold for r in free.columns[0].rows)


@pytest.mark.parametrize(("query", "message"), [("   ", "empty"), ("가" * (MAX_QUERY_CHARS + 1), "1,000")])
def test_bad_query_shows_in_each_column(qa_dataset: str, tiny_model: str, query: str, message: str) -> None:
    result = compare(query, tiny_model, "bm25", dataset=qa_dataset, k=5)
    assert [c.status for c in result.columns] == ["error", "error"]
    assert all(message in c.message for c in result.columns)


def test_one_failing_column_leaves_the_other_working(qa_dataset: str, tiny_model: str) -> None:
    result = compare(SEJONG_KO, "no/such-model", tiny_model, dataset=qa_dataset, k=3, wait=None)
    assert result.columns[0].status == "error" and "'no/such-model' is not a registered model" in result.columns[0].message
    assert result.columns[1].ok and len(result.columns[1].rows) == 3
    crossed = compare(SEJONG_KO, tiny_model, "bm25", dataset=qa_dataset, doc_lang="en", k=3, wait=None)
    assert crossed.columns[0].ok
    assert crossed.columns[1].status == "error" and "BM25 matches words" in crossed.columns[1].message


def test_building_index_is_a_column_message(qa_dataset: str, tiny_model: str, monkeypatch) -> None:
    import studio.search.indexes as indexes

    compare(SEJONG_KO, "bm25", dataset=qa_dataset, doc_lang="ko", wait=None)  # BM25 ready first
    release = threading.Event()
    real = indexes.encode_batches

    def slow(*args, **kwargs):
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(indexes, "encode_batches", slow)
    result = compare(SEJONG_KO, tiny_model, "bm25", dataset=qa_dataset, doc_lang="ko", k=3, wait=0.1)
    release.set()
    dense, bm25 = result.columns
    assert dense.status == "building" and "still building" in dense.message and dense.progress is not None
    assert bm25.ok and bm25.rows[0].gold
    assert compare(SEJONG_KO, tiny_model, dataset=qa_dataset, doc_lang="ko", wait=None).columns[0].ok


def test_corpus_problems_are_clear(qa_dataset: str, tiny_model: str, monkeypatch) -> None:
    import studio.search.compare as compare_module
    from studio.search.corpus import corpus_from_frame

    missing = compare(SEJONG_KO, tiny_model, "bm25", dataset="no/such-data", k=3)
    assert all("No dataset named 'no/such-data'" in c.message and "test/qa" in c.message for c in missing.columns)
    ko_only = corpus_from_frame("ko-only", demo_frame(3).assign(passage_en=""))
    monkeypatch.setattr(compare_module, "load_corpus", lambda dataset, doc_lang: ko_only.select(doc_lang))
    result = compare(SEJONG_KO, tiny_model, "bm25", dataset="ko-only", doc_lang="en", k=3)
    assert all(c.status == "error" and "no English passages" in c.message for c in result.columns)
    bad_k = compare(SEJONG_KO, tiny_model, dataset=qa_dataset, k=0)
    assert "between 1 and 100" in bad_k.columns[0].message


def test_to_dict_is_json_ready(qa_dataset: str, tiny_model: str) -> None:
    import json

    payload = compare(SEJONG_KO, tiny_model, "bm25", dataset=qa_dataset, k=2, wait=None).to_dict()
    text = json.dumps(payload, ensure_ascii=False)
    assert payload["columns"][0]["rows"][0]["rank"] == 1 and SEJONG_KO in text
