"""Start the app: environment defaults, a background warm-up of the base model, launch."""

from __future__ import annotations

import logging
import os
import threading
from typing import Optional

from studio.context import get_studio
from studio.hub import apply_offline_default

log = logging.getLogger(__name__)


def warm_up_bundled_model() -> threading.Thread:
    """Convert the bundled base model in the background so it is ready when first used."""
    from studio.modelref import ensure_bundled

    def work() -> None:
        try:
            ensure_bundled(get_studio(), progress=lambda stage: log.info("bundled model: %s", stage))
        except Exception as exc:  # reported in the Models tab when the model is used
            log.warning("could not prepare the bundled model: %s", exc)

    thread = threading.Thread(target=work, name="bundled-model-warm-up", daemon=True)
    thread.start()
    return thread


def serve(host: Optional[str] = None, port: Optional[int] = None, share: bool = False, block: bool = True):
    """Launch the app (blocking unless ``block`` is False); returns the Blocks object."""
    from studio.access import (auth_credentials, concurrency_limit, describe_access, max_queue_size,
                               max_upload_bytes)
    from studio.space import apply_space_defaults

    apply_space_defaults()  # only an exported Space folder has space.env
    auth = auth_credentials()  # a malformed STUDIO_AUTH fails here, naming no password
    log.info("access settings: %s", describe_access())
    apply_offline_default()
    studio = get_studio()  # fail early, with one sentence, on an unusable data home or database
    # Uploads and downloads stay inside the data home rather than /tmp/gradio.
    os.environ.setdefault("GRADIO_TEMP_DIR", str(studio.paths.cache / "gradio"))
    from studio.ui.app import CSS, build_app
    from studio.ui.i18n import build_i18n

    app = build_app()
    warm_up_bundled_model()
    from studio.jobs.runner import start_scheduler

    start_scheduler()  # marks jobs whose worker died as interrupted, re-attaches live ones, starts queued ones
    app.queue(default_concurrency_limit=concurrency_limit(), max_size=max_queue_size())
    app.launch(
        server_name=host or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        share=share,
        css=CSS,
        prevent_thread_lock=not block,
        quiet=not block,
        show_error=True,
        auth=auth,
        auth_message="Log in to CLIR Studio (accounts come from STUDIO_AUTH)." if auth else None,
        max_file_size=max_upload_bytes(),
        i18n=build_i18n(),
    )
    return app
