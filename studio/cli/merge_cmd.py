"""``clir-studio merge`` and ``clir-studio sweep``: merge registered models, or sweep the trade-off between two.

Method flags (``--density``, ``--scale``, ``--seed``, ``--majority-sign``, ``--normalize``) are generated from
the registry's parameter declarations; a flag the chosen method does not take is refused with its list.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional

from studio.cli.output import print_json, print_table


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _floats(value: str) -> list[float]:
    try:
        return [float(part) for part in _csv(value)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a comma-separated list of numbers") from None


def _add_request_flags(parser: argparse.ArgumentParser, *, weights: bool = True) -> None:
    """Models, weights, method, base, layer-wise weights and one flag per method parameter (from the registry)."""
    from studio.merge import registry

    parser.add_argument("--models", type=_csv, required=True, metavar="A,B[,C]", help="registered names or folders")
    if weights:
        parser.add_argument("--weights", type=_floats, metavar="W1,W2", help="one weight per model (default: equal)")
        parser.add_argument("--t", type=float, metavar="T", help="SLERP position: weights (1 - T, T)")
    parser.add_argument("--method", default="linear", choices=registry.names(), help="merge method (default: linear)")
    parser.add_argument("--base", metavar="M", help="base model, for task_arithmetic, ties, dare_linear, dare_ties")
    parser.add_argument("--layerwise", metavar="JSON",
                        help='layer-wise weights, e.g. \'{"embeddings": [1, 0], "layers": [[1, 0], [0, 1]]}\'')
    for spec in registry.all_params():
        flag = "--" + spec.name.replace("_", "-")
        help_text = f"{spec.help} (default {spec.default})"
        if spec.type == "bool":
            parser.add_argument(flag, dest=f"param_{spec.name}", action=argparse.BooleanOptionalAction, help=help_text)
        else:
            kind = {"float": float, "int": int}.get(spec.type, str)
            parser.add_argument(flag, dest=f"param_{spec.name}", type=kind, help=help_text,
                                choices=list(spec.choices) or None, metavar=None if spec.choices else spec.name.upper())


def register(commands: argparse._SubParsersAction) -> None:
    merge = commands.add_parser("merge", help="merge two or more models into a new registered model",
                                description="Merge models of one architecture and tokenizer, then save and register "
                                            "the result under models/merged/NAME with its lineage.")
    _add_request_flags(merge)
    merge.add_argument("--name", help="name to register the merged model under")
    merge.add_argument("--preview", action="store_true",
                       help="merge in memory and score on the quick dev subset instead of saving")
    _add_subset_flags(merge)
    merge.add_argument("--json", action="store_true", help="print JSON")
    merge.set_defaults(handler=run_merge)

    sweep = commands.add_parser("sweep", help="interpolate between two models in K steps and score each point",
                                description="Merge along one weight in K steps, score each point on a quick subset in "
                                            "four directions and mark the CLIR-vs-monolingual Pareto front.")
    _add_request_flags(sweep, weights=False)
    sweep.add_argument("--steps", type=int, default=6, metavar="K", help="number of points (default 6)")
    sweep.add_argument("--axis", type=int, default=1, help="index of the swept model (default 1: the second)")
    _add_subset_flags(sweep)
    sweep.add_argument("--json", dest="json_path", metavar="PATH", help="write the full result as JSON to PATH")
    sweep.set_defaults(handler=run_sweep_cmd)


def _add_subset_flags(parser: argparse.ArgumentParser) -> None:
    from studio.merge.spec import DEFAULT_DATASET, DEFAULT_LIMIT, DEFAULT_SPLIT

    parser.add_argument("--dataset", default=DEFAULT_DATASET, help=f"evaluation dataset (default {DEFAULT_DATASET})")
    parser.add_argument("--split", default=DEFAULT_SPLIT, help=f"split to score on (default {DEFAULT_SPLIT})")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                        help=f"first N queries of the split (default {DEFAULT_LIMIT}; 0 = all)")


def _spec(args: argparse.Namespace, weights: Optional[list[float]] = None):
    from studio.merge import MergeError, MergeSpec

    params = {key[len("param_"):]: value for key, value in vars(args).items()
              if key.startswith("param_") and value is not None}
    if getattr(args, "t", None) is not None:
        if getattr(args, "weights", None):
            raise MergeError("Give either --t or --weights, not both.")
        weights = [1.0 - args.t, args.t]
    layerwise = None
    if args.layerwise:
        try:
            layerwise = json.loads(args.layerwise)
        except json.JSONDecodeError as exc:
            raise MergeError(f"--layerwise is not valid JSON ({exc.msg}); see --help for an example.") from exc
    return MergeSpec.make(args.models, weights if weights is not None else getattr(args, "weights", None),
                          args.method, args.base, params, layerwise)


def _progress_bar(desc: str):
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int, message: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="step", file=sys.stderr, leave=False)
        if bar.total != total:
            bar.total = total
        bar.set_postfix_str(message, refresh=False)
        bar.update(done - bar.n)

    return update


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.4f}"


def run_merge(args: argparse.Namespace) -> int:
    from studio.merge import MergeError

    spec = _spec(args)
    if args.preview:
        from studio.merge.preview import preview

        result = preview(spec, args.dataset, args.split, args.limit or None, progress=_progress_bar("preview"))
        if args.json:
            print_json(result.to_json())
            return 0
        print(f"merged in {result.merge_seconds:.2f} s (load {result.load_seconds:.2f} s), "
              f"scored in {result.eval_seconds:.2f} s; weights {', '.join(f'{w:.3f}' for w in result.weights)}")
        rows = [[q.name, *(_fmt(q.metrics.get(d, {}).get('ndcg@10')) for d in ("ko-ko", "en-en", "ko-en", "en-ko")),
                 _fmt(q.summary.get("clir")), _fmt(q.summary.get("mono"))] for q in [result.merged, *result.parents]]
        print_table(["model", "ko-ko", "en-en", "ko-en", "en-ko", "clir", "mono"], rows)
        return 0
    if not args.name:
        raise MergeError("Give --name NAME to save the merge (or --preview to score it without saving).")
    from studio.merge.io import save_merged

    record = save_merged(spec, args.name, progress=_progress_bar("merging"))
    merge = record.config["merge"]
    if args.json:
        print_json({"name": record.name, "path": record.path, "config": record.config,
                    "parents": [{"name": p.parent_name, "weight": p.weight} for p in record.parents]})
    else:
        print(f"saved {record.name} -> {record.path} ({record.description}; merged in {merge['merge_seconds']} s)")
        print(f"evaluate it in full: clir-studio evaluate --model {record.name} --dataset {args.dataset}")
    return 0


def run_sweep_cmd(args: argparse.Namespace) -> int:
    from studio.merge.plots import SWEEP_COLUMNS, sweep_rows
    from studio.merge.sweep import run_sweep

    spec = _spec(args, weights=[1.0] * len(args.models))
    result = run_sweep(spec, args.steps, args.axis, args.dataset, args.split, args.limit or None,
                       progress=_progress_bar("sweep"))
    print_table(SWEEP_COLUMNS, sweep_rows(result))
    for parent in result["parents"]:
        summary = parent["summary"]
        print(f"parent {parent['name']}: clir {_fmt(summary['clir'])}, mono {_fmt(summary['mono'])}")
    print(f"{len(result['points'])} points in {result['seconds']} s; Pareto front: points "
          f"{', '.join(map(str, result['pareto']))}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"wrote {args.json_path}")
    return 0
