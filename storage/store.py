"""The store: the only code that queries the database.

Each public method is one short transaction and returns frozen records
(``storage.records``), never live ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Dataset, Evaluation, Job, JobMetric, Mix, Model, ModelParent, utcnow
from storage.records import (
    DatasetRecord,
    EvaluationRecord,
    JobRecord,
    MetricPoint,
    MixRecord,
    ModelRecord,
    ParentRecord,
    freeze,
)

ACTIVE_STATES = ("queued", "running")
FINAL_STATES = ("succeeded", "failed", "cancelled", "interrupted")


class NotFoundError(LookupError):
    """A named dataset, mix, model, job or evaluation does not exist."""


class DuplicateNameError(ValueError):
    """A dataset, mix or model with that name already exists."""


def _model_record(row: Model) -> ModelRecord:
    parents = tuple(ParentRecord(p.parent_name, p.parent_id, p.weight) for p in row.parents)
    return freeze(ModelRecord, row, parents=parents)


def _mix_record(row: Mix) -> MixRecord:
    return freeze(MixRecord, row, dataset_name=row.dataset.name)


class Store:
    """Typed access to datasets, mixes, models, jobs and evaluations."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def _begin(self) -> Any:
        return self._sessions.begin()

    @staticmethod
    def _one(session: Session, model: type, key: int | str, what: str) -> Any:
        column = model.id if isinstance(key, int) else model.name
        row = session.scalar(select(model).where(column == key))
        if row is None:
            raise NotFoundError(f"No {what} named {key!r}.")
        return row

    def _insert(self, row: object, what: str, name: str) -> None:
        try:
            with self._begin() as session:
                session.add(row)
        except IntegrityError as exc:
            raise DuplicateNameError(f"A {what} named {name!r} already exists; choose another name.") from exc

    # ----------------------------------------------------------------- datasets
    def add_dataset(self, **fields: Any) -> DatasetRecord:
        """Register a dataset (fields as in ``storage.models.Dataset``)."""
        row = Dataset(**fields)
        self._insert(row, "dataset", fields["name"])
        return self.get_dataset(row.id)

    def get_dataset(self, key: int | str) -> DatasetRecord:
        with self._begin() as session:
            return freeze(DatasetRecord, self._one(session, Dataset, key, "dataset"))

    def list_datasets(self) -> list[DatasetRecord]:
        with self._begin() as session:
            rows = session.scalars(select(Dataset).order_by(Dataset.created_at, Dataset.id))
            return [freeze(DatasetRecord, row) for row in rows]

    def update_dataset(self, key: int | str, **fields: Any) -> DatasetRecord:
        with self._begin() as session:
            row = self._one(session, Dataset, key, "dataset")
            for name, value in fields.items():
                setattr(row, name, value)
            session.flush()
            return freeze(DatasetRecord, row)

    def delete_dataset(self, key: int | str) -> None:
        with self._begin() as session:
            session.delete(self._one(session, Dataset, key, "dataset"))

    # -------------------------------------------------------------------- mixes
    def add_mix(self, **fields: Any) -> MixRecord:
        """Register a language mix (fields as in ``storage.models.Mix``)."""
        row = Mix(**fields)
        self._insert(row, "mix", fields["name"])
        return self.get_mix(row.id)

    def get_mix(self, key: int | str) -> MixRecord:
        with self._begin() as session:
            return _mix_record(self._one(session, Mix, key, "mix"))

    def list_mixes(self, dataset: Optional[int | str] = None) -> list[MixRecord]:
        with self._begin() as session:
            query = select(Mix).order_by(Mix.created_at, Mix.id)
            if dataset is not None:
                query = query.where(Mix.dataset_id == self._one(session, Dataset, dataset, "dataset").id)
            return [_mix_record(row) for row in session.scalars(query)]

    def delete_mix(self, key: int | str) -> None:
        with self._begin() as session:
            session.delete(self._one(session, Mix, key, "mix"))

    # ------------------------------------------------------------------- models
    def add_model(
        self,
        name: str,
        kind: str,
        path: str,
        *,
        parents: Sequence[tuple[str, Optional[float]]] = (),
        base_model: Optional[str] = None,
        **fields: Any,
    ) -> ModelRecord:
        """Register a model; ``parents`` are (registered name, weight) pairs, in order."""
        try:
            with self._begin() as session:
                row = Model(name=name, kind=kind, path=path, **fields)
                if base_model is not None:
                    row.base_model_id = self._one(session, Model, base_model, "model").id
                for position, (parent_name, weight) in enumerate(parents):
                    parent = session.scalar(select(Model).where(Model.name == parent_name))
                    row.parents.append(
                        ModelParent(
                            parent_id=parent.id if parent else None,
                            parent_name=parent_name,
                            position=position,
                            weight=weight,
                        )
                    )
                session.add(row)
                session.flush()
                return _model_record(row)
        except IntegrityError as exc:
            raise DuplicateNameError(f"A model named {name!r} already exists; choose another name.") from exc

    def get_model(self, key: int | str) -> ModelRecord:
        with self._begin() as session:
            return _model_record(self._one(session, Model, key, "model"))

    def find_model(self, name: str) -> Optional[ModelRecord]:
        """The model registered under ``name``, or None."""
        with self._begin() as session:
            row = session.scalar(select(Model).where(Model.name == name))
            return _model_record(row) if row else None

    def list_models(self, kind: Optional[str] = None) -> list[ModelRecord]:
        with self._begin() as session:
            query = select(Model).order_by(Model.created_at, Model.id)
            if kind is not None:
                query = query.where(Model.kind == kind)
            return [_model_record(row) for row in session.scalars(query)]

    def delete_model(self, key: int | str) -> None:
        with self._begin() as session:
            session.delete(self._one(session, Model, key, "model"))

    # --------------------------------------------------------------------- jobs
    def create_job(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        title: str = "",
        owner: str = "",
        parent_job_id: Optional[int] = None,
    ) -> JobRecord:
        """Queue a new job."""
        with self._begin() as session:
            row = Job(kind=kind, payload=payload, title=title, owner=owner, parent_job_id=parent_job_id)
            session.add(row)
            session.flush()
            return freeze(JobRecord, row)

    def get_job(self, job_id: int) -> JobRecord:
        with self._begin() as session:
            row = session.get(Job, job_id)
            if row is None:
                raise NotFoundError(f"No job with id {job_id}.")
            return freeze(JobRecord, row)

    def list_jobs(
        self, states: Optional[Iterable[str]] = None, *, kind: Optional[str] = None, limit: int = 200
    ) -> list[JobRecord]:
        """Jobs, newest first."""
        with self._begin() as session:
            query = select(Job).order_by(Job.id.desc()).limit(limit)
            if states is not None:
                query = query.where(Job.state.in_(list(states)))
            if kind is not None:
                query = query.where(Job.kind == kind)
            return [freeze(JobRecord, row) for row in session.scalars(query)]

    def queued_jobs(self) -> list[JobRecord]:
        """Queued jobs, oldest first (the order they start in)."""
        with self._begin() as session:
            rows = session.scalars(select(Job).where(Job.state == "queued").order_by(Job.id))
            return [freeze(JobRecord, row) for row in rows]

    def count_jobs(self, states: Iterable[str], owner: Optional[str] = None) -> int:
        with self._begin() as session:
            query = select(func.count(Job.id)).where(Job.state.in_(list(states)))
            if owner is not None:
                query = query.where(Job.owner == owner)
            return int(session.scalar(query) or 0)

    def claim_job(self, job_id: int, pid: int) -> bool:
        """Atomically move a queued job to running; False if someone else took it."""
        now = utcnow()
        with self._begin() as session:
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == "queued")
                .values(state="running", pid=pid, started_at=now, heartbeat_at=now, attempts=Job.attempts + 1,
                        error="", finished_at=None)
            )
            return result.rowcount == 1

    def update_job(self, job_id: int, **fields: Any) -> JobRecord:
        """Set fields of a job (progress, message, pid, payload, result...)."""
        with self._begin() as session:
            row = session.get(Job, job_id)
            if row is None:
                raise NotFoundError(f"No job with id {job_id}.")
            for name, value in fields.items():
                setattr(row, name, value)
            session.flush()
            return freeze(JobRecord, row)

    def heartbeat(self, job_id: int, **progress: Any) -> None:
        """Record that a running job is alive, with optional progress fields."""
        with self._begin() as session:
            session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow(), **progress))

    def finish_job(
        self, job_id: int, state: str, *, error: str = "", result: Optional[dict[str, Any]] = None
    ) -> JobRecord:
        """Move a job to a final state."""
        if state not in FINAL_STATES:
            raise ValueError(f"{state!r} is not a final job state")
        fields: dict[str, Any] = {"state": state, "error": error, "finished_at": utcnow(), "eta_seconds": None}
        if result is not None:
            fields["result"] = result
        return self.update_job(job_id, **fields)

    def requeue_job(self, job_id: int) -> JobRecord:
        """Put a failed, cancelled or interrupted job back in the queue (it resumes from its checkpoint)."""
        with self._begin() as session:
            row = session.get(Job, job_id)
            if row is None:
                raise NotFoundError(f"No job with id {job_id}.")
            if row.state in ACTIVE_STATES or row.state == "succeeded":
                raise ValueError(f"Job {job_id} is {row.state}; only failed, cancelled or interrupted jobs resume.")
            row.state, row.error, row.pid, row.finished_at = "queued", "", None, None
            session.flush()
            return freeze(JobRecord, row)

    def stale_running_jobs(self, older_than: timedelta) -> list[JobRecord]:
        """Running jobs whose last heartbeat is older than ``older_than``."""
        cutoff: datetime = utcnow() - older_than
        with self._begin() as session:
            rows = session.scalars(select(Job).where(Job.state == "running", Job.heartbeat_at < cutoff))
            return [freeze(JobRecord, row) for row in rows]

    def log_metrics(self, job_id: int, step: int, values: dict[str, float]) -> None:
        """Append scalars (loss, dev metrics...) logged at ``step``."""
        with self._begin() as session:
            session.add_all(JobMetric(job_id=job_id, step=step, name=k, value=float(v)) for k, v in values.items())

    def job_metrics(self, job_id: int) -> list[MetricPoint]:
        with self._begin() as session:
            rows = session.scalars(select(JobMetric).where(JobMetric.job_id == job_id).order_by(JobMetric.id))
            return [MetricPoint(row.step, row.name, row.value) for row in rows]

    def clear_metrics_after(self, job_id: int, step: int) -> None:
        """Drop metrics logged after ``step`` (a resumed job logs them again)."""
        with self._begin() as session:
            session.execute(delete(JobMetric).where(JobMetric.job_id == job_id, JobMetric.step > step))

    def cancel_queued_job(self, job_id: int) -> bool:
        """Atomically move a queued job to cancelled; False if it already started (or ended)."""
        with self._begin() as session:
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == "queued")
                .values(state="cancelled", finished_at=utcnow(), error="cancelled before it started")
            )
            return result.rowcount == 1

    def end_running_job(self, job_id: int, state: str, *, error: str = "", pid: Optional[int] = None) -> bool:
        """Atomically move a job that is still ``running`` (with ``pid``, when given) to a final state.

        Used by whoever watches a worker from outside, so that a state the worker wrote itself
        (succeeded, failed, cancelled) is never overwritten. False if the job was not running.
        """
        if state not in FINAL_STATES:
            raise ValueError(f"{state!r} is not a final job state")
        with self._begin() as session:
            query = update(Job).where(Job.id == job_id, Job.state == "running")
            if pid is not None:
                query = query.where(Job.pid == pid)
            result = session.execute(query.values(state=state, error=error, finished_at=utcnow(), eta_seconds=None))
            return result.rowcount == 1

    # -------------------------------------------------------------- evaluations
    def add_evaluation(self, **fields: Any) -> EvaluationRecord:
        """Store one evaluation (fields as in ``storage.models.Evaluation``)."""
        with self._begin() as session:
            row = Evaluation(**fields)
            session.add(row)
            session.flush()
            return freeze(EvaluationRecord, row)

    def get_evaluation(self, evaluation_id: int) -> EvaluationRecord:
        with self._begin() as session:
            row = session.get(Evaluation, evaluation_id)
            if row is None:
                raise NotFoundError(f"No evaluation with id {evaluation_id}.")
            return freeze(EvaluationRecord, row)

    def list_evaluations(
        self, *, model_name: Optional[str] = None, dataset_name: Optional[str] = None
    ) -> list[EvaluationRecord]:
        """Evaluations, newest first, optionally filtered."""
        with self._begin() as session:
            query = select(Evaluation).order_by(Evaluation.id.desc())
            if model_name is not None:
                query = query.where(Evaluation.model_name == model_name)
            if dataset_name is not None:
                query = query.where(Evaluation.dataset_name == dataset_name)
            return [freeze(EvaluationRecord, row) for row in session.scalars(query)]

    def delete_evaluation(self, evaluation_id: int) -> None:
        with self._begin() as session:
            session.execute(delete(Evaluation).where(Evaluation.id == evaluation_id))

    # ------------------------------------------------------------------ summary
    def counts(self) -> dict[str, int]:
        """Number of datasets, mixes, models, jobs and evaluations."""
        with self._begin() as session:
            return {
                table.__tablename__: int(session.scalar(select(func.count()).select_from(table)) or 0)
                for table in (Dataset, Mix, Model, Job, Evaluation)
            }

    # --------------------------------------------------------------- stage jobs
    def start_child_job(
        self, kind: str, payload: dict[str, Any], *, parent_job_id: int, pid: int, title: str = "", owner: str = ""
    ) -> JobRecord:
        """Create a job that is already running in process ``pid`` (a stage run inside its parent's worker).

        It is never queued, so no scheduler starts it; the parent's worker heartbeats and ends it.
        """
        now = utcnow()
        with self._begin() as session:
            row = Job(kind=kind, payload=payload, title=title, owner=owner, parent_job_id=parent_job_id,
                      state="running", pid=pid, started_at=now, heartbeat_at=now, attempts=1)
            session.add(row)
            session.flush()
            return freeze(JobRecord, row)

    def restart_child_job(self, job_id: int, pid: int) -> bool:
        """Atomically move an ended, unsucceeded child job back to running in process ``pid``."""
        now = utcnow()
        with self._begin() as session:
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state.in_(["failed", "cancelled", "interrupted"]))
                .values(state="running", pid=pid, started_at=now, heartbeat_at=now, attempts=Job.attempts + 1,
                        error="", finished_at=None)
            )
            return result.rowcount == 1

    def child_jobs(self, parent_job_id: int) -> list[JobRecord]:
        """Jobs started on behalf of ``parent_job_id``, oldest first."""
        with self._begin() as session:
            rows = session.scalars(select(Job).where(Job.parent_job_id == parent_job_id).order_by(Job.id))
            return [freeze(JobRecord, row) for row in rows]
