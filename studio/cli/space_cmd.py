"""``clir-studio export-space DIR``: write a ready-to-push Hugging Face Space folder."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export-space",
        help="write a ready-to-push Hugging Face Space folder",
        description="Write the app source, README front matter, requirements.txt (CPU torch) and the defaults of "
        "a free CPU Space (space.env) into DIR. Push DIR to a Gradio Space to host CLIR Studio.",
    )
    parser.add_argument("dir", metavar="DIR", help="new or empty folder outside the data home and the source tree")
    parser.add_argument("--force", action="store_true",
                        help="replace the Space files in a non-empty DIR (other files, such as .git, are kept)")
    parser.add_argument("--title", default="CLIR Studio", help="title on the Space card")
    parser.add_argument("--no-demo", action="store_true",
                        help="allow imports, training and saving by default (for a private Space)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from studio.space import export_space, space_summary

    result = export_space(args.dir, force=args.force, title=args.title, demo=not args.no_demo)
    print(space_summary(result))
    return 0
