"""The runner with real worker subprocesses (fake kinds, no torch): queue, limits, cancel, secrets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from studio.jobs import runner
from studio.jobs.kinds import UnknownJobKindError, get_kind, kind_names
from studio.jobs.redact import SecretInPayloadError
from tests.jobs.conftest import wait_until


def test_kinds_registry_fails_clearly(jobs_env):
    assert {"train", "sleep", "fail"} <= set(kind_names())
    assert callable(get_kind("sleep"))
    with pytest.raises(UnknownJobKindError, match="Unknown job kind 'nope'; known kinds: .*train"):
        runner.submit("nope", {})


def test_job_runs_in_its_own_process_and_reports(jobs_env):
    job = runner.submit("sleep", {"steps": 3}, title="three naps")
    assert job.state == "running" and job.pid != os.getpid()
    final = runner.wait_for(job.id, poll=0.1)
    assert final.state == "succeeded", final.error
    assert (final.step, final.total, final.result) == (3, 3, {"slept_steps": 3})
    assert [p.value for p in jobs_env.store.job_metrics(job.id)] == [1.0, 0.5, 1 / 3]
    log = runner.log_path(job.id).read_text()
    assert f"starting job {job.id} (sleep)" in log and "succeeded" in log


def test_queue_respects_the_concurrency_limit(jobs_env, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_CONCURRENT_JOBS", "1")
    first = runner.submit("sleep", {"steps": 4, "dt": 0.1})
    second = runner.submit("sleep", {"steps": 1})
    assert (first.state, second.state) == ("running", "queued")
    assert runner.wait_for(second.id, poll=0.1).state == "succeeded"  # started after the first ended
    first, second = jobs_env.store.get_job(first.id), jobs_env.store.get_job(second.id)
    assert first.state == "succeeded" and second.started_at >= first.finished_at


def test_cancel_stops_the_whole_process_group(jobs_env):
    job = runner.submit("sleep", {"steps": 600, "dt": 0.1, "spawn_child": True})
    child_file = jobs_env.paths.job_dir(job.id) / "child.pid"
    wait_until(child_file.exists, 30)
    child = int(child_file.read_text())
    final = runner.cancel(job.id)
    assert final.state == "cancelled" and final.error == "Cancelled by the user."
    with pytest.raises(ProcessLookupError):
        os.killpg(job.pid, 0)
    assert not runner.process_alive(child)
    assert "cancelled" in runner.log_path(job.id).read_text()


def test_cancel_escalates_to_sigkill(jobs_env):
    job = runner.submit("sleep", {"steps": 600, "dt": 0.1, "ignore_sigterm": True})
    wait_until(lambda: jobs_env.store.get_job(job.id).step > 0, 30)
    final = runner.cancel(job.id, grace=0.5)
    assert final.state == "cancelled"
    with pytest.raises(ProcessLookupError):
        os.killpg(job.pid, 0)


def test_cancel_queued_and_resume(jobs_env):
    job = runner.submit("sleep", {"steps": 1}, start=False)
    assert runner.cancel(job.id).state == "cancelled"
    with pytest.raises(runner.JobError, match="only queued or running"):
        runner.cancel(job.id)
    resumed = runner.resume(job.id)
    assert resumed.state in ("running", "queued")
    assert runner.wait_for(job.id, poll=0.1).state == "succeeded"
    with pytest.raises(runner.JobError, match="only failed, cancelled or interrupted"):
        runner.resume(job.id)


def test_dead_worker_is_marked_interrupted_and_resumes(jobs_env):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = runner.submit("sleep", {"steps": 2}, start=False)
    assert jobs_env.store.claim_job(job.id, dead.pid)  # as if a worker had started, then vanished
    assert runner.reconcile() == [job.id]
    job = jobs_env.store.get_job(job.id)
    assert job.state == "interrupted" and "resume" in job.error
    runner.resume(job.id)
    assert runner.wait_for(job.id, poll=0.1).state == "succeeded"


def test_kill_9_of_a_child_worker_is_reported(jobs_env):
    job = runner.submit("sleep", {"steps": 600, "dt": 0.1})
    wait_until(lambda: jobs_env.store.get_job(job.id).step > 0, 30)
    os.kill(job.pid, signal.SIGKILL)
    final = runner.wait_for(job.id, poll=0.1)
    assert final.state == "interrupted" and "signal 9" in final.error


def test_secrets_stay_out_of_the_store_and_the_log(jobs_env, monkeypatch):
    secret = "hf_Secret123456789"
    monkeypatch.setenv("HF_TOKEN", secret)
    with pytest.raises(SecretInPayloadError, match="payload.hf_token looks like a secret"):
        runner.submit("sleep", {"hf_token": secret})
    with pytest.raises(SecretInPayloadError):
        runner.submit("sleep", {"notes": [f"token is {secret}"]})
    job = runner.submit("fail", {"detail": "boom"})
    final = runner.wait_for(job.id, poll=0.1)
    assert final.state == "failed" and final.error.startswith("the fake job failed on purpose (boom <redacted>")
    log = runner.log_path(job.id).read_text()
    assert secret not in log and secret not in str(final) and "<redacted>" in log
