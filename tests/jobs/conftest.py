"""Fixtures for runner tests: fake job kinds, short grace periods, cleanup of stray workers."""

from __future__ import annotations

import os
import signal
import time
from typing import Callable

import pytest

from tests.jobs.fake_kinds import EXTRA_KINDS


def wait_until(predicate: Callable[[], object], timeout: float = 60.0, interval: float = 0.1) -> object:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def jobs_env(studio, monkeypatch: pytest.MonkeyPatch):
    """The test studio with the fake kinds registered (also for workers and schedulers we spawn)."""
    monkeypatch.setenv("STUDIO_EXTRA_JOB_KINDS", EXTRA_KINDS)
    monkeypatch.setenv("STUDIO_CANCEL_GRACE_S", "3")
    monkeypatch.delenv("STUDIO_MAX_CONCURRENT_JOBS", raising=False)
    monkeypatch.delenv("STUDIO_FAULTS", raising=False)
    yield studio
    from studio.jobs import runner

    for job in studio.store.list_jobs(["running"]):  # never leave workers behind
        if job.pid != os.getpid() and runner.process_alive(job.pid, job.started_at):
            try:
                if os.getpgid(job.pid) != os.getpgrp():
                    os.killpg(os.getpgid(job.pid), signal.SIGKILL)
            except OSError:
                pass
    runner.reap_children(studio)
