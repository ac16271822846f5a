"""Turn library errors into UI messages instead of tracebacks."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import gradio as gr

from studio.errors import user_errors

F = TypeVar("F", bound=Callable[..., Any])


def guarded(handler: F) -> F:
    """Wrap a UI handler so a user error shows as a Gradio error message with its sentence."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except user_errors() as exc:
            raise gr.Error(str(exc), print_exception=False) from exc

    return wrapper  # type: ignore[return-value]
