"""Evaluate a retriever in any of the four directions, save TREC runs, store the result.

Public API (stable; the UI, the CLI, jobs and merge previews call it):

    evaluate_model(model, dataset, split="test", directions=None, limit=None, progress=None,
                   store_result=True, *, benchmark_dir=None, model_name=None, batch_size=32,
                   job_id=None, studio=None) -> EvaluationResult

* ``model``: a registered name, a model folder, a Hub id (online), a loaded ``SentenceTransformer``,
  or ``"bm25"`` (lexical baseline; monolingual directions only).
* ``dataset``: a registered dataset name, ``"benchmark/belebele"`` / ``"benchmark/flores"`` (plain
  ``"belebele"`` / ``"flores"`` too), a canonical JSONL file, or an :class:`~studio.evaluate.evalset.EvalSet`.
* ``directions``: ``"ko-ko,en-ko"``, a list, or None for all the set supports (BM25: ko-ko and en-en).
* ``limit``: evaluate the first N queries only, against the documents relevant to them (quick previews).
* ``progress(step, total, message)``: called while encoding and searching.

What happens: each language's queries and documents are encoded once (length-sorted batches, through
the embedding cache, :mod:`studio.evaluate.embeddings`) and reused by every direction; each document
language gets one exact FAISS index (:class:`studio.search.index.VectorIndex`); each query gets its top
100 documents; metrics come from :mod:`studio.evaluate.metrics` (pytrec_eval). With ``store_result``,
the rankings are written as TREC run files to ``<home>/runs/<id>/<direction>.trec`` (plus ``qrels.trec``
and the eval set's texts) through a temporary folder renamed into place, and then the evaluation row
is added; an interruption before that leaves neither files nor a row.

Example:
    >>> from studio.evaluate import evaluate_model
    >>> result = evaluate_model("bundled/multilingual-e5-small", "benchmark/belebele",
    ...                         benchmark_dir="/path/to/belebele_ko_en")  # doctest: +SKIP
    >>> result.metrics["ko-en"]["ndcg@10"], result.summary["clir"]  # doctest: +SKIP
    (0.67..., 0.72...)
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from studio import __version__
from studio.context import Studio, get_studio
from studio.evaluate.bm25 import BM25_NAME, BM25Index, check_monolingual
from studio.evaluate.directions import Direction, parse_directions, summarize
from studio.evaluate.evalset import EvalSet, EvalSetError, load_evalset
from studio.evaluate.metrics import evaluate_run

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from studio.evaluate.embeddings import Encoder

Progress = Callable[[int, int, str], None]
Ranking = dict[str, list[tuple[str, float]]]  # qid -> [(doc id, score)], best first
DEPTH = 100
RUNS_DIR = "runs"
RUN_TAG = "clir-studio"


@dataclass(frozen=True)
class EvaluationResult:
    """Metrics of one evaluation, per direction, with the CLIR / mono / all summary (nDCG@10)."""

    model: str
    dataset: str
    split: str
    metrics: dict[str, dict[str, float]]
    summary: dict[str, Optional[float]]
    evaluation_id: Optional[int] = None
    run_path: str = ""
    n_queries: int = 0
    config: dict[str, Any] = field(default_factory=dict)
    rankings: dict[str, Ranking] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        """``{"model", "dataset", "metrics": {direction: {metric: value}}, "summary": {"clir", "mono", "all"}}``."""
        return {"model": self.model, "dataset": self.dataset, "metrics": self.metrics, "summary": self.summary}


# ----------------------------------------------------------------------------------------- retrievers
def dense_rankings(encoder: Encoder, evalset: EvalSet, directions: Iterable[Direction],
                   progress: Optional[Progress] = None, depth: int = DEPTH) -> dict[str, Ranking]:
    """Encode every needed side once, build one exact index per document language, search each direction."""
    from studio.search.index import VectorIndex

    directions = list(directions)
    sides = {("q", d.query_lang) for d in directions} | {("d", d.doc_lang) for d in directions}
    requests = {}
    for role, lang in sorted(sides):
        texts = evalset.queries[lang] if role == "q" else evalset.documents[lang]
        requests[f"{role}:{lang}"] = (list(texts.values()),
                                      evalset.query_prompt if role == "q" else evalset.document_prompt)
    steps: dict[str, int] = {}

    def encode_progress(step: int, total: int, message: str) -> None:
        steps["total"] = total
        if progress:
            progress(step, total + len(directions), message)

    vectors = encoder.encode_many(requests, encode_progress)
    base = steps.get("total", 0)
    indexes = {lang: VectorIndex.from_vectors(vectors[f"d:{lang}"], list(evalset.documents[lang]))
               for role, lang in sides if role == "d"}
    rankings: dict[str, Ranking] = {}
    for i, direction in enumerate(directions):
        index = indexes[direction.doc_lang]
        qids = list(evalset.queries[direction.query_lang])
        scores, positions = index.search_arrays(vectors[f"q:{direction.query_lang}"], depth)
        rankings[direction.value] = _to_ranking(qids, index.ids, scores, positions)
        if progress:
            progress(base + i + 1, base + len(directions), f"searched {direction.value}")
    return rankings


def bm25_rankings(evalset: EvalSet, directions: Iterable[Direction], progress: Optional[Progress] = None,
                  depth: int = DEPTH) -> dict[str, Ranking]:
    """BM25 over each monolingual direction (cross-lingual ones raise :class:`~studio.evaluate.bm25.BM25Error`)."""
    directions = list(directions)
    for direction in directions:
        check_monolingual(direction.query_lang, direction.doc_lang)
    rankings: dict[str, Ranking] = {}
    for i, direction in enumerate(directions):
        if progress:
            progress(i, len(directions), f"BM25 {direction.value}: indexing")
        index = BM25Index(direction.doc_lang)
        docs = evalset.documents[direction.doc_lang]
        index.add(list(docs.values()), list(docs))
        queries = evalset.queries[direction.query_lang]
        scores, positions = index.search_arrays(list(queries.values()), depth)
        rankings[direction.value] = _to_ranking(list(queries), index.ids, scores, positions)
    if progress:
        progress(len(directions), len(directions), "BM25 done")
    return rankings


def _to_ranking(qids: list[str], doc_ids: list[str], scores: Any, positions: Any) -> Ranking:
    return {qid: [(doc_ids[p], float(s)) for s, p in zip(row_s, row_p) if p >= 0]
            for qid, row_s, row_p in zip(qids, scores, positions)}


# ------------------------------------------------------------------------------------------ run files
def runs_root(studio: Studio) -> Path:
    """``<home>/runs``: one folder of TREC run files per stored evaluation."""
    return studio.paths.home / RUNS_DIR


def write_run_folder(studio: Studio, evalset: EvalSet, rankings: dict[str, Ranking]) -> str:
    """Write run files to a temporary folder, rename it into place; returns the path relative to home."""
    root = runs_root(studio)
    root.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex[:16]
    tmp, final = root / f".tmp-{name}", root / name
    try:
        tmp.mkdir()
        for direction, ranking in rankings.items():
            lines = [f"{qid} Q0 {doc} {rank} {score:.6f} {RUN_TAG}"
                     for qid, hits in ranking.items() for rank, (doc, score) in enumerate(hits, start=1)]
            (tmp / f"{direction}.trec").write_text("\n".join(lines) + "\n", encoding="utf-8")
        qrels = [f"{qid} 0 {doc} {rel}" for qid, docs in evalset.qrels.items() for doc, rel in docs.items()]
        (tmp / "qrels.trec").write_text("\n".join(qrels) + "\n", encoding="utf-8")
        with gzip.open(tmp / "evalset.json.gz", "wt", encoding="utf-8") as handle:
            json.dump(evalset.to_json(), handle, ensure_ascii=False)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return f"{RUNS_DIR}/{name}"


def read_run(path: Path) -> Ranking:
    """A TREC run file back as ``qid -> [(doc id, score)]`` in rank order."""
    ranking: Ranking = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 5:
            ranking.setdefault(parts[0], []).append((parts[2], float(parts[4])))
    return ranking


def read_run_evalset(studio: Studio, run_path: str) -> EvalSet:
    """The eval set saved beside a stored evaluation's run files."""
    with gzip.open(studio.paths.home / run_path / "evalset.json.gz", "rt", encoding="utf-8") as handle:
        return EvalSet.from_json(json.load(handle))


# ------------------------------------------------------------------------------------------ the entry
def _default_directions(evalset: EvalSet, is_bm25: bool) -> tuple[Direction, ...]:
    return tuple(d for d in evalset.directions if not (is_bm25 and d.is_crosslingual))


def _model_identity(model: str | SentenceTransformer, model_name: Optional[str],
                    studio: Studio) -> tuple[str, Optional[int]]:
    """(display name, registered id or None) of the evaluated model, without loading it."""
    if not isinstance(model, str):
        return model_name or "in-memory model", None
    from studio.modelref import resolve_model

    record = studio.store.find_model(model.strip())
    name = model_name or (record.name if record else resolve_model(model, studio).name)
    return name, record.id if record else None


def evaluate_model(
    model: str | SentenceTransformer,
    dataset: str | EvalSet,
    split: str = "test",
    directions: Optional[str | Iterable[str | Direction]] = None,
    limit: Optional[int] = None,
    progress: Optional[Progress] = None,
    store_result: bool = True,
    *,
    benchmark_dir: Optional[str | Path] = None,
    model_name: Optional[str] = None,
    batch_size: int = 32,
    job_id: Optional[int] = None,
    studio: Optional[Studio] = None,
) -> EvaluationResult:
    """Evaluate ``model`` on ``dataset`` in ``directions`` (see the module docstring).

    Raises:
        StudioError subclasses with one actionable sentence: unknown model or dataset, an empty split,
        missing language columns, BM25 asked for a cross-lingual direction.
    """
    studio = studio or get_studio()
    started = time.monotonic()
    is_bm25 = isinstance(model, str) and model.strip().lower() == BM25_NAME
    evalset = load_evalset(dataset, split, limit, benchmark_dir, studio)
    chosen = _default_directions(evalset, is_bm25) if directions is None else parse_directions(directions)
    if not chosen:
        raise EvalSetError(f"{evalset.name} only has cross-lingual directions "
                           f"({', '.join(d.value for d in evalset.directions)}), which BM25 cannot match; "
                           "evaluate a dense model on it.")
    evalset.require(chosen)
    config: dict[str, Any] = {"split": evalset.split, "limit": limit, "directions": [d.value for d in chosen],
                              "evalset_fingerprint": evalset.fingerprint(), "depth": DEPTH,
                              "app_version": __version__}
    if is_bm25:
        name, model_id = BM25_NAME, None
        config.update(kind="bm25", model_fingerprint="bm25s-lucene-k1.5-b0.75",
                      tokenizers={"ko": "kiwipiepy morphemes", "en": "stopwords+snowball"})
        rankings = bm25_rankings(evalset, chosen, progress)
    else:
        from studio.evaluate.embeddings import Encoder

        name, model_id = _model_identity(model, model_name, studio)
        encoder = Encoder.for_model(model, studio, batch_size=batch_size)
        rankings = dense_rankings(encoder, evalset, chosen, progress)
        config.update(kind="dense", model_fingerprint=encoder.fingerprint, batch_size=batch_size,
                      prompts={"query": encoder.prompt(evalset.query_prompt),
                               "document": encoder.prompt(evalset.document_prompt)},
                      texts_encoded=encoder.encoded, texts_from_cache=encoder.reused)
    metrics = {d.value: evaluate_run(evalset.qrels_for(d), {q: dict(h) for q, h in rankings[d.value].items()})
               for d in chosen}
    summary = summarize(metrics)
    config["seconds"] = round(time.monotonic() - started, 2)
    result = EvaluationResult(model=name, dataset=evalset.name, split=evalset.split, metrics=metrics,
                              summary=summary, n_queries=evalset.n_queries, config=config, rankings=rankings)
    if not store_result:
        return result
    return _store(studio, result, evalset, model_id, job_id)


def _store(studio: Studio, result: EvaluationResult, evalset: EvalSet, model_id: Optional[int],
           job_id: Optional[int]) -> EvaluationResult:
    """Write the run folder, then the row; remove the folder if the row cannot be written."""
    from dataclasses import replace

    run_path = write_run_folder(studio, evalset, result.rankings)
    try:
        record = studio.store.add_evaluation(
            model_id=model_id, model_name=result.model, dataset_id=evalset.dataset_id, dataset_name=result.dataset,
            split=result.split, metrics=result.metrics, summary=result.summary, config=result.config,
            n_queries=result.n_queries, run_path=run_path, job_id=job_id)
    except BaseException:
        shutil.rmtree(studio.paths.home / run_path, ignore_errors=True)
        raise
    return replace(result, evaluation_id=record.id, run_path=run_path)
