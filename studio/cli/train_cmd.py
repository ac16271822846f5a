"""``clir-studio train``: queue a training job and (by default) watch it with a progress bar."""

from __future__ import annotations

import argparse
import getpass

# Hyper-parameter flags: field of TrainConfig -> (type, help). Defaults come from TrainConfig per device;
# tests/train/test_cli.py checks that this table covers every field.
FLAGS: dict[str, tuple[type, str]] = {
    "loss": (str, "mnrl (default) or cached_mnrl (large batches in little memory)"),
    "learning_rate": (float, "peak learning rate (default 2e-5)"),
    "epochs": (float, "passes over the mix (default 1; ignored with --max-steps)"),
    "max_steps": (int, "stop after this many steps (default 0: use --epochs)"),
    "batch_size": (int, "pairs per step (CPU default 16, GPU 64)"),
    "mini_batch_size": (int, "pairs per forward pass with cached_mnrl (CPU 8, GPU 32)"),
    "warmup_ratio": (float, "fraction of steps with a rising learning rate (default 0.1)"),
    "max_seq_length": (int, "tokens kept per text (CPU 128, GPU 256)"),
    "seed": (int, "random seed (default 42)"),
    "save_steps": (int, "checkpoint every N steps (CPU 50, GPU 200)"),
    "save_total_limit": (int, "keep the last K checkpoints (default 2)"),
    "eval_steps": (int, "dev evaluation every N steps, 0: only before and after (CPU 50, GPU 200)"),
    "dev_limit": (int, "dev records used for evaluation, 0: none (CPU 200, GPU 1000)"),
    "precision": (str, "auto (bf16/fp16 on GPU), fp32, bf16 or fp16"),
}
CHOICES = {"loss": ["mnrl", "cached_mnrl"], "precision": ["auto", "fp32", "bf16", "fp16"]}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train", help="fine-tune a model on a saved mix (a background job)",
        description="Fine-tune a registered model on a saved language mix. The job runs in its own process; "
                    "by default this command waits and shows its progress (Ctrl-C detaches, the job goes on).")
    parser.add_argument("--base", dest="base_model", required=True, help="registered base model, e.g. "
                        "bundled/multilingual-e5-small")
    parser.add_argument("--mix", required=True, help="saved mix to train on (`clir-studio data mixes`)")
    parser.add_argument("--name", required=True, help="name to register the trained model under")
    for field, (kind, text) in FLAGS.items():
        parser.add_argument("--" + field.replace("_", "-"), dest=field, type=kind, default=None, help=text,
                            choices=CHOICES.get(field))
    freeze = parser.add_mutually_exclusive_group()
    freeze.add_argument("--freeze-embeddings", dest="freeze_embeddings", action="store_true", default=None,
                        help="freeze the word-embedding matrix (default on CPU)")
    freeze.add_argument("--no-freeze-embeddings", dest="freeze_embeddings", action="store_false",
                        help="train the word embeddings too (default on GPU)")
    wait = parser.add_mutually_exclusive_group()
    wait.add_argument("--wait", dest="wait", action="store_true", default=True, help="wait and show progress (default)")
    wait.add_argument("--no-wait", dest="wait", action="store_false",
                      help="queue (start now if a slot is free) and return")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from studio.train.config import TrainConfig
    from studio.train.job import submit_training

    values = {field: getattr(args, field) for field in [*FLAGS, "freeze_embeddings"]}
    config = TrainConfig.for_device(None, base_model=args.base_model, mix=args.mix, name=args.name, **values)
    job = submit_training(config, owner=getpass.getuser())
    print(f"job {job.id} {job.state}: {job.title}")
    if not args.wait:
        print(f"follow it with `clir-studio jobs logs {job.id} --follow` or in the app's Jobs tab")
        return 0
    return watch(job.id)


def watch(job_id: int) -> int:
    """Show a job's progress (from the database) until it ends; 0 when it succeeded."""
    from tqdm import tqdm

    from studio.jobs.runner import wait_for
    from studio.jobs.views import format_duration

    bar = tqdm(total=0, unit="step", dynamic_ncols=True)

    def update(job) -> None:
        if job.total and bar.total != job.total:
            bar.total = job.total
        bar.n = job.step
        bar.set_description(f"job {job.id} {job.state}")
        postfix = {"loss": f"{job.loss:.4f}"} if job.loss is not None else {}
        if job.eta_seconds:
            postfix["eta"] = format_duration(job.eta_seconds)
        postfix["msg"] = job.message[:40]
        bar.set_postfix(postfix, refresh=False)
        bar.refresh()

    try:
        job = wait_for(job_id, update, poll=1.0)
    except KeyboardInterrupt:
        bar.close()
        print(f"detached; job {job_id} keeps running (`clir-studio jobs cancel {job_id}` stops it)")
        return 130
    bar.close()
    if job.state != "succeeded":
        print(f"error: job {job.id} {job.state}: {job.error}")
        return 1
    model = job.result.get("model")
    print(f"job {job.id} succeeded" + (f": registered model {model}" if model else ""))
    return 0
