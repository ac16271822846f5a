"""How long a training run will take, said before it is launched, with where the figure comes from.

Two sources, best first:

1. **Measured here**: the pace (pairs per second, evaluations and checkpoints included) of the latest
   succeeded training job on this data home with the same base model family, device, loss and frozen
   setting, scaled by sequence length when that differs.
2. **Rate table**: pairs per second of the bundled multilingual-e5-small derived from ``bench/train.py``
   on a 2-core AMD EPYC CPU (batch 16, max_seq_length 128, MS MARCO pairs; see ``RATE_TABLE``), plus the
   dev evaluations at the encode rate of the bundled-model notes. A faster or busier machine will differ;
   the first finished job here replaces the table.

Models without either source get no number, only the step count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from studio.context import BUNDLED_MODEL_NAME, Studio, get_studio
from studio.train.config import TrainConfig
from studio.train.trainer import estimated_steps

# (device, freeze_embeddings) -> training pairs per second for multilingual-e5-small, batch 16, seq 128, on a
# 2-core CPU. Derived from bench/train.py (2026-11-26, 8 steps on MS MARCO pairs): pairs per CPU-second of
# trainer.train() (1.32 frozen, 1.22 not) x 2 cores. The machine was shared (load ~11 on 2 cores; wall rates
# were 0.3-0.45 pairs/s), so a quiet machine should do better and a busy one worse.
RATE_TABLE: dict[tuple[str, bool], float] = {("cpu", True): 2.6, ("cpu", False): 2.4}
TABLE_SEQ_LENGTH = 128
ENCODE_RATE = {"cpu": 45.0}  # dev texts per second, multilingual-e5-small, 2 threads (bundled-base-model.md §7)
CHECKPOINT_SECONDS = {("cpu", True): 4.0, ("cpu", False): 8.0}  # writing weights + optimizer state


@dataclass(frozen=True)
class Estimate:
    """Steps, seconds (None when unknown) and one sentence on how the figure was derived."""

    steps: int
    seconds: Optional[float]
    source: str

    def text(self) -> str:
        from studio.jobs.views import format_duration

        if self.seconds is None:
            return f"{self.steps} steps; no time estimate: {self.source}"
        return f"about {format_duration(self.seconds)} for {self.steps} steps ({self.source})"


def _family(studio: Studio, name: str) -> str:
    """The root of a model's lineage (a model trained from the bundled one is still an e5-small)."""
    record, seen = studio.store.find_model(name), set()
    while record is not None and record.base_model_id is not None and record.id not in seen:
        seen.add(record.id)
        record = studio.store.get_model(record.base_model_id)
    return record.name if record is not None else name


def _evaluations(config: TrainConfig, steps: int) -> int:
    if not config.dev_limit:
        return 0
    during = steps // config.eval_steps if config.eval_steps else 0
    return 1 + during + (0 if config.eval_steps and steps % config.eval_steps == 0 else 1)


def _measured(studio: Studio, config: TrainConfig, device: str, family: str) -> Optional[tuple[float, str]]:
    candidates = []
    for job in studio.store.list_jobs(["succeeded"], kind="train", limit=100):
        payload, result = job.payload, job.result
        rate = result.get("train_samples_per_second")
        if not rate or result.get("device") != device or payload.get("loss") != config.loss:
            continue
        if payload.get("freeze_embeddings") != config.freeze_embeddings:
            continue
        if _family(studio, str(payload.get("base_model", ""))) != family:
            continue
        scale = min(1.0, payload.get("max_seq_length", TABLE_SEQ_LENGTH) / config.max_seq_length)
        candidates.append((rate * scale, f"measured: job {job.id} trained at {rate:.1f} pairs/s here"))
    return candidates[0] if candidates else None


def estimate(config: TrainConfig, n_pairs: int, device: str = "cpu", studio: Optional[Studio] = None) -> Estimate:
    """Estimate the wall time of ``config`` over ``n_pairs`` pairs on ``device``."""
    studio = studio or get_studio()
    steps = estimated_steps(config, n_pairs)
    family = _family(studio, config.base_model)
    measured = _measured(studio, config, device, family)
    if measured is not None:
        rate, source = measured
        return Estimate(steps, steps * config.batch_size / rate, source)
    key = (device, config.freeze_embeddings)
    if family != BUNDLED_MODEL_NAME or key not in RATE_TABLE:
        return Estimate(steps, None, "no job with this model and device has finished here yet, and the rate "
                                     "table covers only the bundled model on CPU")
    rate = RATE_TABLE[key] * min(1.0, TABLE_SEQ_LENGTH / config.max_seq_length)
    seconds = steps * config.batch_size / rate
    seconds += _evaluations(config, steps) * 8 * config.dev_limit / ENCODE_RATE[device]
    seconds += (steps // config.save_steps) * CHECKPOINT_SECONDS[key]
    return Estimate(steps, seconds, f"rate table: {rate:.1f} pairs/s measured on a 2-core CPU, plus "
                                    f"{_evaluations(config, steps)} dev evaluations and checkpoints")
