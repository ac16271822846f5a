"""Metrics come from pytrec_eval; check them against an independent numpy computation."""

from __future__ import annotations

import numpy as np
import pytest

from studio.evaluate.metrics import METRIC_NAMES, evaluate_run, per_query_metrics, top_k


def numpy_metrics(qrels: dict, run: dict) -> dict[str, float]:
    """Binary-relevance nDCG@10, MRR@10, Recall@k and AP@100 written from their textbook definitions."""
    out = {name: [] for name in METRIC_NAMES}
    for qid, relevant in qrels.items():
        ranked = [d for d, _ in sorted(run.get(qid, {}).items(), key=lambda kv: (-kv[1], kv[0]))]
        gains = np.array([1.0 if d in relevant else 0.0 for d in ranked])
        discounts = 1.0 / np.log2(np.arange(2, len(ranked) + 2))
        ideal = (1.0 / np.log2(np.arange(2, min(len(relevant), 10) + 2))).sum()
        out["ndcg@10"].append(float((gains[:10] * discounts[:10]).sum() / ideal))
        hits = np.flatnonzero(gains[:10])
        out["mrr@10"].append(1.0 / (hits[0] + 1) if len(hits) else 0.0)
        for k in (1, 5, 10, 100):
            out[f"recall@{k}"].append(gains[:k].sum() / len(relevant))
        precisions = np.cumsum(gains[:100]) / np.arange(1, min(len(ranked), 100) + 1)
        out["map@100"].append(float((precisions * gains[:100]).sum() / len(relevant)))
    return {name: round(float(np.mean(values)), 5) for name, values in out.items()}


def random_case(seed: int, n_queries: int = 40, n_docs: int = 150):
    rng = np.random.default_rng(seed)
    qrels, run = {}, {}
    for q in range(n_queries):
        relevant = rng.choice(n_docs, size=int(rng.integers(1, 4)), replace=False)
        qrels[f"q{q}"] = {f"d{d:03d}": 1 for d in relevant}
        scores = rng.random(n_docs)
        top = np.argsort(-scores)[:120]  # a run deeper than every cut-off, distinct scores
        run[f"q{q}"] = {f"d{d:03d}": float(scores[d]) for d in top}
    return qrels, run


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_match_an_independent_computation(seed):
    qrels, run = random_case(seed)
    assert evaluate_run(qrels, run) == pytest.approx(numpy_metrics(qrels, run), abs=1e-5)


def test_ndcg_of_known_ranks():
    qrels = {"a": {"x": 1}, "b": {"y": 1}}
    run = {"a": {"x": 0.9, "z": 0.1}, "b": {"z": 0.9, "w": 0.8, "y": 0.7}}
    result = evaluate_run(qrels, run)
    assert result["ndcg@10"] == pytest.approx((1 + 1 / np.log2(4)) / 2, abs=1e-5)
    assert result["mrr@10"] == pytest.approx((1 + 1 / 3) / 2, abs=1e-5)
    assert result["recall@1"] == 0.5


def test_mrr_counts_only_the_top_ten_like_mteb():
    qrels = {"q": {"gold": 1}}
    run = {"q": {**{f"d{i:02d}": 1.0 - i / 100 for i in range(10)}, "gold": 0.5}}  # gold at rank 11
    result = evaluate_run(qrels, run)
    assert result["mrr@10"] == 0.0
    assert result["recall@100"] == 1.0


def test_query_missing_from_the_run_scores_zero_and_unjudged_queries_are_ignored():
    per_query = per_query_metrics({"q1": {"d": 1}, "q2": {"d": 1}}, {"q1": {"d": 1.0}, "extra": {"d": 1.0}})
    assert set(per_query) == {"q1", "q2"}
    assert per_query["q2"]["ndcg@10"] == 0.0 and per_query["q1"]["ndcg@10"] == 1.0


def test_top_k_orders_like_trec_eval():
    assert list(top_k({"q": {"a": 0.5, "b": 0.5, "c": 0.9}}, 2)["q"]) == ["c", "b"]
