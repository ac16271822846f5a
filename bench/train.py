"""Training throughput: a job through the studio runner against a plain SentenceTransformerTrainer script.

Both train the same model on the same pairs with the same configuration (MultipleNegativesRankingLoss,
no-duplicates batches, ``query: ``/``passage: `` prompts, same steps, batch, sequence length, seed,
checkpoint and logging steps, no dev evaluation), each in its own child process of this one:

* ``studio``: ``studio.train.job.submit_training`` -> runner -> ``python -m studio.jobs.worker`` (progress,
  heartbeat and metrics written to SQLite, checkpoints, atomic save, registration);
* ``plain``: this file with ``--plain``: the trainer built by hand, nothing else.

It prints training samples/s (the trainer's own ``train_samples_per_second``, the same clock for both),
samples per CPU-second of ``trainer.train()`` (process CPU time: much less sensitive to other load on a
shared machine), the ratios studio/plain (target >= 0.95), the whole child's wall time, and each child's
peak RSS, with and without frozen word embeddings. Runs alternate plain/studio to spread drift from other
load; on a shared machine look at the load average printed with the numbers.

Usage:
    .venv/bin/python bench/train.py [--model bundled/multilingual-e5-small] [--steps 10] [--batch-size 16]
                                    [--max-seq-length 128] [--freeze both|on|off] [--repeats 1] [--home DIR]
                                    [--json OUT]

The data home (default /tmp/clir-bench-home) is kept between runs so the bundled model converts and the
data imports once. Data: MS MARCO ko/en from ../shared/data when present (an all-four-directions mix),
else the bundled demo set.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MSMARCO = REPO_ROOT.parent / "shared" / "data" / "msmarco_ko_en"


# ------------------------------------------------------------------ plain run
def plain(spec_path: str) -> None:
    """The plain script: sentence-transformers only, configured like the studio run."""
    from datasets import Dataset
    import pandas as pd
    from sentence_transformers.sentence_transformer import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import BatchSamplers

    spec = json.loads(Path(spec_path).read_text())
    config, device = spec["config"], spec["device"]
    started = time.monotonic()
    model = SentenceTransformer(spec["model_dir"], device=device)
    model.max_seq_length = config["max_seq_length"]
    if config["freeze_embeddings"]:
        model[0].auto_model.get_input_embeddings().weight.requires_grad_(False)
    pairs = pd.read_parquet(spec["pairs"])[["query", "passage"]]
    args = SentenceTransformerTrainingArguments(
        output_dir=spec["output_dir"], max_steps=config["max_steps"], per_device_train_batch_size=config["batch_size"],
        learning_rate=config["learning_rate"], warmup_steps=config["warmup_ratio"], seed=config["seed"],
        data_seed=config["seed"], batch_sampler=BatchSamplers.NO_DUPLICATES,
        prompts={"query": model.prompts["query"], "passage": model.prompts["passage"]},
        bf16=device == "cuda", use_cpu=device == "cpu", save_strategy="steps", save_steps=config["save_steps"],
        save_total_limit=config["save_total_limit"], logging_steps=spec["logging_steps"], logging_first_step=True,
        report_to="none", disable_tqdm=True,
    )
    trainer = SentenceTransformerTrainer(model=model, args=args, loss=MultipleNegativesRankingLoss(model),
                                         train_dataset=Dataset.from_pandas(pairs, preserve_index=False))
    cpu_started = time.process_time()
    output = trainer.train()
    cpu_seconds = time.process_time() - cpu_started
    model.save(str(Path(spec["output_dir"]) / "final"))
    print("PLAIN_RESULT " + json.dumps({
        "train_samples_per_second": output.metrics["train_samples_per_second"],
        "global_step": output.global_step, "wall_seconds": round(time.monotonic() - started, 1),
        "train_cpu_seconds": round(cpu_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }), flush=True)


def run_plain(config, model_dir: str, pairs: Path, device: str, logging_steps: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-plain-") as folder:
        spec = Path(folder) / "spec.json"
        spec.write_text(json.dumps({"config": config.model_dump(), "model_dir": model_dir, "pairs": str(pairs),
                                    "device": device, "output_dir": str(Path(folder) / "out"),
                                    "logging_steps": logging_steps}))
        started = time.monotonic()
        env = {**os.environ, "TQDM_DISABLE": "1", "TOKENIZERS_PARALLELISM": "false"}
        done = subprocess.run([sys.executable, __file__, "--plain", str(spec)], capture_output=True, text=True,
                              env=env, check=False)
        if done.returncode != 0:
            raise SystemExit(f"plain run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        line = next(line for line in done.stdout.splitlines() if line.startswith("PLAIN_RESULT "))
        result = json.loads(line.removeprefix("PLAIN_RESULT "))
        result["process_seconds"] = round(time.monotonic() - started, 1)
        return result


# ----------------------------------------------------------------- studio run
def run_studio(config, studio) -> dict:
    from studio.jobs.runner import wait_for
    from studio.train.job import submit_training

    started = time.monotonic()
    job = wait_for(submit_training(config, owner="bench").id, poll=0.5)
    if job.state != "succeeded":
        raise SystemExit(f"studio run {job.id} {job.state}: {job.error}")
    result = dict(job.result)
    result["process_seconds"] = round(time.monotonic() - started, 1)
    studio.store.delete_model(config.name)
    shutil.rmtree(result["path"], ignore_errors=True)
    shutil.rmtree(studio.paths.job_dir(job.id) / "checkpoints", ignore_errors=True)
    return result


# ------------------------------------------------------------------------ data
def ensure_mix(studio, budget: int) -> tuple[str, Path]:
    """An all-four-directions mix of ``budget`` pairs (MS MARCO when present, else the demo set)."""
    from studio.data import find_dataset, import_dataset, save_mix
    from studio.data.mixes import find_mix

    if MSMARCO.is_dir():
        dataset = "bench/msmarco_ko_en"
        if find_dataset(dataset, studio) is None:
            import_dataset([MSMARCO / "msmarco_kor.json", MSMARCO / "msmarco_eng.json"], dataset, ratios="0.8,0.1,0.1",
                           seed=0, source=str(MSMARCO), licence="research only (MS MARCO)", studio=studio)
    else:
        dataset, budget = "demo/ko-en-qa", min(budget, 400)  # 256 train records x 4 directions
    name = f"bench-{dataset.replace('/', '-')}-all4-{budget}"
    mix = find_mix(name, studio) or save_mix(name, dataset, "train", preset="all-four", budget=budget, seed=0,
                                             studio=studio)
    return mix.name, studio.paths.home / mix.path


# ------------------------------------------------------------------------ main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plain", help=argparse.SUPPRESS)
    parser.add_argument("--model", default="bundled/multilingual-e5-small", help="registered name or model folder")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--freeze", choices=["both", "on", "off"], default="both")
    parser.add_argument("--home", default="/tmp/clir-bench-home", help="data home kept between runs")
    parser.add_argument("--repeats", type=int, default=1, help="pairs of runs per setting, order alternating")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    if args.plain:
        plain(args.plain)
        return
    os.environ["STUDIO_HOME"] = args.home
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(REPO_ROOT))
    from studio.context import get_studio
    from studio.modelref import resolve_model
    from studio.train.config import TrainConfig, detect_device
    from studio.train.trainer import logging_steps

    studio = get_studio()
    resolved = resolve_model(args.model, studio)  # converts the bundled model on first use
    base = args.model
    if not resolved.registered:
        base = "bench/base"
        if studio.store.find_model(base) is None:
            studio.store.add_model(base, "imported", resolved.location)
    device = detect_device()
    mix, pairs = ensure_mix(studio, max(400, args.steps * args.batch_size))
    freezes = {"both": [True, False], "on": [True], "off": [False]}[args.freeze]
    rows = []
    for freeze in freezes:
        config = TrainConfig.for_device(
            device, base_model=base, mix=mix, name=f"bench-tmp-{os.getpid()}-{int(freeze)}", max_steps=args.steps,
            batch_size=args.batch_size, max_seq_length=args.max_seq_length, freeze_embeddings=freeze,
            save_steps=args.steps, save_total_limit=1, eval_steps=0, dev_limit=0, warmup_ratio=0.1)
        steps_between_logs = logging_steps(config, args.steps)
        for repeat in range(args.repeats):  # alternate the order so drift and warm caches favour neither
            runs = {}
            for which in (("plain", "studio") if repeat % 2 == 0 else ("studio", "plain")):
                runs[which] = (run_plain(config, resolved.location, pairs, device, steps_between_logs)
                               if which == "plain" else run_studio(config, studio))
            ratio = runs["studio"]["train_samples_per_second"] / runs["plain"]["train_samples_per_second"]
            rows.append({"freeze_embeddings": freeze, "repeat": repeat, **runs, "load_average": os.getloadavg(),
                         "ratio": ratio})
    print(f"\nmodel {args.model} on {device}; {args.steps} steps x batch {args.batch_size}, "
          f"max_seq_length {args.max_seq_length}; mix {mix}; {os.cpu_count()} CPUs")
    print(f"{'frozen emb':>10}  {'run':>6}  {'samples/s':>9}  {'samples/CPU-s':>13}  {'process s':>9}  "
          f"{'peak RSS MB':>11}")
    for row in rows:
        for run in ("plain", "studio"):
            r = row[run]
            per_cpu = args.steps * args.batch_size / r["train_cpu_seconds"]
            print(f"{str(row['freeze_embeddings']):>10}  {run:>6}  {r['train_samples_per_second']:9.2f}  "
                  f"{per_cpu:13.2f}  {r['process_seconds']:9.1f}  {r['peak_rss_mb']:11.0f}")
        cpu_ratio = row["plain"]["train_cpu_seconds"] / row["studio"]["train_cpu_seconds"]
        print(f"{'':>10}  ratio studio/plain = {row['ratio']:.3f} wall, {cpu_ratio:.3f} per CPU-second "
              f"(target >= 0.95); load average {', '.join(f'{x:.1f}' for x in row['load_average'])}")
    if args.repeats > 1:
        for freeze in freezes:
            mine = [row for row in rows if row["freeze_embeddings"] == freeze]
            plain_rate = statistics.median(row["plain"]["train_samples_per_second"] for row in mine)
            studio_rate = statistics.median(row["studio"]["train_samples_per_second"] for row in mine)
            print(f"frozen {freeze}: median samples/s plain {plain_rate:.2f}, studio {studio_rate:.2f}, "
                  f"ratio {studio_rate / plain_rate:.3f} over {len(mine)} pairs of runs")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
