"""``kill -9`` of the served app while training jobs run, then a restart on the same data home.

Two jobs run at once under app A (queued through its public ``train`` endpoint):

- ``survivor``: its worker outlives the app (workers run in their own session). To keep it provably *running*
  across the restart without burning CPU, the test freezes it with SIGSTOP before the kill and thaws it
  after app B is up. App B must re-attach it: still ``running`` with the same pid, never restarted, and it
  then finishes on its own (attempt 1).
- ``resumed``: its worker pauses right after checkpoint-4 (the ``pause_on_save`` fault hook), then is killed
  with the app (its worker died too). App B must mark it ``interrupted`` with a message saying to resume,
  and after ``resume_job`` (app B's public endpoint) it continues from checkpoint-4 and succeeds (attempt 2).

Afterwards ``PRAGMA integrity_check`` is ``ok`` and both models are registered.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Iterator

import psutil
import pytest

from tests.faults.served import (ServedApp, bundled_cache, integrity, job_id_from_status, kill_job_group,
                                 kill_running_workers, make_app, seed_home, store_of, train_via_api, wait_until)

JOB_TIMEOUT = 300.0  # a worker imports torch first; slow on a loaded 2-core machine


@pytest.fixture
def home(tmp_path: Path, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = seed_home(tmp_path / "home", tiny_model_dir, bundled_cache(tmp_path_factory.getbasetemp().parent))
    yield home
    kill_running_workers(home)


def freeze(pid: int, home: Path) -> None:
    """SIGSTOP ``pid`` at a moment it holds no database write lock (retry otherwise)."""
    for _ in range(50):
        os.kill(pid, signal.SIGSTOP)
        wait_until(lambda: psutil.Process(pid).status() == psutil.STATUS_STOPPED, 10, 0.02, "worker stopped")
        try:
            with sqlite3.connect(home / "studio.db", timeout=0.5) as connection:
                connection.execute("BEGIN IMMEDIATE")
                connection.rollback()
            return
        except sqlite3.OperationalError:  # frozen inside a write transaction: let it finish and try again
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.05)
    raise AssertionError("could not freeze the worker outside a write transaction")


def test_kill_9_of_the_app_reattaches_live_workers_and_interrupts_dead_ones(home: Path, tmp_path: Path) -> None:
    store = store_of(home)
    app_a = make_app(home, tmp_path / "app.log", STUDIO_FAULTS="pause_on_save=4", STUDIO_MAX_CONCURRENT_JOBS="2")
    app_b: ServedApp | None = None
    stopped_pid = None
    try:
        app_a.start().wait_serving()
        client = app_a.client()
        saved = client.predict("kill-mix", "demo/ko-en-qa", "train", "all-four", 1, 1, 1, 1, 160, 0,
                               api_name="/compose_mix")
        assert "Saved mix" in saved[0]
        # survivor: checkpoints at 25, 50, 60 (never 4, so the pause fault does not touch it)
        survivor = job_id_from_status(train_via_api(client, "test/tiny", "kill-mix", "survivor",
                                                    max_steps=60, save_steps=25))
        # resumed: checkpoints at 2, 4, ...; sleeps after checkpoint-4
        resumed = job_id_from_status(train_via_api(client, "test/tiny", "kill-mix", "resumed",
                                                   max_steps=8, save_steps=2))

        first = wait_until(lambda: (j := store.get_job(survivor)).step >= 1 and j, JOB_TIMEOUT, 0.05,
                           "the survivor job training")
        assert first.state == "running" and first.step < 60
        stopped_pid = first.pid
        freeze(stopped_pid, home)
        paused = wait_until(lambda: "paused" in (j := store.get_job(resumed)).message and j, JOB_TIMEOUT, 0.2,
                            "the resumed job paused after checkpoint-4")
        assert paused.step == 4 and paused.state == "running"

        app_a.kill9()  # the app dies; the survivor's worker lives on (frozen), ...
        kill_job_group(paused.pid)  # ... the other job's worker dies as well
        wait_until(lambda: not psutil.pid_exists(paused.pid) or psutil.Process(paused.pid).status()
                   == psutil.STATUS_ZOMBIE, 30, 0.1, "the paused worker gone")
        assert psutil.Process(stopped_pid).is_running()
        assert integrity(home) == "ok"

        # App B on the same home and port, without the fault; it reconciles before it serves.
        app_b = make_app(home, tmp_path / "app.log", port=app_a.port, STUDIO_MAX_CONCURRENT_JOBS="2")
        app_b.start().wait_serving()
        alive = store.get_job(survivor)
        assert (alive.state, alive.pid, alive.attempts) == ("running", stopped_pid, 1), alive
        dead = store.get_job(resumed)
        assert dead.state == "interrupted", dead
        assert "resume" in dead.error.lower(), dead.error

        os.kill(stopped_pid, signal.SIGCONT)
        stopped_pid = None
        status = app_b.client().predict(resumed, api_name="/resume_job")
        assert status.startswith(f"Job {resumed} ") and ("running" in status or "queued" in status), status

        done = {job_id: wait_until(lambda job_id=job_id: (j := store.get_job(job_id)).state
                                   not in ("queued", "running") and j, JOB_TIMEOUT, 0.5, f"job {job_id} ended")
                for job_id in (survivor, resumed)}
    finally:
        if stopped_pid is not None:
            os.kill(stopped_pid, signal.SIGCONT)
        for app in (app_a, app_b):
            if app is not None:
                app.stop()

    kept, again = done[survivor], done[resumed]
    assert kept.state == "succeeded", kept.error
    assert (kept.attempts, kept.step, kept.result["global_step"]) == (1, 60, 60)
    assert "resumed_from_step" not in kept.result or not kept.result["resumed_from_step"]
    log = (home / "jobs" / str(survivor) / "log.txt").read_text()
    assert log.count(f"starting job {survivor} ") == 1  # re-attached, never started twice

    assert again.state == "succeeded", again.error
    assert (again.attempts, again.result["resumed_from_step"], again.result["global_step"]) == (2, 4, 8)
    log = (home / "jobs" / str(resumed) / "log.txt").read_text()
    assert "resuming from checkpoint-4 (step 4)" in log and log.count(f"starting job {resumed} ") == 2

    assert {"survivor", "resumed"} <= {m.name for m in store.list_models()}
    for name in ("survivor", "resumed"):
        assert (home / "models" / "trained" / name / "model.safetensors").is_file()
    assert integrity(home) == "ok"
