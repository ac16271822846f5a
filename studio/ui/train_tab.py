"""Train tab: base model, mix, hyper-parameters (defaults for this device), a time estimate, Train.

Pressing Train queues a background job (the Jobs tab follows it); the app keeps working meanwhile.
Public endpoint: ``train`` (the same arguments as the form, returns the status line).
"""

from __future__ import annotations

from typing import Any, Optional

import gradio as gr

from studio.context import BUNDLED_MODEL_NAME
from studio.ui.messages import guarded

# Form fields after base model, mix and name, in order; TrainConfig validates them.
FIELDS = ("loss", "learning_rate", "epochs", "max_steps", "batch_size", "mini_batch_size", "warmup_ratio",
          "max_seq_length", "seed", "freeze_embeddings", "save_steps", "save_total_limit", "eval_steps",
          "dev_limit", "precision")
INTEGER_FIELDS = {"max_steps", "batch_size", "mini_batch_size", "max_seq_length", "seed", "save_steps",
                  "save_total_limit", "eval_steps", "dev_limit"}
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def _device() -> str:
    from studio.train.config import likely_device

    return likely_device()


def model_choices() -> list[str]:
    from studio.models import model_summaries

    return [row["name"] for row in model_summaries()]


def mix_choices() -> list[str]:
    from studio.data import list_mixes

    return [mix.name for mix in list_mixes()]


def _config(base: str, mix: str, name: str, values: tuple) -> Any:
    from studio.train.config import TrainConfig

    given = {}
    for field, value in zip(FIELDS, values):
        if value is None or value == "":
            continue
        given[field] = int(value) if field in INTEGER_FIELDS else value
    return TrainConfig.for_device(_device(), base_model=base or "", mix=mix or "", name=name or "", **given)


def estimate_text(base: str, mix: str, name: str, *values: Any) -> str:
    """The estimate line under the form (or what is missing to make one)."""
    from studio.data import get_mix
    from studio.errors import StudioError
    from studio.train.estimate import estimate

    if not base or not mix:
        return "Pick a base model and a mix to see an estimate."
    try:
        config = _config(base, mix, name or "estimate", values)
        pairs = sum(int(v) for v in get_mix(mix).counts.values())
        return f"**Estimate:** {estimate(config, pairs, _device()).text()}. {pairs} pairs in the mix."
    except (StudioError, LookupError) as exc:
        return f"No estimate: {exc}"


@guarded
def start_training(base: str, mix: str, name: str, loss: str, learning_rate: float, epochs: float, max_steps: int,
                   batch_size: int, mini_batch_size: int, warmup_ratio: float, max_seq_length: int, seed: int,
                   freeze_embeddings: bool, save_steps: int, save_total_limit: int, eval_steps: int, dev_limit: int,
                   precision: str, request: gr.Request = None) -> str:
    """Queue a training job; returns a status line."""
    from studio.access import owner_of
    from studio.train.job import submit_training

    values = (loss, learning_rate, epochs, max_steps, batch_size, mini_batch_size, warmup_ratio, max_seq_length, seed,
              freeze_embeddings, save_steps, save_total_limit, eval_steps, dev_limit, precision)
    job = submit_training(_config(base, mix, name, values), owner=owner_of(request))
    where = "running now" if job.state == "running" else "queued (it starts when a slot frees up)"
    return f"Job **{job.id}** {where}: {job.title}. Follow it in the **Jobs** tab."


def _suggest_name(base: str, mix: str, name: str) -> Any:
    if name or not base or not mix:
        return gr.skip()
    return f"{base.rsplit('/', 1)[-1]}-{mix.rsplit('/', 1)[-1]}"


def _refreshed() -> tuple:
    return gr.Dropdown(choices=model_choices()), gr.Dropdown(choices=mix_choices())


def _inputs(defaults: Any) -> list:
    """The hyper-parameter components, in FIELDS order."""
    d = defaults
    with gr.Row():
        loss = gr.Radio(["mnrl", "cached_mnrl"], value=d.loss, label="Loss",
                        info="cached_mnrl: large batches in the memory of one mini-batch")
        learning_rate = gr.Number(d.learning_rate, label="Learning rate", minimum=0)
        epochs = gr.Number(d.epochs, label="Epochs", minimum=0)
        max_steps = gr.Number(d.max_steps, precision=0, minimum=0, label="Max steps (0: use epochs)")
        batch_size = gr.Number(d.batch_size, precision=0, minimum=2, label="Batch size (pairs)")
    with gr.Accordion("More settings", open=False):
        with gr.Row():
            mini_batch = gr.Number(d.mini_batch_size, precision=0, minimum=1, label="Mini-batch (cached_mnrl)")
            warmup = gr.Number(d.warmup_ratio, minimum=0, maximum=0.99, label="Warm-up ratio")
            seq = gr.Number(d.max_seq_length, precision=0, minimum=8, label="Max sequence length (tokens)")
            seed = gr.Number(d.seed, precision=0, minimum=0, label="Seed")
            freeze = gr.Checkbox(d.freeze_embeddings, label="Freeze word embeddings",
                                 info="≈ two thirds of e5-small's weights; on CPU nearly halves step time")
        with gr.Row():
            save_steps = gr.Number(d.save_steps, precision=0, minimum=1, label="Checkpoint every N steps")
            keep = gr.Number(d.save_total_limit, precision=0, minimum=1, label="Keep last K checkpoints")
            eval_steps = gr.Number(d.eval_steps, precision=0, minimum=0, label="Dev evaluation every N steps (0: end)")
            dev_limit = gr.Number(d.dev_limit, precision=0, minimum=0, label="Dev records (0: no dev evaluation)")
            precision = gr.Dropdown(["auto", "fp32", "bf16", "fp16"], value=d.precision, label="Precision")
    return [loss, learning_rate, epochs, max_steps, batch_size, mini_batch, warmup, seq, seed, freeze, save_steps,
            keep, eval_steps, dev_limit, precision]


def build() -> None:
    """Add the Train tab."""
    from studio.train.config import TrainConfig

    device = _device()
    defaults = TrainConfig.for_device(device, base_model="-", mix="-", name="-")
    with gr.Tab("Train", id="train"):
        gr.Markdown("Fine-tune a retriever on a saved language mix. "
                    f"Defaults are for this machine's **{device.upper()}**"
                    f"{' (frozen word embeddings, short sequences)' if device == 'cpu' else ' (bf16/fp16)'}. "
                    "Training runs as a background job: closing the browser or the app does not stop it.")
        with gr.Row():
            models = model_choices()
            # allow_custom_value: the `train` endpoint must accept models and mixes made after the app started
            # (gradio checks API values against the choices of build time); submit_training validates them.
            base = gr.Dropdown(models, value=BUNDLED_MODEL_NAME if BUNDLED_MODEL_NAME in models else None,
                               label="Base model", scale=3, allow_custom_value=True)
            mix = gr.Dropdown(mix_choices(), label="Mix", scale=3, info="compose one in the Data tab",
                              allow_custom_value=True)
            name = gr.Textbox(label="New model name", placeholder="e.g. e5-small-msmarco-all4", scale=3)
            refresh = gr.Button("↻", size="sm", scale=0)
        values = _inputs(defaults)
        estimate_box = gr.Markdown("Pick a base model and a mix to see an estimate.")
        train = gr.Button("Train", variant="primary")
        status = gr.Markdown()

        form = [base, mix, name, *values]
        for component in form:
            component.change(estimate_text, inputs=form, outputs=estimate_box, show_progress="hidden", **PRIVATE)
        for component in (base, mix):
            component.change(_suggest_name, inputs=[base, mix, name], outputs=name, queue=False, **PRIVATE)
        refresh.click(_refreshed, outputs=[base, mix], **PRIVATE)
        train.click(start_training, inputs=form, outputs=status, api_name="train", concurrency_limit=1)


def form_defaults(device: Optional[str] = None) -> dict[str, Any]:
    """Default form values for ``device`` (for tests and documentation)."""
    from studio.train.config import TrainConfig

    config = TrainConfig.for_device(device or _device(), base_model="-", mix="-", name="-")
    return {field: getattr(config, field) for field in FIELDS}
