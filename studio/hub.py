"""Is the Hugging Face Hub reachable? Decide once per process, before any HF library is imported."""

from __future__ import annotations

import functools
import os
import socket

HUB_HOST = ("huggingface.co", 443)


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 2.0) -> bool:
    """True when a TCP connection to the Hub opens within ``timeout`` seconds."""
    try:
        with socket.create_connection(HUB_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def apply_offline_default() -> None:
    """Set HF_HUB_OFFLINE=1 when the user did not choose and the Hub cannot be reached.

    Without this, every Hub lookup on an offline machine retries for about a minute.
    """
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    if "HF_HUB_OFFLINE" not in os.environ and not hub_reachable():
        os.environ["HF_HUB_OFFLINE"] = "1"
