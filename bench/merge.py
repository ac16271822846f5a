"""Merge speed against the memory-bandwidth bound, peak memory, and the preview latency, on bundled-size models.

Usage: python bench/merge.py [--home DIR] [--repeat 3] [--limit 32] [--skip-sparse] [--json out.json]

* Parents: the bundled multilingual-e5-small (118M parameters, 471 MB fp32) and copies of it with seeded noise,
  held in memory, so the timing is the merge itself (``studio.merge.engine.merge_states`` + ``io.build_model``),
  not loading.
* Bound: a linear merge of N models must read N models and write one: ``(N + 1) × model bytes / copy bandwidth``,
  where the copy bandwidth (bytes read + written per second) is measured in the same run with ``dst.copy_(src)``
  on a 256 MB tensor. Target: within 3× of it.
  Writing the result into fresh memory also costs page faults, which a copy into an existing buffer does not:
  the run also reports the time to clone one model and a bound that includes it. With other processes on the
  cores, wall times stretch; the ``cpu_`` ratios compare CPU seconds (this process, all threads) instead.
* Peak RSS: sampled every 5 ms during each case (and the process maximum).
* Preview latency: ``studio.merge.preview.preview`` (merge + quick evaluation on the first ``--limit`` demo dev
  queries, parents cached), cold then warm ("a slider moved").
On a shared machine numbers are noisy: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from copy import deepcopy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
MB = 1024 * 1024


class PeakRSS(threading.Thread):
    """Samples this process's resident memory until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process()
        self.start_rss = self.peak = self.process.memory_info().rss
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def stop(self) -> dict[str, float]:
        self.running = False
        self.join()
        return {"peak_rss_mb": round(self.peak / MB), "extra_rss_mb": round((self.peak - self.start_rss) / MB)}


def copy_bandwidth(size_mb: int = 256, repeat: int = 5) -> tuple[float, float]:
    """Best bytes moved (read + written) per second, and per CPU-second, for a large tensor copy."""
    import torch

    src = torch.randn(size_mb * MB // 4)
    dst = torch.empty_like(src)
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        dst.copy_(src)
        best, best_cpu = min(best, time.perf_counter() - start), min(best_cpu, time.process_time() - start_cpu)
    moved = 2 * src.numel() * 4
    return moved / best, moved / max(best_cpu, 1e-6)


def noisy_copies(model, n: int, scale: float = 0.01) -> list:
    """``model`` plus ``n - 1`` copies with seeded Gaussian noise (stand-ins for fine-tunes)."""
    import torch

    copies = [model]
    for seed in range(1, n):
        other = deepcopy(model)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for parameter in other.parameters():
                parameter.add_(torch.randn(parameter.shape, generator=generator) * scale)
        copies.append(other)
    return copies


def time_merge(models: list, method: str, repeat: int, base=None, params=None) -> dict:
    """Best and median seconds of merge_states + build_model for one method over ``models``."""
    from studio.merge.engine import merge_states, unique_state, weight_plan
    from studio.merge.io import build_model
    from studio.merge.spec import MergeSpec
    from studio.merge.validation import check_request

    names = [f"m{i}" for i in range(len(models))]
    request = check_request(MergeSpec.make(names, [1.0] * len(models), method, "base" if base else None, params))
    states, aliases = zip(*(unique_state(m) for m in models))
    base_state = unique_state(base)[0] if base is not None else None
    plan = weight_plan(request, list(states[0]))
    times, cpu = [], []
    sampler = PeakRSS()
    sampler.start()
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        merged = build_model(models[0], merge_states(request, states, base_state, None, plan), aliases[0])
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        del merged
    return {"method": method, "models": len(models), "best_s": round(min(times), 3),
            "median_s": round(statistics.median(times), 3), "best_cpu_s": round(min(cpu), 3), **sampler.stop()}


def clone_seconds(state: dict, repeat: int = 3) -> tuple[float, float]:
    """Best wall and CPU time to clone every tensor of one model: one read, one write into fresh memory."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        copies = [t.clone() for t in state.values()]
        best, best_cpu = min(best, time.perf_counter() - start), min(best_cpu, time.process_time() - start_cpu)
        del copies
    return best, best_cpu


def preview_latency(studio, variant, limit: int, repeat: int) -> dict:
    """Cold and warm preview (merge + quick evaluation) between the bundled model and one noisy copy."""
    from studio.context import BUNDLED_MODEL_NAME
    from studio.merge.preview import preview
    from studio.merge.spec import MergeSpec

    folder = studio.paths.models / "bench-variant"
    if studio.store.find_model("bench/variant") is None:
        variant.save(str(folder), create_model_card=False)
        studio.store.add_model("bench/variant", "imported", str(folder))
    runs = []
    jitter = random.Random().uniform(0.0, 0.05)  # unseen weights: no embedding-cache hits from earlier runs
    for i in range(repeat + 1):
        w = 0.5 + 0.1 * i + jitter  # a slider moved: a new merge each time
        start = time.perf_counter()
        result = preview(MergeSpec.make([BUNDLED_MODEL_NAME, "bench/variant"], [w, 1 - w]), limit=limit)
        runs.append({"total_s": round(time.perf_counter() - start, 3), "merge_s": round(result.merge_seconds, 3),
                     "load_s": round(result.load_seconds, 3), "eval_s": round(result.eval_seconds, 3),
                     "clir": result.merged.summary["clir"], "mono": result.merged.summary["mono"]})
    warm = runs[1:]
    return {"limit": limit, "cold": runs[0], "warm": warm,
            "warm_median_total_s": statistics.median(r["total_s"] for r in warm)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="data home (default: a temporary one; the bundled model converts once)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=32, help="quick-evaluation queries for the preview")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--skip-sparse", action="store_true", help="skip TIES and DARE (minutes on a small CPU)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ["STUDIO_HOME"] = args.home or tempfile.mkdtemp(prefix="merge-bench-")

    import torch

    from studio.context import BUNDLED_MODEL_NAME, get_studio
    from studio.merge.engine import unique_state
    from studio.modelref import load_model

    studio = get_studio()
    model = load_model(BUNDLED_MODEL_NAME, studio)
    models = noisy_copies(model, 4)
    state = unique_state(model)[0]
    model_bytes = sum(t.numel() * t.element_size() for t in state.values())
    bandwidth, cpu_bandwidth = copy_bandwidth()
    clone, clone_cpu = clone_seconds(state)
    report = {"torch_threads": torch.get_num_threads(), "cpus": os.cpu_count(), "load_avg": os.getloadavg(),
              "model_mb": round(model_bytes / MB, 1), "copy_bandwidth_gb_s": round(bandwidth / 1e9, 2),
              "copy_gb_per_cpu_s": round(cpu_bandwidth / 1e9, 2), "clone_model_s": round(clone, 3),
              "clone_model_cpu_s": round(clone_cpu, 3), "cases": []}
    for n in (2, 4):
        case = time_merge(models[:n], "linear", args.repeat)
        bound, cpu_bound = ((n + 1) * model_bytes / bw for bw in (bandwidth, cpu_bandwidth))
        # Fresh memory for the result costs page faults the copy bandwidth does not see: cloning one model is
        # the floor for producing a new one; the other N - 1 parents are reads at the copy bandwidth.
        fresh_bound = clone + (n - 1) * model_bytes * 2 / bandwidth
        fresh_cpu = clone_cpu + (n - 1) * model_bytes * 2 / cpu_bandwidth
        case.update(bound_s=round(bound, 3), ratio_to_bound=round(case["best_s"] / bound, 2),
                    cpu_ratio_to_bound=round(case["best_cpu_s"] / cpu_bound, 2),
                    fresh_memory_bound_s=round(fresh_bound, 3),
                    ratio_to_fresh_bound=round(case["best_s"] / fresh_bound, 2),
                    cpu_ratio_to_fresh_bound=round(case["best_cpu_s"] / fresh_cpu, 2))
        report["cases"].append(case)
        print(json.dumps(case), flush=True)
    sparse = () if args.skip_sparse else (("ties", {"density": 0.5}), ("dare_ties", {"density": 0.5}))
    for method, params in (("task_arithmetic", {}), *sparse):
        case = time_merge(models[1:3], method, 1, base=model, params=params)
        report["cases"].append(case)
        print(json.dumps(case), flush=True)
    report["preview"] = preview_latency(studio, models[1], args.limit, args.repeat)
    report["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report["load_avg_end"] = os.getloadavg()
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
