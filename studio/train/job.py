"""The ``train`` job kind: fine-tune a registered model on a saved mix and register the result.

Flow: validate the payload (a TrainConfig) -> load the mix's pairs and the dataset's dev records ->
load the base model -> (first attempt) evaluate the base model on dev at step 0 -> train with
checkpoints, resuming from the latest complete one -> final dev evaluation -> save the model atomically
under ``models/trained/<name>/`` with a model card -> register it with its lineage.

Example:
    >>> from studio.train.job import submit_training
    >>> job = submit_training(TrainConfig.for_device(base_model="bundled/multilingual-e5-small",
    ...                                              mix="demo-all4", name="e5-demo"))
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from studio import __version__
from studio.context import Studio, get_studio
from studio.errors import StudioError
from studio.jobs.context import JobContext
from studio.train.config import TrainConfig, detect_device, parse_config

if TYPE_CHECKING:
    import pandas as pd
    from sentence_transformers.sentence_transformer import SentenceTransformer

    from storage.records import JobRecord, MixRecord

TRAINED_DIR = "trained"
CHECKPOINTS_DIR = "checkpoints"


class TrainError(StudioError):
    """A training run cannot start or finish (unknown mix, unloadable model, name taken...)."""


# ------------------------------------------------------------------- queueing
def check_startable(config: TrainConfig, studio: Optional[Studio] = None) -> MixRecord:
    """Fail before queueing when the mix is unknown, the base model unregistered or the name taken."""
    studio = studio or get_studio()
    store = studio.store
    mix = _get_mix(studio, config.mix)
    if store.find_model(config.base_model) is None and not Path(config.base_model).expanduser().is_dir():
        raise TrainError(f"Unknown base model {config.base_model!r}; pick a registered model "
                         "(`clir-studio models list`).")
    if store.find_model(config.name) is not None:
        raise TrainError(f"A model named {config.name!r} already exists; choose another name.")
    return mix


def submit_training(config: TrainConfig, owner: str = "", *, start: bool = True,
                    studio: Optional[Studio] = None) -> JobRecord:
    """Check the config and queue a ``train`` job with it as the payload."""
    from studio.access import check_job_quota, require_write
    from studio.jobs.runner import submit

    studio = studio or get_studio()
    require_write("training models")
    check_startable(config, studio)
    check_job_quota(owner, studio)
    for job in studio.store.list_jobs(["queued", "running"], kind="train"):
        if job.payload.get("name") == config.name:
            raise TrainError(f"Job {job.id} is already training a model named {config.name!r}; choose another name.")
    title = f"train {config.name} ({config.base_model} on {config.mix})"
    return submit("train", config.model_dump(), title=title, owner=owner, start=start, studio=studio)


# ------------------------------------------------------------------------ data
def _get_mix(studio: Studio, name: str) -> MixRecord:
    from storage import NotFoundError

    try:
        return studio.store.get_mix(name)
    except NotFoundError:
        choices = ", ".join(m.name for m in studio.store.list_mixes()) or "none yet (compose one in the Data tab)"
        raise TrainError(f"Unknown mix {name!r}; saved mixes: {choices}.") from None


def load_pairs(studio: Studio, mix: MixRecord) -> pd.DataFrame:
    """The mix's (query, passage) pairs, via ``studio.data`` (contract in docs/architecture.md)."""
    try:
        from studio.data import load_mix_pairs
    except ImportError:  # the data package is not there (yet): read the Parquet of the contract
        import pandas as pd

        return pd.read_parquet(studio.paths.home / mix.path)
    return load_mix_pairs(mix.name)


def load_dev(studio: Studio, mix: MixRecord) -> pd.DataFrame:
    """The dev records of the mix's dataset (empty when the dataset has no dev split)."""
    try:
        from studio.data import load_records
    except ImportError:
        import pandas as pd

        path = studio.paths.home / studio.store.get_dataset(mix.dataset_id).path
        records = pd.read_parquet(path / "records.parquet" if path.is_dir() else path)
        return records[records["split"] == "dev"].reset_index(drop=True)
    return load_records(mix.dataset_name, "dev")


def data_hash(studio: Studio, mix: MixRecord) -> str:
    """sha256 of the mix's pairs file (what the model was trained on)."""
    digest = hashlib.sha256()
    with open(studio.paths.home / mix.path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ----------------------------------------------------------------------- model
def load_base_model(config: TrainConfig, device: str, studio: Studio) -> SentenceTransformer:
    """A fresh (uncached: training mutates it) copy of the base model."""
    from sentence_transformers.sentence_transformer import SentenceTransformer

    from studio.modelref import resolve_model

    resolved = resolve_model(config.base_model, studio)
    try:
        model = SentenceTransformer(resolved.location, device=device, trust_remote_code=False)
    except Exception as exc:  # noqa: BLE001 - any failure here means the files are unusable
        raise TrainError(
            f"The base model {config.base_model!r} cannot be loaded from {resolved.location} "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}); "
            "re-register or re-download it, or pick another base model."
        ) from exc
    model.max_seq_length = config.max_seq_length
    return model


def save_model_atomically(model: SentenceTransformer, target: Path, card_extra: str) -> None:
    """Write the model to a temporary sibling folder, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    try:
        model.save(str(temporary))
        card = temporary / "README.md"
        card.write_text((card.read_text(encoding="utf-8") if card.exists() else "") + card_extra, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)  # a leftover of an attempt that died before registering
        os.replace(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def lineage_card(config: TrainConfig, mix: MixRecord, digest: str, result: dict[str, Any]) -> str:
    """The CLIR Studio section appended to the model card."""
    rows = "\n".join(f"| {key} | {value} |" for key, value in config.hyper_parameters.items())
    dev = ""
    if result.get("dev_after"):
        dev = "\n## Dev-split nDCG@10 (before -> after)\n\n| direction | before | after |\n|---|---|---|\n" + "\n".join(
            f"| {name.split('/')[1]} | {result.get('dev_before', {}).get(name, float('nan')):.4f} | {value:.4f} |"
            for name, value in result["dev_after"].items() if name.endswith("/ndcg@10")
        ) + "\n"
    return (f"\n\n# CLIR Studio lineage\n\n- base model: `{config.base_model}`\n- dataset: `{mix.dataset_name}`\n"
            f"- mix: `{mix.name}` (sha256 `{digest}`)\n- app version: {__version__}\n"
            f"- steps: {result.get('global_step')}\n\n| hyper-parameter | value |\n|---|---|\n{rows}\n{dev}")


# ------------------------------------------------------------------------- run
def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _evaluate_base(model: Any, evaluator: Any, ctx: JobContext) -> dict[str, float]:
    from studio.train.trainer import dev_metrics

    ctx.progress(0, 0, "evaluating the base model on the dev split")
    values = dev_metrics({f"eval_{k}": v for k, v in evaluator(model).items()})
    ctx.log_metrics(0, values)
    return values


def _start_point(ctx: JobContext, model: Any, evaluator: Any, checkpoints: Path, leader: bool,
                 result: dict[str, Any]) -> Optional[Path]:
    """The checkpoint to resume from (checked), or None after evaluating the base model at step 0."""
    from studio.train.trainer import check_checkpoint, latest_checkpoint

    store = ctx.studio.store
    resume_from = latest_checkpoint(checkpoints)
    if resume_from is not None:
        result["resumed_from_step"] = check_checkpoint(resume_from, ctx.job_id)
        if leader:
            store.clear_metrics_after(ctx.job_id, result["resumed_from_step"])
            print(f"resuming from {resume_from.name} (step {result['resumed_from_step']})", flush=True)
            before = [p for p in store.job_metrics(ctx.job_id) if p.step == 0 and p.name.startswith("dev/")]
            result["dev_before"] = {p.name: p.value for p in before}
    elif evaluator is not None and leader:
        store.clear_metrics_after(ctx.job_id, -1)
        result["dev_before"] = _evaluate_base(model, evaluator, ctx)
    return resume_from


def _train(trainer: Any, resume_from: Optional[Path], ctx: JobContext, result: dict[str, Any]) -> None:
    """Run the trainer; a failure before the first step after resuming is blamed on the checkpoint."""
    from studio.train.trainer import CheckpointError

    cpu_started = time.process_time()
    try:
        output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    except (RuntimeError, ValueError, KeyError, EOFError) as exc:
        if resume_from is not None and trainer.state.global_step <= result["resumed_from_step"]:
            raise CheckpointError(
                f"Could not resume from checkpoint {resume_from.name} of job {ctx.job_id} "
                f"({type(exc).__name__}: {exc}); delete that folder to resume from an earlier checkpoint, "
                "or start a new training job."
            ) from exc
        raise
    result.update(global_step=output.global_step, total_steps=trainer.state.max_steps,
                  train_runtime=output.metrics.get("train_runtime"),
                  train_samples_per_second=output.metrics.get("train_samples_per_second"),
                  train_loss=output.metrics.get("train_loss"),
                  train_cpu_seconds=round(time.process_time() - cpu_started, 2))


def _register(ctx: JobContext, config: TrainConfig, mix: MixRecord, model: Any, result: dict[str, Any]) -> Path:
    """Save the model under ``models/trained/<name>`` (atomically) and register it with its lineage."""
    studio = ctx.studio
    digest = data_hash(studio, mix)
    target = studio.paths.models / TRAINED_DIR / config.name
    save_model_atomically(model, target, lineage_card(config, mix, digest, result))
    base = studio.store.find_model(config.base_model)
    studio.store.add_model(
        config.name, "trained", f"{TRAINED_DIR}/{config.name}", base_model=base.name if base else None,
        dataset_id=mix.dataset_id, mix_id=mix.id, app_version=__version__,
        description=f"{config.base_model} fine-tuned on {mix.name} ({result['global_step']} steps, job {ctx.job_id})",
        config={"hyper_parameters": config.hyper_parameters, "seed": config.seed, "base_model": config.base_model,
                "mix": mix.name, "dataset": mix.dataset_name, "data_sha256": digest, "job_id": ctx.job_id,
                "device": result["device"], "world_size": result["world_size"], "dev_after": result["dev_after"]},
    )
    return target


def run(payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Train, evaluate, save and register (the ``train`` job kind)."""
    from datasets import Dataset

    from studio.train import trainer as T
    from studio.train.callbacks import StoreCallback
    from studio.train.losses import build_loss

    started = time.monotonic()
    config, studio = parse_config(payload), ctx.studio
    leader, world_size = int(os.environ.get("RANK", "0")) == 0, int(os.environ.get("WORLD_SIZE", "1"))
    mix = _get_mix(studio, config.mix)
    if leader and studio.store.find_model(config.name) is not None:
        raise TrainError(f"A model named {config.name!r} already exists; choose another name and train again.")
    current = studio.store.get_job(ctx.job_id)  # keep a resumed job's step/total while loading
    ctx.progress(current.step, current.total, "loading data and the base model")
    pairs, dev = load_pairs(studio, mix), (load_dev(studio, mix) if config.dev_limit else None)
    if pairs.empty:
        raise TrainError(f"The mix {mix.name!r} has no pairs; compose it again with a budget above zero.")
    device = detect_device()
    model = load_base_model(config, device, studio)
    frozen = T.freeze_word_embeddings(model) if config.freeze_embeddings else 0
    T.freeze_unused_pooler(model)
    prompts = T.model_prompts(model)
    evaluator = T.dev_evaluator(dev, prompts, config.dev_limit) if dev is not None else None
    result: dict[str, Any] = {"device": device, "world_size": world_size, "n_pairs": len(pairs),
                              "frozen_parameters": frozen,
                              "dev_records": 0 if evaluator is None else min(len(dev), config.dev_limit)}
    checkpoints = ctx.job_dir / CHECKPOINTS_DIR
    resume_from = _start_point(ctx, model, evaluator, checkpoints, leader, result)
    total = T.estimated_steps(config, len(pairs), world_size)
    args = T.training_arguments(config, checkpoints, device, total_steps=total, prompts=prompts,
                                evaluate=evaluator is not None, distributed=world_size > 1)
    callback = StoreCallback(ctx)
    dataset = Dataset.from_pandas(pairs[["query", "passage"]], preserve_index=False)
    trainer = T.make_trainer(model=model, args=args, train_dataset=dataset, loss=build_loss(model, config),
                             evaluator=evaluator, callbacks=[callback])
    _train(trainer, resume_from, ctx, result)
    if evaluator is not None and callback.last_eval_step != trainer.state.global_step:
        ctx.progress(trainer.state.global_step, trainer.state.max_steps, "final evaluation on the dev split")
        trainer.evaluate()
    result["dev_after"] = callback.last_dev
    if not leader:
        return result
    ctx.progress(trainer.state.global_step, trainer.state.max_steps, "saving the model")
    target = _register(ctx, config, mix, model, result)
    result.update(model=config.name, path=str(target), wall_seconds=round(time.monotonic() - started, 1),
                  peak_rss_mb=_peak_rss_mb())
    ctx.progress(trainer.state.global_step, trainer.state.max_steps, f"done: registered {config.name}")
    return result
