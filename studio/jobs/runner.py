"""The job runner: a persistent queue, one subprocess (and process group) per job, cancel, resume.

Any process may start queued jobs (``kick``): the app runs a ``Scheduler`` thread, ``clir-studio train``
kicks and watches, and a worker kicks the queue when it ends, so queued jobs progress even without
the app. Starting is serialised by a file lock and made safe by ``Store.claim_job`` (an atomic
queued -> running update): two processes on one data home never start the same job twice.

Each job runs ``python -m studio.jobs.worker JOB_ID`` (or ``torch.distributed.run`` with N processes
when several GPUs are present) in a new session, with stdout/stderr appended to ``jobs/<id>/log.txt``.
The worker writes its own state, progress, metrics and heartbeat; the runner only launches, signals
and reconciles: running jobs whose process is gone are marked ``interrupted`` and can be resumed.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timezone
from pathlib import Path
from typing import Any, Callable, Optional

import psutil
from filelock import FileLock

from storage import NotFoundError
from storage.models import utcnow
from storage.records import JobRecord
from studio.context import Studio, get_studio
from studio.errors import StudioError
from studio.jobs.kinds import DISTRIBUTED_KINDS, kind_target
from studio.jobs.redact import check_payload

log = logging.getLogger(__name__)

MAX_CONCURRENT_ENV = "STUDIO_MAX_CONCURRENT_JOBS"
CANCEL_GRACE_ENV = "STUDIO_CANCEL_GRACE_S"
STALE_ENV = "STUDIO_JOB_STALE_S"
DDP_PROCS_ENV = "STUDIO_DDP_PROCS"
CLAIMED_ENV = "STUDIO_JOB_CLAIMED"
LOG_FILE = "log.txt"
CANCEL_FILE = "CANCEL"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
PID_REUSE_SLACK_S = 60.0
FINAL_STATES = ("succeeded", "failed", "cancelled", "interrupted")

_children: dict[tuple[str, int], tuple[subprocess.Popen, Studio]] = {}  # (home, job id) -> worker we started
_children_lock = threading.Lock()


class JobError(StudioError):
    """A job cannot be queued, cancelled or resumed as asked."""


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        raise JobError(f"{name}={os.environ[name]!r} is not a number; unset it or give a number.") from None


def max_concurrent() -> int:
    """How many jobs may run at once (``STUDIO_MAX_CONCURRENT_JOBS``, default 1)."""
    return max(1, int(_env_number(MAX_CONCURRENT_ENV, 1)))


def job_dir(job_id: int, studio: Optional[Studio] = None) -> Path:
    """``jobs/<id>/`` of the data home (created)."""
    folder = (studio or get_studio()).paths.job_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_path(job_id: int, studio: Optional[Studio] = None) -> Path:
    return (studio or get_studio()).paths.job_dir(job_id) / LOG_FILE


# ------------------------------------------------------------------ processes
def _epoch(moment: Any) -> float:
    return moment.replace(tzinfo=timezone.utc).timestamp()


def process_alive(pid: Optional[int], started_at: Any = None) -> bool:
    """True if ``pid`` runs and is not a zombie (nor a later process that reused the pid)."""
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return started_at is None or proc.create_time() <= _epoch(started_at) + PID_REUSE_SLACK_S
    except psutil.Error:
        return False


def _group_members(pgid: int) -> list[psutil.Process]:
    members = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(proc)
        except (OSError, psutil.Error):
            continue
    return members


def _signal_job(pid: int, sig: int) -> Optional[int]:
    """Signal the process group of ``pid`` (just ``pid`` if that group is ours); returns the group."""
    try:
        pgid = os.getpgid(pid)
    except OSError:
        return None
    try:
        if pgid == os.getpgrp():
            os.kill(pid, sig)
        else:
            os.killpg(pgid, sig)
    except OSError:
        pass
    return pgid


def _stop_process_group(pid: int, grace: float) -> None:
    """SIGTERM the job's process group, then SIGKILL whatever is left after ``grace`` seconds."""
    pgid = _signal_job(pid, signal.SIGTERM)
    if pgid is None:
        return
    if not _wait_group(pgid, grace):
        _signal_job(pid, signal.SIGKILL)
        for proc in _group_members(pgid):  # members that outlived the group leader
            try:
                proc.kill()
            except psutil.Error:
                pass
        _wait_group(pgid, 5)
    _wait_group_reaped(pgid, 2)


def _wait_group(pgid: int, timeout: float) -> bool:
    """Wait until no live (non-zombie) process is left in group ``pgid``."""
    deadline = time.monotonic() + timeout
    while True:
        reap_children()
        if not _group_members(pgid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def _wait_group_reaped(pgid: int, timeout: float) -> None:
    """Give the parents of exited members (often init) a moment to reap them, so the group disappears."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reap_children()
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        except OSError:
            return
        time.sleep(0.05)


# ------------------------------------------------------------------- launching
def _gpu_count() -> int:
    if not any(Path("/dev").glob("nvidia[0-9]*")):
        return 0  # no NVIDIA device: avoid importing torch here
    import torch

    return torch.cuda.device_count()


def ddp_processes(kind: str) -> int:
    """Processes to launch a job with: ``STUDIO_DDP_PROCS``, else one per GPU when several are present."""
    if kind not in DISTRIBUTED_KINDS:
        return 1
    forced = int(_env_number(DDP_PROCS_ENV, 0))
    return forced if forced > 0 else max(1, _gpu_count())


def worker_argv(job_id: int, kind: str) -> list[str]:
    """The command line of a job's worker (an argv list; never run through a shell)."""
    procs = ddp_processes(kind)
    if procs > 1:
        return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={procs}",
                "-m", "studio.jobs.worker", str(job_id)]
    return [sys.executable, "-m", "studio.jobs.worker", str(job_id)]


def _worker_env(studio: Studio, job_id: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(STUDIO_HOME=str(studio.paths.home), PYTHONUNBUFFERED="1", TQDM_DISABLE="1",
               TOKENIZERS_PARALLELISM="false", HF_HUB_DISABLE_PROGRESS_BARS="1")
    env[CLAIMED_ENV] = str(job_id)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def launch(job: JobRecord, studio: Studio) -> subprocess.Popen:
    """Start the worker of a claimed job in its own session; output goes to ``jobs/<id>/log.txt``."""
    folder = job_dir(job.id, studio)
    with open(folder / LOG_FILE, "ab") as log_file:
        log_file.write(f"\n=== {utcnow():%Y-%m-%d %H:%M:%S} UTC: starting job {job.id} ({job.kind}) ===\n".encode())
        log_file.flush()
        proc = subprocess.Popen(
            worker_argv(job.id, job.kind), cwd=folder, env=_worker_env(studio, job.id), stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
        )
    with _children_lock:
        _children[(str(studio.paths.home), job.id)] = (proc, studio)
    return proc


def reap_children(studio: Optional[Studio] = None) -> list[int]:
    """Collect exited workers started by this process; a job they left ``running`` is closed.

    Returns the ids of the reaped jobs of ``studio``'s data home (workers of every home are reaped).
    """
    with _children_lock:
        done = {key: value for key, value in _children.items() if value[0].poll() is not None}
        for key in done:
            del _children[key]
    home = str((studio or get_studio()).paths.home) if done else ""
    for (_, job_id), (proc, owner) in done.items():
        code = proc.returncode
        if (owner.paths.job_dir(job_id) / CANCEL_FILE).exists():
            state, error = "cancelled", "Cancelled by the user."
        elif code < 0:
            state, error = "interrupted", (f"The worker was stopped by signal {-code} "
                                           "(not a cancel); resume the job to continue from its last checkpoint.")
        else:
            state, error = "failed", f"The worker exited with code {code} without reporting; see the job's log."
        owner.store.end_running_job(job_id, state, error=error, pid=proc.pid)
    return [job_id for (key_home, job_id) in done if key_home == home]


def kick(studio: Optional[Studio] = None) -> list[int]:
    """Start queued jobs, oldest first, while fewer than ``max_concurrent()`` run; returns the started ids."""
    studio = studio or get_studio()
    store, started = studio.store, []
    with FileLock(str(studio.paths.jobs / ".scheduler.lock"), timeout=60):
        free = max_concurrent() - store.count_jobs(["running"])
        for job in store.queued_jobs():
            if free <= 0:
                break
            if not store.claim_job(job.id, os.getpid()):
                continue  # another process took it
            try:
                proc = launch(job, studio)
            except Exception as exc:  # noqa: BLE001 - the job must not stay "running"
                store.end_running_job(job.id, "failed", error=f"Could not start the worker: {exc}")
                continue
            store.update_job(job.id, pid=proc.pid)
            started.append(job.id)
            free -= 1
    return started


def reconcile(studio: Optional[Studio] = None, suspects: Optional[dict[int, float]] = None,
              stale_after: Optional[float] = None) -> list[int]:
    """Mark running jobs whose worker is gone as ``interrupted``; returns their ids.

    Live workers are left alone (re-attached: their own heartbeats keep the rows current). A live
    worker whose heartbeat is older than ``STUDIO_JOB_STALE_S`` (default 180 s) is hung: when
    ``suspects`` (a scheduler's memory) has seen it stale for that long again, it is killed and
    marked interrupted. Called without ``suspects`` (at start-up) it never kills anything.
    """
    studio = studio or get_studio()
    store = studio.store
    stale_after = stale_after if stale_after is not None else _env_number(STALE_ENV, 180)
    now, marked = utcnow(), []
    with _children_lock:  # workers this process started are closed by reap_children, with their exit code
        ours = {job_id for key_home, job_id in _children if key_home == str(studio.paths.home)}
    for job in store.list_jobs(["running"]):
        if job.id in ours:
            continue
        age = (now - job.heartbeat_at).total_seconds() if job.heartbeat_at else float("inf")
        if not process_alive(job.pid, job.started_at):
            if age < 5 and job.pid is None:
                continue
            state, error = "interrupted", (f"The worker (pid {job.pid}) is gone without reporting an end; "
                                           "resume the job to continue from its last checkpoint.")
            if (studio.paths.job_dir(job.id) / CANCEL_FILE).exists():
                state, error = "cancelled", "Cancelled by the user."
            if store.end_running_job(job.id, state, error=error, pid=job.pid):
                marked.append(job.id)
        elif age > stale_after and suspects is not None:
            first = suspects.setdefault(job.id, time.monotonic())
            if time.monotonic() - first >= stale_after:
                _stop_process_group(job.pid, 2.0)
                error = f"No heartbeat for {age:.0f} s: the worker hung and was stopped; resume the job."
                if store.end_running_job(job.id, "interrupted", error=error, pid=job.pid):
                    marked.append(job.id)
        elif suspects is not None:
            suspects.pop(job.id, None)
    return marked


# ------------------------------------------------------------------ public API
def submit(kind: str, payload: dict[str, Any], title: str = "", owner: str = "", *, start: bool = True,
           studio: Optional[Studio] = None) -> JobRecord:
    """Queue a job (and start it now when a slot is free, unless ``start`` is False).

    Raises:
        UnknownJobKindError: ``kind`` is not registered.
        JobError: the payload carries a secret (workers read tokens from their environment).
    """
    studio = studio or get_studio()
    kind_target(kind)
    check_payload(payload)
    job = studio.store.create_job(kind, payload, title=title or kind, owner=owner)
    job_dir(job.id, studio)
    if start:
        kick(studio)
    return studio.store.get_job(job.id)


def get_job(job_id: int, studio: Optional[Studio] = None) -> JobRecord:
    """One job, or JobError naming what exists."""
    try:
        return (studio or get_studio()).store.get_job(int(job_id))
    except NotFoundError:
        raise JobError(f"There is no job {job_id}; `clir-studio jobs list` shows the jobs.") from None


def cancel(job_id: int, grace: Optional[float] = None, studio: Optional[Studio] = None) -> JobRecord:
    """Cancel a queued or running job: SIGTERM to its process group, SIGKILL after ``grace`` seconds."""
    studio = studio or get_studio()
    store = studio.store
    job = get_job(job_id, studio)
    if job.state == "queued" and store.cancel_queued_job(job.id):
        return store.get_job(job.id)
    job = store.get_job(job.id)
    if job.state != "running":
        raise JobError(f"Job {job.id} is {job.state}; only queued or running jobs can be cancelled.")
    (job_dir(job.id, studio) / CANCEL_FILE).write_text(f"cancel requested at {utcnow():%Y-%m-%d %H:%M:%S} UTC\n")
    if process_alive(job.pid, job.started_at):
        _stop_process_group(job.pid, grace if grace is not None else _env_number(CANCEL_GRACE_ENV, 10))
    store.end_running_job(job.id, "cancelled", error="Cancelled by the user.")
    return store.get_job(job.id)


def resume(job_id: int, *, start: bool = True, studio: Optional[Studio] = None) -> JobRecord:
    """Queue a failed, cancelled or interrupted job again; it continues from its latest checkpoint."""
    studio = studio or get_studio()
    job = get_job(job_id, studio)
    if job.state not in ("failed", "cancelled", "interrupted"):
        raise JobError(f"Job {job.id} is {job.state}; only failed, cancelled or interrupted jobs can be resumed.")
    try:
        studio.store.requeue_job(job.id)
    except ValueError as exc:
        raise JobError(str(exc)) from None
    (studio.paths.job_dir(job.id) / CANCEL_FILE).unlink(missing_ok=True)
    if start:
        kick(studio)
    return studio.store.get_job(job.id)


def wait_for(job_id: int, on_update: Optional[Callable[[JobRecord], None]] = None, poll: float = 1.0,
             studio: Optional[Studio] = None) -> JobRecord:
    """Keep the queue moving (reap, reconcile, kick) until job ``job_id`` ends; returns its final record."""
    studio = studio or get_studio()
    while True:
        reap_children(studio)
        reconcile(studio)
        kick(studio)
        job = studio.store.get_job(job_id)
        if on_update is not None:
            on_update(job)
        if job.state in FINAL_STATES:
            return job
        time.sleep(poll)


# ------------------------------------------------------------------- scheduler
class Scheduler:
    """A background thread that reaps, reconciles and starts queued jobs every ``interval`` seconds."""

    def __init__(self, studio: Optional[Studio] = None, interval: float = 2.0) -> None:
        self.studio = studio or get_studio()
        self.interval = interval
        self._stop = threading.Event()
        self._suspects: dict[int, float] = {}
        self._thread: Optional[threading.Thread] = None

    def tick(self) -> None:
        reap_children(self.studio)
        reconcile(self.studio, suspects=self._suspects)
        kick(self.studio)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - keep scheduling; the next tick retries
                log.exception("job scheduler tick failed")
            self._stop.wait(self.interval)

    def start(self) -> Scheduler:
        reconcile(self.studio)
        self._thread = threading.Thread(target=self._loop, name="studio-job-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def run_forever(self) -> None:
        """Run in the calling thread (the ``python -m studio.jobs.runner`` entry point)."""
        reconcile(self.studio)
        self._loop()


_schedulers: dict[str, Scheduler] = {}


def start_scheduler(interval: float = 2.0) -> Scheduler:
    """Start this process's scheduler for the current data home (once); reconciles first."""
    studio = get_studio()
    key = str(studio.paths.home)
    if key not in _schedulers:
        _schedulers[key] = Scheduler(studio, interval).start()
    return _schedulers[key]


def stop_schedulers() -> None:
    """Stop every scheduler of this process (tests)."""
    for scheduler in _schedulers.values():
        scheduler.stop()
    _schedulers.clear()


if __name__ == "__main__":  # a headless scheduler: `python -m studio.jobs.runner`
    logging.basicConfig(level=logging.INFO)
    Scheduler(interval=float(sys.argv[1]) if len(sys.argv) > 1 else 2.0).run_forever()
