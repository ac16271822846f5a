"""Trainer callbacks that report to the store through the JobContext (rank 0 only).

Progress (step/total, loss; the context derives the ETA) is written at most once a second and always
at the last step; the loss and learning-rate curves at each logging step; dev metrics at each evaluation.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from transformers import TrainerCallback

from studio.jobs.context import JobContext
from studio.jobs.faults import fault
from studio.train.trainer import dev_metrics


class StoreCallback(TrainerCallback):
    """Write progress, loss and dev-metric curves of a run to the job's rows."""

    def __init__(self, ctx: JobContext, min_interval: float = 1.0) -> None:
        self.ctx = ctx
        self.min_interval = min_interval
        self.last_loss: Optional[float] = None
        self._last_report = 0.0
        self.last_eval_step = -1
        self.last_dev: dict[str, float] = {}

    def _report(self, state: Any, message: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_report >= self.min_interval or state.global_step >= state.max_steps:
            self._last_report = now
            self.ctx.progress(state.global_step, state.max_steps, message, loss=self.last_loss)

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self._report(state, "training", force=True)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self._report(state, f"training, epoch {state.epoch or 0:.2f}")

    def on_log(self, args: Any, state: Any, control: Any, logs: Optional[dict] = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero or not logs or "loss" not in logs:
            return
        self.last_loss = float(logs["loss"])
        values = {"loss": self.last_loss}
        if "learning_rate" in logs:
            values["learning_rate"] = float(logs["learning_rate"])
        self.ctx.log_metrics(state.global_step, values)

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: Optional[dict] = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero or not metrics:
            return
        values = dev_metrics(metrics)
        if values:
            self.last_eval_step, self.last_dev = state.global_step, values
            self.ctx.log_metrics(state.global_step, values)
            self._report(state, f"evaluated at step {state.global_step}", force=True)

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        pause_at = fault("pause_on_save")
        if pause_at and state.global_step == int(pause_at) and state.is_world_process_zero:
            self._report(state, f"paused after checkpoint {state.global_step} (test fault)", force=True)
            time.sleep(3600)
