"""Footer: where the data lives and how much of it there is."""

from __future__ import annotations

import gradio as gr

from studio import __version__
from studio.context import get_studio


def footer_text() -> str:
    """Markdown line with the data home and the stored counts."""
    studio = get_studio()
    counts = studio.store.counts()
    parts = ", ".join(f"{value} {name}" for name, value in counts.items())
    return f"CLIR Studio {__version__} · data home `{studio.paths.home}` · {parts}"


def build(app: gr.Blocks) -> gr.Markdown:
    """Add the footer; it refreshes on page load."""
    text = gr.Markdown(elem_classes=["studio-footer"])
    app.load(footer_text, outputs=text, api_visibility="private")
    return text
