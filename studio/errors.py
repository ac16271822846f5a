"""Errors a user can act on: the UI shows them as messages, the CLI prints them and exits non-zero."""

from __future__ import annotations


class StudioError(RuntimeError):
    """Base class of every user-facing error raised by the studio library."""


def user_errors() -> tuple[type[Exception], ...]:
    """Exception types whose message is meant for the user (no traceback needed)."""
    from storage import DatabaseError, DuplicateNameError, NotFoundError
    from studio.bundled import BundledModelError

    return (StudioError, DatabaseError, DuplicateNameError, NotFoundError, BundledModelError)
