"""Belebele ko/en in four directions: Studio's evaluator against a plain loop, and a cached re-run.

Three timed passes over the same eval set, in one process, with the same loaded model:

* ``studio (cold)``: ``studio.evaluate.evaluate_model`` with this model's embedding-cache file removed first:
  each language's queries and documents encoded once (2,776 texts for full Belebele), length-sorted,
  FAISS exact search, pytrec_eval metrics, TREC runs written, result stored;
* ``plain loop``: per direction, ``SentenceTransformer.encode`` of its queries (``query`` prompt) and its
  documents (``passage`` prompt), then numpy ranking (``Q @ D.T`` + argsort, top 100), same metric code;
  5,552 encodes for full Belebele;
* ``studio (cached)``: ``evaluate_model`` again; every vector comes from the cache.

Reports wall and CPU time (CPU time is the fairer ratio on a shared machine), texts/s, the plain/studio
ratio, the cold/cached speed-up, and checks that the studio and plain nDCG@10 agree. Model conversion (bundled model, first use) happens before timing.

Usage:
    .venv/bin/python bench/evaluate.py [--benchmark-dir DIR] [--model bundled/multilingual-e5-small]
                                       [--limit N] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_DIR = os.environ.get("STUDIO_BELEBELE_DIR") or str(ROOT.parent / "shared" / "data" / "belebele_ko_en")


def plain_loop(model, evalset, directions) -> tuple[dict, int]:
    """The naive evaluation: encode per direction, rank with numpy; returns (ndcg per direction, encodes)."""
    from studio.evaluate.metrics import evaluate_run

    prompts = model.prompts or {}
    query_prompt = "query" if "query" in prompts else None
    doc_prompt = "passage" if "passage" in prompts else None
    ndcg, encodes = {}, 0
    for direction in directions:
        queries = evalset.queries[direction.query_lang]
        docs = evalset.documents[direction.doc_lang]
        q = model.encode(list(queries.values()), prompt_name=query_prompt, normalize_embeddings=True,
                         convert_to_numpy=True, show_progress_bar=False)
        d = model.encode(list(docs.values()), prompt_name=doc_prompt, normalize_embeddings=True,
                         convert_to_numpy=True, show_progress_bar=False)
        encodes += len(queries) + len(docs)
        scores = q @ d.T
        top = np.argsort(-scores, axis=1)[:, :100]
        doc_ids = list(docs)
        run = {qid: {doc_ids[j]: float(scores[i, j]) for j in top[i]} for i, qid in enumerate(queries)}
        ndcg[direction.value] = evaluate_run(evalset.qrels_for(direction), run)["ndcg@10"]
    return ndcg, encodes


def drop_cache(encoder) -> None:
    """Remove this model's cache file so the next evaluation encodes everything."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(encoder.cache.path) + suffix).unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmark-dir", default=DEFAULT_DIR)
    parser.add_argument("--model", default="bundled/multilingual-e5-small")
    parser.add_argument("--limit", type=int, default=None, help="first N questions only (quick check)")
    parser.add_argument("--json", help="write the numbers to this file")
    args = parser.parse_args()

    import torch

    from studio.context import get_studio
    from studio.evaluate.directions import ALL_DIRECTIONS
    from studio.evaluate.embeddings import Encoder
    from studio.evaluate.evalset import load_evalset
    from studio.evaluate.evaluator import evaluate_model

    studio = get_studio()
    evalset = load_evalset("benchmark/belebele", limit=args.limit, benchmark_dir=args.benchmark_dir)
    encoder = Encoder.for_model(args.model, studio)  # converts the bundled model on first use (untimed)
    model = encoder.model
    drop_cache(encoder)
    print(f"model {args.model} · {evalset.n_queries} questions, {len(evalset.documents['ko'])} passages per "
          f"language · torch threads {torch.get_num_threads()} · home {studio.paths.home}", flush=True)

    start, cpu = time.perf_counter(), time.process_time()
    cold = evaluate_model(args.model, evalset, studio=studio)
    t_cold, c_cold = time.perf_counter() - start, time.process_time() - cpu
    n_cold = cold.config["texts_encoded"]
    print(f"studio (cold):   {t_cold:8.1f} s wall {c_cold:8.1f} s CPU  {n_cold} texts encoded  "
          f"{n_cold / t_cold:6.1f} texts/s", flush=True)

    start, cpu = time.perf_counter(), time.process_time()
    plain_ndcg, n_plain = plain_loop(model, evalset, ALL_DIRECTIONS)
    t_plain, c_plain = time.perf_counter() - start, time.process_time() - cpu
    print(f"plain loop:      {t_plain:8.1f} s wall {c_plain:8.1f} s CPU  {n_plain} texts encoded  "
          f"{n_plain / t_plain:6.1f} texts/s", flush=True)

    start, cpu = time.perf_counter(), time.process_time()
    warm = evaluate_model(args.model, evalset, studio=studio)
    t_warm, c_warm = time.perf_counter() - start, time.process_time() - cpu
    print(f"studio (cached): {t_warm:8.1f} s wall {c_warm:8.1f} s CPU  {warm.config['texts_encoded']} texts encoded",
          flush=True)

    agree = max(abs(plain_ndcg[d] - cold.metrics[d]["ndcg@10"]) for d in plain_ndcg)
    report = {
        "model": args.model, "questions": evalset.n_queries, "torch_threads": torch.get_num_threads(),
        "studio_cold_s": round(t_cold, 2), "studio_cold_texts": n_cold,
        "studio_cold_texts_per_s": round(n_cold / t_cold, 1),
        "plain_s": round(t_plain, 2), "plain_texts": n_plain, "plain_texts_per_s": round(n_plain / t_plain, 1),
        "plain_over_studio": round(t_plain / t_cold, 2), "studio_cached_s": round(t_warm, 2),
        "cached_speedup": round(t_cold / t_warm, 1),
        "cpu_s": {"studio_cold": round(c_cold, 1), "plain": round(c_plain, 1), "studio_cached": round(c_warm, 1)},
        "plain_over_studio_cpu": round(c_plain / c_cold, 2), "max_ndcg_difference_vs_plain": round(agree, 5),
        "ndcg@10": {d: cold.metrics[d]["ndcg@10"] for d in cold.metrics},
        "mrr@10": {d: cold.metrics[d]["mrr@10"] for d in cold.metrics}, "summary": cold.summary,
    }
    print(f"plain loop / studio: {report['plain_over_studio']}x wall, {report['plain_over_studio_cpu']}x CPU · cached re-run speed-up: "
          f"{report['cached_speedup']}x · max |nDCG@10 studio - plain| = {agree:.5f}")
    print("nDCG@10 " + "  ".join(f"{d} {v:.4f}" for d, v in report["ndcg@10"].items()))
    print("MRR@10  " + "  ".join(f"{d} {v:.4f}" for d, v in report["mrr@10"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
