"""``clir-studio search``: one query against a dataset's documents, with one model or two side by side."""

from __future__ import annotations

import argparse
import sys

DEMO_DATASET = "demo/ko-en-qa"
BUNDLED = "bundled/multilingual-e5-small"
TEXT_WIDTH = 90


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "search", help="search a dataset's Korean/English documents with one or two models",
        description="Search a dataset's documents (Korean, English or both) with a model or BM25; "
                    "--model-b adds a second column and overlap@k. Builds and caches the index on first use.",
    )
    parser.add_argument("query", nargs="+", metavar="QUERY", help="the query (Korean or English)")
    parser.add_argument("--model", default=BUNDLED, help="registered model, model folder, or 'bm25' (default: %(default)s)")
    parser.add_argument("--model-b", default=None, help="a second model to compare with")
    parser.add_argument("--corpus", default=DEMO_DATASET, help="dataset whose passages are searched (default: %(default)s)")
    parser.add_argument("--doc-lang", choices=["ko", "en", "both"], default="both", help="document language")
    parser.add_argument("--k", type=int, default=10, help="results per model (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.set_defaults(handler=run)


def _progress_bar():
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int, message: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total or None, desc="building index", unit="doc", file=sys.stderr, leave=False)
        if total and bar.total != total:
            bar.total = total
        bar.set_postfix_str(message, refresh=False)
        bar.update(done - bar.n)

    return update


def _print_column(label: str, column) -> None:
    from studio.cli.output import print_table

    latency = f", {column.latency_ms:.1f} ms" if column.latency_ms is not None else ""
    print(f"\n{label}: {column.model}{latency}")
    if not column.ok:
        print(f"  {column.message}")
        return
    if column.message:
        print(f"  {column.message}")
    print_table(
        ["rank", "score", "lang", "record", "gold", "passage"],
        [[row.rank, f"{row.score:.4f}", row.lang, row.record_id, "*" if row.gold else "",
          row.text if len(row.text) <= TEXT_WIDTH else row.text[:TEXT_WIDTH - 1] + "…"] for row in column.rows],
    )


def run(args: argparse.Namespace) -> int:
    from studio.cli.output import print_json
    from studio.search.compare import compare

    query = " ".join(args.query)
    result = compare(query, args.model, args.model_b, dataset=args.corpus, doc_lang=args.doc_lang, k=args.k,
                     wait=None, progress=None if args.json else _progress_bar())
    if args.json:
        print_json(result.to_dict())
    else:
        gold = f" · gold record {result.gold_record_id}" if result.gold_record_id else ""
        print(f"query ({result.query_lang or '?'}): {result.query}\ncorpus: {result.dataset} ({result.doc_lang}){gold}")
        for label, column in zip("AB", result.columns):
            _print_column(label, column)
        if result.overlap is not None:
            print(f"\noverlap@{result.k}: {result.overlap} ({result.overlap_at_k:.0%})")
    failed = [(label, column) for label, column in zip("AB", result.columns) if not column.ok]
    for label, column in failed:
        print(f"error: model {label} ({column.model}): {column.message}", file=sys.stderr)
    return 2 if failed else 0
