"""Schedulers as separate processes: a killed app leaves its jobs running; two apps never double-start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from studio.jobs import runner
from tests.jobs.conftest import wait_until


def start_app(log: Path) -> subprocess.Popen:
    """A stand-in for the app: a process running the job scheduler (what serve() starts)."""
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "studio.jobs.runner", "0.3"], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killing_the_app_leaves_the_job_running(jobs_env, tmp_path):
    store = jobs_env.store
    app = start_app(tmp_path / "app1.log")
    try:
        job = runner.submit("sleep", {"steps": 50, "dt": 0.1}, start=False)
        job = wait_until(lambda: (j := store.get_job(job.id)).step > 0 and j.pid != app.pid and j, 60)
        os.kill(app.pid, signal.SIGKILL)  # the app dies; its scheduler thread with it
        app.wait()
        assert runner.process_alive(job.pid, job.started_at)
        app = start_app(tmp_path / "app2.log")  # restarted app: reconciles at start, re-attaches
        wait_until(lambda: store.get_job(job.id).step >= job.step + 3, 30)
        shown = store.list_jobs(["running"])
        assert [j.id for j in shown] == [job.id] and shown[0].pid == job.pid
        final = wait_until(lambda: (j := store.get_job(job.id)).state != "running" and j, 60)
        assert final.state == "succeeded" and final.step == 50 and final.attempts == 1
    finally:
        stop(app)


def test_two_apps_never_start_a_job_twice(jobs_env, tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_CONCURRENT_JOBS", "2")
    jobs = [runner.submit("sleep", {"steps": 2}, start=False) for _ in range(3)]
    apps = [start_app(tmp_path / f"app{i}.log") for i in range(2)]
    try:
        for job in jobs:
            wait_until(lambda: jobs_env.store.get_job(job.id).state == "succeeded", 90)
    finally:
        for app in apps:
            stop(app)
    for job in jobs:
        assert jobs_env.store.get_job(job.id).attempts == 1
        assert runner.log_path(job.id).read_text().count(f"starting job {job.id} ") == 1
