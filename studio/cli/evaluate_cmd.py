"""``clir-studio evaluate`` (four-direction retrieval evaluation) and ``clir-studio runs`` (stored results)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BUNDLED = "bundled/multilingual-e5-small"
TABLE_METRICS = ("ndcg@10", "mrr@10", "recall@1", "recall@5", "recall@10", "recall@100", "map@100")


def register(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="evaluate a model (or bm25) in ko-ko, en-en, ko-en, en-ko",
        description="Evaluate a retriever on a dataset split or a benchmark in any of the four directions "
                    "(QUERY-DOC). Metrics: nDCG@10, MRR@10, Recall@1/5/10/100, MAP@100; results are stored.")
    evaluate.add_argument("--model", default=BUNDLED, help="registered model, model folder, Hub id, or 'bm25' "
                                                          "(default: %(default)s)")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", help="registered dataset name, or a parallel JSONL file "
                                          "(id, query_ko, query_en, passage_ko, passage_en)")
    source.add_argument("--benchmark", choices=["belebele", "flores"], help="a standard benchmark")
    evaluate.add_argument("--benchmark-dir", help="local benchmark folder (else STUDIO_BELEBELE_DIR / "
                                                  "STUDIO_FLORES_DIR, else the Hub when online)")
    evaluate.add_argument("--split", default="test", help="split to evaluate (default: %(default)s)")
    evaluate.add_argument("--directions", help="comma-separated subset of ko-ko,en-en,ko-en,en-ko "
                                               "(default: all the set supports; bm25: ko-ko,en-en)")
    evaluate.add_argument("--limit", type=int, help="evaluate only the first N queries (quick preview)")
    evaluate.add_argument("--json", metavar="PATH", help="also write the result as JSON to PATH ('-': stdout only)")
    evaluate.add_argument("--background", action="store_true", help="queue it as a background job and return")
    evaluate.add_argument("--no-store", action="store_true", help="do not store the result")
    evaluate.set_defaults(handler=run_evaluate)

    runs = commands.add_parser("runs", help="list, show and compare stored evaluations",
                               description="Stored evaluations: list them, show one, compare several.")
    actions = runs.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="list stored evaluations, newest first")
    listing.add_argument("--dataset", help="only this dataset (e.g. benchmark/belebele)")
    listing.add_argument("--model", help="only this model")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)
    show = actions.add_parser("show", help="every metric of one stored evaluation")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=run_show)
    compare = actions.add_parser("compare", help="stored evaluations side by side")
    compare.add_argument("ids", type=int, nargs="+", metavar="ID")
    compare.add_argument("--metric", default="ndcg@10", choices=TABLE_METRICS, help="(default: %(default)s)")
    compare.add_argument("--reference", type=int, help="show deltas against this run (default: the first)")
    compare.add_argument("--drill", metavar="DIRECTION", help="also list the queries where the first two runs "
                                                              "differ most in DIRECTION")
    compare.add_argument("--top", type=int, default=5, help="queries in the drill-down (default: %(default)s)")
    compare.add_argument("--json", action="store_true", help="print JSON")
    compare.set_defaults(handler=run_compare)


def _progress_bar():
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int, message: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="evaluating", unit="step", file=sys.stderr, leave=False)
        if bar.total != total:
            bar.total = total
        bar.set_postfix_str(message, refresh=False)
        bar.update(done - bar.n)

    return update


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.4f}"


def print_metrics(metrics: dict, summary: dict) -> None:
    """Directions as rows, metrics as columns, then the summary means."""
    from studio.cli.output import print_table

    print_table(["direction", *TABLE_METRICS],
                [[direction, *[_fmt(values.get(m)) for m in TABLE_METRICS]] for direction, values in metrics.items()])
    print("nDCG@10 means: " + "  ".join(f"{k} {_fmt(v)}" for k, v in summary.items()))


def run_evaluate(args: argparse.Namespace) -> int:
    from studio.cli.output import print_json

    dataset = f"benchmark/{args.benchmark}" if args.benchmark else args.dataset
    if args.background:
        from studio.evaluate.job import make_payload, submit_evaluation

        job_id = submit_evaluation(make_payload(args.model, dataset, args.split, args.directions, args.limit,
                                                args.benchmark_dir))
        print(f"queued job {job_id}; follow it with `clir-studio jobs show {job_id}`, then `clir-studio runs list`")
        return 0
    from studio.evaluate.evaluator import evaluate_model

    quiet = args.json == "-"
    result = evaluate_model(args.model, dataset, split=args.split, directions=args.directions, limit=args.limit,
                            benchmark_dir=args.benchmark_dir, store_result=not args.no_store,
                            progress=None if quiet else _progress_bar())
    if quiet:
        print_json(result.to_json())
        return 0
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    stored = f", stored as run #{result.evaluation_id}" if result.evaluation_id else ""
    print(f"{result.model} on {result.dataset} ({result.split}), {result.n_queries} queries{stored}")
    print_metrics(result.metrics, result.summary)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from studio.cli.output import print_json, print_table
    from studio.evaluate.compare import list_runs

    rows = list_runs(dataset=args.dataset, model=args.model)
    if args.json:
        print_json(rows)
        return 0
    columns = ["ko-ko", "en-en", "ko-en", "en-ko", "clir", "mono", "all"]
    print_table(["id", "model", "dataset", "split", "limit", "created", *columns],
                [[r["id"], r["model"], r["dataset"], r["split"], r["limit"] or "", r["created"],
                  *[_fmt(r[c]) for c in columns]] for r in rows])
    return 0


def run_show(args: argparse.Namespace) -> int:
    from studio.cli.output import print_json
    from studio.context import get_studio

    record = get_studio().store.get_evaluation(args.id)
    if args.json:
        print_json({"id": record.id, "model": record.model_name, "dataset": record.dataset_name,
                    "split": record.split, "metrics": record.metrics, "summary": record.summary,
                    "config": record.config, "run_path": record.run_path, "created": record.created_at})
        return 0
    print(f"#{record.id} {record.model_name} on {record.dataset_name} ({record.split}), {record.n_queries} queries, "
          f"{record.created_at:%Y-%m-%d %H:%M}; limit {record.config.get('limit') or 'none'}; runs in {record.run_path}")
    print_metrics(record.metrics, record.summary)
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from studio.cli.output import print_json, print_table
    from studio.evaluate.compare import compare_runs, query_differences

    reference = args.reference if args.reference is not None else args.ids[0]
    comparison = compare_runs(args.ids, metric=args.metric, reference=reference)
    drill = (query_differences(args.ids[0], args.ids[1], args.drill, metric=args.metric, top=args.top)
             if args.drill and len(args.ids) > 1 else None)
    if args.json:
        print_json({**comparison.to_json(), **({"drill_down": drill} if drill is not None else {})})
        return 0
    cells = []
    for row in comparison.rows:
        cells.append([row["id"], row["label"]] + [
            _fmt(row["values"][c]) + ("*" if comparison.best.get(c) == row["id"] and len(comparison.rows) > 1 else "")
            + ("" if row["delta"][c] is None or row["id"] == reference else f" ({row['delta'][c]:+.4f})")
            for c in comparison.columns])
    print(f"{args.metric}; * best per column; (±) against run #{reference}")
    print_table(["id", "run", *comparison.columns], cells)
    for item in drill or []:
        print(f"\n{item['qid']}  A {item['a']:.3f}  B {item['b']:.3f}  ({item['diff']:+.3f})  {item['query']}")
        print(f"  gold: {item['gold'][0][:100] if item['gold'] else '?'}")
        for label, hits in (("A", item["top5_a"]), ("B", item["top5_b"])):
            print(f"  {label}: " + " | ".join(f"{h['rank']}{'*' if h['gold'] else ''} {h['doc_id']}" for h in hits))
    return 0
