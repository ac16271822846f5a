"""Which columns hold which text: layout detection, the column mapping, and canonical rows.

Two shapes are understood:

* ``single``: one table holding both languages. Parallel columns are found by name (``query_ko``,
  ``question_en``, ``passage_kor`` …: a role word and a language word), bitext columns by a language word alone
  (``ko``/``en``, ``translation.ko``/``translation.en``, ``text_kor``…).
* ``per-language``: two tables, one per language, with the same columns (MS MARCO-style ``{id, query,
  positive[]}``, Belebele-style ``{link, question_number, question, flores_passage}``, or two line-aligned text
  files). Each table's language comes from its share of Hangul; rows are joined on the id column(s) (``a+b``
  joins on several columns) or, without an id, by position.

The mapping is ``{field: column}`` over :func:`mapping_fields`; an explicit mapping overrides what was
detected, field by field. :mod:`studio.data.rows` turns sources and a layout into canonical records.

Example:
    >>> layout = detect_layout([[{"ko": "안녕하세요", "en": "Hello"}]], ["pairs.jsonl"])
    >>> layout.shape, layout.kind.value, layout.mapping
    ('single', 'bitext', {'id': None, 'ko': 'ko', 'en': 'en'})
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from studio.data.errors import DataError
from studio.data.schema import ID_COLUMN, RecordKind, parse_kind, text_columns
from studio.data.validate import hangul_share

SINGLE, PER_LANGUAGE = "single", "per-language"
LANG_WORDS = {"ko": {"ko", "kor", "korean", "kr", "hang"}, "en": {"en", "eng", "english", "latn"}}
QUERY_WORDS = ("query", "question", "queries", "questions", "anchor", "q")
PASSAGE_WORDS = ("positive", "positives", "passage", "passages", "pos", "document", "doc", "documents", "context",
                 "paragraph", "text", "sentence")
ID_NAMES = ("id", "_id", "record_id", "qid", "query_id", "uid", "guid", "idx")
COMPOSITE_IDS = (("link", "question_number"),)


def mapping_fields(shape: str, kind: RecordKind | str) -> tuple[str, ...]:
    """The fields a mapping assigns for a shape and kind (``id`` first; it is optional)."""
    kind = parse_kind(kind)
    if shape == SINGLE:
        return (ID_COLUMN, *text_columns(kind))
    return (ID_COLUMN, "query", "passage") if kind is RecordKind.PARALLEL else (ID_COLUMN, "text")


@dataclass(frozen=True)
class Layout:
    """How sources map onto canonical records."""

    shape: str
    kind: RecordKind
    mapping: dict[str, Optional[str]]
    languages: tuple[str, ...] = ()
    flavour: str = "custom"
    columns: tuple[str, ...] = field(default=())

    def describe(self, labels: Sequence[str]) -> str:
        """One line for people: what was understood and how the rows are joined."""
        pairs = ", ".join(f"{k} ← {v}" for k, v in self.mapping.items() if v and k != ID_COLUMN)
        if self.shape == SINGLE:
            key = f"id ← {self.mapping.get(ID_COLUMN)}" if self.mapping.get(ID_COLUMN) else "ids are row numbers"
            return f"{self.flavour} {self.kind.value} table {labels[0]}: {pairs}; {key}."
        files = ", ".join(f"{label} ({lang})" for label, lang in zip(labels, self.languages))
        key = f"joined on {self.mapping[ID_COLUMN]}" if self.mapping.get(ID_COLUMN) else "joined by position"
        return f"{self.flavour} per-language {self.kind.value} files {files}, {key}; {pairs}."

    def to_dict(self) -> dict[str, Any]:
        return {"shape": self.shape, "kind": self.kind.value, "mapping": dict(self.mapping),
                "languages": list(self.languages), "flavour": self.flavour}


# ----------------------------------------------------------------------------------- detection
def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", name.lower()) if w}


def _is_texty(value: Any) -> bool:
    if isinstance(value, str):
        return any(c.isalpha() for c in value)
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, str) for v in value)


def textual_columns(sample: list[dict[str, Any]]) -> list[str]:
    """Columns (in first-seen order) whose sampled values are mostly text with letters."""
    columns = list(dict.fromkeys(k for row in sample for k in row))
    out = []
    for column in columns:
        values = [row.get(column) for row in sample if row.get(column) is not None]
        if values and sum(map(_is_texty, values)) >= 0.8 * len(values):
            out.append(column)
    return out


def _language_of(column: str) -> Optional[str]:
    words = _words(column)
    found = [lang for lang, names in LANG_WORDS.items() if words & names]
    return found[0] if len(found) == 1 else None


def _first(columns: Sequence[str], words: Sequence[str], lang: Optional[str] = None) -> Optional[str]:
    for word in words:  # priority order of the role words
        for column in columns:
            if word in _words(column) and (lang is None or _language_of(column) == lang):
                return column
    return None


def _id_column(columns: Sequence[str]) -> Optional[str]:
    lowered = {c.lower(): c for c in columns}
    for name in ID_NAMES:
        if name in lowered:
            return lowered[name]
    for parts in COMPOSITE_IDS:
        if all(p in columns for p in parts):
            return "+".join(parts)
    return None


def _auto_single(sample: list[dict[str, Any]], kind: Optional[RecordKind]) -> tuple[Optional[RecordKind], dict, str]:
    columns = list(dict.fromkeys(k for row in sample for k in row))
    texty = textual_columns(sample)
    parallel = {f"{role}_{lang}": _first(texty, words, lang) for role, words in
                (("query", QUERY_WORDS), ("passage", PASSAGE_WORDS)) for lang in ("ko", "en")}
    parallel = {name: parallel[name] for name in text_columns(RecordKind.PARALLEL)}
    bitext = {lang: next((c for c in texty if _language_of(c) == lang), None) for lang in ("ko", "en")}
    if kind is None:
        if all(parallel.values()):
            kind = RecordKind.PARALLEL
        elif all(bitext.values()) and (not any(parallel.values()) or len(texty) == 2):
            kind = RecordKind.BITEXT
    if kind is None:
        return None, {}, "custom"
    mapping = parallel if kind is RecordKind.PARALLEL else bitext
    canonical = all(mapping[f] == f for f in mapping)
    return kind, {ID_COLUMN: _id_column(columns), **mapping}, "canonical" if canonical else "detected"


def _auto_per_language(samples: list[list[dict[str, Any]]], kind: Optional[RecordKind]) -> tuple[Optional[RecordKind], dict, str]:
    columns = [c for c in dict.fromkeys(k for row in samples[0] for k in row)
               if any(c in row for row in samples[1])]
    texty = [c for c in textual_columns(samples[0]) if c in textual_columns(samples[1])]
    query = _first(texty, QUERY_WORDS)
    passage = _first([c for c in texty if c != query], PASSAGE_WORDS)
    if kind is None:
        kind = RecordKind.PARALLEL if query and passage else RecordKind.BITEXT if len(texty) == 1 else None
    if kind is None:
        return None, {}, "custom"
    ident = _id_column(columns)
    if kind is RecordKind.BITEXT:
        text = texty[0] if len(texty) == 1 else passage or query
        return kind, {ID_COLUMN: ident, "text": text}, "text" if text == "text" and not ident else "detected"
    flavour = "MS MARCO-style" if passage in ("positive", "positives") else (
        "Belebele-style" if ident == "link+question_number" else "detected")
    return kind, {ID_COLUMN: ident, "query": query, "passage": passage}, flavour


def _table_language(sample: list[dict[str, Any]], columns: Sequence[str]) -> float:
    texts = []
    for row in sample:
        for column in columns:
            value = row.get(column)
            texts.append(" ".join(value) if isinstance(value, (list, tuple)) else str(value or ""))
    return hangul_share(" ".join(texts))


def _languages(samples: list[list[dict[str, Any]]], labels: Sequence[str], columns: Sequence[str]) -> tuple[str, str]:
    shares = [_table_language(s, columns) for s in samples]
    guess = tuple("ko" if share >= 0.3 else "en" for share in shares)
    if guess in (("ko", "en"), ("en", "ko")):
        return guess  # type: ignore[return-value]
    hints = tuple(_language_of(label.replace(".", "_")) for label in labels)
    if hints in (("ko", "en"), ("en", "ko")):
        return hints  # type: ignore[return-value]
    what = "Korean" if guess[0] == "ko" else "English"
    raise DataError(f"Both {labels[0]} and {labels[1]} look {what} (Hangul share {shares[0]:.0%} and {shares[1]:.0%}); "
                    "give one Korean and one English file.")


def _clean_mapping(mapping: Optional[dict[str, Optional[str]]]) -> dict[str, Optional[str]]:
    out = {}
    for key, value in (mapping or {}).items():
        value = (value or "").strip()
        out[key.strip()] = None if value in ("", "(none)", "none", "-") else value
    return out


def _kind_from_mapping(shape: str, mapping: dict[str, Optional[str]]) -> Optional[RecordKind]:
    for kind in RecordKind:
        fields = set(mapping_fields(shape, kind)) - {ID_COLUMN}
        if set(mapping) - {ID_COLUMN} and set(mapping) - {ID_COLUMN} <= fields:
            return kind
    return None


def _check_columns(layout_mapping: dict[str, Optional[str]], columns: Sequence[str], labels: Sequence[str],
                   fields: Sequence[str]) -> None:
    missing = [f for f in fields if f != ID_COLUMN and not layout_mapping.get(f)]
    shown = ", ".join(columns) or "none"
    if missing:
        raise DataError(f"Could not tell which column holds {', '.join(missing)} in {' and '.join(labels)} "
                        f"(columns: {shown}); choose them in the column mapping (CLI: --map FIELD=COLUMN).")
    unknown = [f for f in layout_mapping if f not in fields]
    if unknown:
        raise DataError(f"{', '.join(unknown)} is not a field of this layout; map {', '.join(fields)}.")
    for fname, column in layout_mapping.items():
        parts = [column] if column in columns or column is None else column.split("+")
        absent = [p for p in parts if p is not None and p not in columns]
        if absent:
            raise DataError(f"Column {absent[0]!r} (mapped to {fname}) is not in {' and '.join(labels)}; "
                            f"its columns are: {shown}.")


def detect_layout(samples: Sequence[list[dict[str, Any]]], labels: Sequence[str], kind: str = "auto",
                  mapping: Optional[dict[str, Optional[str]]] = None) -> Layout:
    """Work out shape, kind and column mapping from sample rows (one list per source); ``mapping`` overrides.

    Raises:
        DataError: a column cannot be found, a mapped column does not exist, or the languages are unclear.
    """
    samples = [list(s) for s in samples]
    if any(not s for s in samples):
        empty = labels[[bool(s) for s in samples].index(False)]
        raise DataError(f"{empty} has no readable rows; check its format and encoding.")
    shape = SINGLE if len(samples) == 1 else PER_LANGUAGE
    user = _clean_mapping(mapping)
    hint = None if (kind or "auto") == "auto" else parse_kind(kind)
    hint = hint or (_kind_from_mapping(shape, user) if user else None)
    detect = _auto_single if shape == SINGLE else _auto_per_language
    found_kind, found, flavour = detect(samples if shape == PER_LANGUAGE else samples[0], hint)  # type: ignore[arg-type]
    kind_final = hint or found_kind
    columns = list(dict.fromkeys(k for s in samples for row in s for k in row))
    if kind_final is None:
        raise DataError(f"Could not recognise the layout of {' and '.join(labels)} (columns: {', '.join(columns)}); "
                        "choose the record kind and map the columns (CLI: --kind and --map FIELD=COLUMN).")
    fields = mapping_fields(shape, kind_final)
    merged = {f: found.get(f) for f in fields} if found_kind == kind_final else {f: None for f in fields}
    merged.update(user)
    _check_columns(merged, columns, labels, fields)
    languages: tuple[str, ...] = ()
    if shape == PER_LANGUAGE:
        languages = _languages(samples, labels, [c for f, c in merged.items() if f != ID_COLUMN and c])
    same = found_kind == kind_final and all(merged[f] == found.get(f) for f in fields)
    return Layout(shape, kind_final, merged, languages, flavour if same else "custom", tuple(columns))
