"""``clir-studio models …`` and ``clir-studio embed``: list, show, register and use models."""

from __future__ import annotations

import argparse
import json

from studio.cli.output import print_json, print_table


def register(commands: argparse._SubParsersAction) -> None:
    models = commands.add_parser("models", help="list, show, add or delete registered models",
                                 description="Manage registered models.")
    actions = models.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="list registered models")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=list_models)

    show = actions.add_parser("show", help="show one model with its lineage")
    show.add_argument("name")
    show.set_defaults(handler=show_model)

    add = actions.add_parser("add", help="register a local sentence-transformers or transformers folder")
    add.add_argument("name", help="name to register it under")
    add.add_argument("path", help="model folder")
    add.set_defaults(handler=add_model)

    remove = actions.add_parser("delete", help="forget a registered model (its files stay on disk)")
    remove.add_argument("name")
    remove.set_defaults(handler=delete_model)

    embed = commands.add_parser("embed", help="print embeddings of texts", description="Embed texts with a model.")
    embed.add_argument("texts", nargs="+", metavar="TEXT")
    embed.add_argument("--model", default="bundled/multilingual-e5-small", help="registered name, folder or Hub id")
    embed.add_argument("--prompt", choices=["query", "passage"], default="query", help="prompt to prepend")
    embed.set_defaults(handler=embed_texts)


def list_models(args: argparse.Namespace) -> int:
    from studio.models import model_summaries

    summaries = model_summaries()
    if args.json:
        print_json(summaries)
    else:
        print_table(["name", "kind", "ready", "created"],
                    [[s["name"], s["kind"], s["ready"], s["created"]] for s in summaries])
    return 0


def show_model(args: argparse.Namespace) -> int:
    from studio.models import model_details

    print_json(model_details(args.name))
    return 0


def add_model(args: argparse.Namespace) -> int:
    from studio.models import register_local_model

    record = register_local_model(args.name, args.path)
    print(f"registered {record.name} -> {record.path}")
    return 0


def delete_model(args: argparse.Namespace) -> int:
    from studio.models import forget_model

    forget_model(args.name)
    print(f"deleted {args.name}")
    return 0


def embed_texts(args: argparse.Namespace) -> int:
    from studio.models import embed

    vectors = embed(args.model, args.texts, prompt=args.prompt)
    for text, vector in zip(args.texts, vectors):
        norm = float((vector**2).sum() ** 0.5)
        print(json.dumps({"text": text, "dim": len(vector), "norm": round(norm, 6),
                          "embedding": [round(float(v), 6) for v in vector]}, ensure_ascii=False))
    return 0
