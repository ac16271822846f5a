"""Frozen records handed out by the store, so callers never hold a live ORM session."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Optional, TypeVar

T = TypeVar("T")


def freeze(cls: type[T], row: object, **extra: Any) -> T:
    """Copy the attributes named by dataclass ``cls`` from an ORM ``row``."""
    values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in extra}  # type: ignore[arg-type]
    return cls(**values, **extra)


@dataclass(frozen=True)
class DatasetRecord:
    id: int
    name: str
    kind: str
    path: str
    content_hash: str
    n_records: int
    source: str
    licence: str
    split_seed: Optional[int]
    split_counts: dict[str, Any]
    report: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class MixRecord:
    id: int
    name: str
    dataset_id: int
    split: str
    weights: dict[str, Any]
    budget: int
    seed: int
    counts: dict[str, Any]
    path: str
    created_at: datetime
    dataset_name: str = ""


@dataclass(frozen=True)
class ParentRecord:
    parent_name: str
    parent_id: Optional[int]
    weight: Optional[float]


@dataclass(frozen=True)
class ModelRecord:
    id: int
    name: str
    kind: str
    path: str
    base_model_id: Optional[int]
    dataset_id: Optional[int]
    mix_id: Optional[int]
    config: dict[str, Any]
    description: str
    app_version: str
    created_at: datetime
    parents: tuple[ParentRecord, ...] = field(default=())


@dataclass(frozen=True)
class JobRecord:
    id: int
    kind: str
    state: str
    title: str
    owner: str
    payload: dict[str, Any]
    result: dict[str, Any]
    parent_job_id: Optional[int]
    pid: Optional[int]
    step: int
    total: int
    message: str
    loss: Optional[float]
    eta_seconds: Optional[float]
    attempts: int
    error: str
    heartbeat_at: Optional[datetime]
    created_at: datetime
    started_at: Optional[datetime]
    finished_at: Optional[datetime]

    @property
    def fraction(self) -> float:
        """Progress in [0, 1]."""
        return min(1.0, self.step / self.total) if self.total else 0.0

    @property
    def is_active(self) -> bool:
        return self.state in ("queued", "running")


@dataclass(frozen=True)
class MetricPoint:
    step: int
    name: str
    value: float


@dataclass(frozen=True)
class EvaluationRecord:
    id: int
    model_id: Optional[int]
    model_name: str
    dataset_id: Optional[int]
    dataset_name: str
    split: str
    metrics: dict[str, Any]
    summary: dict[str, Any]
    config: dict[str, Any]
    n_queries: int
    run_path: str
    job_id: Optional[int]
    created_at: datetime
