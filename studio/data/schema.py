"""Record kinds and their canonical columns, splits and the four retrieval directions.

A **parallel** record is one retrieval example in both languages: ``id, query_ko, query_en, passage_ko,
passage_en``. A **bitext** record is one sentence pair: ``id, ko, en``. Both are stored with a ``split``
column (``train``, ``dev``, ``test``; the empty string before splitting).

Directions are written QUERY-DOC (``ko-en``: a Korean query, an English passage). A parallel record gives a
pair in each of the four directions; a bitext record gives the two cross-lingual ones (``ko-en`` takes the
Korean sentence as the query and its English translation as the passage).

Example:
    >>> direction_columns("parallel", "ko-en")
    ('query_ko', 'passage_en')
    >>> direction_columns("bitext", "en-ko")
    ('en', 'ko')
    >>> direction_columns("bitext", "ko-ko") is None
    True
"""

from __future__ import annotations

from enum import Enum
from typing import Optional

from studio.data.errors import DataError


class RecordKind(str, Enum):
    """What one record holds; accepts plain strings (``RecordKind("bitext")``)."""

    PARALLEL = "parallel"
    BITEXT = "bitext"

    def __str__(self) -> str:
        return self.value


ID_COLUMN = "id"
SPLIT_COLUMN = "split"
SPLITS = ("train", "dev", "test")
DIRECTIONS = ("ko-ko", "en-en", "ko-en", "en-ko")
LANGUAGES = ("ko", "en")
PAIR_COLUMNS = ("query", "passage", "direction", "record_id")

TEXT_COLUMNS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.PARALLEL: ("query_ko", "query_en", "passage_ko", "passage_en"),
    RecordKind.BITEXT: ("ko", "en"),
}
COLUMN_LANGUAGE = {"query_ko": "ko", "query_en": "en", "passage_ko": "ko", "passage_en": "en", "ko": "ko", "en": "en"}


def parse_kind(kind: str | RecordKind) -> RecordKind:
    """The record kind named ``kind`` or a DataError listing the choices."""
    try:
        return RecordKind(str(kind).strip().lower())
    except ValueError:
        raise DataError(f"Unknown record kind {kind!r}; choose parallel or bitext.") from None


def text_columns(kind: str | RecordKind) -> tuple[str, ...]:
    """The text columns of a record kind, in storage order."""
    return TEXT_COLUMNS[parse_kind(kind)]


def record_columns(kind: str | RecordKind) -> tuple[str, ...]:
    """All stored columns of a record kind: id, texts, split."""
    return (ID_COLUMN, *text_columns(kind), SPLIT_COLUMN)


def direction_columns(kind: str | RecordKind, direction: str) -> Optional[tuple[str, str]]:
    """(query column, passage column) of ``direction`` for ``kind``; None when the kind cannot give it."""
    if direction not in DIRECTIONS:
        raise DataError(f"Unknown direction {direction!r}; choose one of {', '.join(DIRECTIONS)}.")
    query_lang, doc_lang = direction.split("-")
    if parse_kind(kind) is RecordKind.BITEXT:
        return None if query_lang == doc_lang else (query_lang, doc_lang)
    return f"query_{query_lang}", f"passage_{doc_lang}"


def directions_of(kind: str | RecordKind) -> tuple[str, ...]:
    """Directions a record kind can give pairs in."""
    return tuple(d for d in DIRECTIONS if direction_columns(kind, d) is not None)
