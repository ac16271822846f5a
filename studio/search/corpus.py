"""A search corpus: one dataset's passages in Korean, English or both, duplicates merged.

Every document knows the records it came from, its language and its parallel translation, so the UI can
show a translation under each hit and highlight the gold document of a query taken from the dataset.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from studio.errors import StudioError

if TYPE_CHECKING:
    import pandas as pd

    from studio.context import Studio

LANGUAGES = ("ko", "en")
DOC_LANGS = ("ko", "en", "both")
_CACHE_SIZE = 8
_cache: OrderedDict[tuple, Corpus] = OrderedDict()
_cache_lock = threading.Lock()


class CorpusError(StudioError):
    """A corpus cannot be built: unknown dataset, or no documents in the chosen language."""


@dataclass(frozen=True)
class Document:
    """One passage of the corpus."""

    doc_id: str  # "<lang>:<position>", stable for one corpus content
    lang: str
    text: str
    translation: str  # the parallel passage in the other language ("" when the record has none)
    record_ids: tuple[str, ...]  # every record whose passage this is (duplicates merged)

    @property
    def record_id(self) -> str:
        return self.record_ids[0]


@dataclass(frozen=True)
class CorpusPart:
    """The documents of one language; the unit a search index is built for."""

    dataset: str
    lang: str
    docs: tuple[Document, ...]
    content_hash: str

    @property
    def texts(self) -> list[str]:
        return [doc.text for doc in self.docs]


@dataclass(frozen=True)
class Corpus:
    """A dataset's documents in one language or both, plus its queries (for gold look-up)."""

    dataset: str
    doc_lang: str
    parts: tuple[CorpusPart, ...]
    queries: dict[str, str] = field(default_factory=dict)  # normalised query text -> record id
    examples: tuple[tuple[str, str, str], ...] = ()  # (record id, query_ko, query_en)

    def __len__(self) -> int:
        return sum(len(part.docs) for part in self.parts)

    def find_query(self, text: str) -> Optional[str]:
        """The record id whose Korean or English query is ``text`` (whitespace-insensitive), if any."""
        return self.queries.get(_normalise(text))

    def gold_doc_ids(self, record_id: Optional[str]) -> set[str]:
        """Ids of the documents (in every language of this corpus) that answer ``record_id``."""
        if not record_id:
            return set()
        return {doc.doc_id for part in self.parts for doc in part.docs if record_id in doc.record_ids}

    def select(self, doc_lang: str) -> Corpus:
        """The same dataset restricted to ``doc_lang`` (ko, en or both)."""
        doc_lang = check_doc_lang(doc_lang)
        wanted = LANGUAGES if doc_lang == "both" else (doc_lang,)
        parts = tuple(part for part in self.parts if part.lang in wanted)
        missing = [lang for lang in wanted if lang not in {part.lang for part in parts}]
        if missing:
            names = {"ko": "Korean", "en": "English"}
            have = ", ".join(part.lang for part in self.parts) or "none"
            raise CorpusError(
                f"Dataset {self.dataset!r} has no {names[missing[0]]} passages (languages present: {have}); "
                "choose another document language or dataset."
            )
        return Corpus(self.dataset, doc_lang, parts, self.queries, self.examples)


def _normalise(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def check_doc_lang(doc_lang: str) -> str:
    """Validate a document-language choice."""
    value = (doc_lang or "").strip().lower()
    if value not in DOC_LANGS:
        raise CorpusError(f"Unknown document language {doc_lang!r}; choose ko, en or both.")
    return value


def _column(frame: pd.DataFrame, *names: str) -> list[str]:
    for name in names:
        if name in frame.columns:
            return ["" if v is None or v != v else str(v).strip() for v in frame[name].tolist()]
    return [""] * len(frame)


def _part(dataset: str, lang: str, ids: list[str], texts: list[str], others: list[str]) -> Optional[CorpusPart]:
    merged: dict[str, tuple[str, list[str]]] = {}
    for record_id, text, other in zip(ids, texts, others):
        if not text:
            continue
        if text in merged:
            merged[text][1].append(record_id)
        else:
            merged[text] = (other, [record_id])
    if not merged:
        return None
    digest = hashlib.sha256(f"{lang}\n".encode())
    docs = []
    for position, (text, (other, record_ids)) in enumerate(merged.items()):
        digest.update(text.encode() + b"\0")
        docs.append(Document(f"{lang}:{position}", lang, text, other, tuple(record_ids)))
    return CorpusPart(dataset, lang, tuple(docs), digest.hexdigest())


def corpus_from_frame(dataset: str, frame: pd.DataFrame) -> Corpus:
    """Build the two-language corpus of a parallel (or bitext) record table.

    Parallel tables have ``id, query_ko, query_en, passage_ko, passage_en``; bitext tables (``id, ko, en``)
    use each sentence both as a document and as a query whose gold is its translation.
    """
    ids = [str(v) for v in frame["id"].tolist()] if "id" in frame.columns else [str(i) for i in range(len(frame))]
    passage = {lang: _column(frame, f"passage_{lang}", lang) for lang in LANGUAGES}
    query = {lang: _column(frame, f"query_{lang}", lang) for lang in LANGUAGES}
    parts = []
    for lang, other in (("ko", "en"), ("en", "ko")):
        part = _part(dataset, lang, ids, passage[lang], passage[other])
        if part is not None:
            parts.append(part)
    queries: dict[str, str] = {}
    for lang in LANGUAGES:
        for record_id, text in zip(ids, query[lang]):
            if text:
                queries.setdefault(_normalise(text), record_id)
    examples = tuple(
        (record_id, ko, en) for record_id, ko, en in zip(ids, query["ko"], query["en"]) if ko or en
    )
    return Corpus(dataset, "both", tuple(parts), queries, examples)


def load_corpus(dataset: str, doc_lang: str = "both", studio: Optional[Studio] = None) -> Corpus:
    """The corpus of a registered dataset in ``doc_lang``, kept in memory while the dataset is unchanged.

    Raises:
        CorpusError: the document language is unknown or absent from the dataset.
    """
    from storage import NotFoundError
    from studio.context import get_studio
    from studio.data import find_dataset, list_datasets, load_records

    doc_lang = check_doc_lang(doc_lang)
    studio = studio or get_studio()
    record = find_dataset((dataset or "").strip(), studio)
    if record is None:
        names = ", ".join(r.name for r in list_datasets(studio)) or "none yet; import one in the Data tab"
        raise CorpusError(f"No dataset named {dataset!r} to search; choose one of: {names}.")
    key = (str(studio.paths.home), record.name, record.id, record.content_hash, record.n_records)
    with _cache_lock:
        full = _cache.get(key)
        if full is not None:
            _cache.move_to_end(key)
    if full is None:
        try:
            frame = load_records(record.name, studio=studio)
        except NotFoundError as exc:  # deleted meanwhile
            raise CorpusError(f"Dataset {dataset!r} was deleted; choose another one.") from exc
        full = corpus_from_frame(record.name, frame)
        with _cache_lock:
            _cache[key] = full
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return full.select(doc_lang)
