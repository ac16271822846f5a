"""Training jobs on the tiny model: kill -9 and resume, full disk, corrupt checkpoint, unloadable base model.

The kill -9 test uses real worker subprocesses; the failure tests run the worker body in-process
(``studio.jobs.worker.execute``, the same code path minus the interpreter start) to stay quick.
"""

from __future__ import annotations

import os
import shutil
import signal

import pytest

from studio.jobs import runner
from studio.jobs.worker import execute
from studio.train.job import TrainError, submit_training
from tests.jobs.conftest import wait_until
from tests.train.conftest import FAST, fast_config


def test_kill_9_mid_run_then_resume_continues_from_the_checkpoint(train_env, monkeypatch):
    store = train_env.store
    monkeypatch.setenv("STUDIO_FAULTS", "pause_on_save=4")  # the worker sleeps once checkpoint-4 is complete
    from studio.cli import main

    flags = ["--max-steps", "8", "--batch-size", "8", "--save-steps", "4", "--eval-steps", "0", "--dev-limit", "8",
             "--max-seq-length", "48", "--warmup-ratio", "0", "--learning-rate", "1e-3"]
    assert main(["train", "--base", "test/tiny", "--mix", "demo-all4", "--name", "tiny-ft", *flags, "--no-wait"]) == 0
    job = store.list_jobs()[0]
    expected = {key: value for key, value in fast_config(dev_limit=8).model_dump().items() if key in FAST}
    assert job.state == "running" and {key: job.payload[key] for key in expected} == expected
    paused = wait_until(lambda: "paused" in (j := store.get_job(job.id)).message and j, 120)
    assert paused.step == 4 and paused.total == 8
    os.kill(paused.pid, signal.SIGKILL)
    assert runner.wait_for(job.id, poll=0.2).state == "interrupted"

    monkeypatch.delenv("STUDIO_FAULTS")
    runner.resume(job.id)
    final = runner.wait_for(job.id, poll=0.2)
    assert final.state == "succeeded", final.error
    assert final.result["resumed_from_step"] == 4 and final.result["global_step"] == final.total == 8
    assert final.step == 8 and final.attempts == 2
    log = runner.log_path(job.id).read_text()
    assert "resuming from checkpoint-4 (step 4)" in log
    points = store.job_metrics(job.id)
    assert sorted(p.step for p in points if p.name == "loss") == list(range(1, 9))  # no step logged twice
    assert {p.name for p in points if p.step == 0} >= {"dev/ko-en/ndcg@10", "dev/en-ko/ndcg@10",
                                                        "dev/ko-ko/ndcg@10", "dev/en-en/ndcg@10"}
    assert {p.name for p in points if p.step == 8} >= {"dev/clir/ndcg@10", "dev/all/ndcg@10"}

    model = store.get_model("tiny-ft")
    assert model.kind == "trained" and model.path == "trained/tiny-ft"
    assert store.get_model(model.base_model_id).name == "test/tiny"
    assert model.mix_id == store.get_mix("demo-all4").id and model.dataset_id is not None
    assert model.config["seed"] == 42 and len(model.config["data_sha256"]) == 64 and model.app_version
    folder = train_env.paths.models / "trained" / "tiny-ft"
    assert (folder / "modules.json").is_file() and "CLIR Studio lineage" in (folder / "README.md").read_text()
    from studio.modelref import load_model

    assert load_model("tiny-ft").encode(["query: 서울"]).shape[0] == 1


def test_full_disk_while_checkpointing_fails_clearly(train_env, monkeypatch):
    monkeypatch.setenv("STUDIO_FAULTS", "enospc_on_save")
    job = submit_training(fast_config(dev_limit=0), start=False)
    assert execute(job.id) == "failed"
    job = train_env.store.get_job(job.id)
    assert job.error.startswith("The disk is full while writing ") and "checkpoint-4" in job.error
    assert "resume the job" in job.error
    checkpoints = train_env.paths.job_dir(job.id) / "checkpoints"
    from studio.train.trainer import latest_checkpoint

    assert (checkpoints / "checkpoint-4").is_dir() and latest_checkpoint(checkpoints) is None  # half-written: skipped
    assert train_env.store.find_model("tiny-ft") is None and train_env.store.find_model("test/tiny") is not None
    assert not (train_env.paths.models / "trained").exists()


def test_corrupt_checkpoint_fails_clearly_and_keeps_the_others(train_env, tiny_model_dir):
    job = submit_training(fast_config(dev_limit=0), start=False)
    checkpoints = train_env.paths.job_dir(job.id) / "checkpoints"
    for step in (2, 4):
        shutil.copytree(tiny_model_dir, checkpoints / f"checkpoint-{step}")
        (checkpoints / f"checkpoint-{step}" / "trainer_state.json").write_text(f'{{"global_step": {step}}}')
        (checkpoints / f"checkpoint-{step}" / "optimizer.pt").write_bytes(b"PK\x03\x04 truncated by a crash")
    assert execute(job.id) == "failed"
    error = train_env.store.get_job(job.id).error
    assert error.startswith(f"Checkpoint checkpoint-4 of job {job.id} is corrupt (BadZipFile")
    assert "delete the folder" in error and "checkpoint-4" in error
    assert (checkpoints / "checkpoint-2").is_dir() and (checkpoints / "checkpoint-4").is_dir()
    assert train_env.store.find_model("tiny-ft") is None


def test_unloadable_base_model_fails_clearly(train_env):
    broken = train_env.paths.models / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{ this is not json")
    train_env.store.add_model("broken", "imported", str(broken))
    job = submit_training(fast_config(base_model="broken", dev_limit=0), start=False)
    assert execute(job.id) == "failed"
    error = train_env.store.get_job(job.id).error
    assert error.startswith(f"The base model 'broken' cannot be loaded from {broken} (")
    assert "pick another base model" in error
    assert {m.name for m in train_env.store.list_models()} >= {"broken", "test/tiny"}


def test_submit_checks_before_queueing(train_env):
    with pytest.raises(TrainError, match="Unknown mix 'nope'; saved mixes: demo-all4"):
        submit_training(fast_config().model_copy(update={"mix": "nope"}), start=False)
    with pytest.raises(TrainError, match="A model named 'test/tiny' already exists"):
        submit_training(fast_config(name="test/tiny"), start=False)
    with pytest.raises(TrainError, match="Unknown base model 'ghost'"):
        submit_training(fast_config(base_model="ghost"), start=False)
    submit_training(fast_config(), start=False)
    with pytest.raises(TrainError, match="already training a model named 'tiny-ft'"):
        submit_training(fast_config(), start=False)
    assert len(train_env.store.list_jobs()) == 1
