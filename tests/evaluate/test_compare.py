"""Runs side by side: best per column, deltas, the drill-down, and refusing mismatched runs."""

from __future__ import annotations

import pytest

from studio.evaluate.compare import CompareError, compare_runs, find_run, list_runs, query_differences
from studio.evaluate.evaluator import evaluate_model
from studio.evaluate.plots import clir_vs_mono, grouped_bars, metrics_bar, per_model_points
from tests.evaluate.conftest import KeywordModel, keyword_evalset


class ReversedModel(KeywordModel):
    """Gets q2 right at rank 1 by reading 'beta' as 'alpha' (so runs differ on exactly that query)."""

    def encode(self, texts, **kwargs):
        swapped = [t.replace("beta beta", "alpha").replace("베타 베타", "알파") for t in texts]
        return super().encode(swapped, **kwargs)

    def __repr__(self) -> str:
        return "ReversedModel"


@pytest.fixture
def two_runs(studio):
    a = evaluate_model(KeywordModel(), keyword_evalset(), model_name="keywords", studio=studio)
    b = evaluate_model(ReversedModel(), keyword_evalset(), model_name="reversed", studio=studio)
    return a.evaluation_id, b.evaluation_id


def test_best_per_column_and_deltas(studio, two_runs):
    a, b = two_runs
    comparison = compare_runs([a, b], reference=a, studio=studio)
    assert comparison.best["ko-en"] == b and comparison.best["clir"] == b
    rows = {row["id"]: row for row in comparison.rows}
    assert rows[a]["delta"]["ko-en"] == 0.0
    assert rows[b]["delta"]["ko-en"] == pytest.approx((1 - 0.5) / 3, abs=1e-4)
    assert compare_runs([a, b], studio=studio).rows[0]["delta"]["all"] is None  # no reference, no deltas
    with pytest.raises(CompareError, match="reference run #999"):
        compare_runs([a, b], reference=999, studio=studio)


def test_drill_down_lists_differing_queries_with_both_top5_and_gold(studio, two_runs):
    a, b = two_runs
    items = query_differences(a, b, "ko-en", studio=studio)
    assert [item["qid"] for item in items] == ["q2"]
    item = items[0]
    assert item["query"] == "알파 베타 베타" and item["gold"] == ["alpha"]
    assert item["a"] == 0.5 and item["b"] == 1.0 and item["diff"] == 0.5
    assert [h["doc_id"] for h in item["top5_a"]][:3] == ["d3", "d1", "d0"] and item["top5_a"][2]["gold"]
    assert item["top5_b"][0] == {"rank": 1, "doc_id": "d0", "score": 1.0, "text": "alpha", "gold": True}


def test_drill_down_refuses_runs_on_different_query_sets(studio, two_runs):
    a, _ = two_runs
    other = evaluate_model(KeywordModel(), keyword_evalset(), limit=2, model_name="k2", studio=studio)
    with pytest.raises(CompareError, match="different query sets"):
        query_differences(a, other.evaluation_id, "ko-en", studio=studio)


def test_listing_finding_and_figures(studio, two_runs):
    a, b = two_runs
    rows = list_runs(studio)
    assert [r["id"] for r in rows] == [b, a] and rows[0]["ko-en"] == 1.0
    fingerprint = studio.store.get_evaluation(a).config["evalset_fingerprint"]
    assert find_run("reversed", fingerprint, studio).id == b and find_run("bm25", fingerprint, studio) is None
    comparison = compare_runs([a, b], studio=studio)
    assert len(grouped_bars(comparison.rows).data) == 2
    scatter = clir_vs_mono(per_model_points(comparison.rows))
    assert list(scatter.data[1].text) == ["keywords", "reversed"]
    assert len(metrics_bar(studio.store.get_evaluation(a).metrics).data) == 2
