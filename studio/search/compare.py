"""Run one query against two retrievers over the same corpus and compare the lists.

Each column (model A, model B) succeeds or fails on its own: an index still building, an unknown model or
BM25 asked to match across languages becomes that column's message while the other column shows results.
Input problems that concern both (an empty or over-long query, a corpus without the chosen language) appear
in both columns. When the query is one of the dataset's queries, its gold documents are flagged.

Example:
    >>> result = compare("조선 시대에 한글을 만든 왕은 누구인가?", "bundled/multilingual-e5-small", "bm25",
    ...                  dataset="demo/ko-en-qa", doc_lang="both", k=5, wait=None)
    >>> result.columns[0].rows[0].gold, result.overlap_at_k
    (True, 0.4)
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional

from studio.errors import StudioError, user_errors
from studio.search.corpus import Corpus, load_corpus
from studio.search.indexes import IndexBuildingError, get_index_manager
from studio.search.langdetect import detect_language
from studio.search.retrievers import BM25_NAME

log = logging.getLogger(__name__)
DEMO_DATASET = "demo/ko-en-qa"
MAX_QUERY_CHARS = 1000
MAX_K = 100
Progress = Callable[[int, int, str], None]


class QueryError(StudioError):
    """The query or the top-k cannot be searched."""


@dataclass(frozen=True)
class ResultRow:
    """One hit of one column."""

    rank: int
    score: float
    doc_id: str
    record_id: str
    lang: str
    text: str
    translation: str
    gold: bool


@dataclass(frozen=True)
class ColumnResult:
    """What one retriever returned, or why it could not."""

    model: str
    status: str  # ok | building | error
    message: str = ""
    progress: Optional[float] = None  # 0..1 while building
    latency_ms: Optional[float] = None
    rows: tuple[ResultRow, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Comparison:
    """A query, its detected language, the corpus, the gold record and one column per retriever."""

    query: str
    query_lang: str
    dataset: str
    doc_lang: str
    k: int
    gold_record_id: Optional[str]
    columns: tuple[ColumnResult, ...]
    overlap: Optional[int] = None  # documents in both top-k lists (two columns, both ok)
    overlap_at_k: Optional[float] = None  # overlap / number of results compared
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the API and ``--json`` output)."""
        return asdict(self)


def validate_query(query: Optional[str]) -> str:
    """The stripped query, or QueryError saying what to fix."""
    text = (query or "").strip()
    if not text:
        raise QueryError("The query is empty; type a question in Korean or English.")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"The query is {len(text):,} characters long; keep it under {MAX_QUERY_CHARS:,}.")
    return text


def validate_k(k: Any) -> int:
    """Top-k as an int in 1..MAX_K."""
    try:
        value = int(k)
    except (TypeError, ValueError):
        raise QueryError(f"Top-k must be a whole number, not {k!r}.") from None
    if not 1 <= value <= MAX_K:
        raise QueryError(f"Top-k must be between 1 and {MAX_K}; got {value}.")
    return value


def overlap_at_k(a: list[str], b: list[str], k: int) -> tuple[int, float]:
    """Shared documents among the first ``k`` of each list, and that count over the lists' length.

    The length is ``k`` unless the corpus (or BM25's matches) gave fewer results: then the longer list's length.
    """
    top_a, top_b = a[:k], b[:k]
    shared = len(set(top_a) & set(top_b))
    size = max(len(top_a), len(top_b))
    return shared, (shared / size if size else 0.0)


def _parts_for(model: str, corpus: Corpus, query_lang: str) -> list:
    """The corpus parts a model searches: BM25 only matches words of the query's language."""
    if model != BM25_NAME or query_lang not in ("ko", "en"):
        return list(corpus.parts)
    parts = [part for part in corpus.parts if part.lang == query_lang]
    if not parts:
        names = {"ko": "Korean", "en": "English"}
        raise QueryError(
            f"BM25 matches words, so a {names[query_lang]} query finds nothing among {names[corpus.doc_lang]} "
            f"documents; choose document language {query_lang} or both, or a dense model for cross-lingual search."
        )
    return parts


def search_column(query: str, model: str, corpus: Corpus, k: int, gold_ids: set[str],
                  wait: Optional[float] = 0.0, progress: Optional[Progress] = None) -> ColumnResult:
    """Search ``corpus`` with one retriever; raises StudioError (IndexBuildingError while building)."""
    manager = get_index_manager()
    parts = _parts_for(model, corpus, detect_language(query))
    retrievers = [manager.get(model, part, wait=wait, progress=progress) for part in parts]
    start = time.perf_counter()  # latency = query encoding + search + merge
    hits = sorted((hit for retriever in retrievers for hit in retriever.search(query, k)),
                  key=lambda hit: -hit[1])[:k]
    latency = (time.perf_counter() - start) * 1000
    rows = tuple(
        ResultRow(rank, round(score, 4), doc.doc_id, doc.record_id, doc.lang, doc.text, doc.translation,
                  doc.doc_id in gold_ids)
        for rank, (doc, score) in enumerate(hits, start=1)
    )
    message = "" if rows else "No document shares a word with the query." if model == BM25_NAME else "No results."
    return ColumnResult(model, "ok", message, None, round(latency, 2), rows)


def _failed(model: str, exc: Exception) -> ColumnResult:
    if isinstance(exc, IndexBuildingError):
        return ColumnResult(model, "building", str(exc), exc.state.percent / 100)
    if isinstance(exc, user_errors()):
        return ColumnResult(model, "error", str(exc))
    log.exception("search with %r failed", model)
    return ColumnResult(model, "error", f"Search with {model!r} failed unexpectedly ({type(exc).__name__}: {exc}).")


def _prepare(models: list[str], corpus: Corpus) -> None:
    """Start every needed build at once, so two new indexes build side by side rather than one after the other."""
    manager = get_index_manager()
    for model in models:
        try:
            for part in corpus.parts:
                manager.prepare(model, part)
        except Exception:  # noqa: BLE001
            pass  # reported by that column's search


def compare(query: str, model_a: str, model_b: Optional[str] = None, dataset: str = DEMO_DATASET,
            doc_lang: str = "both", k: int = 10, wait: Optional[float] = 0.0,
            progress: Optional[Progress] = None) -> Comparison:
    """Search ``dataset``'s documents in ``doc_lang`` with ``model_a`` (and ``model_b``), side by side.

    Args:
        query: Korean, English or mixed text (at most ``MAX_QUERY_CHARS`` characters).
        model_a, model_b: registered model names, model folders, or ``"bm25"``; ``model_b`` is optional.
        dataset: a registered dataset whose passages form the corpus.
        doc_lang: ``ko``, ``en`` or ``both`` (both languages mixed in one ranking).
        k: results per column (1..``MAX_K``).
        wait: seconds to wait for an index that is building (``None``: until it is ready).
        progress: called with (done, total, message) while waiting for a build.

    Returns:
        A :class:`Comparison`; a column that cannot answer carries ``status`` ``building`` or ``error``.
    """
    models = [m.strip() if isinstance(m, str) else "" for m in ([model_a] if not model_b else [model_a, model_b])]
    query_text = (query or "").strip()
    try:
        query_text = validate_query(query)
        k = validate_k(k)
        corpus = load_corpus(dataset, doc_lang)
    except user_errors() as exc:
        columns = tuple(_failed(model, exc) for model in models)
        return Comparison(query_text, detect_language(query_text), dataset, doc_lang, k if isinstance(k, int) else 0,
                          None, columns)
    record_id = corpus.find_query(query_text)
    gold_ids = corpus.gold_doc_ids(record_id)
    _prepare([m for m in models if m], corpus)
    columns = []
    for model in models:
        try:
            if not model:
                raise QueryError("No model chosen; pick a registered model or BM25.")
            columns.append(search_column(query_text, model, corpus, k, gold_ids, wait, progress))
        except Exception as exc:  # noqa: BLE001 - one column's failure must not hide the other column
            columns.append(_failed(model, exc))
    shared = fraction = None
    if len(columns) == 2 and all(column.ok for column in columns):
        shared, fraction = overlap_at_k([r.doc_id for r in columns[0].rows], [r.doc_id for r in columns[1].rows], k)
        fraction = round(fraction, 4)
    return Comparison(query_text, detect_language(query_text), corpus.dataset, corpus.doc_lang, k, record_id,
                      tuple(columns), shared, fraction)


def example_queries(dataset: str = DEMO_DATASET, limit: int = 40) -> list[tuple[str, str, str]]:
    """(record id, Korean query, English query) from ``dataset``, for example pickers."""
    return list(load_corpus(dataset, "both").examples[:limit])


def prepare_search(models: list[str], dataset: str, doc_lang: str) -> None:
    """Start building the indexes a search would need (ignores unusable choices; the search reports them)."""
    try:
        corpus = load_corpus(dataset, doc_lang)
    except Exception:  # noqa: BLE001 - the search itself reports unusable choices
        return
    _prepare([m for m in models if m], corpus)


def search_options() -> dict[str, list[str]]:
    """Choices for pickers: registered models (plus ``bm25``) and registered datasets."""
    from studio.context import get_studio

    store = get_studio().store
    return {
        "models": [record.name for record in store.list_models()] + [BM25_NAME],
        "datasets": [record.name for record in store.list_datasets()],
    }
