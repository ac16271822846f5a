"""Read-only views of jobs for the UI and the CLI: table rows, details, log tails, metric series."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Optional

from storage.records import JobRecord
from studio.context import Studio, get_studio
from studio.jobs.runner import FINAL_STATES, get_job, log_path

COLUMNS = ["id", "kind", "state", "title", "progress", "loss", "eta", "created", "owner"]


def format_duration(seconds: Optional[float]) -> str:
    """``95`` -> ``1m 35s``; empty for None."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else (f"{minutes}m {secs:02d}s" if minutes else f"{secs}s")


def progress_text(job: JobRecord) -> str:
    """``12/40 (30%)``, or the state's word when there is no step count yet."""
    if not job.total:
        return "" if job.state == "queued" else job.message
    return f"{job.step}/{job.total} ({100 * job.fraction:.0f}%)"


def job_row(job: JobRecord) -> dict[str, Any]:
    return {
        "id": job.id, "kind": job.kind, "state": job.state, "title": job.title, "progress": progress_text(job),
        "loss": "" if job.loss is None else f"{job.loss:.4f}",
        "eta": format_duration(job.eta_seconds) if job.state == "running" else "",
        "created": job.created_at.strftime("%Y-%m-%d %H:%M"), "owner": job.owner,
    }


def job_rows(limit: int = 100, studio: Optional[Studio] = None) -> list[dict[str, Any]]:
    """The newest jobs as table rows (see ``COLUMNS``)."""
    return [job_row(job) for job in (studio or get_studio()).store.list_jobs(limit=limit)]


def job_details(job_id: int, studio: Optional[Studio] = None) -> dict[str, Any]:
    """Everything about one job, JSON-ready."""
    studio = studio or get_studio()
    job = get_job(job_id, studio)
    return {
        "id": job.id, "kind": job.kind, "state": job.state, "title": job.title, "owner": job.owner,
        "progress": progress_text(job), "step": job.step, "total": job.total, "message": job.message,
        "loss": job.loss, "eta": format_duration(job.eta_seconds), "attempts": job.attempts, "error": job.error,
        "pid": job.pid, "payload": job.payload, "result": job.result,
        "created": job.created_at.isoformat(timespec="seconds"),
        "started": job.started_at.isoformat(timespec="seconds") if job.started_at else None,
        "finished": job.finished_at.isoformat(timespec="seconds") if job.finished_at else None,
        "heartbeat": job.heartbeat_at.isoformat(timespec="seconds") if job.heartbeat_at else None,
        "folder": str(studio.paths.job_dir(job.id)),
    }


def log_tail(job_id: int, lines: int = 200, studio: Optional[Studio] = None) -> str:
    """The last ``lines`` lines of the job's log (empty before it starts)."""
    path = log_path(int(job_id), studio)
    if not path.is_file():
        return ""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 200 * max(lines, 1)))
        text = handle.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def follow_log(job_id: int, poll: float = 0.5, studio: Optional[Studio] = None) -> Iterator[str]:
    """Yield the log as it grows (from the start) until the job ends."""
    studio = studio or get_studio()
    path, offset = log_path(int(job_id), studio), 0
    while True:
        state = get_job(job_id, studio).state
        if path.is_file():
            with open(path, "rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
            offset += len(chunk)
            if chunk:
                yield chunk.decode("utf-8", errors="replace")
        if state in FINAL_STATES:
            return
        time.sleep(poll)


def metric_series(job_id: int, studio: Optional[Studio] = None) -> dict[str, list[tuple[int, float]]]:
    """Logged scalars by name: ``{"loss": [(step, value), ...], "dev/ko-en/ndcg@10": [...]}``."""
    series: dict[str, list[tuple[int, float]]] = {}
    for point in (studio or get_studio()).store.job_metrics(int(job_id)):
        series.setdefault(point.name, []).append((point.step, point.value))
    return series
