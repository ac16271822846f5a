"""Stored evaluations side by side: tables with deltas, and the queries where two runs differ most.

Example:
    >>> from studio.evaluate.compare import compare_runs, query_differences
    >>> table = compare_runs([3, 5], metric="ndcg@10", reference=3)  # doctest: +SKIP
    >>> table.best["ko-en"], table.rows[1]["delta"]["ko-en"]  # doctest: +SKIP
    (5, 0.041)
    >>> diffs = query_differences(3, 5, "ko-en", top=5)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from storage.records import EvaluationRecord
from studio.context import Studio, get_studio
from studio.errors import StudioError
from studio.evaluate.directions import ALL_DIRECTIONS, HEADLINE_METRIC, Direction, summarize
from studio.evaluate.metrics import METRIC_NAMES, per_query_metrics

COLUMNS = tuple(d.value for d in ALL_DIRECTIONS) + ("clir", "mono", "all")
SNIPPET = 160


class CompareError(StudioError):
    """Runs cannot be compared as asked."""


def run_label(record: EvaluationRecord) -> str:
    """``#12 bundled/multilingual-e5-small · benchmark/belebele``, with the limit when there is one."""
    limit = record.config.get("limit")
    return f"#{record.id} {record.model_name} · {record.dataset_name}" + (f" (first {limit})" if limit else "")


def run_values(record: EvaluationRecord, metric: str = HEADLINE_METRIC) -> dict[str, Optional[float]]:
    """One run's ``metric`` per direction plus its clir / mono / all means (None where not evaluated)."""
    values: dict[str, Optional[float]] = {d.value: record.metrics.get(d.value, {}).get(metric)
                                          for d in ALL_DIRECTIONS}
    values.update(summarize(record.metrics, metric))
    return values


def list_runs(studio: Optional[Studio] = None, *, dataset: Optional[str] = None,
              model: Optional[str] = None) -> list[dict[str, Any]]:
    """Stored evaluations, newest first: id, label, model, dataset, split, limit, created, nDCG@10 columns."""
    studio = studio or get_studio()
    rows = []
    for record in studio.store.list_evaluations(model_name=model, dataset_name=dataset):
        rows.append({"id": record.id, "label": run_label(record), "model": record.model_name,
                     "dataset": record.dataset_name, "split": record.split, "limit": record.config.get("limit"),
                     "queries": record.n_queries, "created": record.created_at.strftime("%Y-%m-%d %H:%M"),
                     **run_values(record)})
    return rows


@dataclass(frozen=True)
class Comparison:
    """Runs side by side for one metric.

    Attributes:
        metric: the metric compared (e.g. ``ndcg@10``).
        rows: one dict per run: ``id``, ``label``, ``model``, ``values`` (column → value), ``delta``
            (column → value minus the reference's, None without one).
        best: column → id of the best run (ties: the first listed).
        reference: the reference run's id, or None.
    """

    metric: str
    rows: list[dict[str, Any]]
    best: dict[str, int]
    reference: Optional[int] = None
    columns: tuple[str, ...] = field(default=COLUMNS)

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "reference": self.reference, "best": self.best, "rows": self.rows}


def compare_runs(ids: Sequence[int], metric: str = HEADLINE_METRIC, reference: Optional[int] = None,
                 studio: Optional[Studio] = None) -> Comparison:
    """Compare stored evaluations ``ids`` on ``metric``, with deltas against ``reference`` (one of ``ids``)."""
    if metric not in METRIC_NAMES:
        raise CompareError(f"Unknown metric {metric!r}; choose one of {', '.join(METRIC_NAMES)}.")
    if not ids:
        raise CompareError("Pick at least one stored evaluation to compare.")
    studio = studio or get_studio()
    records = [studio.store.get_evaluation(int(i)) for i in dict.fromkeys(int(i) for i in ids)]
    if reference is not None and int(reference) not in {r.id for r in records}:
        raise CompareError(f"The reference run #{reference} is not among the compared runs.")
    values = {r.id: run_values(r, metric) for r in records}
    ref_values = values.get(int(reference)) if reference is not None else None
    rows = []
    for record in records:
        delta = {c: (None if ref_values is None or values[record.id][c] is None or ref_values[c] is None
                     else round(values[record.id][c] - ref_values[c], 6)) for c in COLUMNS}
        rows.append({"id": record.id, "label": run_label(record), "model": record.model_name,
                     "dataset": record.dataset_name, "values": values[record.id], "delta": delta})
    best: dict[str, int] = {}
    for column in COLUMNS:
        scored = [(values[r.id][column], r.id) for r in records if values[r.id][column] is not None]
        if scored:
            best[column] = max(scored, key=lambda item: item[0])[1]
    return Comparison(metric, rows, best, int(reference) if reference is not None else None)


def _snippet(text: str) -> str:
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def query_differences(id_a: int, id_b: int, direction: str | Direction, metric: str = HEADLINE_METRIC,
                      top: int = 10, studio: Optional[Studio] = None) -> list[dict[str, Any]]:
    """The ``top`` queries where run B's per-query ``metric`` differs most from run A's, in ``direction``.

    Queries on which both runs score the same are left out (an empty list: the runs agree everywhere).

    Each item: ``qid``, ``query``, ``gold`` (relevant documents' texts), ``a`` / ``b`` (the metric), ``diff``
    (b − a), ``top5_a`` / ``top5_b`` (lists of ``{rank, doc_id, score, text, gold}``).

    Raises:
        CompareError: a run without saved rankings, runs over different eval sets, or a direction
            that one of them did not evaluate.
    """
    from studio.evaluate.evaluator import read_run, read_run_evalset

    studio = studio or get_studio()
    direction = Direction(str(direction))
    a, b = studio.store.get_evaluation(int(id_a)), studio.store.get_evaluation(int(id_b))
    for record in (a, b):
        if not record.run_path or not (studio.paths.home / record.run_path).is_dir():
            raise CompareError(f"Run #{record.id} has no saved rankings; re-run that evaluation to drill down.")
        if direction.value not in record.metrics:
            raise CompareError(f"Run #{record.id} did not evaluate {direction.value}; pick a direction both have.")
    if a.config.get("evalset_fingerprint") != b.config.get("evalset_fingerprint"):
        raise CompareError(f"Runs #{a.id} and #{b.id} were evaluated on different query sets "
                           f"({a.dataset_name}, {b.dataset_name}); compare runs of the same dataset, split and limit.")
    evalset = read_run_evalset(studio, a.run_path)
    qrels = evalset.qrels_for(direction)
    runs = [read_run(studio.paths.home / r.run_path / f"{direction.value}.trec") for r in (a, b)]
    scores = [per_query_metrics(qrels, {q: dict(h) for q, h in run.items()}) for run in runs]
    docs = evalset.documents[direction.doc_lang]
    queries = evalset.queries[direction.query_lang]

    def top5(run: dict, qid: str) -> list[dict[str, Any]]:
        return [{"rank": rank, "doc_id": doc, "score": round(score, 4), "text": _snippet(docs.get(doc, "")),
                 "gold": doc in qrels[qid]} for rank, (doc, score) in enumerate(run.get(qid, [])[:5], start=1)]

    items = []
    for qid in qrels:
        va, vb = scores[0][qid][metric], scores[1][qid][metric]
        if va == vb:
            continue  # only the queries on which the runs disagree
        items.append({"qid": qid, "query": queries.get(qid, ""), "gold": [docs[d] for d in qrels[qid] if d in docs],
                      "a": round(va, 4), "b": round(vb, 4), "diff": round(vb - va, 4),
                      "top5_a": top5(runs[0], qid), "top5_b": top5(runs[1], qid)})
    items.sort(key=lambda item: (-abs(item["diff"]), item["qid"]))
    return items[:top]


def find_run(model_name: str, evalset_fingerprint: str, studio: Optional[Studio] = None) -> Optional[EvaluationRecord]:
    """The newest stored run of ``model_name`` on the eval set with that fingerprint, or None."""
    studio = studio or get_studio()
    for record in studio.store.list_evaluations(model_name=model_name):
        if record.config.get("evalset_fingerprint") == evalset_fingerprint:
            return record
    return None
