"""The built-in demo dataset ``demo/ko-en-qa``: registered from ``assets/demo/ko-en-qa.jsonl`` on first open."""

from __future__ import annotations

import logging

from studio.context import Studio
from studio.settings import ASSETS_DIR

log = logging.getLogger(__name__)

DEMO_NAME = "demo/ko-en-qa"
DEMO_FILE = ASSETS_DIR / "demo" / "ko-en-qa.jsonl"
DEMO_RATIOS = (0.8, 0.1, 0.1)
DEMO_SEED = 0
DEMO_LICENCE = "CC BY 4.0 (original text written for CLIR Studio; assets/demo/LICENSE.md)"


def register_demo_dataset(studio: Studio) -> None:
    """Import and split the demo set unless it is registered already (one query when it is).

    Must not call ``get_studio()``: it runs while the studio is being opened.
    """
    from storage import NotFoundError

    try:
        studio.store.get_dataset(DEMO_NAME)
        return
    except NotFoundError:
        pass
    if not DEMO_FILE.is_file():
        return
    from storage import DuplicateNameError
    from studio.errors import StudioError
    from studio.data.ingest import _import_dataset

    try:
        _import_dataset([DEMO_FILE], DEMO_NAME, fmt="jsonl", kind="parallel", ratios=DEMO_RATIOS, seed=DEMO_SEED,
                        source="assets/demo/ko-en-qa.jsonl (bundled)", licence=DEMO_LICENCE, studio=studio)
    except DuplicateNameError:
        pass  # another process registered it first
    except StudioError as exc:  # a broken asset must not stop the app from opening
        log.warning("could not register the demo dataset %s: %s", DEMO_NAME, exc)
