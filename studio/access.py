"""Access control for shared servers: optional login, a read-only demo mode, per-user limits, secrets.

Everything is configured by environment variables (Space variables and secrets on Hugging Face):

    STUDIO_AUTH               "user:password[,user2:password2]": require a login (never logged)
    STUDIO_DEMO_MODE          "1": read-only demo; search, compare and merge preview work, writes are refused
    STUDIO_MAX_JOBS_PER_USER  queued + running jobs one user may have (default 3)
    STUDIO_MAX_UPLOAD_MB      largest accepted upload in MB (default 512)
    STUDIO_CONCURRENCY        events of one kind that run at the same time (default 4)
    STUDIO_MAX_QUEUE          requests waiting in the queue before new ones are turned away (default: no limit)

Library code calls ``require_write(action)`` before anything that imports, trains or saves, and
``check_job_quota(owner)`` before queueing a job. This module never imports gradio.
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional

from studio.errors import StudioError

AUTH_ENV = "STUDIO_AUTH"
DEMO_ENV = "STUDIO_DEMO_MODE"
MAX_JOBS_ENV = "STUDIO_MAX_JOBS_PER_USER"
MAX_UPLOAD_ENV = "STUDIO_MAX_UPLOAD_MB"
CONCURRENCY_ENV = "STUDIO_CONCURRENCY"
MAX_QUEUE_ENV = "STUDIO_MAX_QUEUE"

DEFAULT_MAX_JOBS = 3
DEFAULT_MAX_UPLOAD_MB = 512
DEFAULT_CONCURRENCY = 4
ACTIVE_JOB_STATES = ("queued", "running")
TRUE_VALUES = ("1", "true", "yes", "on")

DEMO_BANNER = (
    "**Read-only demo.** Search, compare and merge previews work; importing data, training and saving are "
    "turned off. Duplicate this Space to use CLIR Studio fully."
)

# Environment variables whose values must never reach logs, job records or exports.
# Names (of variables or config keys) that hold secrets: HF_TOKEN, hub_token, DB_PASSWORD, OPENAI_API_KEY, ...
SECRET_NAME = re.compile(
    r"(^|[_-])(token|secret|secret_?key|password|passwd|api_?key|access_?key|private_?key|credentials?)$",
    re.IGNORECASE,
)
MIN_SECRET_LENGTH = 6
REDACTED = "<redacted>"


class AccessError(StudioError):
    """An action is not allowed on this server."""


class ReadOnlyDemoError(AccessError):
    """A write was attempted while the app runs as a read-only demo."""


class JobQuotaError(AccessError):
    """A user already has as many queued and running jobs as allowed."""


class AccessConfigError(AccessError):
    """An access-control environment variable is malformed."""


def _int_env(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise AccessConfigError(f"{name}={raw!r} is not a whole number; set it to e.g. {default}.") from None
    if value < minimum:
        raise AccessConfigError(f"{name} is {value}; set it to {minimum} or more.")
    return value


# ---------------------------------------------------------------------------------------------- login
def auth_credentials() -> Optional[list[tuple[str, str]]]:
    """The (user, password) pairs from ``STUDIO_AUTH``, or None when no login is required.

    The format is ``user:password[,user2:password2]``; a password may contain ``:`` but not ``,``.
    Error messages name the entry by position, never by its password.
    """
    raw = os.environ.get(AUTH_ENV, "").strip()
    if not raw:
        return None
    pairs = []
    for position, entry in enumerate(raw.split(","), start=1):
        user, sep, password = entry.strip().partition(":")
        if not sep or not user.strip() or not password:
            raise AccessConfigError(
                f"{AUTH_ENV} entry {position} is not 'user:password'; write it as user:password[,user2:password2]."
            )
        pairs.append((user.strip(), password))
    return pairs


def auth_users() -> list[str]:
    """Names of the users who may log in (for start-up messages; no passwords)."""
    return [user for user, _ in auth_credentials() or []]


# ----------------------------------------------------------------------------------------- demo mode
def demo_mode() -> bool:
    """True when the app runs as a read-only demo (``STUDIO_DEMO_MODE=1``)."""
    return os.environ.get(DEMO_ENV, "").strip().lower() in TRUE_VALUES


def require_write(action: str) -> None:
    """Refuse ``action`` (e.g. "importing data") in demo mode.

    Raises:
        ReadOnlyDemoError: the app is a read-only demo.
    """
    if demo_mode():
        raise ReadOnlyDemoError(
            f"This is a read-only demo: {action} is turned off. Duplicate the Space to use it fully."
        )


# -------------------------------------------------------------------------------------------- limits
def max_jobs_per_user() -> int:
    """Queued plus running jobs one user may have at a time."""
    return _int_env(MAX_JOBS_ENV, DEFAULT_MAX_JOBS, minimum=1)


def check_job_quota(owner: str, studio: Any = None) -> None:
    """Refuse a new job when ``owner`` already has the allowed number of queued or running jobs.

    Raises:
        JobQuotaError: the quota is used up; the message says how to free a slot.
    """
    from studio.context import get_studio

    studio = studio or get_studio()
    limit = max_jobs_per_user()
    active = studio.store.count_jobs(states=ACTIVE_JOB_STATES, owner=owner)
    if active >= limit:
        who = f"User {owner!r} has" if owner else "You have"
        raise JobQuotaError(
            f"{who} {active} queued or running jobs, the most allowed here ({limit}); "
            "wait for one to finish or cancel one in the Jobs tab."
        )


def owner_of(request: Any) -> str:
    """The job owner for a UI request: the logged-in user name, or "" without login."""
    return (getattr(request, "username", None) or "") if request is not None else ""


def max_upload_mb() -> int:
    """Largest accepted upload in MB (``STUDIO_MAX_UPLOAD_MB``, default 512)."""
    return _int_env(MAX_UPLOAD_ENV, DEFAULT_MAX_UPLOAD_MB, minimum=1)


def max_upload_bytes() -> int:
    """Largest accepted upload in bytes."""
    return max_upload_mb() * 1024 * 1024


def concurrency_limit() -> int:
    """How many events of one kind run at the same time (``STUDIO_CONCURRENCY``)."""
    return _int_env(CONCURRENCY_ENV, DEFAULT_CONCURRENCY, minimum=1)


def max_queue_size() -> Optional[int]:
    """Longest request queue before new requests are turned away; None means no limit."""
    value = _int_env(MAX_QUEUE_ENV, 0, minimum=0)
    return value or None


def describe_access() -> dict[str, Any]:
    """The access settings in force, safe to log (user names only, never passwords)."""
    return {
        "login": auth_users() or "off",
        "demo_mode": demo_mode(),
        "max_jobs_per_user": max_jobs_per_user(),
        "max_upload_mb": max_upload_mb(),
        "concurrency": concurrency_limit(),
        "max_queue": max_queue_size(),
    }


# ------------------------------------------------------------------------------------------- secrets
def secret_values() -> list[str]:
    """Values of secret-looking environment variables (tokens, passwords, STUDIO_AUTH passwords)."""
    values = {
        value for name, value in os.environ.items()
        if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH
    }
    raw_auth = os.environ.get(AUTH_ENV, "")
    for entry in raw_auth.split(","):
        password = entry.partition(":")[2]
        if len(password) >= MIN_SECRET_LENGTH:
            values.add(password)
    if len(raw_auth) >= MIN_SECRET_LENGTH:
        values.add(raw_auth)
    return sorted(values, key=len, reverse=True)


def redact(value: Any, secrets: Optional[list[str]] = None) -> Any:
    """A copy of ``value`` (nested dicts, lists, strings) with secrets and secret-named keys redacted."""
    secrets = secret_values() if secrets is None else secrets
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(key, str) and SECRET_NAME.search(key) and item else redact(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(item, secrets) for item in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
    return value
