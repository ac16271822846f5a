"""Trainer callbacks that report to the store through the JobContext (rank 0 only).

The training thread never waits for the database: callbacks hand progress (step/total, loss; the
context derives the ETA) and scalars (loss, learning rate, dev metrics) to a writer thread, which
writes the latest progress and the pending scalars about once a second. Evaluations, checkpoints and
the end of training flush it, so what the UI shows is never behind a saved checkpoint.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from typing import Any, Optional

from transformers import TrainerCallback

from studio.jobs.context import JobContext
from studio.jobs.faults import fault
from studio.train.trainer import dev_metrics


class ReportWriter(threading.Thread):
    """Writes a job's progress and metrics from a queue, off the training thread."""

    def __init__(self, ctx: JobContext, interval: float = 1.0) -> None:
        super().__init__(name=f"job-{ctx.job_id}-reports", daemon=True)
        self.ctx, self.interval = ctx, interval
        self.items: queue.Queue = queue.Queue()
        self._wake = threading.Event()

    def progress(self, step: int, total: int, message: str, loss: Optional[float]) -> None:
        self.items.put(("progress", (step, total, message, loss)))

    def metrics(self, step: int, values: dict[str, float]) -> None:
        self.items.put(("metrics", (step, values)))

    def flush(self, timeout: float = 30.0) -> None:
        """Block until everything queued so far is written."""
        done = threading.Event()
        self.items.put(("flush", done))
        self._wake.set()
        done.wait(timeout)

    def close(self) -> None:
        self.items.put(("stop", None))
        self._wake.set()

    def run(self) -> None:
        stop = False
        while not stop:
            self._wake.wait(self.interval)  # no wake-up per item: the training thread keeps the GIL
            self._wake.clear()
            latest, pending, waiters = None, [], []
            while True:
                try:
                    kind, item = self.items.get_nowait()
                except queue.Empty:
                    break
                if kind == "progress":
                    latest = item
                elif kind == "metrics":
                    pending.append(item)
                elif kind == "flush":
                    waiters.append(item)
                else:
                    stop = True
            self._write(pending, latest)
            for waiter in waiters:
                waiter.set()

    def _write(self, pending: list, latest: Optional[tuple]) -> None:
        try:
            for step, values in pending:
                self.ctx.log_metrics(step, values)
            if latest is not None:
                step, total, message, loss = latest
                self.ctx.progress(step, total, message, loss=loss)
        except Exception as exc:  # noqa: BLE001 - a busy database must not stop training
            print(f"could not write progress: {exc}", file=sys.stderr, flush=True)


class StoreCallback(TrainerCallback):
    """Report progress, loss and dev-metric curves of a run to the job's rows."""

    def __init__(self, ctx: JobContext, interval: float = 1.0) -> None:
        self.writer = ReportWriter(ctx, interval)
        self.last_loss: Optional[float] = None
        self.last_eval_step = -1
        self.last_dev: dict[str, float] = {}

    def _report(self, state: Any, message: str) -> None:
        self.writer.progress(state.global_step, state.max_steps, message, self.last_loss)

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            if not self.writer.is_alive():
                self.writer.start()
            self._report(state, "training")

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
        self.writer.metrics(state.global_step, values)

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: Optional[dict] = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero or not metrics:
            return
        values = dev_metrics(metrics)
        if values:
            self.last_eval_step, self.last_dev = state.global_step, values
            self.writer.metrics(state.global_step, values)
            self._report(state, f"evaluated at step {state.global_step}")
            self.flush()

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        self.flush()
        pause_at = fault("pause_on_save")
        if pause_at and state.global_step == int(pause_at):
            self._report(state, f"paused after checkpoint {state.global_step} (test fault)")
            self.flush()
            time.sleep(3600)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self._report(state, "training finished")
            self.flush()

    def flush(self) -> None:
        if self.writer.is_alive():
            self.writer.flush()
