"""Building blocks of a run: training arguments, the dev evaluator, frozen embeddings, checkpoints.

The trainer is sentence-transformers' own ``SentenceTransformerTrainer`` (a two-line subclass adds the
disk-full fault hook); everything else here is configuration, so a plain script with the same
``TrainConfig`` trains identically (``bench/train.py`` checks that it is also as fast).
"""

from __future__ import annotations

import errno
import json
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from studio.errors import StudioError
from studio.evaluate.directions import ALL_DIRECTIONS, CLIR_DIRECTIONS
from studio.jobs.faults import fault
from studio.train.config import TrainConfig

if TYPE_CHECKING:
    import pandas as pd
    from sentence_transformers.sentence_transformer import SentenceTransformer

CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
EVAL_METRICS = ("ndcg@10", "mrr@10", "recall@10")


class CheckpointError(StudioError):
    """A checkpoint cannot be used to resume."""


def model_prompts(model: SentenceTransformer) -> dict[str, str]:
    """``{"query": ..., "passage": ...}`` from the model's prompts (empty for a model without prompts)."""
    prompts = model.prompts or {}
    if prompts.get("query") is None or prompts.get("passage") is None:
        return {}
    return {"query": prompts["query"], "passage": prompts["passage"]}


def freeze_word_embeddings(model: SentenceTransformer) -> int:
    """Stop training the word-embedding matrix; returns how many parameters were frozen."""
    embeddings = model[0].auto_model.get_input_embeddings()
    frozen = 0
    for parameter in embeddings.parameters():
        parameter.requires_grad_(False)
        frozen += parameter.numel()
    return frozen


def freeze_unused_pooler(model: SentenceTransformer) -> int:
    """Freeze the transformers pooler (sentence-transformers pools token embeddings and never uses it).

    It gets no gradient, which DistributedDataParallel would otherwise report as an error.
    """
    frozen = 0
    for name, parameter in model[0].auto_model.named_parameters():
        if name.startswith("pooler."):
            parameter.requires_grad_(False)
            frozen += parameter.numel()
    return frozen


def logging_steps(config: TrainConfig, total_steps: int) -> int:
    """Log the loss about 200 times per run, at least every 25 steps."""
    return max(1, min(25, total_steps // 200 or 1))


def estimated_steps(config: TrainConfig, n_pairs: int, world_size: int = 1) -> int:
    """Optimiser steps of a run over ``n_pairs`` pairs."""
    if config.max_steps:
        return config.max_steps
    per_epoch = -(-n_pairs // (config.batch_size * world_size))
    return max(1, int(per_epoch * config.epochs + 0.999))


def training_arguments(config: TrainConfig, output_dir: Path, device: str, *, total_steps: int,
                       prompts: dict[str, str], evaluate: bool, distributed: bool = False) -> Any:
    """``SentenceTransformerTrainingArguments`` for ``config`` (no duplicates in a batch, prompts per column)."""
    from sentence_transformers.sentence_transformer import SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.training_args import BatchSamplers

    precision = config.resolved_precision(device)
    eval_every = config.eval_steps if evaluate and config.eval_steps else 0
    return SentenceTransformerTrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps or -1,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=config.warmup_ratio,  # a float below 1 is a ratio of the total steps
        seed=config.seed,
        data_seed=config.seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        prompts=prompts or None,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=device == "cpu",
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        eval_strategy="steps" if eval_every else "no",
        eval_steps=eval_every or None,
        logging_steps=logging_steps(config, total_steps),
        logging_first_step=True,
        report_to="none",
        disable_tqdm=True,
        ddp_backend="gloo" if distributed and device == "cpu" else None,
        ddp_find_unused_parameters=False if distributed else None,
    )


def _direction_columns(records: pd.DataFrame, direction: str) -> Optional[tuple[str, str]]:
    query_lang, doc_lang = direction.split("-")
    if {f"query_{query_lang}", f"passage_{doc_lang}"} <= set(records.columns):
        return f"query_{query_lang}", f"passage_{doc_lang}"
    if query_lang != doc_lang and {query_lang, doc_lang} <= set(records.columns):
        return query_lang, doc_lang  # bitext: the sentence is the query, its translation the passage
    return None


def dev_evaluator(records: pd.DataFrame, prompts: dict[str, str], limit: int, batch_size: int = 32) -> Any:
    """One InformationRetrievalEvaluator per direction (named ``ko-en`` etc.) in a SequentialEvaluator.

    Each of the first ``limit`` dev records is a query whose only relevant passage is its own; the
    primary score is the mean nDCG@10 over the directions. None when there is nothing to evaluate.
    """
    from sentence_transformers.sentence_transformer.evaluation import (
        InformationRetrievalEvaluator,
        SequentialEvaluator,
    )

    records = records.head(limit) if limit else records.iloc[0:0]
    if records.empty:
        return None
    ids = [str(value) for value in records["id"]]
    evaluators = []
    for direction in ALL_DIRECTIONS:
        columns = _direction_columns(records, direction.value)
        if columns is None:
            continue
        queries = dict(zip(ids, records[columns[0]].astype(str)))
        corpus = dict(zip(ids, records[columns[1]].astype(str)))
        evaluators.append(InformationRetrievalEvaluator(
            queries, corpus, {i: {i} for i in ids}, name=direction.value, batch_size=batch_size,
            mrr_at_k=[10], ndcg_at_k=[10], accuracy_at_k=[1, 10], precision_recall_at_k=[10], map_at_k=[100],
            show_progress_bar=False, write_csv=False,
            query_prompt=prompts.get("query"), corpus_prompt=prompts.get("passage"),
        ))
    if not evaluators:
        return None
    return SequentialEvaluator(evaluators, main_score_function=lambda scores: sum(scores) / len(scores))


def dev_metrics(raw: dict[str, float]) -> dict[str, float]:
    """Evaluator output (``eval_ko-en_cosine_ndcg@10`` ...) as ``dev/ko-en/ndcg@10`` plus the CLIR/mono/all means."""
    values: dict[str, float] = {}
    for key, value in raw.items():
        name = key.removeprefix("eval_")
        for direction in ALL_DIRECTIONS:
            prefix = f"{direction.value}_cosine_"
            if name.startswith(prefix) and name[len(prefix):] in EVAL_METRICS:
                values[f"dev/{direction.value}/{name[len(prefix):]}"] = float(value)
    for group in ("clir", "mono", "all"):
        members = [d.value for d in (CLIR_DIRECTIONS if group == "clir" else ALL_DIRECTIONS)
                   if group != "mono" or d not in CLIR_DIRECTIONS]
        scores = [values[f"dev/{m}/ndcg@10"] for m in members if f"dev/{m}/ndcg@10" in values]
        if scores:
            values[f"dev/{group}/ndcg@10"] = sum(scores) / len(scores)
    return values


# ---------------------------------------------------------------- checkpoints
def checkpoint_step(path: Path) -> int:
    match = CHECKPOINT.match(path.name)
    return int(match.group(1)) if match else -1


def latest_checkpoint(folder: Path) -> Optional[Path]:
    """The newest complete checkpoint (it has ``trainer_state.json``; a half-written one is skipped)."""
    if not folder.is_dir():
        return None
    complete = [p for p in folder.iterdir() if checkpoint_step(p) >= 0 and (p / "trainer_state.json").is_file()]
    return max(complete, key=checkpoint_step, default=None)


def check_checkpoint(path: Path, job_id: int) -> int:
    """Cheap integrity checks before resuming; returns the checkpoint's global step.

    Raises:
        CheckpointError: the trainer state, the weights or the optimizer file is unreadable.
    """
    advice = (f"delete the folder {path} to resume from an earlier checkpoint, "
              f"or start a new training job")
    try:
        state = json.loads((path / "trainer_state.json").read_text())
        step = int(state["global_step"])
        from safetensors import safe_open

        for weights in path.glob("*.safetensors"):
            with safe_open(str(weights), framework="pt") as handle:
                for key in handle.keys():
                    handle.get_slice(key)
        for archive in ("optimizer.pt", "scheduler.pt"):
            if (path / archive).is_file():
                with zipfile.ZipFile(path / archive) as handle:
                    handle.namelist()
    except Exception as exc:  # noqa: BLE001 - any failure to read it means it cannot be resumed from
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise
        raise CheckpointError(
            f"Checkpoint {path.name} of job {job_id} is corrupt ({type(exc).__name__}: {exc}); {advice}."
        ) from exc
    return step


def make_trainer(**kwargs: Any) -> Any:
    """A ``SentenceTransformerTrainer`` whose checkpoint saving honours the ``enospc_on_save`` fault."""
    from sentence_transformers.sentence_transformer import SentenceTransformerTrainer

    class StudioTrainer(SentenceTransformerTrainer):
        def _save_optimizer_and_scheduler(self, output_dir: str) -> None:
            if fault("enospc_on_save") is not None:
                raise OSError(errno.ENOSPC, "No space left on device (simulated)", output_dir)
            super()._save_optimizer_and_scheduler(output_dir)

    return StudioTrainer(**kwargs)
