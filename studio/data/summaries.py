"""Plain rows and dicts describing datasets, mixes and reports, shared by the CLI and the Data tab."""

from __future__ import annotations

from typing import Any, Optional

from storage.records import DatasetRecord, MixRecord
from studio.context import Studio, get_studio
from studio.data.registry import records_path, split_summary
from studio.data.schema import DIRECTIONS

DATASET_COLUMNS = ["name", "kind", "records", "splits", "mixes", "warnings", "created"]
MIX_COLUMNS = ["name", "dataset", "split", "budget", "seed", *DIRECTIONS, "created"]
REPORT_COLUMNS = ["column", "empty", "duplicates", "median len", "p95 len", "max len", "hangul share", "language"]


def dataset_rows(studio: Optional[Studio] = None) -> list[dict[str, Any]]:
    """One row per registered dataset."""
    studio = studio or get_studio()
    mixes: dict[int, int] = {}
    for mix in studio.store.list_mixes():
        mixes[mix.dataset_id] = mixes.get(mix.dataset_id, 0) + 1
    return [{"name": r.name, "kind": r.kind, "records": r.n_records, "splits": split_summary(r),
             "mixes": mixes.get(r.id, 0), "warnings": len(r.report.get("warnings", [])),
             "created": r.created_at.strftime("%Y-%m-%d %H:%M")} for r in studio.store.list_datasets()]


def mix_row(mix: MixRecord) -> dict[str, Any]:
    """One mix as a table row (pairs per direction as columns)."""
    return {"name": mix.name, "dataset": mix.dataset_name, "split": mix.split, "budget": mix.budget, "seed": mix.seed,
            **{d: int(mix.counts.get(d, 0)) for d in DIRECTIONS}, "created": mix.created_at.strftime("%Y-%m-%d %H:%M")}


def mix_rows(dataset: Optional[str] = None, studio: Optional[Studio] = None) -> list[dict[str, Any]]:
    """One row per registered mix (of one dataset, or all)."""
    studio = studio or get_studio()
    return [mix_row(m) for m in studio.store.list_mixes(dataset)]


def report_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-column lines of a validation report."""
    rows = []
    for name, column in report.get("columns", {}).items():
        length, language = column["length"], column["language"]
        rows.append({"column": name, "empty": column["empty"], "duplicates": column["duplicates"],
                     "median len": length["median"], "p95 len": length["p95"], "max len": length["max"],
                     "hangul share": language["hangul_share"],
                     "language": language["status"] + (f" ({language['wrong_script']} in the other script)"
                                                       if language["wrong_script"] else "")})
    return rows


def report_markdown(report: dict[str, Any], title: str = "") -> str:
    """A short Markdown summary of a validation report."""
    lines = [f"### {title}"] if title else []
    lines.append(f"{report.get('description', '')}")
    lines.append(f"**{report.get('n_records', 0):,} records**, {report.get('n_bad_rows', 0):,} bad rows, "
                 f"{report.get('duplicate_records', 0):,} repeated records; read in {report.get('seconds', 0)} s.")
    if report.get("split"):
        lines.append(f"Split by record with ratios {report['split']['ratios']} and seed {report['split']['seed']}.")
    lines += [f"- ⚠️ {w}" for w in report.get("warnings", [])]
    lines += [f"- {n}" for n in report.get("notes", [])]
    if report.get("n_bad_rows"):
        lines.append(f"- ❌ {report['n_bad_rows']:,} bad rows (listed below); nothing is imported until they are fixed.")
    return "\n\n".join(line for line in lines if line)


def dataset_details(record: DatasetRecord, studio: Optional[Studio] = None) -> dict[str, Any]:
    """Everything known about one dataset: record fields, report, mixes."""
    studio = studio or get_studio()
    return {"name": record.name, "kind": record.kind, "records": record.n_records,
            "records_file": str(records_path(record, studio)), "content_hash": record.content_hash, "source": record.source,
            "licence": record.licence, "split_seed": record.split_seed, "split_counts": record.split_counts,
            "created": record.created_at.isoformat(timespec="seconds"), "report": record.report,
            "mixes": mix_rows(record.name, studio)}
