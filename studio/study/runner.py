"""The ``study`` job kind: every stage of a study, one after another, inside the study job's own worker.

The job runner starts one worker at a time on a CPU, so a study never waits for child jobs to get a slot:
it calls the library directly (``studio.data`` mixes, the ``train`` kind's ``run``, ``evaluate_model``,
``merge_models``, the report writer). Each finished stage is written to the study job's ``result`` at once
(model name, child job id, evaluation id, seconds, attempt), so a retried study (``runner.resume``) skips
finished stages; a training stage that was cut short resumes from its last checkpoint, because it runs again
under the same child job (``jobs/<child id>/checkpoints``). Training stages get a child row in the jobs table
(``parent_job_id`` = the study), created directly in the ``running`` state so no scheduler ever starts it;
its loss curve and log are visible in the Jobs tab. The study's own row shows "stage i of n" with an ETA.

Example:
    >>> from studio.study.runner import submit_study
    >>> job = submit_study(StudyConfig.for_setting("quick", dataset="demo/ko-en-qa",
    ...                                             base_model="bundled/multilingual-e5-small", budget=200))
"""

from __future__ import annotations

import copy
import gc
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from storage.models import utcnow
from storage.records import JobRecord
from studio.context import Studio, get_studio
from studio.errors import StudioError
from studio.jobs.context import JobContext
from studio.jobs.faults import fault
from studio.study.preset import (
    BASE,
    BELEBELE,
    BELEBELE_DATASET,
    COMPOSITIONS,
    CROSS_SIDE,
    MONO_SIDE,
    Stage,
    StudyConfig,
    mix_name,
    model_name,
    parse_study,
    plan_stages,
    train_config,
    training_steps,
)

JOB_KIND = "study"
FAIL_FAULT = "study_fail_at"  # STUDIO_FAULTS=study_fail_at=<stage key>: that stage raises (tests)
CHILD_HEARTBEAT_S = 5.0
REPORT_MIN_INTERVAL_S = 0.5


class StudyError(StudioError):
    """A study cannot start, or one of its stages cannot run."""


# ------------------------------------------------------------------------------------------ queueing
def check_study(config: StudyConfig, studio: Optional[Studio] = None) -> None:
    """Fail before queueing: unknown or unsplit dataset, unknown base model, a budget the train split cannot give."""
    from studio.data.mixes import compose_mix
    from studio.data.registry import find_dataset

    studio = studio or get_studio()
    record = find_dataset(config.dataset, studio)
    if record is None:
        names = ", ".join(d.name for d in studio.store.list_datasets()) or "none yet"
        raise StudyError(f"Unknown dataset {config.dataset!r}; registered datasets: {names}.")
    if record.kind != "parallel":
        raise StudyError(f"The study needs a parallel dataset (query and passage in both languages); "
                         f"{record.name!r} holds {record.kind} pairs.")
    if not record.split_counts or not record.split_counts.get(config.split):
        raise StudyError(f"Dataset {record.name!r} has no {config.split!r} split to evaluate on; split it first "
                         f"(clir-studio data split {record.name!r} --ratios 0.8,0.1,0.1).")
    if studio.store.find_model(config.base_model) is None and not Path(config.base_model).expanduser().is_dir():
        raise StudyError(f"Unknown base model {config.base_model!r}; pick a registered model "
                         "(`clir-studio models list`).")
    if config.belebele_dir and not Path(config.belebele_dir).expanduser().is_dir():
        raise StudyError(f"The Belebele folder {config.belebele_dir} does not exist; give the folder holding the "
                         "Belebele Korean and English files, or leave it empty.")
    largest = largest_budget(record.name, studio)
    if config.budget > largest:
        raise StudyError(f"A budget of {config.budget:,} pairs is more than {record.name!r} can give every composition "
                         f"(a record gives one pair per direction, and mono-ko needs all {config.budget:,} from "
                         f"ko-ko); use a budget of at most {largest:,}.")
    for composition in COMPOSITIONS:  # a dry run of each mix
        compose_mix(record.name, "train", preset=composition, budget=config.budget, seed=config.seed, studio=studio)
    if config.name:
        taken = [model_name(config.name, c) for c in COMPOSITIONS if studio.store.find_model(model_name(config.name, c))]
        if taken:
            raise StudyError(f"The study name {config.name!r} is taken (model {taken[0]!r} exists); choose another name.")


def largest_budget(dataset: str, studio: Optional[Studio] = None) -> int:
    """The largest budget every composition can draw from the dataset's train split."""
    from studio.data.mixes import max_budget, resolve_weights, usable_rows
    from studio.data.registry import get_dataset, load_records
    from studio.data.schema import DIRECTIONS

    studio = studio or get_studio()
    record = get_dataset(dataset, studio)
    frame = load_records(record.name, "train", studio)
    available = {d: int(len(usable_rows(frame, record.kind, d))) for d in DIRECTIONS}
    return min(max_budget(resolve_weights(c), available) for c in COMPOSITIONS)


def submit_study(config: StudyConfig, owner: str = "", *, start: bool = True,
                 studio: Optional[Studio] = None) -> JobRecord:
    """Check the config and queue a ``study`` job (the Belebele folder defaults to ``STUDIO_BELEBELE_DIR``)."""
    from studio.access import check_job_quota, require_write
    from studio.data.benchmarks import BELEBELE_ENV
    from studio.jobs.runner import submit

    require_write("running studies (they train and register models)")
    studio = studio or get_studio()
    check_job_quota(owner, studio)
    if not config.belebele_dir and os.environ.get(BELEBELE_ENV, "").strip():
        config = config.model_copy(update={"belebele_dir": os.environ[BELEBELE_ENV].strip()})
    check_study(config, studio)
    if config.name:
        for job in studio.store.list_jobs(["queued", "running"], kind=JOB_KIND):
            if job.payload.get("name") == config.name:
                raise StudyError(f"Job {job.id} is already running a study named {config.name!r}; choose another name.")
    title = (f"study {config.name + ': ' if config.name else ''}{config.base_model} on {config.dataset} "
             f"({config.budget} pairs, seed {config.seed}, {config.setting})")
    return submit(JOB_KIND, config.model_dump(), title=title, owner=owner, start=start, studio=studio)


def get_study_job(job_id: int, studio: Optional[Studio] = None) -> JobRecord:
    """The study job ``job_id``, or StudyError when it is missing or another kind of job."""
    from studio.jobs.runner import get_job

    job = get_job(int(job_id), studio)
    if job.kind != JOB_KIND:
        raise StudyError(f"Job {job.id} is a {job.kind} job, not a study; `clir-studio study list` shows the studies.")
    return job


def retry_study(job_id: int, *, start: bool = True, studio: Optional[Studio] = None) -> JobRecord:
    """Queue a failed, cancelled or interrupted study again; its finished stages are skipped."""
    from studio.access import require_write
    from studio.jobs.runner import resume

    require_write("retrying studies")
    job = get_study_job(job_id, studio)
    return resume(job.id, start=start, studio=studio)


def list_studies(studio: Optional[Studio] = None, limit: int = 50) -> list[JobRecord]:
    """Study jobs, newest first."""
    return (studio or get_studio()).store.list_jobs(kind=JOB_KIND, limit=limit)


# ------------------------------------------------------------------------------------------ progress
def stage_cost(stage: Stage, config: StudyConfig, heldout_queries: int) -> float:
    """Rough cost of a stage in passage encodings (only the ratios matter: the ETA calibrates itself)."""
    heldout = heldout_queries * 2 * 1.15  # queries are short: a query costs ~0.15 passage
    belebele = 900 * 2 * 0.3 + 488 * 2 * 1.5
    evaluation = belebele if stage.benchmark == BELEBELE else heldout
    if stage.kind == "train":
        return training_steps(config) * config.batch_size * 3.5 + 40
    if stage.kind == "evaluate":
        return evaluation + 10
    if stage.kind == "sweep":
        return evaluation + 40
    return 10.0


class StudyProgress:
    """Maps a stage's own progress onto the study job's row: "stage i/n · label: message", step/total, ETA."""

    def __init__(self, ctx: JobContext, stages: list[Stage], costs: list[float]) -> None:
        self.ctx, self.stages, self.costs = ctx, stages, costs
        self.total = max(1, int(sum(costs)))
        self.index, self._last = 0, 0.0

    def start(self, index: int) -> None:
        self.index = index
        self.report(0.0, "starting", force=True)

    def report(self, fraction: float, message: str = "", force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < REPORT_MIN_INTERVAL_S:
            return
        self._last = now
        done = sum(self.costs[: self.index]) + max(0.0, min(1.0, fraction)) * self.costs[self.index]
        stage = self.stages[self.index]
        text = f"stage {self.index + 1}/{len(self.stages)} · {stage.label}" + (f": {message}" if message else "")
        self.ctx.progress(min(int(done), self.total), self.total, text)

    def callback(self) -> Callable[[int, int, str], None]:
        """A ``progress(step, total, message)`` for library functions."""
        return lambda step, total, message: self.report(step / total if total else 0.0, message)


@dataclass
class StageContext(JobContext):
    """The JobContext a training stage runs under: its child job's row, mirrored onto the study's."""

    on_progress: Optional[Callable[[int, int, str], None]] = None

    def progress(self, step: int, total: int, message: str = "", loss: Optional[float] = None) -> None:
        super().progress(step, total, message, loss)
        if self.on_progress is not None:
            shown = f"{message}, step {step}/{total}" + (f", loss {loss:.3f}" if loss is not None else "")
            self.on_progress(step, total, shown)


class ChildHeartbeat(threading.Thread):
    """Heartbeats a child job's row while its stage runs (the study worker heartbeats only its own)."""

    def __init__(self, studio: Studio, job_id: int) -> None:
        super().__init__(name=f"child-{job_id}-heartbeat", daemon=True)
        self.studio, self.job_id = studio, job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(CHILD_HEARTBEAT_S):
            try:
                self.studio.store.heartbeat(self.job_id)
            except Exception:  # noqa: BLE001 - a locked database must not stop the stage
                pass


def _simulated_failure(stage: Stage) -> None:
    """Raise when ``STUDIO_FAULTS`` names this stage (``study_fail_at=<stage key>``; reliability tests)."""
    if fault(FAIL_FAULT) == stage.key:
        raise StudyError(f"Simulated failure at stage {stage.key} (STUDIO_FAULTS); retry the study.")


# ------------------------------------------------------------------------------------------- the run
class StudyRun:
    """Runs the stages of one study job, recording each as it finishes."""

    def __init__(self, config: StudyConfig, ctx: JobContext) -> None:
        self.config, self.ctx, self.studio = config, ctx, ctx.studio
        self.store = ctx.studio.store
        job = self.store.get_job(ctx.job_id)
        self.attempt = job.attempts
        self.study = config.study_name(ctx.job_id)
        self.result: dict[str, Any] = copy.deepcopy(job.result or {})
        self.result.setdefault("stages", {})
        self.result.update(study=self.study, config=config.model_dump())
        self.stages = plan_stages(config)
        self.result["plan"] = [stage.to_dict() for stage in self.stages]

    # -------------------------------------------------------------- bookkeeping
    def _save(self) -> None:
        self.store.update_job(self.ctx.job_id, result=copy.deepcopy(self.result))

    def done(self, key: str) -> Optional[dict[str, Any]]:
        entry = self.result["stages"].get(key)
        return entry if entry and entry.get("state") == "done" else None

    def _record(self, stage: Stage, state: str, **fields: Any) -> None:
        entry = dict(self.result["stages"].get(stage.key) or {})
        if state != "failed":
            entry.pop("error", None)  # a previous attempt's
        entry.update(fields, state=state, attempt=self.attempt)
        self.result["stages"][stage.key] = entry
        self._save()

    def run(self) -> dict[str, Any]:
        heldout = self._heldout_queries()
        progress = StudyProgress(self.ctx, self.stages, [stage_cost(s, self.config, heldout) for s in self.stages])
        self._save()
        for index, stage in enumerate(self.stages):
            if self.done(stage.key):
                continue
            progress.start(index)
            started = time.monotonic()
            self._record(stage, "running", started_at=utcnow().isoformat(timespec="seconds"))
            try:
                if stage.kind != "train":  # a training stage fails inside its child job (see _train)
                    _simulated_failure(stage)
                outcome = getattr(self, f"_{stage.kind}")(stage, progress)
            except BaseException as exc:
                from studio.jobs.worker import describe_error

                error = describe_error(exc) if isinstance(exc, Exception) else "stopped before it finished"
                self._record(stage, "failed", error=error)
                raise
            self._record(stage, "done", **outcome, seconds=round(time.monotonic() - started, 1),
                         finished_at=utcnow().isoformat(timespec="seconds"))
        progress.report(1.0, f"done: report in {self.result.get('report', {}).get('html', '')}", force=True)
        return self.result

    def _heldout_queries(self) -> int:
        record = self.store.get_dataset(self.config.dataset)
        available = int((record.split_counts or {}).get(self.config.split, 0))
        return min(available, self.config.eval_limit) if self.config.eval_limit else available

    # ------------------------------------------------------------------- stages
    def _prepare(self, stage: Stage, progress: StudyProgress) -> dict[str, Any]:
        """Compose (or reuse) the four mixes; record the data and base-model hashes."""
        from studio.data.mixes import PRESETS, find_mix, resolve_weights, save_mix
        from studio.data.registry import get_dataset
        from studio.train.job import data_hash

        dataset = get_dataset(self.config.dataset, self.studio)
        mixes = {}
        for i, composition in enumerate(COMPOSITIONS):
            progress.report(i / len(COMPOSITIONS), f"mix {composition}")
            name = mix_name(self.study, composition)
            mix = find_mix(name, self.studio)
            if mix is None:
                mix = save_mix(name, dataset.name, "train", preset=composition, budget=self.config.budget,
                               seed=self.config.seed, studio=self.studio)
            elif (mix.dataset_id, mix.budget, mix.seed, mix.weights) != (
                    dataset.id, self.config.budget, self.config.seed, resolve_weights(composition)):
                raise StudyError(f"A mix named {name!r} exists with other settings; delete it or give the study "
                                 "another name.")
            mixes[composition] = {"id": mix.id, "name": mix.name, "counts": mix.counts, "split": mix.split,
                                  "weights": dict(PRESETS[composition]),
                                  "sha256": data_hash(self.studio, mix)}
        return {"dataset": {"name": dataset.name, "id": dataset.id, "content_hash": dataset.content_hash,
                            "n_records": dataset.n_records, "split_counts": dataset.split_counts,
                            "split_seed": dataset.split_seed},
                "mixes": mixes, "base_fingerprint": self._fingerprint(self.config.base_model)}

    def _train(self, stage: Stage, progress: StudyProgress) -> dict[str, Any]:
        """Train one composition under a child job (resuming its checkpoints on a retry)."""
        from studio.train.job import run as train_run

        config = train_config(self.config, self.study, stage.subject)
        prior = self.result["stages"].get(stage.key) or {}
        existing = self.store.find_model(config.name)
        if existing is not None:
            if prior.get("job_id") and existing.config.get("job_id") == prior["job_id"]:
                return self._trained(config.name, prior["job_id"], {})  # registered just before a crash
            raise StudyError(f"A model named {config.name!r} already exists but was not trained by this study; "
                             "forget it (clir-studio models forget) or give the study another name.")
        child = self._child_job("train", config.model_dump(), f"{stage.label} (study {self.study})",
                                prior.get("job_id"))
        self._record(stage, "running", job_id=child.id)
        sub = StageContext(job_id=child.id, studio=self.studio, job_dir=self.studio.paths.job_dir(child.id),
                           on_progress=progress.callback())
        sub.job_dir.mkdir(parents=True, exist_ok=True)
        result = self._in_child(child.id, lambda: _simulated_failure(stage) or train_run(config.model_dump(), sub))
        if not self.config.keep_checkpoints:
            shutil.rmtree(sub.job_dir / "checkpoints", ignore_errors=True)
        gc.collect()
        return self._trained(config.name, child.id, result)

    def _trained(self, name: str, job_id: int, result: dict[str, Any]) -> dict[str, Any]:
        record = self.store.get_model(name)
        return {"model": name, "job_id": job_id, "model_path": record.path, "fingerprint": self._fingerprint(name),
                "steps": result.get("global_step"), "train_loss": result.get("train_loss"),
                "train_seconds": result.get("train_runtime"), "resumed_from_step": result.get("resumed_from_step")}

    def _evaluate(self, stage: Stage, progress: StudyProgress) -> dict[str, Any]:
        """Evaluate the base model or a trained model in the four directions."""
        reference = self.config.base_model if stage.subject == BASE else model_name(self.study, stage.subject)
        return self._evaluation(self._load(reference), reference, stage, progress)

    def _sweep(self, stage: Stage, progress: StudyProgress) -> dict[str, Any]:
        """Merge the monolingual and cross-lingual models at one weight (in memory) and evaluate the merge."""
        from studio.merge import MergeSpec
        from studio.merge.io import merge_models
        from studio.merge.sweep import sweep_weights

        alpha = float(stage.subject)
        models = [model_name(self.study, c) for c in (*MONO_SIDE, *CROSS_SIDE)]
        for reference in models:
            self._load(reference)  # parents at the evaluation sequence length, through the shared model cache
        grid = sweep_weights(self.config.sweep_steps, len(models), axis=len(models) - 1)  # the cross model is swept
        weights = grid[self.config.sweep_alphas().index(alpha)][1]
        spec = MergeSpec.make(models, weights, method="linear")
        progress.report(0.0, "merging")
        merged = merge_models(spec, studio=self.studio).model
        merged.max_seq_length = self.config.eval_max_seq_length
        outcome = self._evaluation(merged, f"{self.study}/merge-a{alpha:.2f}", stage, progress)
        return {**outcome, "alpha": alpha, "merge": spec.to_dict()}

    def _report(self, stage: Stage, progress: StudyProgress) -> dict[str, Any]:
        from studio.study.report import write_report

        paths = write_report(self.result, self.studio, job_id=self.ctx.job_id)
        self.result["report"] = paths
        return paths

    # ------------------------------------------------------------------ helpers
    def _evaluation(self, model: Any, name: str, stage: Stage, progress: StudyProgress) -> dict[str, Any]:
        from studio.evaluate.evaluator import evaluate_model

        if stage.benchmark == BELEBELE:
            dataset, split, limit, folder = BELEBELE_DATASET, "test", None, self.config.belebele_dir
        else:
            dataset, split, limit, folder = self.config.dataset, self.config.split, self.config.eval_limit_or_none(), None
        result = evaluate_model(model, dataset, split=split, limit=limit, benchmark_dir=folder, model_name=name,
                                progress=progress.callback(), job_id=self.ctx.job_id, studio=self.studio)
        return {"evaluation_id": result.evaluation_id, "model": name, "run_path": result.run_path,
                "n_queries": result.n_queries, "summary": result.summary}

    def _load(self, reference: str) -> Any:
        """A model at the study's evaluation sequence length (every model is evaluated alike)."""
        from studio.modelref import load_model

        model = load_model(reference, self.studio)
        model.max_seq_length = self.config.eval_max_seq_length
        return model

    def _fingerprint(self, reference: str) -> str:
        from studio.modelref import model_fingerprint, resolve_model

        return model_fingerprint(resolve_model(reference, self.studio))

    def _child_job(self, kind: str, payload: dict[str, Any], title: str, prior_id: Optional[int]) -> JobRecord:
        """The stage's child job: the previous attempt's row restarted (same checkpoints), else a new one."""
        from storage import NotFoundError
        from studio.jobs.runner import process_alive

        pid = os.getpid()
        if prior_id:
            try:
                previous = self.store.get_job(int(prior_id))
            except NotFoundError:
                previous = None
            if previous is not None and previous.state == "running" and not process_alive(previous.pid,
                                                                                          previous.started_at):
                self.store.end_running_job(previous.id, "interrupted", error="Its study's worker is gone.",
                                           pid=previous.pid)  # the scheduler has not reconciled it yet
                previous = self.store.get_job(previous.id)
            if previous is not None and previous.state in ("queued", "running"):
                raise StudyError(f"Job {previous.id} ({previous.title}) is {previous.state} on its own; wait for it "
                                 "to end, then retry the study.")
            if previous is not None and self.store.restart_child_job(previous.id, pid):
                return self._note_log(self.store.get_job(previous.id))
        return self._note_log(self.store.start_child_job(kind, payload, parent_job_id=self.ctx.job_id, pid=pid,
                                                         title=title, owner=self.store.get_job(self.ctx.job_id).owner))

    def _note_log(self, child: JobRecord) -> JobRecord:
        """Point the child's log at the study's: the stage runs (and prints) in the study's worker."""
        folder = self.studio.paths.job_dir(child.id)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "log.txt", "a", encoding="utf-8") as log:
            log.write(f"=== {utcnow():%Y-%m-%d %H:%M:%S} UTC: attempt {child.attempts}, running inside study job "
                      f"{self.ctx.job_id}; its output is in jobs/{self.ctx.job_id}/log.txt ===\n")
        return child

    def _in_child(self, child_id: int, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run ``work`` as child job ``child_id``: heartbeat it, then end it as the work ended."""
        from studio.jobs.worker import JobTerminated, describe_error

        heartbeat = ChildHeartbeat(self.studio, child_id)
        heartbeat.start()
        try:
            result = work()
        except BaseException as exc:
            state = "interrupted" if isinstance(exc, (JobTerminated, KeyboardInterrupt)) else "failed"
            self.store.finish_job(child_id, state, error=describe_error(exc) if state == "failed"
                                  else "Stopped with its study; retry the study to continue from the last checkpoint.")
            raise
        finally:
            heartbeat.stopped.set()
        self.store.finish_job(child_id, "succeeded", result=result)
        return result


def run(payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Job entry point (the ``study`` kind): run the study's unfinished stages in order."""
    return StudyRun(parse_study(payload), ctx).run()
