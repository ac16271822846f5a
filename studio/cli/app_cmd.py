"""``clir-studio ui``: start the web app."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("ui", help="start the CLIR Studio web app", description="Start the CLIR Studio web app.")
    parser.add_argument("--host", default=None, help="address to bind (default: $GRADIO_SERVER_NAME or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default: $GRADIO_SERVER_PORT or 7860)")
    parser.add_argument("--share", action="store_true", help="also create a public gradio.live link")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from studio.ui.serve import serve

    serve(host=args.host, port=args.port, share=args.share)
    return 0
