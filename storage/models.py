"""SQLAlchemy 2.x ORM models: datasets, mixes, models (with lineage), jobs and evaluations."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Current time in UTC, naive (SQLite stores no zone; every timestamp here is UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Dataset(Base):
    """An imported dataset stored as Parquet under ``datasets/``."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # "parallel" | "bitext"
    path: Mapped[str] = mapped_column(Text)  # relative to the data home
    content_hash: Mapped[str] = mapped_column(String(64))
    n_records: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(Text, default="")
    split_seed: Mapped[Optional[int]] = mapped_column(Integer)
    split_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)

    mixes: Mapped[list[Mix]] = relationship(back_populates="dataset", cascade="all, delete-orphan")


class Mix(Base):
    """A named language mix: training pairs composed from one dataset split."""

    __tablename__ = "mixes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    split: Mapped[str] = mapped_column(String(20))
    weights: Mapped[dict[str, Any]] = mapped_column(default=dict)  # direction -> weight
    budget: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # direction -> pairs
    path: Mapped[str] = mapped_column(Text)  # Parquet of pairs, relative to the data home
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)

    dataset: Mapped[Dataset] = relationship(back_populates="mixes")


class Model(Base):
    """A sentence-transformers model directory known to the studio, with its lineage."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # bundled | trained | merged | imported | hub
    path: Mapped[str] = mapped_column(Text)  # absolute, or relative to the data home
    base_model_id: Mapped[Optional[int]] = mapped_column(ForeignKey("models.id", ondelete="SET NULL"))
    dataset_id: Mapped[Optional[int]] = mapped_column(ForeignKey("datasets.id", ondelete="SET NULL"))
    mix_id: Mapped[Optional[int]] = mapped_column(ForeignKey("mixes.id", ondelete="SET NULL"))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    app_version: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)

    parents: Mapped[list[ModelParent]] = relationship(
        foreign_keys="ModelParent.child_id", cascade="all, delete-orphan", order_by="ModelParent.position"
    )


class ModelParent(Base):
    """One parent of a merged (or otherwise derived) model."""

    __tablename__ = "model_parents"
    __table_args__ = (UniqueConstraint("child_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("models.id", ondelete="SET NULL"))
    parent_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    weight: Mapped[Optional[float]] = mapped_column(Float)


class Job(Base):
    """A background job run by ``studio.jobs``: its payload, state and live progress."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    parent_job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    pid: Mapped[Optional[int]] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    loss: Mapped[Optional[float]] = mapped_column(Float)
    eta_seconds: Mapped[Optional[float]] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(DateTime())
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(DateTime())
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime())


class JobMetric(Base):
    """One logged scalar of a job (training loss, dev nDCG@10 per direction, ...)."""

    __tablename__ = "job_metrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    value: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class Evaluation(Base):
    """Retrieval metrics of one model on one dataset split, per direction."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[Optional[int]] = mapped_column(ForeignKey("models.id", ondelete="SET NULL"))
    model_name: Mapped[str] = mapped_column(String(200))  # e.g. a model name or "bm25"
    dataset_id: Mapped[Optional[int]] = mapped_column(ForeignKey("datasets.id", ondelete="SET NULL"))
    dataset_name: Mapped[str] = mapped_column(String(200))
    split: Mapped[str] = mapped_column(String(20), default="test")
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)  # direction -> metric -> value
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # clir / mono / all
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    n_queries: Mapped[int] = mapped_column(Integer, default=0)
    run_path: Mapped[str] = mapped_column(Text, default="")  # TREC run files, relative to home
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
