"""Data tab: import (detect → map → validate → import), datasets (report, split, delete), mix composer.

Public endpoints for ``gradio_client``: ``detect_layout``, ``validate_dataset``, ``import_dataset``,
``list_datasets``, ``dataset_report``, ``split_dataset``, ``preview_mix``, ``compose_mix``. Everything else is
UI-internal (``api_visibility="private"``).
"""

from __future__ import annotations

import os
from typing import Any, Optional

import gradio as gr
import pandas as pd

from studio.data import mixes, registry, summaries
from studio.data.ingest import import_dataset, inspect_source, validate_source
from studio.data.errors import DataError
from studio.data.importers import FORMATS
from studio.data.plots import direction_counts, length_histograms
from studio.data.schema import DIRECTIONS, ID_COLUMN
from studio.data.splits import split_dataset
from studio.ui.messages import guarded

ALLOW_SERVER_PATHS_ENV = "STUDIO_ALLOW_SERVER_PATHS"
SLOTS = 5
NONE = "(none)"
PRIVATE = {"api_visibility": "private"}


# ------------------------------------------------------------------------------------ helpers
def _sources(files: Optional[list[str]], source: str) -> list[str]:
    paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])]
    source = (source or "").strip()
    if source and os.path.exists(os.path.expanduser(source)) and not server_paths_allowed():
        raise DataError("Reading folders on the server is turned off on a shared Space or server (demo mode, login); "
                        f"upload the files instead (or set {ALLOW_SERVER_PATHS_ENV}=1).")
    return paths + ([source] if source else [])


def server_paths_allowed() -> bool:
    """Server paths in the source box are read only by a private app: not on a Hugging Face Space, not in the
    read-only demo, not behind a login (others could read the server's files), unless set explicitly."""
    from studio.access import AUTH_ENV, demo_mode

    explicit = os.environ.get(ALLOW_SERVER_PATHS_ENV, "").strip().lower()
    if explicit:
        return explicit in ("1", "true", "yes", "on")
    return not (os.environ.get("SPACE_ID") or demo_mode() or os.environ.get(AUTH_ENV, "").strip())


def parse_mapping_text(text: str) -> dict[str, Optional[str]]:
    """``"id=id, query=question"`` → ``{"id": "id", "query": "question"}`` (``(none)`` → None)."""
    mapping: dict[str, Optional[str]] = {}
    for part in (text or "").replace("\n", ",").split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            mapping[key.strip()] = None if value.strip() in ("", NONE) else value.strip()
    return mapping


def mapping_text(mapping: dict[str, Optional[str]]) -> str:
    return ", ".join(f"{k}={v or NONE}" for k, v in mapping.items())


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def dataset_names() -> list[str]:
    return [r.name for r in registry.list_datasets()]


def _default(names: list[str]) -> Optional[str]:
    return registry.DEMO_DATASET if registry.DEMO_DATASET in names else (names[0] if names else None)


def datasets_frame() -> pd.DataFrame:
    return _frame(summaries.dataset_rows(), summaries.DATASET_COLUMNS)


def mixes_frame() -> pd.DataFrame:
    return _frame(summaries.mix_rows(), summaries.MIX_COLUMNS)


def _report_outputs(report: dict[str, Any], title: str) -> tuple:
    return (summaries.report_markdown(report, title), length_histograms(report),
            _frame(summaries.report_rows(report), summaries.REPORT_COLUMNS),
            _frame(report.get("bad_rows", []), ["where", "problem"]), report)


# ----------------------------------------------------------------------------------- handlers
@guarded
def detect(files: Optional[list[str]], source: str, fmt: str, kind: str, mapping: str = "") -> tuple:
    """Detect the layout (an explicit mapping overrides it); fill the mapping dropdowns and a preview."""
    found = inspect_source(_sources(files, source), fmt, kind, parse_mapping_text(mapping) or None)
    choices = list(found.layout.columns)
    slots = []
    for index in range(SLOTS):
        if index < len(found.fields):
            field = found.fields[index]
            options = ([NONE] if field == ID_COLUMN else []) + choices
            value = found.layout.mapping.get(field) or NONE
            slots.append(gr.Dropdown(choices=options if value in options else options + [value], value=value,
                                     label=field, visible=True))
        else:
            slots.append(gr.Dropdown(visible=False, value=None))
    notes = "".join(f"\n\n- {n}" for n in found.notes)
    return (f"**Detected:** {found.description}{notes}", list(found.fields), mapping_text(found.layout.mapping),
            pd.DataFrame(found.preview), *slots)


def remap(fields: list[str], *values: Optional[str]) -> str:
    """The mapping text from the dropdowns."""
    return mapping_text({f: (v if v != NONE else None) for f, v in zip(fields or [], values)})


@guarded
def validate(files: Optional[list[str]], source: str, fmt: str, kind: str, mapping: str,
             progress: gr.Progress = gr.Progress()) -> tuple:
    """Read everything and show the validation report (nothing is written)."""
    report = validate_source(_sources(files, source), fmt, kind, parse_mapping_text(mapping) or None,
                             progress=lambda step, total, message: progress((step, total), desc=message))
    return _report_outputs(report, "Validation report (nothing imported yet)")


@guarded
def run_import(files: Optional[list[str]], source: str, fmt: str, kind: str, mapping: str, name: str, ratios: str,
               seed: float, progress: gr.Progress = gr.Progress()) -> tuple:
    """Import all or nothing; show the stored report."""
    labels = [f.rsplit("/", 1)[-1] for f in _sources(files, source)]
    record = import_dataset(_sources(files, source), name, fmt, kind, parse_mapping_text(mapping) or None,
                            ratios or None, int(seed or 0), source=", ".join(labels),
                            progress=lambda step, total, message: progress((step, total), desc=message))
    title = f"Imported {record.name}: {record.n_records:,} records ({registry.split_summary(record)})"
    return _report_outputs(record.report, title)


def refresh_lists(selected: Optional[str] = None) -> tuple:
    """Dataset and mix tables, and the dataset dropdowns."""
    names = dataset_names()
    value = selected if selected in names else _default(names)
    return (datasets_frame(), mixes_frame(), gr.Dropdown(choices=names, value=value),
            gr.Dropdown(choices=names, value=value))


@guarded
def dataset_report(name: str) -> tuple:
    """The stored report of one dataset."""
    if not name:
        return "", None, _frame([], summaries.REPORT_COLUMNS), _frame([], ["where", "problem"]), {}
    record = registry.get_dataset(name)
    title = f"{record.name}: {record.n_records:,} {record.kind} records ({registry.split_summary(record)})"
    outputs = _report_outputs(record.report, title)
    return (*outputs[:4], summaries.dataset_details(record))


@guarded
def run_split(name: str, ratios: str, seed: float, force: bool) -> tuple:
    """Split by record and show the updated report."""
    record = split_dataset(name, ratios, int(seed or 0), force=bool(force))
    return dataset_report(record.name)


@guarded
def delete(name: str) -> str:
    registry.delete_dataset(name)
    return f"Deleted {name}."


def apply_preset(preset: str) -> list[float]:
    weights = mixes.PRESETS.get(preset)
    return [gr.skip()] * len(DIRECTIONS) if weights is None else [weights.get(d, 0.0) for d in DIRECTIONS]


def _mix_options(preset: str, weights: tuple[float, ...], budget: float, seed: float) -> dict[str, Any]:
    return {"preset": preset, "weights": dict(zip(DIRECTIONS, weights)), "budget": budget, "seed": int(seed or 0)}


@guarded
def preview(dataset: str, split: str, preset: str, w1: float, w2: float, w3: float, w4: float, budget: float,
            seed: float) -> tuple:
    """Pairs per direction (chart) and sample pairs; nothing is saved."""
    result = mixes.preview_mix(dataset, split, **_mix_options(preset, (w1, w2, w3, w4), budget, seed))
    text = ", ".join(f"{d} **{n:,}**" for d, n in result["counts"].items())
    return (direction_counts(result["counts"], result["available"]), f"{sum(result['counts'].values()):,} pairs: {text}",
            pd.DataFrame(result["sample"], columns=["direction", "query", "passage", "record_id"]), result)


@guarded
def save(name: str, dataset: str, split: str, preset: str, w1: float, w2: float, w3: float, w4: float,
         budget: float, seed: float) -> tuple:
    """Compose and save a named mix."""
    record = mixes.save_mix(name, dataset, split, **_mix_options(preset, (w1, w2, w3, w4), budget, seed))
    row = summaries.mix_row(record)
    text = f"Saved mix **{record.name}**: " + ", ".join(f"{d} {row[d]:,}" for d in DIRECTIONS)
    return text, mixes_frame(), {**row, "weights": record.weights, "pairs_file": record.path}


# ------------------------------------------------------------------------------------- layout
def _import_section() -> dict[str, Any]:
    ui: dict[str, Any] = {}
    with gr.Row():
        ui["files"] = gr.File(label="File(s): one, or one per language", file_count="multiple", type="filepath",
                              scale=3)
        with gr.Column(scale=2):
            ui["source"] = gr.Textbox(label="…or a server folder path / Hub dataset id", placeholder="owner/name")
            with gr.Row():
                ui["format"] = gr.Dropdown(["auto", *FORMATS], value="auto", label="Format")
                ui["kind"] = gr.Dropdown(["auto", "parallel", "bitext"], value="auto", label="Record kind")
            ui["detect"] = gr.Button("Detect layout")
    ui["layout"] = gr.Markdown()
    ui["fields"] = gr.State([])
    with gr.Row():
        ui["slots"] = [gr.Dropdown(choices=[], label=f"field {i + 1}", visible=False, allow_custom_value=True)
                       for i in range(SLOTS)]
    ui["mapping"] = gr.Textbox(label="Column mapping (FIELD=COLUMN, …; filled from the dropdowns)")
    ui["preview"] = gr.Dataframe(label="Preview of canonical records", interactive=False, wrap=True, max_height=260)
    with gr.Row():
        ui["name"] = gr.Textbox(label="Dataset name", placeholder="e.g. msmarco-ko-en")
        ui["ratios"] = gr.Textbox(label="Split train,dev,test (empty: do not split)", value="0.8,0.1,0.1")
        ui["seed"] = gr.Number(label="Split seed", value=0, precision=0)
    with gr.Row():
        ui["validate"] = gr.Button("Validate")
        ui["import"] = gr.Button("Import", variant="primary")
    return ui


def _report_section(label: str) -> list[Any]:
    with gr.Group():
        text = gr.Markdown()
        plot = gr.Plot(label="Text lengths")
        table = gr.Dataframe(label="Columns", headers=summaries.REPORT_COLUMNS, interactive=False)
        bad = gr.Dataframe(label="Bad rows (line numbers)", headers=["where", "problem"], interactive=False,
                           max_height=200)
        with gr.Accordion(f"{label} (JSON)", open=False):
            raw = gr.JSON()
    return [text, plot, table, bad, raw]


def build() -> None:
    """Add the Data tab."""
    names = dataset_names()
    default = _default(names)
    with gr.Tab("Data", id="data"):
        with gr.Accordion("Import", open=True):
            ui = _import_section()
            import_report = _report_section("Report")
        with gr.Accordion("Datasets", open=True):
            table = gr.Dataframe(value=datasets_frame(), label="Datasets", interactive=False)
            with gr.Row():
                choice = gr.Dropdown(choices=names, value=default, label="Dataset", scale=3, allow_custom_value=True)
                refresh = gr.Button("Refresh", scale=1)
                remove = gr.Button("Delete dataset", variant="stop", scale=1)
            with gr.Row():
                ratios = gr.Textbox(label="Split train,dev,test", value="0.8,0.1,0.1")
                seed = gr.Number(label="Seed", value=0, precision=0)
                force = gr.Checkbox(label="Delete this dataset's mixes (they used the old split)")
                split_button = gr.Button("Split by record")
            details = _report_section("Dataset details")
        with gr.Accordion("Mix composer", open=True):
            with gr.Row():
                mix_dataset = gr.Dropdown(choices=names, value=default, label="Dataset", allow_custom_value=True)
                mix_split = gr.Dropdown(["train", "dev", "test", "all"], value="train", label="Split")
                preset = gr.Dropdown(list(mixes.PRESET_CHOICES), value="all-four", label="Preset")
            with gr.Row():
                weights = [gr.Slider(0, 1, value=1.0, step=0.05, label=f"{d} weight") for d in DIRECTIONS]
            with gr.Row():
                budget = gr.Number(label="Budget (pairs)", value=1000, precision=0)
                mix_seed = gr.Number(label="Seed", value=0, precision=0)
                preview_button = gr.Button("Preview")
            mix_plot = gr.Plot(label="Pairs per direction")
            mix_text = gr.Markdown()
            samples = gr.Dataframe(label="Sample pairs", headers=["direction", "query", "passage", "record_id"],
                                   interactive=False, wrap=True, max_height=300)
            with gr.Row():
                mix_name = gr.Textbox(label="Mix name", placeholder="e.g. msmarco-all4-2k")
                save_button = gr.Button("Save mix", variant="primary")
            mix_json = gr.JSON(label="Mix")
            mix_table = gr.Dataframe(value=mixes_frame(), label="Saved mixes", interactive=False)

    source_inputs = [ui["files"], ui["source"], ui["format"], ui["kind"]]
    detect_outputs = [ui["layout"], ui["fields"], ui["mapping"], ui["preview"], *ui["slots"]]
    lists = [table, mix_table, choice, mix_dataset]
    ui["detect"].click(detect, source_inputs, detect_outputs, api_name="detect_layout")
    ui["files"].upload(detect, source_inputs, detect_outputs, **PRIVATE)
    ui["source"].submit(detect, source_inputs, detect_outputs, **PRIVATE)
    for slot in ui["slots"]:
        slot.input(remap, [ui["fields"], *ui["slots"]], ui["mapping"], **PRIVATE).then(
            detect, [*source_inputs, ui["mapping"]], detect_outputs, **PRIVATE)
    ui["validate"].click(validate, [*source_inputs, ui["mapping"]], import_report, api_name="validate_dataset")
    ui["import"].click(run_import, [*source_inputs, ui["mapping"], ui["name"], ui["ratios"], ui["seed"]],
                       import_report, api_name="import_dataset").success(
        refresh_lists, ui["name"], lists, **PRIVATE)
    refresh.click(refresh_lists, choice, lists, api_name="list_datasets")
    for dropdown in (choice, mix_dataset):
        dropdown.focus(lambda value: gr.Dropdown(choices=dataset_names(), value=value), dropdown, dropdown, **PRIVATE)
    choice.change(dataset_report, choice, details, api_name="dataset_report")
    split_button.click(run_split, [choice, ratios, seed, force], details, api_name="split_dataset").success(
        refresh_lists, choice, lists, **PRIVATE)
    remove.click(delete, choice, details[0], **PRIVATE).success(refresh_lists, None, lists, **PRIVATE)
    preset.change(apply_preset, preset, weights, **PRIVATE)
    for slider in weights:
        slider.input(lambda: "custom", None, preset, **PRIVATE)
    mix_inputs = [mix_dataset, mix_split, preset, *weights, budget, mix_seed]
    preview_button.click(preview, mix_inputs, [mix_plot, mix_text, samples, mix_json], api_name="preview_mix")
    save_button.click(save, [mix_name, *mix_inputs], [mix_text, mix_table, mix_json], api_name="compose_mix").success(
        refresh_lists, choice, lists, **PRIVATE)
    gr.on(None, refresh_lists, None, lists, **PRIVATE).then(dataset_report, choice, details, **PRIVATE)  # on page load
