"""Canonical records from sources and a layout: text extraction, ids, and the per-language join.

A text value may be a string, a number or a list of strings (joined with a space); ``None`` is empty text.
Single tables give one record per row (ids must be unique). Per-language tables are joined on their id
column(s) (``a+b`` joins on several columns, the parts joined with ``#`` in the record id) or by position;
a row without a counterpart in the other file is a problem row, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Optional

from studio.data.importers import RawRow, SourceTable, flatten
from studio.data.layouts import SINGLE, Layout
from studio.data.schema import ID_COLUMN, RecordKind, text_columns


def _text(values: dict[str, Any], column: str) -> tuple[Optional[str], str]:
    if column not in values:
        return None, f"no column {column!r}"
    value = values[column]
    if value is None:
        return "", ""
    if isinstance(value, str):
        return value.strip(), ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value), ""
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return " ".join(v.strip() for v in value if v.strip()), ""
    return None, f"column {column!r} holds {type(value).__name__}, not text"


def _key(values: dict[str, Any], column: Optional[str], position: int) -> tuple[Optional[str], str]:
    if column is None:
        return str(position), ""
    parts = [column] if column in values else column.split("+")
    texts = []
    for part in parts:
        text, problem = _text(values, part)
        if text is None or not text:
            return None, problem or f"empty id in column {part!r}"
        texts.append(text)
    return "#".join(texts), ""


def _extract(values: dict[str, Any], mapping: dict[str, Optional[str]], position: int,
             rename: dict[str, str]) -> tuple[Optional[dict[str, str]], str]:
    values = flatten(values)
    key, problem = _key(values, mapping.get(ID_COLUMN), position)
    if key is None:
        return None, problem
    record = {ID_COLUMN: key}
    for fname, column in mapping.items():
        if fname == ID_COLUMN or column is None:
            continue
        text, problem = _text(values, column)
        if text is None:
            return None, problem
        record[rename.get(fname, fname)] = text
    return record, ""


def _single_rows(table: SourceTable, layout: Layout) -> Iterator[RawRow]:
    seen: set[str] = set()
    for position, raw in enumerate(table.open_rows(), start=1):
        where = f"{table.label} {raw.where}"
        if raw.values is None:
            yield RawRow(where, None, raw.problem, raw.offset)
            continue
        record, problem = _extract(raw.values, layout.mapping, position, {})
        if record is not None and record[ID_COLUMN] in seen:
            record, problem = None, f"duplicate id {record[ID_COLUMN]!r}"
        if record is not None:
            seen.add(record[ID_COLUMN])
        yield RawRow(where, record, problem, raw.offset)


def _indexed(table: SourceTable, layout: Layout, lang: str) -> tuple[dict[str, tuple[str, dict]], list[RawRow]]:
    rename = {"query": f"query_{lang}", "passage": f"passage_{lang}", "text": lang}
    index: dict[str, tuple[str, dict]] = {}
    problems = []
    for position, raw in enumerate(table.open_rows(), start=1):
        where = f"{table.label} {raw.where}"
        record, problem = (None, raw.problem) if raw.values is None else _extract(raw.values, layout.mapping, position, rename)
        if record is not None and record[ID_COLUMN] in index:
            record, problem = None, f"duplicate id {record[ID_COLUMN]!r}"
        if record is None:
            problems.append(RawRow(where, None, problem, raw.offset))
        else:
            index[record.pop(ID_COLUMN)] = (where, record)
    return index, problems


def _joined_rows(tables: Sequence[SourceTable], layout: Layout) -> Iterator[RawRow]:
    first, second = tables
    other, problems = _indexed(second, layout, layout.languages[1])
    yield from problems
    base = second.size_bytes
    rename = {"query": f"query_{layout.languages[0]}", "passage": f"passage_{layout.languages[0]}",
              "text": layout.languages[0]}
    seen: set[str] = set()
    by_position = layout.mapping.get(ID_COLUMN) is None
    position = 0
    for position, raw in enumerate(first.open_rows(), start=1):
        where = f"{first.label} {raw.where}"
        if raw.values is None:
            yield RawRow(where, None, raw.problem, base + raw.offset)
            continue
        record, problem = _extract(raw.values, layout.mapping, position, rename)
        if record is not None and record[ID_COLUMN] in seen:
            record, problem = None, f"duplicate id {record[ID_COLUMN]!r}"
        if record is not None:
            seen.add(record[ID_COLUMN])
            partner = other.pop(record[ID_COLUMN], None)
            if partner is None:
                what = f"row {position}" if by_position else f"id {record[ID_COLUMN]!r}"
                record, problem = None, f"{what} has no counterpart in {second.label}"
            else:
                record.update(partner[1])
        yield RawRow(where, record, problem, base + raw.offset)
    for key, (where, _) in other.items():
        what = f"it has no row {key}" if by_position else f"id {key!r} is missing"
        yield RawRow(where, None, f"no counterpart in {first.label} ({what} there)", base + first.size_bytes)


def canonical_rows(tables: Sequence[SourceTable], layout: Layout) -> Iterator[RawRow]:
    """Canonical records (``id`` + the kind's text columns) in source order, with problem rows in between.

    ``RawRow.offset`` counts bytes over all sources (for progress against their total size).
    """
    if layout.shape == SINGLE:
        return _single_rows(tables[0], layout)
    return _joined_rows(tables, layout)


def ordered(record: dict[str, str], kind: RecordKind) -> dict[str, str]:
    """A record with its columns in storage order (missing texts are empty)."""
    return {ID_COLUMN: record[ID_COLUMN], **{c: record.get(c, "") for c in text_columns(kind)}}
