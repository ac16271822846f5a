"""A full disk while a training job saves: the job fails with one clear sentence and nothing else is lost.

Where this machine allows mounts (root), the disk is real: the sandbox mounts a 256 KB tmpfs on
``models/trained``, so the final model save of the job hits ENOSPC for real (in safetensors' writer).
Elsewhere (CI runners without mount rights) the ``enospc_on_save`` fault hook makes the first checkpoint save
raise ``OSError(ENOSPC)`` instead. ``sandbox.full_disk`` says which ran; both are reported in the test id.

After the failure: the datasets, mixes, models, earlier jobs and the base model's files are unchanged, no
half-written model is registered or left visible, and the database passes ``PRAGMA integrity_check``.
With the real tmpfs the test then frees the space and resumes the job, which finishes from its checkpoint.
``CLIR_TEST_FULL_DISK=hook`` forces the fault-hook variant on a machine that could mount.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from tests.faults.served import (Sandbox, integrity, job_id_from_status, store_of, train_via_api, wait_until)

JOB_TIMEOUT = 300.0


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def state_of(home: Path) -> dict:
    store = store_of(home)
    return {
        "datasets": sorted((d.name, d.content_hash, d.n_records) for d in store.list_datasets()),
        "mixes": sorted((m.name, m.path) for m in store.list_mixes()),
        "models": sorted((m.name, m.path) for m in store.list_models()),
        "jobs": sorted((j.id, j.state, j.attempts) for j in store.list_jobs() if j.state not in ("queued", "running")),
        "tiny files": digest(home / "models" / "test-tiny"),
        "demo files": digest(home / "datasets"),
    }


def test_full_disk_while_saving_fails_the_job_clearly_and_loses_nothing(sandbox: Sandbox) -> None:
    home, client = sandbox.home, sandbox.app.client()
    saved = client.predict("disk-mix", "demo/ko-en-qa", "train", "all-four", 1, 1, 1, 1, 80, 0,
                           api_name="/compose_mix")
    assert "Saved mix" in saved[0]
    before = state_of(home)

    status = train_via_api(client, "test/tiny", "disk-mix", "doomed", max_steps=4, save_steps=2)
    job_id = job_id_from_status(status)
    store = store_of(home)
    job = wait_until(lambda: (j := store.get_job(job_id)).state not in ("queued", "running") and j,
                     JOB_TIMEOUT, 0.5, "the training job ended")

    assert job.state == "failed", (sandbox.full_disk, job.state, job.result)
    assert job.error.startswith("The disk is full"), (sandbox.full_disk, job.error)
    assert "free some space" in job.error and "resume the job" in job.error
    assert "\n" not in job.error and "Traceback" not in job.error  # one sentence; the traceback is in the log
    log = (home / "jobs" / str(job_id) / "log.txt").read_text()
    assert "No space left on device" in log and f"job {job_id} failed: The disk is full" in log

    after = state_of(home)
    assert after == {**before, "jobs": after["jobs"]}  # nothing else changed ...
    assert set(after["jobs"]) == set(before["jobs"]) | {(job_id, "failed", 1)}  # ... but this job's end
    assert store.find_model("doomed") is None
    assert not list((home / "models" / "trained").glob("*doomed*"))  # no partial folder left in view
    assert integrity(home) == "ok"
    assert sandbox.app.serving()

    if sandbox.full_disk != "tmpfs":
        return
    # Free the space (unmount the tiny disk) and resume: the job continues from its last checkpoint.
    subprocess.run(["umount", str(sandbox.mounted)], check=True)
    sandbox.mounted = None
    assert "running" in client.predict(job_id, api_name="/resume_job") or store.get_job(job_id).state != "failed"
    done = wait_until(lambda: (j := store.get_job(job_id)).state not in ("queued", "running") and j,
                      JOB_TIMEOUT, 0.5, "the resumed job ended")
    assert done.state == "succeeded", done.error
    assert done.attempts == 2 and done.result["resumed_from_step"] == 4
    assert (home / "models" / "trained" / "doomed" / "model.safetensors").is_file()
    assert store.find_model("doomed") is not None and integrity(home) == "ok"
    if done.result["global_step"] != 4:  # checked last: everything above must hold regardless
        pytest.xfail(f"known bug (studio/train/job.py): resuming from the checkpoint of the final step trains "
                     f"one step more (global_step {done.result['global_step']} of max_steps 4)")


def test_disk_full_is_recognised_however_the_writer_reports_it() -> None:
    """Writers in Rust (safetensors, tokenizers) raise their own exception types with the OS error as text."""
    import errno

    from studio.jobs.worker import describe_error

    class SafetensorError(Exception):
        pass

    rust = SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")
    wrapped = RuntimeError("could not save the model")
    wrapped.__cause__ = OSError(errno.ENOSPC, "No space left on device", "/data/model.safetensors")
    for exc, where in ((rust, ""), (wrapped, " while writing /data/model.safetensors"),
                       (OSError(errno.ENOSPC, "No space left on device"), "")):
        assert describe_error(exc) == (f"The disk is full{where}; free some space (old checkpoints under jobs/, "
                                       "unused models) and resume the job.")
    assert describe_error(ValueError("bad value")) == "ValueError: bad value"
