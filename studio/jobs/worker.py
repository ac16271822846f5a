"""``python -m studio.jobs.worker JOB_ID``: run one job and record how it ended.

The worker claims its job (or accepts the claim the runner made for it), heartbeats from a thread,
dispatches to the job's kind, and finishes it ``succeeded`` (with the kind's result), ``failed`` (one
clear sentence in the database, the traceback in the log), ``cancelled`` (SIGTERM after a cancel
request) or ``interrupted`` (SIGTERM without one, e.g. a shutdown; resumable). Under
``torch.distributed.run`` only rank 0 talks to the database. Secrets never reach the log or the store.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Optional

from studio.context import Studio, get_studio
from studio.errors import StudioError, user_errors
from studio.jobs.context import JobContext
from studio.jobs.kinds import get_kind
from studio.jobs.redact import redact
from studio.jobs.runner import CANCEL_FILE, CLAIMED_ENV, kick

HEARTBEAT_ENV = "STUDIO_HEARTBEAT_S"


class JobTerminated(BaseException):
    """Raised in the main thread when the worker receives SIGTERM (a BaseException: never swallowed)."""


@dataclass
class RankContext(JobContext):
    """What ranks other than 0 get under DDP: same folders, reports go nowhere."""

    def progress(self, step: int, total: int, message: str = "", loss: Optional[float] = None) -> None:
        pass

    def log_metrics(self, step: int, values: dict[str, float]) -> None:
        pass


def rank() -> int:
    """This process's rank under torch.distributed (0 when not distributed)."""
    return int(os.environ.get("RANK", "0"))


def _on_sigterm(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one exception is enough; the runner SIGKILLs if need be
    raise JobTerminated()


class Heartbeat(threading.Thread):
    """Write a heartbeat every few seconds; stop the worker if its job was ended from outside."""

    def __init__(self, studio: Studio, job_id: int, interval: float) -> None:
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.studio, self.job_id, self.interval = studio, job_id, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.studio.store.heartbeat(self.job_id)
                if self.studio.store.get_job(self.job_id).state != "running":
                    print(f"job {self.job_id} was ended from outside; stopping", file=sys.stderr, flush=True)
                    os.kill(os.getpid(), signal.SIGTERM)
                    return
            except Exception as exc:  # noqa: BLE001 - a locked database must not kill the job
                print(f"heartbeat failed: {redact(str(exc))}", file=sys.stderr, flush=True)


def _claim(studio: Studio, job_id: int) -> bool:
    job = studio.store.get_job(job_id)
    if job.state == "queued":
        return studio.store.claim_job(job_id, os.getpid())
    return job.state == "running" and os.environ.get(CLAIMED_ENV) == str(job_id)


def _disk_full(exc: BaseException) -> Optional[BaseException]:
    """The ENOSPC in ``exc`` or its causes; writers in Rust (safetensors, tokenizers) report it only as text."""
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno == errno.ENOSPC:
            return current
        if "No space left on device" in str(current) or f"os error {errno.ENOSPC})" in str(current):
            return current
        current = current.__cause__ or current.__context__
    return None


def describe_error(exc: BaseException) -> str:
    """One sentence for the job's ``error`` field."""
    full = _disk_full(exc)
    if full is not None:
        filename = getattr(full, "filename", None) if isinstance(full, OSError) else None
        where = f" while writing {filename}" if filename else ""
        return (f"The disk is full{where}; free some space (old checkpoints under jobs/, unused models) "
                "and resume the job.")
    if isinstance(exc, user_errors()):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def execute(job_id: int, studio: Optional[Studio] = None) -> str:
    """Run job ``job_id`` in this process and return its final state (the worker's body)."""
    studio = studio or get_studio()
    leader = rank() == 0
    if leader and not _claim(studio, job_id):
        state = studio.store.get_job(job_id).state
        print(f"job {job_id} is {state}, not claimed for this worker; nothing to do", file=sys.stderr)
        return state
    job = studio.store.get_job(job_id)
    folder = studio.paths.job_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    ctx = (JobContext if leader else RankContext)(job_id=job_id, studio=studio, job_dir=folder)
    if leader:
        print(f"job {job_id} ({job.kind}), attempt {job.attempts}, pid {os.getpid()}", flush=True)
        print("payload: " + redact(json.dumps(job.payload, ensure_ascii=False, default=str)), flush=True)
    heartbeat = Heartbeat(studio, job_id, float(os.environ.get(HEARTBEAT_ENV, "5"))) if leader else None
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    if heartbeat:
        heartbeat.start()
    state, error, result = "failed", "", None
    try:
        result = get_kind(job.kind)(dict(job.payload), ctx)
        state = "succeeded"
    except JobTerminated:
        cancelled = (folder / CANCEL_FILE).exists()
        state = "cancelled" if cancelled else "interrupted"
        error = "Cancelled by the user." if cancelled else "Stopped by SIGTERM; resume the job to continue."
        print(f"job {job_id}: {state}", file=sys.stderr, flush=True)
    except BaseException as exc:  # noqa: BLE001 - every way out is recorded
        error = redact(describe_error(exc))
        print(redact("".join(traceback.format_exception(exc))), file=sys.stderr, flush=True)
        print(f"job {job_id} failed: {error}", file=sys.stderr, flush=True)
        if isinstance(exc, KeyboardInterrupt):
            state, error = "interrupted", "Interrupted (Ctrl-C); resume the job to continue."
    finally:
        if heartbeat:
            heartbeat.stopped.set()
        if previous is not None:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the final state be written
    try:
        if leader and state == "succeeded":
            studio.store.finish_job(job_id, "succeeded", result=result or {})
            print(f"job {job_id} succeeded", flush=True)
        elif leader:
            studio.store.finish_job(job_id, state, error=error)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return state


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m studio.jobs.worker JOB_ID", file=sys.stderr)
        return 2
    studio = get_studio()
    try:
        state = execute(int(argv[0]), studio)
    except StudioError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 2
    if rank() == 0:
        try:
            kick(studio)  # start the next queued job, even when no app is running
        except Exception as exc:  # noqa: BLE001
            print(f"could not start the next queued job: {redact(str(exc))}", file=sys.stderr)
    return {"succeeded": 0, "cancelled": 0}.get(state, 1)


if __name__ == "__main__":
    sys.exit(main())
