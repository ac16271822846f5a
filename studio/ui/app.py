"""Build the CLIR Studio Gradio app: one module per tab, a footer, shared theme."""

from __future__ import annotations

import importlib

import gradio as gr

from studio.access import DEMO_BANNER, demo_mode
from studio.ui import footer
from studio.ui.i18n import build_i18n, translate_blocks

TITLE = "CLIR Studio"
TAB_MODULES = (
    "studio.ui.models_tab",
    "studio.ui.data_tab",
    "studio.ui.search_tab",
    "studio.ui.evaluate_tab",
    "studio.ui.train_tab",
    "studio.ui.jobs_tab",
    "studio.ui.merge_tab",
    "studio.ui.runs_tab",
    "studio.ui.study_tab",
)
CSS = """
.studio-footer {font-size: 0.85em; opacity: 0.8}
.gold {background: #fff3bf}
.demo-banner {background: #fff3bf; border-left: 4px solid #f08c00; padding: 0.4em 0.8em}
"""


def build_app() -> gr.Blocks:
    """The whole app as a Blocks object (not launched)."""
    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        gr.Markdown(
            f"# {TITLE}\nBuild and study Korean–English cross-lingual retrievers: "
            "compose language mixes, train, evaluate in four directions (ko-ko, en-en, ko-en, en-ko), merge, search."
        )
        if demo_mode():
            gr.Markdown(DEMO_BANNER, elem_classes=["demo-banner"], elem_id="demo-banner")
        with gr.Tabs():
            for module_name in TAB_MODULES:
                importlib.import_module(module_name).build()
        footer.build(app)
    translate_blocks(app, build_i18n())
    return app
