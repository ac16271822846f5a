"""Where a study stands: one row per stage (done, running, failed, pending) with what it produced.

Read from the study job's row only (its ``result`` is written as each stage finishes), so the UI timer and
``clir-studio study run`` can poll it cheaply.

Example:
    >>> status = study_status(7)        # doctest: +SKIP
    >>> status.headline()               # doctest: +SKIP
    'Study study-7 (job #7) running: 42% · stage 6/15 · train cross-only: training, step 10/32 · ETA 12 min'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from studio.context import Studio, get_studio
from studio.study.preset import Stage, parse_study, plan_stages

RETRYABLE = ("failed", "cancelled", "interrupted")


@dataclass(frozen=True)
class StageStatus:
    """One stage of a study as the user sees it."""

    key: str
    label: str
    state: str  # done | running | failed | pending
    detail: str = ""
    seconds: Optional[float] = None
    attempt: Optional[int] = None


@dataclass(frozen=True)
class StudyStatus:
    """A study job's state, progress and stages."""

    job_id: int
    study: str
    state: str
    fraction: float
    message: str
    eta_seconds: Optional[float]
    error: str
    attempts: int
    stages: list[StageStatus] = field(default_factory=list)
    report: dict[str, str] = field(default_factory=dict)

    @property
    def can_retry(self) -> bool:
        return self.state in RETRYABLE

    @property
    def finished_stages(self) -> int:
        return sum(1 for stage in self.stages if stage.state == "done")

    def headline(self) -> str:
        """One line: state, progress, current stage, ETA (or the error)."""
        text = f"Study {self.study} (job #{self.job_id}) {self.state}"
        if self.state == "running":
            text += f": {self.fraction:.0%} · {self.message}"
            if self.eta_seconds:
                text += f" · ETA {format_seconds(self.eta_seconds)}"
        elif self.state == "queued":
            text += ": waiting for a free job slot"
        elif self.state != "succeeded":
            text += f" after {self.finished_stages} of {len(self.stages)} stages: {self.error or 'no detail'}"
        return text


def format_seconds(seconds: float) -> str:
    """``45 s``, ``12 min``, ``1 h 05 min``."""
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def _detail(stage: Stage, entry: dict[str, Any]) -> str:
    if stage.kind == "train" and entry.get("model"):
        steps = f", {entry['steps']} steps" if entry.get("steps") is not None else ""
        return f"model {entry['model']} (job #{entry.get('job_id')}{steps})"
    if stage.kind == "train" and entry.get("job_id"):
        return f"job #{entry['job_id']}"
    if entry.get("evaluation_id"):
        summary = entry.get("summary") or {}
        means = ", ".join(f"{k} {summary[k]:.3f}" for k in ("clir", "mono") if summary.get(k) is not None)
        return f"run #{entry['evaluation_id']}" + (f": {means}" if means else "")
    if stage.kind == "prepare" and entry.get("mixes"):
        return ", ".join(m["name"] for m in entry["mixes"].values())
    if stage.kind == "report" and entry.get("html"):
        return entry["html"]
    return entry.get("error", "")


def study_status(job_id: int, studio: Optional[Studio] = None) -> StudyStatus:
    """The study job's stages with their state, from its stored ``result``."""
    from studio.study.runner import get_study_job

    studio = studio or get_studio()
    job = get_study_job(job_id, studio)
    result = job.result or {}
    config = parse_study(job.payload)
    plan = [Stage(**item) for item in result["plan"]] if result.get("plan") else plan_stages(config)
    rows = []
    for stage in plan:
        entry = (result.get("stages") or {}).get(stage.key) or {}
        state = entry.get("state", "pending")
        if state == "running" and job.state != "running":
            state = "failed" if job.state in RETRYABLE else "pending"
        rows.append(StageStatus(stage.key, stage.label, state, _detail(stage, entry), entry.get("seconds"),
                                entry.get("attempt")))
    return StudyStatus(job.id, result.get("study") or config.study_name(job.id), job.state, job.fraction,
                       job.message, job.eta_seconds, job.error, job.attempts, rows, dict(result.get("report") or {}))
