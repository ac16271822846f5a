"""Keep secrets (Hub tokens, API keys) out of job payloads, logs and error messages."""

from __future__ import annotations

import os
import re
from typing import Any

from studio.errors import StudioError

SECRET_NAME = re.compile(r"(^|[_-])(token|secret|password|passwd|api[_-]?key|access[_-]?key|credentials?)([_-]|$)",
                         re.IGNORECASE)
MASK = "***"


class SecretInPayloadError(StudioError):
    """A job payload carries what looks like a secret."""


def secret_values() -> list[str]:
    """Values of environment variables whose names look secret (HF_TOKEN, WANDB_API_KEY, ...)."""
    values = {value for name, value in os.environ.items() if SECRET_NAME.search(name) and len(value) >= 6}
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    """``text`` with every secret environment value replaced by ``***``."""
    for value in secret_values():
        text = text.replace(value, MASK)
    return text


def check_payload(payload: Any, path: str = "payload") -> None:
    """Refuse payloads with secret-looking keys or secret values: they would be stored in the database.

    Raises:
        SecretInPayloadError: naming the offending key.
    """
    if isinstance(payload, dict):
        for key, value in payload.items():
            if SECRET_NAME.search(str(key)) and value not in (None, "", False):
                raise SecretInPayloadError(
                    f"{path}.{key} looks like a secret; jobs read tokens from their environment (e.g. HF_TOKEN), "
                    "never from the stored payload."
                )
            check_payload(value, f"{path}.{key}")
    elif isinstance(payload, (list, tuple)):
        for index, value in enumerate(payload):
            check_payload(value, f"{path}[{index}]")
    elif isinstance(payload, str) and redact(payload) != payload:
        raise SecretInPayloadError(f"{path} contains the value of a secret environment variable; remove it.")
