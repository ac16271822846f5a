"""What a running job's code gets: where to write, and how to report progress and metrics."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from studio.context import Studio


@dataclass
class JobContext:
    """Handed to a job kind's ``run(payload, ctx)``; every report lands in the store.

    Attributes:
        job_id: the job's row id.
        studio: the opened studio (paths + store).
        job_dir: ``jobs/<id>/`` for logs, checkpoints and scratch files.
    """

    job_id: int
    studio: Studio
    job_dir: Path
    _started: float = field(default_factory=time.monotonic)
    _first_step: Optional[tuple[int, float]] = None

    def progress(self, step: int, total: int, message: str = "", loss: Optional[float] = None) -> None:
        """Report ``step`` of ``total`` (ETA is estimated from the pace since the first report)."""
        now = time.monotonic()
        if self._first_step is None or step < self._first_step[0]:
            self._first_step = (step, now)
        done_since, since = step - self._first_step[0], now - self._first_step[1]
        eta = (total - step) * since / done_since if done_since > 0 and total >= step else None
        fields: dict[str, Any] = {"step": step, "total": total, "message": message, "eta_seconds": eta}
        if loss is not None:
            fields["loss"] = float(loss)
        self.studio.store.heartbeat(self.job_id, **fields)

    def log_metrics(self, step: int, values: dict[str, float]) -> None:
        """Append scalars (e.g. ``{"loss": 0.4, "dev/ko-en/ndcg@10": 0.61}``) for the job's curves."""
        self.studio.store.log_metrics(self.job_id, step, values)
