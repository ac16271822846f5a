"""Models tab: the registered models and the details (lineage, configuration) of one."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Optional

import gradio as gr
import pandas as pd

from studio.access import demo_mode
from studio.errors import StudioError
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


EXPORT_FOLDER = "clir-studio-exports"
EXPORT_KEEP_SECONDS = 3600


def export_root() -> Path:
    """Where download archives are written: in Gradio's upload folder, which ``serve()`` puts under STUDIO_HOME
    (``cache/gradio``), so nothing lands outside the data home and Gradio may serve the file."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()) / EXPORT_FOLDER


def _fresh_export_dir() -> Path:
    """A new folder for one download; downloads older than an hour are removed."""
    root = export_root()
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        if old.stat().st_mtime < time.time() - EXPORT_KEEP_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(dir=root))


@guarded
def export_archive(name: str) -> str:
    """Write the chosen model as a .tar.gz for download."""
    from studio.portable import export_model

    if not name:
        raise StudioError("Pick a model to export first.")
    out = _fresh_export_dir() / f"{name.replace('/', '--')}.tar.gz"
    return str(export_model(name, out).path)


@guarded
def import_archive(path: Optional[str], name: str) -> tuple[str, pd.DataFrame, dict]:
    """Import an uploaded model archive; returns a status line, the table and the dropdown."""
    from studio.portable import import_model

    if not path:
        raise StudioError("Upload a model archive (.tar.gz) first.")
    result = import_model(path, name=name.strip() or None)
    status = (f"Imported **{result.model.name}** ({result.files} files, "
              f"{result.evaluations} evaluations restored).")
    return status, models_table(), gr.Dropdown(choices=model_names(), value=result.model.name)


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
        with gr.Accordion("Export or import a model archive (model + lineage + evaluations)", open=False):
            with gr.Row():
                export_button = gr.Button("Export the selected model", scale=1)
                archive = gr.File(label="Archive (.tar.gz)", interactive=False, scale=3)
            with gr.Row():
                upload = gr.File(label="Model archive to import (.tar.gz)", file_types=[".gz", ".tgz"], scale=3,
                                 interactive=not demo_mode())
                with gr.Column(scale=1):
                    new_name = gr.Textbox(label="Register as (optional)", placeholder="keep the archived name")
                    import_button = gr.Button("Import", variant="primary", interactive=not demo_mode())
            import_status = gr.Markdown("Importing is turned off in this read-only demo." if demo_mode() else "")
        # Archives are large (the bundled model packs to ~0.4 GB): one export or import at a time.
        export_button.click(export_archive, inputs=choice, outputs=archive, api_visibility="private",
                            concurrency_limit=1, concurrency_id="model-archives")
        import_button.click(import_archive, inputs=[upload, new_name], outputs=[import_status, table, choice],
                            api_visibility="private", concurrency_limit=1, concurrency_id="model-archives")
