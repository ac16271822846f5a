"""Models tab: the registered models and the details (lineage, configuration) of one."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from studio.models import model_details, model_summaries
from studio.ui.messages import guarded

COLUMNS = ["name", "kind", "ready", "created", "description"]


def models_table() -> pd.DataFrame:
    """All registered models as a table."""
    return pd.DataFrame(model_summaries(), columns=COLUMNS)


def model_names() -> list[str]:
    """Names for model dropdowns."""
    return [row["name"] for row in model_summaries()]


@guarded
def show_details(name: str) -> dict:
    """Details of the chosen model."""
    return model_details(name) if name else {}


def build() -> None:
    """Add the Models tab."""
    with gr.Tab("Models", id="models"):
        table = gr.Dataframe(value=models_table, label="Registered models", interactive=False, wrap=True)
        with gr.Row():
            choice = gr.Dropdown(choices=model_names(), label="Model", allow_custom_value=False, scale=3)
            refresh = gr.Button("Refresh", scale=1)
        details = gr.JSON(label="Details and lineage")
        choice.change(show_details, inputs=choice, outputs=details, api_visibility="private")
        gr.api(model_summaries, api_name="list_models")
        refresh.click(
            lambda: (models_table(), gr.Dropdown(choices=model_names())),
            outputs=[table, choice],
            api_visibility="private",
        )
