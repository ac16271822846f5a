"""Retrieval metrics as pure functions over pytrec_eval (trec_eval), with MTEB's definitions.

A *run* maps query id → {doc id: score}; *qrels* map query id → {doc id: relevance}.

| name | trec_eval measure | notes (as in MTEB ``_evaluators/retrieval_metrics.py``) |
|---|---|---|
| ``ndcg@10`` | ``ndcg_cut_10`` | the headline metric |
| ``mrr@10`` | ``recip_rank`` | on the run cut to each query's top 10 (MTEB's ``mrr@k``) |
| ``recall@{1,5,10,100}`` | ``recall_{k}`` | |
| ``map@100`` | ``map_cut_100`` | |

trec_eval orders a query's documents by score, ties by document id (descending), like MTEB.
Queries without any relevant document are left out (trec_eval does the same).

Example:
    >>> from studio.evaluate.metrics import evaluate_run
    >>> evaluate_run({"q1": {"d1": 1}}, {"q1": {"d2": 0.9, "d1": 0.5}})["ndcg@10"]
    0.63093
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

Run = Mapping[str, Mapping[str, float]]
Qrels = Mapping[str, Mapping[str, int]]

CUTOFFS = (1, 5, 10, 100)
METRIC_NAMES = ("ndcg@10", "mrr@10", "recall@1", "recall@5", "recall@10", "recall@100", "map@100")
_TREC_MEASURES = {"ndcg_cut.10", "recall.1,5,10,100", "map_cut.100"}
_TREC_NAMES = {"ndcg_cut_10": "ndcg@10", "map_cut_100": "map@100",
               **{f"recall_{k}": f"recall@{k}" for k in CUTOFFS}}
DIGITS = 5


def top_k(run: Run, k: int) -> dict[str, dict[str, float]]:
    """Each query's ``k`` best documents, in trec_eval's order (score desc, then doc id desc)."""
    return {
        qid: dict(sorted(docs.items(), key=lambda item: (item[1], item[0]), reverse=True)[:k])
        for qid, docs in run.items()
    }


def _clean(qrels: Qrels, run: Run) -> tuple[dict, dict]:
    qrels = {str(q): {str(d): int(r) for d, r in docs.items()} for q, docs in qrels.items() if docs}
    run = {str(q): {str(d): float(s) for d, s in docs.items()} for q, docs in run.items() if str(q) in qrels}
    return qrels, run


def per_query_metrics(qrels: Qrels, run: Run) -> dict[str, dict[str, float]]:
    """Every metric of :data:`METRIC_NAMES` for every judged query (a query missing from the run scores 0)."""
    import pytrec_eval

    qrels, run = _clean(qrels, run)
    for qid in qrels:
        run.setdefault(qid, {})
    full = pytrec_eval.RelevanceEvaluator(qrels, _TREC_MEASURES).evaluate(run)
    rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(top_k(run, 10))
    out: dict[str, dict[str, float]] = {}
    for qid in qrels:
        values = {name: float(full.get(qid, {}).get(trec, 0.0)) for trec, name in _TREC_NAMES.items()}
        values["mrr@10"] = float(rr.get(qid, {}).get("recip_rank", 0.0))
        out[qid] = {name: values[name] for name in METRIC_NAMES}
    return out


def aggregate(per_query: Mapping[str, Mapping[str, float]], digits: int = DIGITS) -> dict[str, float]:
    """Mean of each metric over queries, rounded to ``digits``."""
    if not per_query:
        return {name: 0.0 for name in METRIC_NAMES}
    return {name: round(float(np.mean([values[name] for values in per_query.values()])), digits)
            for name in METRIC_NAMES}


def evaluate_run(qrels: Qrels, run: Run, digits: int = DIGITS) -> dict[str, float]:
    """Mean metrics of ``run`` against ``qrels`` (``{"ndcg@10": …, "mrr@10": …, …}``)."""
    return aggregate(per_query_metrics(qrels, run), digits)
