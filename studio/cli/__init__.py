"""The ``clir-studio`` command line: parse, validate, then call the same library as the UI."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

from studio import __version__
from studio.errors import user_errors
from studio.hub import apply_offline_default

COMMAND_MODULES = (
    "studio.cli.app_cmd",
    "studio.cli.models_cmd",
    "studio.cli.data_cmd",
    "studio.cli.search_cmd",
    "studio.cli.space_cmd",
    "studio.cli.evaluate_cmd",
    "studio.cli.study_cmd",
    "studio.cli.train_cmd",
    "studio.cli.jobs_cmd",
    "studio.cli.merge_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, one sub-command module at a time."""
    parser = argparse.ArgumentParser(
        prog="clir-studio",
        description="Study and build Korean-English cross-lingual retrievers (data, training, evaluation, merging, search).",
    )
    parser.add_argument("--version", action="version", version=f"clir-studio {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command; user errors print one line and exit with status 2."""
    args = build_parser().parse_args(argv)
    apply_offline_default()
    try:
        return int(args.handler(args) or 0)
    except user_errors() as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
