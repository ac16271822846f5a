"""Job kinds for runner tests (registered through STUDIO_EXTRA_JOB_KINDS); no torch, so workers start fast."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from studio.errors import StudioError

EXTRA_KINDS = "sleep=tests.jobs.fake_kinds:sleep;fail=tests.jobs.fake_kinds:fail"


def sleep(payload: dict, ctx) -> dict:
    """Report ``steps`` steps ``dt`` seconds apart; optionally spawn a grandchild or ignore SIGTERM."""
    steps, dt = int(payload.get("steps", 5)), float(payload.get("dt", 0.05))
    if payload.get("ignore_sigterm"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if payload.get("spawn_child"):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        (ctx.job_dir / "child.pid").write_text(str(child.pid))
    (ctx.job_dir / "worker.pid").write_text(str(os.getpid()))
    for step in range(1, steps + 1):
        time.sleep(dt)
        ctx.progress(step, steps, "sleeping", loss=1.0 / step)
        ctx.log_metrics(step, {"loss": 1.0 / step})
    return {"slept_steps": steps}


def fail(payload: dict, ctx) -> dict:
    """Fail with a user error that mentions ``payload['detail']`` and the HF token if one is set."""
    raise StudioError(f"the fake job failed on purpose ({payload.get('detail', '')} {os.environ.get('HF_TOKEN', '')})")
