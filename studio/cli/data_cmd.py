"""``clir-studio data …``: import, list, show, split, mix (and list mixes), delete datasets."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, Optional

from studio.cli.output import print_json, print_table

FORMATS = ("auto", "jsonl", "json", "csv", "tsv", "parquet", "text", "hf-disk", "hub")
PRESETS = ("mono-ko", "mono-en", "cross-only", "all-four")


def register(commands: argparse._SubParsersAction) -> None:
    data = commands.add_parser("data", help="import, split and mix parallel Korean-English data",
                               description="Import parallel data, split it by record, compose language mixes.")
    actions = data.add_subparsers(dest="action", required=True, metavar="ACTION")

    imp = actions.add_parser("import", help="import one file, or one file per language")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="file(s), a saved datasets folder or a Hub id")
    imp.add_argument("--name", required=True, help="dataset name")
    imp.add_argument("--format", default="auto", choices=FORMATS)
    imp.add_argument("--kind", default="auto", choices=("auto", "parallel", "bitext"))
    imp.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                     help="column mapping, e.g. query_ko=question_ko (per-language files: query=, passage=, id=a+b)")
    imp.add_argument("--split", metavar="RATIOS", help="split train/dev/test by record, e.g. 0.8,0.1,0.1")
    imp.add_argument("--seed", type=int, default=0, help="split seed (default 0)")
    imp.add_argument("--source", default="", help="where the data comes from (stored with it)")
    imp.add_argument("--licence", default="", help="licence of the data (stored with it)")
    imp.add_argument("--validate-only", action="store_true", help="print the report, import nothing")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.set_defaults(handler=import_data)

    listing = actions.add_parser("list", help="list datasets and mixes")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_data)

    mixes = actions.add_parser("mixes", help="list saved mixes")
    mixes.add_argument("--dataset", help="only the mixes of this dataset")
    mixes.add_argument("--json", action="store_true")
    mixes.set_defaults(handler=list_mixes)

    show = actions.add_parser("show", help="show a dataset's validation report (or a mix)")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_data)

    split = actions.add_parser("split", help="split a dataset by record into train/dev/test")
    split.add_argument("name")
    split.add_argument("--ratios", default="0.8,0.1,0.1")
    split.add_argument("--seed", type=int, default=0)
    split.add_argument("--force", action="store_true", help="also delete the dataset's mixes (they used the old split)")
    split.set_defaults(handler=split_data)

    mix = actions.add_parser("mix", help="compose (and save) a language mix of training pairs")
    mix.add_argument("name", help="mix name")
    mix.add_argument("--dataset", required=True)
    mix.add_argument("--split", default="train", choices=("train", "dev", "test", "all"))
    group = mix.add_mutually_exclusive_group()
    group.add_argument("--preset", choices=PRESETS)
    group.add_argument("--weights", help="custom weights, e.g. ko-ko=1,en-en=1,ko-en=2,en-ko=2")
    mix.add_argument("--budget", type=int, required=True, help="number of pairs")
    mix.add_argument("--seed", type=int, default=0)
    mix.add_argument("--preview", action="store_true", help="show counts and sample pairs, save nothing")
    mix.add_argument("--json", action="store_true")
    mix.set_defaults(handler=mix_data)

    delete = actions.add_parser("delete", help="delete a dataset (with its mixes and files), or a mix")
    delete.add_argument("name")
    delete.add_argument("--mix", action="store_true", help="NAME is a mix")
    delete.set_defaults(handler=delete_data)


def parse_mapping(items: list[str]) -> dict[str, Optional[str]]:
    """``["query_ko=q", "id="]`` → ``{"query_ko": "q", "id": None}``."""
    from studio.data.errors import DataError

    mapping: dict[str, Optional[str]] = {}
    for item in items:
        for part in item.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise DataError(f"--map {part!r} is not FIELD=COLUMN; write e.g. --map query_ko=question_ko.")
            mapping[key.strip()] = value.strip() or None
    return mapping


def _tqdm_progress() -> tuple[Callable[[int, int, str], None], Any]:
    from tqdm import tqdm

    bar = tqdm(total=1, unit="B", unit_scale=True, file=sys.stderr, disable=None, leave=False)

    def update(step: int, total: int, message: str) -> None:
        bar.total = total
        bar.n = step
        bar.set_description_str(message, refresh=False)
        bar.refresh()

    return update, bar


def _print_report(report: dict[str, Any]) -> None:
    from studio.data.summaries import REPORT_COLUMNS, report_rows

    print(report.get("description", ""))
    print(f"{report.get('n_records', 0):,} records, {report.get('n_bad_rows', 0):,} bad rows, "
          f"{report.get('duplicate_records', 0):,} repeated records, read in {report.get('seconds', 0)} s")
    print_table(REPORT_COLUMNS, [list(r.values()) for r in report_rows(report)])
    for warning in report.get("warnings", []):
        print(f"warning: {warning}")
    for bad in report.get("bad_rows", [])[:20]:
        print(f"bad row: {bad['where']}: {bad['problem']}")


def import_data(args: argparse.Namespace) -> int:
    from studio.data.ingest import import_dataset, validate_source

    mapping = parse_mapping(args.map) or None
    progress, bar = _tqdm_progress()
    try:
        if args.validate_only:
            report = validate_source(args.paths, args.format, args.kind, mapping, progress=progress)
            bar.close()
            print_json(report) if args.json else _print_report(report)
            return 1 if report["n_bad_rows"] else 0
        record = import_dataset(args.paths, args.name, args.format, args.kind, mapping, args.split, args.seed,
                                source=args.source, licence=args.licence, progress=progress)
    finally:
        bar.close()
    if args.json:
        print_json({"name": record.name, "records": record.n_records, "split_counts": record.split_counts,
                     "content_hash": record.content_hash, "report": record.report})
        return 0
    _print_report(record.report)
    from studio.data.registry import split_summary

    print(f"imported {record.name}: {record.n_records:,} {record.kind} records ({split_summary(record)})")
    return 0


def list_data(args: argparse.Namespace) -> int:
    from studio.data.summaries import DATASET_COLUMNS, MIX_COLUMNS, dataset_rows, mix_rows

    datasets, mixes = dataset_rows(), mix_rows()
    if args.json:
        print_json({"datasets": datasets, "mixes": mixes})
        return 0
    print_table(DATASET_COLUMNS, [[r[c] for c in DATASET_COLUMNS] for r in datasets])
    if mixes:
        print()
        print_table(MIX_COLUMNS, [[r[c] for c in MIX_COLUMNS] for r in mixes])
    return 0


def list_mixes(args: argparse.Namespace) -> int:
    from studio.data.summaries import MIX_COLUMNS, mix_rows

    rows = mix_rows(args.dataset)
    if args.json:
        print_json(rows)
    else:
        print_table(MIX_COLUMNS, [[r[c] for c in MIX_COLUMNS] for r in rows])
    return 0


def show_data(args: argparse.Namespace) -> int:
    from studio.data.mixes import find_mix
    from studio.data.registry import find_dataset, get_dataset, split_summary
    from studio.data.summaries import MIX_COLUMNS, dataset_details, mix_row

    record = find_dataset(args.name)
    mix = find_mix(args.name) if record is None else None
    if mix is not None:
        print_json({**mix_row(mix), "weights": mix.weights, "pairs_file": mix.path}) if args.json else \
            print_table(MIX_COLUMNS, [[mix_row(mix)[c] for c in MIX_COLUMNS]])
        return 0
    record = record or get_dataset(args.name)  # raises "No dataset named …"
    details = dataset_details(record)
    if args.json:
        print_json(details)
        return 0
    print(f"{record.name}: {record.n_records:,} {record.kind} records ({split_summary(record)}); source: {record.source}")
    if record.licence:
        print(f"licence: {record.licence}")
    _print_report(record.report)
    if details["mixes"]:
        print()
        print_table(MIX_COLUMNS, [[r[c] for c in MIX_COLUMNS] for r in details["mixes"]])
    return 0


def split_data(args: argparse.Namespace) -> int:
    from studio.data.registry import split_summary
    from studio.data.splits import split_dataset

    record = split_dataset(args.name, args.ratios, args.seed, force=args.force)
    print(f"split {record.name}: {split_summary(record)} (seed {record.split_seed})")
    return 0


def mix_data(args: argparse.Namespace) -> int:
    from studio.data.mixes import preview_mix, save_mix

    preset = args.preset or ("custom" if args.weights else "all-four")
    options = dict(preset=preset, weights=args.weights, budget=args.budget, seed=args.seed)
    if args.preview:
        preview = preview_mix(args.dataset, args.split, **options)
        if args.json:
            print_json(preview)
            return 0
        print_table(["direction", "pairs", "records usable"],
                    [[d, preview["counts"][d], preview["available"][d]] for d in preview["counts"]])
        print()
        print_table(["direction", "query", "passage"],
                    [[p["direction"], p["query"][:60], p["passage"][:60]] for p in preview["sample"]])
        return 0
    record = save_mix(args.name, args.dataset, args.split, **options)
    if args.json:
        print_json({"name": record.name, "dataset": record.dataset_name, "split": record.split,
                    "counts": record.counts, "budget": record.budget, "seed": record.seed, "pairs_file": record.path})
        return 0
    counts = ", ".join(f"{d} {n}" for d, n in record.counts.items())
    print(f"saved mix {record.name}: {sum(record.counts.values()):,} pairs from {record.dataset_name}/{record.split} ({counts})")
    return 0


def delete_data(args: argparse.Namespace) -> int:
    from studio.data.mixes import delete_mix
    from studio.data.registry import delete_dataset

    if args.mix:
        delete_mix(args.name)
        print(f"deleted mix {args.name}")
    else:
        delete_dataset(args.name)
        print(f"deleted dataset {args.name} (its mixes and files too)")
    return 0
