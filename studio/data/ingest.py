"""Import end to end: read, detect the layout, validate, write, split, register — all or nothing.

``inspect_source`` reads a sample only (layout, mapping, preview); ``validate_source`` reads everything and
returns the report without writing; ``import_dataset`` does both and registers the dataset when, and only
when, no row is bad.

Example:
    >>> record = import_dataset(["msmarco_kor.json", "msmarco_eng.json"], "msmarco",
    ...                         ratios="0.8,0.1,0.1", seed=0)  # doctest: +SKIP
    >>> record.n_records, record.split_counts  # doctest: +SKIP
    (5980, {'train': 4784, 'dev': 598, 'test': 598})
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from storage import DuplicateNameError
from storage.records import DatasetRecord
from studio.access import require_write
from studio.context import Studio, get_studio
from studio.data.errors import ImportRejected
from studio.data.importers import RawRow, SourceTable, open_sources
from studio.data.layouts import Layout, detect_layout, mapping_fields
from studio.data.rows import canonical_rows, ordered
from studio.data.registry import ParquetSink, commit_dataset, find_dataset
from studio.data.splits import parse_ratios, write_split
from studio.data.validate import ReportBuilder
from studio.models import validate_name

Progress = Optional[Callable[[int, int, str], None]]
Sources = Sequence[str | Path]
PREVIEW_ROWS = 5
PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class Inspection:
    """What a quick look at the sources found: formats, layout, mapping fields and a preview."""

    labels: tuple[str, ...]
    formats: tuple[str, ...]
    layout: Layout
    description: str
    fields: tuple[str, ...]
    preview: list[dict[str, str]] = field(default_factory=list)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"sources": list(self.labels), "formats": list(self.formats), **self.layout.to_dict(),
                "columns": list(self.layout.columns), "fields": list(self.fields), "description": self.description,
                "preview": self.preview, "notes": list(self.notes)}


def _sampled(table: SourceTable, rows: list[dict[str, Any]]) -> SourceTable:
    def replay() -> Iterator[RawRow]:
        return (RawRow(f"row {i}", values) for i, values in enumerate(rows, start=1))
    return SourceTable(table.label, table.format, replay)


def _open(sources: Sources, fmt: str, kind: str, mapping: Optional[dict[str, Optional[str]]]
          ) -> tuple[list[SourceTable], list[list[dict[str, Any]]], Layout]:
    tables = open_sources(sources, fmt)
    samples = [table.sample() for table in tables]
    layout = detect_layout(samples, [t.label for t in tables], kind, mapping)
    return tables, samples, layout


def inspect_source(sources: Sources, fmt: str = "auto", kind: str = "auto",
                   mapping: Optional[dict[str, Optional[str]]] = None) -> Inspection:
    """Detect format and layout from the first rows and preview a few canonical records (reads a sample only)."""
    tables, samples, layout = _open(sources, fmt, kind, mapping)
    sampled = [_sampled(t, s) for t, s in zip(tables, samples)]
    preview = [ordered(row.values, layout.kind) for row in canonical_rows(sampled, layout) if row.values]
    labels = tuple(t.label for t in tables)
    return Inspection(labels, tuple(t.format for t in tables), layout, layout.describe(labels),
                      mapping_fields(layout.shape, layout.kind), preview[:PREVIEW_ROWS],
                      tuple(n for t in tables for n in t.notes))


def _scan(tables: list[SourceTable], layout: Layout, sink: Optional[ParquetSink], progress: Progress) -> dict[str, Any]:
    started = time.monotonic()
    builder = ReportBuilder(layout.kind)
    total = max(1, sum(t.size_bytes for t in tables))
    for count, row in enumerate(canonical_rows(tables, layout), start=1):
        if row.values is None:
            builder.add_problem(row.where, row.problem)
        elif builder.add(row.where, row.values) and sink is not None and not builder.failed:
            sink.write(ordered(row.values, layout.kind))
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(min(row.offset, total), total, f"read {count:,} rows")
    if progress is not None:
        progress(total, total, f"read {builder.n_records + builder.n_bad:,} rows")
    labels = [t.label for t in tables]
    return builder.finish(sources=[{"label": t.label, "format": t.format, "bytes": t.size_bytes} for t in tables],
                          layout=layout.to_dict(), description=layout.describe(labels),
                          notes=[n for t in tables for n in t.notes], seconds=round(time.monotonic() - started, 2))


def validate_source(sources: Sources, fmt: str = "auto", kind: str = "auto",
                    mapping: Optional[dict[str, Optional[str]]] = None, progress: Progress = None) -> dict[str, Any]:
    """Read every row and return the validation report (bad rows included); nothing is written."""
    tables, _, layout = _open(sources, fmt, kind, mapping)
    return _scan(tables, layout, None, progress)


def import_dataset(sources: Sources, name: str, fmt: str = "auto", kind: str = "auto",
                   mapping: Optional[dict[str, Optional[str]]] = None, ratios: str | Sequence[float] | None = None,
                   seed: int = 0, *, source: str = "", licence: str = "", progress: Progress = None,
                   studio: Optional[Studio] = None) -> DatasetRecord:
    """Import one source (or one per language) as dataset ``name``; split it when ``ratios`` are given.

    Args:
        sources: one file/folder/Hub id, or two files (one per language).
        name: the dataset name (letters, digits, ``-``, ``_``, ``.``, ``/``).
        fmt: ``auto`` or a format of :data:`studio.data.importers.FORMATS`.
        kind: ``auto``, ``parallel`` or ``bitext``.
        mapping: ``{field: column}`` overriding the detected mapping (fields: :func:`mapping_fields`).
        ratios: train/dev/test shares, e.g. ``"0.8,0.1,0.1"``; None leaves the dataset unsplit.
        seed: the split seed.
        source, licence: free text stored with the dataset (``source`` defaults to the file names).
        progress: ``progress(step, total, message)`` while reading.

    Raises:
        ImportRejected: some rows are bad (all are counted; the first ones listed with their line numbers).
        DataError: the sources cannot be read, the layout is unclear, or the name is taken.
        ReadOnlyDemoError: the app runs as a read-only demo.
    """
    require_write("importing data")
    return _import_dataset(sources, name, fmt, kind, mapping, ratios, seed, source=source, licence=licence,
                           progress=progress, studio=studio)


def _import_dataset(sources: Sources, name: str, fmt: str = "auto", kind: str = "auto",
                    mapping: Optional[dict[str, Optional[str]]] = None, ratios: str | Sequence[float] | None = None,
                    seed: int = 0, *, source: str = "", licence: str = "", progress: Progress = None,
                    studio: Optional[Studio] = None) -> DatasetRecord:
    """``import_dataset`` without the read-only check (the built-in demo set is registered even in demo mode)."""
    studio = studio or get_studio()
    name = validate_name(name, "dataset")
    shares = parse_ratios(ratios) if ratios not in (None, "", ()) else None
    if find_dataset(name, studio) is not None:
        raise DuplicateNameError(f"A dataset named {name!r} already exists; choose another name or delete it first.")
    tables, _, layout = _open(sources, fmt, kind, mapping)
    sink = ParquetSink(studio, layout.kind)
    try:
        report = _scan(tables, layout, sink, progress)
        if report["n_bad_rows"]:
            raise ImportRejected(report["bad_rows"], report["n_bad_rows"], report)
        sink.close()
        split_counts: dict[str, int] = {}
        if shares is not None:
            if progress is not None:
                progress(0, 1, "splitting")
            split_counts = write_split(sink.path, layout.kind, shares, seed)
            report["split"] = {"ratios": [round(r, 6) for r in shares], "seed": int(seed)}
        return commit_dataset(studio, sink, name, source=source or ", ".join(t.label for t in tables),
                              licence=licence, split_seed=int(seed) if shares else None,
                              split_counts=split_counts, report=report)
    finally:
        sink.discard()
