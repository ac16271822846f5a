"""Start CLIR Studio (also the Hugging Face Space's app file).

Honours GRADIO_SERVER_NAME, GRADIO_SERVER_PORT and ``--share``; STUDIO_HOME picks the data home.
"""

from __future__ import annotations

import argparse
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description="Start the CLIR Studio web app.")
    parser.add_argument("--share", action="store_true", help="also create a public gradio.live link")
    args = parser.parse_args()
    from studio.errors import user_errors
    from studio.ui.serve import serve

    try:
        serve(share=args.share)
    except user_errors() as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
