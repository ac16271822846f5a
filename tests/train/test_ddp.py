"""The multi-GPU path, on CPU: the runner launches torch.distributed.run with two gloo processes."""

from __future__ import annotations

from studio.jobs import runner
from studio.train.job import submit_training
from tests.train.conftest import fast_config


def test_ddp_on_cpu_with_two_processes(train_env, monkeypatch):
    monkeypatch.setenv("STUDIO_DDP_PROCS", "2")  # what two GPUs would select
    assert runner.worker_argv(1, "train")[1:5] == ["-m", "torch.distributed.run", "--standalone",
                                                   "--nproc_per_node=2"]
    assert runner.worker_argv(1, "sleep")[1:3] == ["-m", "studio.jobs.worker"]  # other kinds stay single-process
    job = submit_training(fast_config(name="tiny-ddp", max_steps=4, save_steps=2, dev_limit=8))
    final = runner.wait_for(job.id, poll=0.2)
    assert final.state == "succeeded", final.error + runner.log_path(job.id).read_text()[-3000:]
    assert final.result["world_size"] == 2 and final.result["global_step"] == final.total == 4
    assert final.result["dev_after"]["dev/clir/ndcg@10"] >= 0
    assert train_env.store.get_model("tiny-ddp").config["world_size"] == 2
    log = runner.log_path(job.id).read_text()
    assert log.count("job {} (train), attempt 1".format(job.id)) == 1  # only rank 0 reports
