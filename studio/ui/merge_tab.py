"""Merge tab: sliders per model, a method with its generated parameters, preview, save, and sweeps.

"Preview" merges in memory and scores the merge and its parents on a fixed dev subset; "Save" writes
and registers the previewed merge; a sweep runs as a background job that this tab polls. Public
endpoints: ``merge_preview``, ``merge_save``, ``merge_methods``.
"""

from __future__ import annotations

from typing import Any, Optional

import gradio as gr

from studio.merge import registry
from studio.merge.base import ParamSpec
from studio.merge.layerwise import from_groups
from studio.merge.plots import SWEEP_COLUMNS, direction_bars, sweep_curve, sweep_rows, tradeoff_point
from studio.merge.preview import DEFAULT_DATASET, DEFAULT_LIMIT, DEFAULT_SPLIT, merge_options
from studio.merge.spec import MergeSpec
from studio.ui.messages import guarded

MAX_MODELS = 5
PARAMS = registry.all_params()
LAYER_HEADERS = ["model", "embeddings", "lower layers", "upper layers"]


def _param_component(spec: ParamSpec, visible: bool) -> gr.components.Component:
    """One control per parameter, generated from its declaration."""
    common = {"label": spec.name.replace("_", " "), "info": spec.help, "visible": visible, "value": spec.default}
    if spec.type == "bool":
        return gr.Checkbox(**common)
    if spec.type == "choice":
        return gr.Radio(list(spec.choices), **common)
    if spec.type == "float" and spec.range:
        return gr.Slider(spec.range[0], spec.range[1], step=spec.step or 0.01, **common)
    return gr.Number(precision=0 if spec.type == "int" else None, **common)


def _spec(models: list[str], method: str, base: str, layer_on: bool, layer_table: Any, weights: list[float],
          values: list[Any]) -> MergeSpec:
    """The request the controls describe: only the chosen method's parameters, only the shown sliders."""
    models = list(models or [])
    chosen = registry.get(method)
    names = {p.name for p in chosen.params()}
    params = {spec.name: value for spec, value in zip(PARAMS, values) if spec.name in names}
    layerwise = None
    if layer_on and layer_table is not None and len(layer_table):
        rows = layer_table.values.tolist() if hasattr(layer_table, "values") else list(layer_table)
        rows = rows[:len(models)]
        layerwise = from_groups(*([float(r[c]) for r in rows] for c in (1, 2, 3)))
    return MergeSpec.make(models, list(weights)[:len(models)], method, base if chosen.needs_base else None,
                          params, layerwise)


def _split(args: tuple[Any, ...]) -> tuple[list[float], list[Any]]:
    return list(args[:MAX_MODELS]), list(args[MAX_MODELS:])


def weights_text(models: list[str], method: str, *args: Any) -> str:
    """The weights as the method will apply them (normalised unless turned off)."""
    weights, values = _split(args)
    models = list(models or [])
    if len(models) < 2:
        return "Pick at least two models."
    chosen = registry.get(method)
    given = dict(zip((p.name for p in PARAMS), values))
    normalize = bool(given.get("normalize", True)) if any(p.name == "normalize" for p in chosen.params()) else True
    used = [float(w) for w in weights[:len(models)]]
    if normalize and abs(sum(used)) < 1e-12:
        return "⚠ The weights sum to zero; raise at least one."
    shown = chosen.normalise_weights(used) if normalize else used
    parts = " · ".join(f"**{m}** {w:.3f}" for m, w in zip(models, shown))
    extra = f" (SLERP t = {shown[1] / sum(shown):.3f})" if chosen.name == "slerp" and len(shown) == 2 else ""
    return f"Applied weights: {parts}{extra}"


def models_changed(models: list[str]):
    """One visible slider per chosen model (equal weights), the layer table's rows, sweep defaults."""
    models = list(models or [])[:MAX_MODELS]
    sliders = [gr.update(visible=i < len(models), label=models[i] if i < len(models) else f"weight {i + 1}",
                         value=1.0 / len(models) if i < len(models) else 0.0) for i in range(MAX_MODELS)]
    share = round(1.0 / max(len(models), 1), 3)
    table = [[m, share, share, share] for m in models]
    first, second = (models + [None, None])[:2]
    return (*sliders, table, gr.update(value=first), gr.update(value=second))


def method_text(method: str) -> str:
    chosen = registry.get(method)
    base = " Needs a base model." if chosen.needs_base else ""
    return f"{chosen.description}{base} [reference]({chosen.reference})"


def method_changed(method: str):
    """Show the chosen method's parameters and base picker; describe it."""
    chosen = registry.get(method)
    names = {p.name for p in chosen.params()}
    return (gr.update(visible=chosen.needs_base), method_text(method),
            *(gr.update(visible=p.name in names) for p in PARAMS))


def pick_row(evt: gr.SelectData) -> Optional[int]:
    """A click on the sweep table picks that row's point."""
    return int(evt.index[0]) if evt is not None and evt.index is not None else None


@guarded
def run_preview(models, method, base, layer_on, layer_table, dataset, split, limit, *args,
                progress: gr.Progress = gr.Progress()):
    """Merge in memory, score on the quick subset; status, direction bars, trade-off scatter."""
    from studio.merge.preview import preview

    weights, values = _split(args)
    spec = _spec(models, method, base, layer_on, layer_table, weights, values)

    def report(step: int, total: int, message: str) -> None:
        progress((step, max(total, 1)), desc=message)

    result = preview(spec, dataset or DEFAULT_DATASET, split or DEFAULT_SPLIT, int(limit) if limit else None,
                     progress=report).to_json()
    merged = result["merged"]["summary"]
    status = (f"Merged in {result['merge_seconds']:.2f} s (parents loaded in {result['load_seconds']:.2f} s), scored "
              f"in {result['eval_seconds']:.2f} s on {result['dataset']} {result['split']} "
              f"(first {result['limit'] or 'all'} queries): CLIR {merged['clir']:.4f} · mono {merged['mono']:.4f} · "
              f"all {merged['all']:.4f}. Nothing written.")
    return status, direction_bars(result), tradeoff_point(result)


def _saved(record: Any, full_eval: bool, dataset: str) -> str:
    """The message after a save; queues the full evaluation (test split) when asked."""
    text = f"✅ Saved **{record.name}** ({record.description}); its lineage is in the Models tab."
    if not full_eval:
        return text + " Evaluate it in full in the Evaluate tab."
    from studio.evaluate.job import start_evaluation

    outcome = start_evaluation(record.name, dataset or DEFAULT_DATASET, "test", background=True)
    return text + f" Full evaluation on {dataset or DEFAULT_DATASET} (test) queued as job #{outcome['job_id']}."


@guarded
def save_merge(name, full_eval, dataset, models, method, base, layer_on, layer_table, *args):
    """Write and register the merge the controls describe (the previewed model when it matches)."""
    from studio.merge.io import save_merged

    weights, values = _split(args)
    record = save_merged(_spec(models, method, base, layer_on, layer_table, weights, values), name)
    return _saved(record, full_eval, dataset)


@guarded
def start_sweep(model_a, model_b, steps, method, base, dataset, split, limit, *args, request: gr.Request = None):
    """Queue a sweep job between two models with the method and parameters chosen above."""
    from studio.access import owner_of
    from studio.merge.sweep import list_sweeps, submit_sweep

    _, values = _split(args)
    spec = _spec([model_a, model_b], method, base, False, None, [0.5, 0.5], values)
    job = submit_sweep(spec, int(steps), 1, dataset or DEFAULT_DATASET, split or DEFAULT_SPLIT,
                       int(limit) if limit else None, owner=owner_of(request))
    return (f"⏳ Sweep queued as job #{job.id}.", gr.Dropdown(choices=list_sweeps(), value=job.id),
            gr.Timer(active=True))


@guarded
def show_sweep(job_id: Optional[int], point: Optional[float] = None):
    """Status, curve and table of a sweep job (partial while it runs); the timer stops when it ends."""
    from studio.merge.sweep import sweep_status

    if not job_id:
        return "", None, None, gr.Timer(active=False)
    status = sweep_status(int(job_id))
    result, state = status["result"], status["state"]
    active = state in ("queued", "running")
    if active:
        text = f"⏳ Sweep #{job_id} {state}: {status['fraction']:.0%} — {status['message']}"
    elif state == "succeeded":
        text = (f"✅ Sweep #{job_id} done in {result.get('seconds', 0):.0f} s; Pareto front (★): points "
                f"{', '.join(map(str, result.get('pareto', [])))}. Pick a point to save it.")
    else:
        text = f"⚠ Sweep #{job_id} {state}: {status['error'] or 'no result'}"
    selected = int(point) if point is not None and point >= 0 else None
    return text, sweep_curve(result, selected), sweep_rows(result), gr.Timer(active=active)


@guarded
def save_point(job_id: Optional[int], point: Optional[float], name: str, full_eval: bool, dataset: str) -> str:
    """Save one sweep point as a registered merged model."""
    from studio.merge.base import MergeError
    from studio.merge.sweep import save_sweep_point, sweep_result

    if not job_id or point is None:
        raise MergeError("Pick a finished sweep and a point (click a row of the table) first.")
    result = sweep_result(int(job_id))
    record = save_sweep_point(result, int(point), name, job_id=int(job_id))
    return _saved(record, full_eval, result.get("dataset") or dataset)


@guarded
def merge_preview_api(models: list[str], weights: list[float], method: str = "linear", base: str = "",
                      params: Optional[dict] = None, layerwise: Optional[dict] = None, dataset: str = DEFAULT_DATASET,
                      split: str = DEFAULT_SPLIT, limit: int = DEFAULT_LIMIT) -> dict:
    """Merge in memory and score the merge and its parents: ``{"merged", "parents", "weights", ...}``."""
    from studio.merge.preview import preview

    spec = MergeSpec.make(models, weights, method, base or None, params, layerwise)
    return preview(spec, dataset, split, int(limit) if limit else None).to_json()


@guarded
def merge_save_api(name: str, models: list[str], weights: list[float], method: str = "linear", base: str = "",
                   params: Optional[dict] = None, layerwise: Optional[dict] = None) -> dict:
    """Merge, write and register ``name``: ``{"name", "folder", "parents", "config"}``."""
    from studio.merge.io import save_merged

    record = save_merged(MergeSpec.make(models, weights, method, base or None, params, layerwise), name)
    # No "path" key: gradio_client would take the dict for a file to download.
    return {"name": record.name, "folder": record.path, "config": record.config,
            "parents": [{"name": p.parent_name, "weight": p.weight} for p in record.parents]}


def merge_methods_api() -> list[dict]:
    """The merge methods with their parameters (name, type, default, range, help)."""
    return [registry.get(name).describe() for name in registry.names()]


def _controls(options: dict[str, list[str]]) -> dict[str, Any]:
    """The merge request controls (models, sliders, method, parameters, layer-wise, quick-eval subset)."""
    c: dict[str, Any] = {}
    with gr.Row():
        c["models"] = gr.Dropdown(options["models"], multiselect=True, max_choices=MAX_MODELS, scale=4,
                                  label=f"Models to merge (2 to {MAX_MODELS}, same architecture and tokenizer)")
        c["refresh"] = gr.Button("↻", size="sm", scale=0)
    with gr.Row():
        c["sliders"] = [gr.Slider(0.0, 1.0, value=0.0, step=0.01, label=f"weight {i + 1}", visible=False)
                        for i in range(MAX_MODELS)]
    c["weights_md"] = gr.Markdown("Pick at least two models.")
    with gr.Row():
        c["method"] = gr.Dropdown([(registry.get(n).label, n) for n in registry.names()], value="linear",
                                  label="Method")
        c["base"] = gr.Dropdown(options["models"], label="Base model (task vectors = model − base)", visible=False)
    c["method_md"] = gr.Markdown(method_text("linear"))
    shown = {p.name for p in registry.get("linear").params()}
    with gr.Row():
        c["params"] = [_param_component(spec, spec.name in shown) for spec in PARAMS]
    with gr.Accordion("Advanced: layer-wise weights", open=False):
        gr.Markdown("Separate weights for the embeddings and for the lowest and highest encoder layers; layers in "
                    "between are interpolated (mergekit-style gradients). Rows follow the chosen models.")
        c["layer_on"] = gr.Checkbox(value=False, label="Use layer-wise weights")
        c["layer_table"] = gr.Dataframe(headers=LAYER_HEADERS, datatype=["str", "number", "number", "number"],
                                        interactive=True, static_columns=[0], label="Weights per group")
    with gr.Accordion("Quick evaluation subset", open=False):
        with gr.Row():
            c["dataset"] = gr.Dropdown(options["datasets"], value=DEFAULT_DATASET, label="Dataset",
                                       allow_custom_value=True)
            c["split"] = gr.Dropdown(["dev", "test", "train"], value=DEFAULT_SPLIT, label="Split")
            c["limit"] = gr.Number(value=DEFAULT_LIMIT, precision=0, minimum=0, label="First N queries (0 = all)")
    return c


def build() -> None:
    """Add the Merge tab."""
    options = merge_options()
    with gr.Tab("Merge", id="merge"):
        gr.Markdown("Merge fine-tunes of one base model and watch the four directions move. **Preview** merges in "
                    "memory and scores the merge beside its parents on the same dev queries; **Save** writes it.")
        c = _controls(options)
        with gr.Row():
            preview_btn = gr.Button("Preview", variant="primary")
            name = gr.Textbox(label="Name for the merged model", placeholder="e.g. merged/ko-mix-0.6", scale=2)
            save_btn = gr.Button("Save")
        full_eval = gr.Checkbox(value=True, label="After saving, evaluate in full (background job, test split)")
        status = gr.Markdown()
        with gr.Row():
            bars, scatter = gr.Plot(label="Per direction"), gr.Plot(label="CLIR vs monolingual")
        with gr.Accordion("Sweep: the trade-off curve between two models", open=False):
            with gr.Row():
                sweep_a = gr.Dropdown(options["models"], label="Model A (α = 0)")
                sweep_b = gr.Dropdown(options["models"], label="Model B (α = 1)")
                steps = gr.Slider(2, 21, value=6, step=1, label="Steps")
            start = gr.Button("Start sweep (background job; method and parameters from above)")
            from studio.merge.sweep import list_sweeps

            job = gr.Dropdown(list_sweeps(), value=None, label="Sweep job", allow_custom_value=False)
            sweep_status = gr.Markdown()
            curve = gr.Plot(label="Sweep")
            table = gr.Dataframe(headers=SWEEP_COLUMNS, interactive=False, label="Points (click a row to pick it)")
            with gr.Row():
                point = gr.Number(value=None, precision=0, label="Point", minimum=0)
                point_name = gr.Textbox(label="Name for the chosen point", scale=2)
                save_point_btn = gr.Button("Save point")
            point_status = gr.Markdown()
            timer = gr.Timer(2.0, active=False)

        request = [c["models"], c["method"], c["base"], c["layer_on"], c["layer_table"]]
        subset = [c["dataset"], c["split"], c["limit"]]
        numbers = c["sliders"] + c["params"]
        private: dict[str, Any] = {"api_visibility": "private"}
        c["models"].change(models_changed, c["models"], [*c["sliders"], c["layer_table"], sweep_a, sweep_b],
                           queue=False, **private)
        c["method"].change(method_changed, c["method"], [c["base"], c["method_md"], *c["params"]], queue=False,
                           **private)
        for control in [c["models"], c["method"], *numbers]:
            control.change(weights_text, [c["models"], c["method"], *numbers], c["weights_md"], queue=False, **private)
        c["refresh"].click(lambda: [gr.Dropdown(choices=merge_options()["models"])] * 4, None,
                           [c["models"], c["base"], sweep_a, sweep_b], **private)
        preview_btn.click(run_preview, [*request, *subset, *numbers], [status, bars, scatter],
                          concurrency_limit=2, concurrency_id="merge", **private)
        save_btn.click(save_merge, [name, full_eval, c["dataset"], *request, *numbers], status,
                       concurrency_id="merge", **private)
        start.click(start_sweep, [sweep_a, sweep_b, steps, c["method"], c["base"], *subset, *numbers],
                    [sweep_status, job, timer], **private)
        job.change(show_sweep, [job, point], [sweep_status, curve, table, timer], **private)
        timer.tick(show_sweep, [job, point], [sweep_status, curve, table, timer], show_progress="hidden", **private)
        table.select(pick_row, None, point, **private)
        point.change(show_sweep, [job, point], [sweep_status, curve, table, timer], show_progress="hidden", **private)
        save_point_btn.click(save_point, [job, point, point_name, full_eval, c["dataset"]], point_status, **private)
        gr.api(merge_preview_api, api_name="merge_preview", concurrency_limit=2, concurrency_id="merge")
        gr.api(merge_save_api, api_name="merge_save", concurrency_id="merge")
        gr.api(merge_methods_api, api_name="merge_methods")
