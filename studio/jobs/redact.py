"""Keep secrets (Hub tokens, API keys, login passwords) out of job payloads, logs and error messages.

The rules (which names are secret, what replaces them) are ``studio.access``'s, shared with exports.
"""

from __future__ import annotations

from typing import Any

from studio.access import REDACTED, SECRET_NAME, secret_values
from studio.errors import StudioError


class SecretInPayloadError(StudioError):
    """A job payload carries what looks like a secret."""


def redact(text: str) -> str:
    """``text`` with every secret environment value replaced by ``<redacted>``."""
    for value in secret_values():
        text = text.replace(value, REDACTED)
    return text


def check_payload(payload: Any, path: str = "payload") -> None:
    """Refuse payloads with secret-named keys or secret values: payloads are stored in the database.

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
