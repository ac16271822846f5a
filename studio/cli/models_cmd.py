"""``clir-studio models …`` and ``clir-studio embed``: list, show, register and use models."""

from __future__ import annotations

import argparse
import json

from studio.cli.output import print_json, print_table


def register(commands: argparse._SubParsersAction) -> None:
    models = commands.add_parser("models", help="list, show, add, delete, export or import registered models",
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

    export = actions.add_parser("export", help="write a model with its lineage and evaluations to a .tar.gz",
                                description="Write the model folder, lineage.json and evaluations.json, with a "
                                "checksum manifest, to one .tar.gz archive.")
    export.add_argument("name")
    export.add_argument("out", metavar="OUT.tar.gz")
    export.add_argument("--force", action="store_true", help="replace OUT if it exists")
    export.set_defaults(handler=export_model)

    load = actions.add_parser("import", help="register a model from an archive made by `models export`",
                              description="Verify an archive made by `models export`, copy its model into the "
                              "data home, register it and restore its evaluations.")
    load.add_argument("archive", metavar="ARCHIVE")
    load.add_argument("--name", default=None, help="register under this name instead of the archived one")
    load.set_defaults(handler=import_model)

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
    from studio.access import require_write
    from studio.models import register_local_model

    require_write("registering models")

    record = register_local_model(args.name, args.path)
    print(f"registered {record.name} -> {record.path}")
    return 0


def delete_model(args: argparse.Namespace) -> int:
    from studio.access import require_write
    from studio.models import forget_model

    require_write("deleting models")

    forget_model(args.name)
    print(f"deleted {args.name}")
    return 0


def export_model(args: argparse.Namespace) -> int:
    from studio.portable import export_model as export

    result = export(args.name, args.out, force=args.force)
    print(f"wrote {result.path} ({result.size_bytes / 1e6:.1f} MB, {result.files} files, "
          f"{result.evaluations} evaluations)")
    return 0


def import_model(args: argparse.Namespace) -> int:
    from studio.portable import import_model as load

    result = load(args.archive, name=args.name)
    renamed = f" (exported as {result.original_name})" if result.original_name != result.model.name else ""
    print(f"imported {result.model.name}{renamed} -> {result.path} "
          f"({result.files} files, {result.evaluations} evaluations restored)")
    return 0


def embed_texts(args: argparse.Namespace) -> int:
    from studio.models import embed

    vectors = embed(args.model, args.texts, prompt=args.prompt)
    for text, vector in zip(args.texts, vectors):
        norm = float((vector**2).sum() ** 0.5)
        print(json.dumps({"text": text, "dim": len(vector), "norm": round(norm, 6),
                          "embedding": [round(float(v), 6) for v in vector]}, ensure_ascii=False))
    return 0
