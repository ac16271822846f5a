"""Evaluation sets as data: queries and documents per language, plus relevance judgements.

An :class:`EvalSet` is language-parallel: a query id names the same question in Korean and English,
and a document id names the same passage in both languages, so one set of qrels serves all four
directions (``ko-en`` searches ``documents["en"]`` with ``queries["ko"]``).

Built from
    * a parallel dataset split (``id, query_ko, query_en, passage_ko, passage_en``): identical passages
      become one document id and identical queries one query id (with all their relevant documents);
    * a bitext split (``id, ko, en``): each sentence retrieves its translation, cross-lingual directions
      only, ``query`` prompt on both sides;
    * a benchmark (:mod:`studio.data.benchmarks`: Belebele, FLORES-200);
    * a canonical JSONL/Parquet file path.

Example:
    >>> import pandas as pd
    >>> from studio.evaluate.evalset import from_records
    >>> frame = pd.DataFrame({"id": ["r1"], "query_ko": ["질문"], "query_en": ["question"],
    ...                       "passage_ko": ["문서"], "passage_en": ["document"]})
    >>> evalset = from_records(frame, name="tiny")
    >>> evalset.queries["ko"], evalset.qrels
    ({'q0': '질문'}, {'q0': {'d0': 1}})
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

from studio.errors import StudioError
from studio.evaluate.directions import ALL_DIRECTIONS, CLIR_DIRECTIONS, Direction

LANGS = ("ko", "en")
PARALLEL_COLUMNS = ("query_ko", "query_en", "passage_ko", "passage_en")
BITEXT_COLUMNS = ("ko", "en")
BENCHMARK_PREFIX = "benchmark/"


class EvalSetError(StudioError):
    """An evaluation set cannot be built or does not fit the requested directions."""


@dataclass(frozen=True)
class EvalSet:
    """Queries and documents per language with shared ids, and qrels (query id → {doc id: relevance}).

    Attributes:
        name: dataset or benchmark name (e.g. ``"demo/ko-en-qa"``, ``"benchmark/belebele"``).
        queries: ``{"ko": {qid: text}, "en": {qid: text}}`` (a language may be missing).
        documents: ``{"ko": {doc_id: text}, "en": {doc_id: text}}``.
        qrels: ``{qid: {doc_id: relevance}}``.
        split: the split evaluated (``"test"``, ``"devtest"``…).
        directions: directions this set supports (bitext: cross-lingual only).
        query_prompt / document_prompt: prompt names for the two sides.
        dataset_id: the registered dataset's id, when there is one.
        limit: the query limit applied (``None``: all).
    """

    name: str
    queries: Mapping[str, Mapping[str, str]]
    documents: Mapping[str, Mapping[str, str]]
    qrels: Mapping[str, Mapping[str, int]]
    split: str = "test"
    directions: tuple[Direction, ...] = ALL_DIRECTIONS
    query_prompt: str = "query"
    document_prompt: str = "passage"
    dataset_id: Optional[int] = None
    limit: Optional[int] = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_queries(self) -> int:
        return len(self.qrels)

    def languages(self, kind: str) -> list[str]:
        """Languages that have non-empty ``queries`` or ``documents`` (``kind``)."""
        side = self.queries if kind == "queries" else self.documents
        return [lang for lang in LANGS if side.get(lang)]

    def require(self, directions: Iterable[Direction]) -> None:
        """Raise :class:`EvalSetError` naming what is missing for any of ``directions``."""
        if not self.qrels:
            raise EvalSetError(f"{self.name} ({self.split}) has no queries with a relevant document; "
                               "pick another split or dataset.")
        for direction in directions:
            if direction not in self.directions:
                supported = ", ".join(d.value for d in self.directions)
                raise EvalSetError(f"{self.name} supports only {supported}; {direction.value} is not defined for it.")
            if not self.queries.get(direction.query_lang):
                raise EvalSetError(f"{self.name} has no {direction.query_lang} queries (column query_{direction.query_lang}"
                                   f" is missing or empty), so {direction.value} cannot be evaluated; drop that direction.")
            if not self.documents.get(direction.doc_lang):
                raise EvalSetError(f"{self.name} has no {direction.doc_lang} documents (column passage_{direction.doc_lang}"
                                   f" is missing or empty), so {direction.value} cannot be evaluated; drop that direction.")

    def qrels_for(self, direction: Direction) -> dict[str, dict[str, int]]:
        """Qrels of the queries that exist in the direction's query language, on documents of its doc language."""
        queries, documents = self.queries.get(direction.query_lang, {}), self.documents.get(direction.doc_lang, {})
        judged = {qid: {d: r for d, r in docs.items() if d in documents} for qid, docs in self.qrels.items()
                  if qid in queries}
        return {qid: docs for qid, docs in judged.items() if docs}

    def restrict(self, limit: Optional[int]) -> EvalSet:
        """The first ``limit`` queries (in order) and the documents relevant to them."""
        if limit is None or limit >= self.n_queries:
            return self
        if limit < 1:
            raise EvalSetError(f"The limit must be a positive number of queries, not {limit}.")
        qids = list(self.qrels)[:limit]
        keep_queries = set(qids)
        keep_docs = {d for qid in qids for d in self.qrels[qid]}
        return replace(
            self,
            queries={lang: {q: t for q, t in side.items() if q in keep_queries} for lang, side in self.queries.items()},
            documents={lang: {d: t for d, t in side.items() if d in keep_docs} for lang, side in self.documents.items()},
            qrels={qid: dict(self.qrels[qid]) for qid in qids},
            limit=limit,
        )

    def fingerprint(self) -> str:
        """A short content hash: equal sets (texts, ids, qrels, prompts) have equal fingerprints."""
        payload = json.dumps([self.queries, self.documents, self.qrels, self.query_prompt, self.document_prompt],
                             sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        """Plain data (for saving next to the run files)."""
        return {"name": self.name, "split": self.split, "queries": self.queries, "documents": self.documents,
                "qrels": self.qrels, "directions": [d.value for d in self.directions],
                "query_prompt": self.query_prompt, "document_prompt": self.document_prompt, "limit": self.limit}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EvalSet:
        return cls(name=data["name"], queries=data["queries"], documents=data["documents"], qrels=data["qrels"],
                   split=data.get("split", "test"), directions=tuple(Direction(d) for d in data["directions"]),
                   query_prompt=data.get("query_prompt", "query"),
                   document_prompt=data.get("document_prompt", "passage"), limit=data.get("limit"))


def _text(value: Any) -> str:
    """A cell as stripped text; missing values (None/NaN) become ''."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _column(frame: Any, name: str) -> list[str]:
    return [_text(v) for v in frame[name]] if name in frame.columns else [""] * len(frame)


def _build(name: str, split: str, query_cols: dict[str, list[str]], doc_cols: dict[str, list[str]],
           **options: Any) -> EvalSet:
    """Shared builder: dedupe queries and documents by their text tuples, link each row's pair."""
    queries: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    documents: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    query_ids: dict[tuple[str, ...], str] = {}
    doc_ids: dict[tuple[str, ...], str] = {}
    qrels: dict[str, dict[str, int]] = {}
    n_rows = len(next(iter(query_cols.values())))
    for row in range(n_rows):
        q_key = tuple(query_cols[lang][row] for lang in LANGS)
        d_key = tuple(doc_cols[lang][row] for lang in LANGS)
        if not any(q_key) or not any(d_key):
            continue  # a row without any query or passage text cannot be judged
        qid = query_ids.setdefault(q_key, f"q{len(query_ids)}")
        did = doc_ids.setdefault(d_key, f"d{len(doc_ids)}")
        for lang, text in zip(LANGS, q_key):
            if text:
                queries[lang][qid] = text
        for lang, text in zip(LANGS, d_key):
            if text:
                documents[lang][did] = text
        qrels.setdefault(qid, {})[did] = 1
    return EvalSet(name=name, split=split, queries={k: v for k, v in queries.items() if v},
                   documents={k: v for k, v in documents.items() if v}, qrels=qrels, **options)


def from_records(frame: Any, name: str, split: str = "test", dataset_id: Optional[int] = None) -> EvalSet:
    """An eval set from a parallel (``query_*/passage_*``) or bitext (``ko, en``) DataFrame.

    Raises:
        EvalSetError: no usable language columns, or no rows.
    """
    columns = set(frame.columns)
    if len(frame) == 0:
        raise EvalSetError(f"The {split!r} split of {name} is empty; split the dataset into "
                           "train/dev/test first, or pick another split.")
    if columns & set(PARALLEL_COLUMNS):
        queries = {lang: _column(frame, f"query_{lang}") for lang in LANGS}
        docs = {lang: _column(frame, f"passage_{lang}") for lang in LANGS}
        if not any(any(v) for v in queries.values()) or not any(any(v) for v in docs.values()):
            raise EvalSetError(f"{name} needs at least one query_ko/query_en and one passage_ko/passage_en column "
                               "with text.")
        return _build(name, split, queries, docs, dataset_id=dataset_id)
    if set(BITEXT_COLUMNS) <= columns:
        sides = {lang: _column(frame, lang) for lang in LANGS}
        return _build(name, split, sides, sides, dataset_id=dataset_id, directions=CLIR_DIRECTIONS,
                      document_prompt="query")
    raise EvalSetError(f"{name} has none of the columns an evaluation needs: query_ko, query_en, passage_ko, "
                       f"passage_en (parallel) or ko, en (bitext); it has {', '.join(sorted(map(str, columns)))}.")


def from_file(path: str | Path, split: str = "test") -> EvalSet:
    """An eval set from a canonical JSONL (or Parquet) file; a ``split`` column, if any, is filtered on."""
    import pandas as pd

    path = Path(path)
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_json(path, lines=True, dtype=False)
    except ValueError as exc:
        raise EvalSetError(f"{path} is not a readable JSONL file ({exc}); one JSON object per line is expected.") \
            from exc
    if "split" in frame.columns and frame["split"].fillna("").astype(str).str.len().gt(0).any():
        frame = frame[frame["split"] == split]
    return from_records(frame.reset_index(drop=True), name=path.name, split=split)


def benchmark_name(dataset: str) -> Optional[str]:
    """``"belebele"`` for ``"benchmark/belebele"``; None for names that are not benchmark references."""
    return dataset[len(BENCHMARK_PREFIX):] if dataset.startswith(BENCHMARK_PREFIX) else None


def load_evalset(dataset: str | EvalSet, split: str = "test", limit: Optional[int] = None,
                 benchmark_dir: Optional[str | Path] = None, studio: Any = None) -> EvalSet:
    """Resolve ``dataset`` to an :class:`EvalSet` restricted to ``limit`` queries.

    ``dataset`` is an EvalSet, ``"benchmark/belebele"`` / ``"benchmark/flores"`` (also plain ``"belebele"`` /
    ``"flores"`` when no dataset has that name), a path to a JSONL/Parquet file, or a registered dataset name.
    """
    if isinstance(dataset, EvalSet):
        return dataset.restrict(limit)
    dataset = str(dataset).strip()
    if not dataset:
        raise EvalSetError("No dataset given; pick a registered dataset, a benchmark or a JSONL file.")
    from studio.data import benchmarks

    bench = benchmark_name(dataset)
    if bench is None and dataset in benchmarks.BENCHMARKS and not _is_registered(dataset, studio):
        bench = dataset
    if bench is not None:
        return benchmarks.load_benchmark(bench, split=split, directory=benchmark_dir).restrict(limit)
    path = Path(os.path.expanduser(dataset))
    if path.is_file():
        return from_file(path, split).restrict(limit)
    from studio.data import get_dataset, load_records

    record = get_dataset(dataset, studio=studio)
    return from_records(load_records(dataset, split, studio=studio), name=record.name, split=split,
                        dataset_id=record.id).restrict(limit)


def _is_registered(name: str, studio: Any = None) -> bool:
    from studio.data import find_dataset

    return find_dataset(name, studio) is not None
