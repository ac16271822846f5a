"""Search latency: query encoding + search, Studio's path against plain encode + brute-force numpy.

Measures, per corpus, p50/p95/mean over distinct held-out queries (Korean and English alternating):

* ``studio``: ``studio.search.compare.search_column`` (cached index via IndexManager, per-model encode lock,
  FAISS IndexFlatIP, merge of the ko and en parts), query cache off;
* ``baseline``: ``SentenceTransformer.encode(query, prompt_name="query")`` + ``doc_matrix @ q`` + argpartition,
  with torch's default thread count;
* ``baseline-1t``: the same on one torch thread (what Studio's path uses), to separate threading from search.

The paths run in rotating order on the same queries, in the same process, after a warm-up. Besides wall-clock
times it reports the process CPU time per query: on a shared, oversubscribed machine the wall clock mostly
measures waiting for a core, while CPU time is what a one-thread query costs when it has a core to itself.
Corpora: the demo dataset (``demo/ko-en-qa``, both languages) and a 10,000-passage corpus (5,000 × ko + en):
KorSTS/STS-B sentence translations from ../shared/data when present (``--big-source msmarco`` for MS MARCO
passages, which take far longer to index on a small CPU), else synthesised by pairing demo passages.
Queries are held out from the corpus (Korean and English alternating); the query cache is cleared per query.

Usage:
    .venv/bin/python bench/search.py [--model bundled/multilingual-e5-small] [--queries 200] [--json out.json]
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

SHARED = ROOT.parent / "shared" / "data"
SHARED_MSMARCO = SHARED / "msmarco_ko_en"
SHARED_KORSTS = SHARED / "korsts_stsb_ko_en"
DEMO_FILE = ROOT / "assets" / "demo" / "ko-en-qa.jsonl"
TARGETS_MS = {"demo": 50.0, "10k": 100.0}


def demo_frame():
    import pandas as pd

    try:
        from studio.data import load_records

        return load_records("demo/ko-en-qa"), "demo/ko-en-qa (registered dataset)"
    except Exception as exc:  # noqa: BLE001 - the data package may be absent in an old checkout
        rows = [json.loads(line) for line in DEMO_FILE.open(encoding="utf-8")]
        return pd.DataFrame(rows), f"assets/demo/ko-en-qa.jsonl (load_records unavailable: {exc})"


def msmarco_frame(n_records: int):
    """MS MARCO dev records parallel at query and passage level (Korean positives joined)."""
    import pandas as pd

    eng = json.loads((SHARED_MSMARCO / "msmarco_eng.json").read_text(encoding="utf-8"))
    kor = json.loads((SHARED_MSMARCO / "msmarco_kor.json").read_text(encoding="utf-8"))
    rows = [
        {"id": f"msmarco-{e['id']}", "query_en": e["query"], "query_ko": k["query"],
         "passage_en": " ".join(e["positive"]), "passage_ko": " ".join(k["positive"])}
        for e, k in zip(eng, kor)
    ]
    return pd.DataFrame(rows[:n_records])


def korsts_pairs() -> list[tuple[str, str]]:
    """KorSTS/STS-B sentence translations (ko, en), joined on (genre, filename, year, id), duplicates dropped."""
    pairs, seen = [], set()
    for split in ("train", "dev", "test"):
        english = {}
        for line in (SHARED_KORSTS / "stsbenchmark" / f"sts-{split}.csv").read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) >= 7:
                english[tuple(cols[:4])] = (cols[5], cols[6])
        lines = (SHARED_KORSTS / "KorSTS" / f"sts-{split}.tsv").read_text(encoding="utf-8").splitlines()[1:]
        for line in lines:
            cols = line.split("\t")
            if len(cols) < 7 or tuple(cols[:4]) not in english:
                continue
            for ko, en in zip(cols[5:7], english[tuple(cols[:4])]):
                ko, en = ko.strip(), en.strip()
                if ko and en and ko not in seen and en not in seen:
                    seen.update((ko, en))
                    pairs.append((ko, en))
    return pairs


def korsts_frames(n_records: int, n_queries: int):
    """A corpus of ``n_records`` sentence pairs (ko and en documents) and held-out sentence queries."""
    import pandas as pd

    pairs = korsts_pairs()
    rows = [{"id": f"korsts-{i}", "query_ko": ko, "query_en": en, "passage_ko": ko, "passage_en": en}
            for i, (ko, en) in enumerate(pairs)]
    return pd.DataFrame(rows[:n_records]), pd.DataFrame(rows[n_records:n_records + n_queries])


def synthetic_frame(demo, n_records: int):
    """Pairs of demo passages joined into new passages, until ``n_records`` records."""
    import pandas as pd

    rng = np.random.default_rng(0)
    rows = []
    for i in range(n_records):
        a, b = rng.choice(len(demo), size=2, replace=False)
        ra, rb = demo.iloc[a], demo.iloc[b]
        rows.append({"id": f"synth-{i}", "query_ko": ra.query_ko, "query_en": ra.query_en,
                     "passage_ko": f"{ra.passage_ko} {rb.passage_ko}", "passage_en": f"{ra.passage_en} {rb.passage_en}"})
    return pd.DataFrame(rows)


def held_out_queries(frame, n: int) -> list[str]:
    """Distinct queries, Korean and English alternating."""
    queries, seen = [], set()
    for ko, en in zip(frame["query_ko"], frame["query_en"]):
        for text in (ko, en):
            if text and text not in seen:
                seen.add(text)
                queries.append(text)
        if len(queries) >= n:
            break
    return queries[:n]


def percentiles(samples: list[float], cpu: list[float]) -> dict[str, float]:
    """Wall-clock p50/p95/mean, and p50/p95 of the process CPU time per query (all threads)."""
    array, cpu_array = np.asarray(samples), np.asarray(cpu)
    return {"p50_ms": round(float(np.percentile(array, 50)), 2), "p95_ms": round(float(np.percentile(array, 95)), 2),
            "mean_ms": round(float(array.mean()), 2), "cpu_p50_ms": round(float(np.percentile(cpu_array, 50)), 2),
            "cpu_p95_ms": round(float(np.percentile(cpu_array, 95)), 2), "n": len(samples)}


def bench_corpus(label: str, corpus, model_ref: str, queries: list[str], k: int) -> dict:
    from studio.modelref import load_model
    from studio.search.compare import search_column
    from studio.search.indexes import get_index_manager
    from studio.search.retrievers import clear_query_cache, torch_threads

    manager = get_index_manager()
    start = time.perf_counter()
    retrievers = [manager.get(model_ref, part, wait=None, progress=_progress(label)) for part in corpus.parts]
    ready_s = time.perf_counter() - start
    print(f"\r[{label}] index ready in {ready_s:.1f} s ({len(corpus)} passages)" + " " * 20, file=sys.stderr)
    matrix = np.concatenate([r.index._index.reconstruct_n(0, r.index.ntotal) for r in retrievers])
    docs = [doc.doc_id for r in retrievers for doc in r.part.docs]
    model = load_model(model_ref)
    prompt = "query" if "query" in (model.prompts or {}) else None

    def studio_path(query: str) -> list[str]:
        return [row.doc_id for row in search_column(query, model_ref, corpus, k, set()).rows]

    def baseline(query: str) -> list[str]:
        vector = model.encode(query, prompt_name=prompt, normalize_embeddings=True, convert_to_numpy=True)
        scores = matrix @ vector
        top = np.argpartition(-scores, k)[:k]
        return [docs[i] for i in top[np.argsort(-scores[top])]]

    def baseline_1t(query: str) -> list[str]:
        with torch_threads(1):
            return baseline(query)

    paths = {"studio": studio_path, "baseline": baseline, "baseline-1t": baseline_1t}
    for query in queries[:10]:  # warm-up
        for fn in paths.values():
            fn(query)
    times: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    agree = 0
    for i, query in enumerate(queries):
        clear_query_cache()
        names = list(paths)[i % 3:] + list(paths)[:i % 3]  # rotate the order
        lists = {}
        for name in names:
            t0, c0 = time.perf_counter(), time.process_time()
            lists[name] = paths[name](query)
            times[name].append((time.perf_counter() - t0) * 1000)
            cpu[name].append((time.process_time() - c0) * 1000)
        agree += lists["studio"] == lists["baseline"]
    return {"corpus": label, "passages": len(corpus), "index_ready_s": round(ready_s, 2),
            **{name: percentiles(samples, cpu[name]) for name, samples in times.items()},
            "same_top_k": f"{agree}/{len(queries)}", "target_p50_ms": TARGETS_MS.get(label)}


def _progress(label: str):
    last = [None]

    def show(done: int, total: int, message: str) -> None:
        if (done, message) != last[0]:
            last[0] = (done, message)
            print(f"[{label}] {message} {done}/{total}", file=sys.stderr)
    return show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="bundled/multilingual-e5-small")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--big", type=int, default=10_000, help="passages in the large corpus (half ko, half en)")
    parser.add_argument("--big-source", choices=["auto", "korsts", "msmarco", "synthetic"], default="auto",
                        help="large corpus: KorSTS sentences (default when ../shared/data has them; short texts "
                             "index fastest), MS MARCO passages, or demo passages paired")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)

    import torch

    from studio.search.corpus import corpus_from_frame

    demo, demo_source = demo_frame()
    n_records = args.big // 2
    source = args.big_source
    if source == "auto":
        source = "korsts" if SHARED_KORSTS.is_dir() else "msmarco" if SHARED_MSMARCO.is_dir() else "synthetic"
    if source == "korsts":
        big, held_out = korsts_frames(n_records, args.queries)
        big_source = f"KorSTS + STS-B sentence translations from {SHARED_KORSTS} ({n_records} pairs: ko + en)"
        big_queries = held_out_queries(held_out, args.queries)
    elif source == "msmarco":
        big, big_source = msmarco_frame(n_records), f"MS MARCO dev ko+en from {SHARED_MSMARCO} ({n_records} records)"
        big_queries = held_out_queries(msmarco_frame(n_records + args.queries).iloc[n_records:], args.queries)
    else:
        big, big_source = synthetic_frame(demo, n_records), "synthesised: pairs of demo passages joined"
        big_queries = held_out_queries(demo, args.queries)
    results = {
        "model": args.model, "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
        "load_avg": os.getloadavg(), "sources": {"demo": demo_source, "10k": big_source}, "runs": [],
    }
    demo_corpus = corpus_from_frame("demo/ko-en-qa", demo)
    results["runs"].append(bench_corpus("demo", demo_corpus, args.model, held_out_queries(demo, args.queries), args.k))
    big_corpus = corpus_from_frame(f"bench/{source}-{args.big}", big)
    results["runs"].append(bench_corpus("10k", big_corpus, args.model, big_queries, args.k))
    results["load_avg_after"] = os.getloadavg()
    print("wall = elapsed per query; cpu = process CPU time per query (all threads); load avg before/after "
          f"{results['load_avg'][0]:.1f}/{results['load_avg_after'][0]:.1f} on {results['cpu_count']} cores")
    print(f"model {args.model}; torch threads {results['torch_threads']}; load avg {results['load_avg'][0]:.2f}")
    for label, source in results["sources"].items():
        print(f"  {label}: {source}")
    print(f"{'corpus':<8}{'passages':>9}  {'path':<12}{'p50 ms':>8}{'p95 ms':>8}{'mean ms':>9}"
          f"{'cpu p50':>9}{'cpu p95':>9}  target p50")
    for run in results["runs"]:
        for path in ("studio", "baseline", "baseline-1t"):
            stats = run[path]
            target = f"< {run['target_p50_ms']:.0f} ms" if path == "studio" else ""
            print(f"{run['corpus']:<8}{run['passages']:>9}  {path:<12}{stats['p50_ms']:>8}{stats['p95_ms']:>8}"
                  f"{stats['mean_ms']:>9}{stats['cpu_p50_ms']:>9}{stats['cpu_p95_ms']:>9}  {target}")
        print(f"{'':<19}index ready in {run['index_ready_s']} s; same top-{args.k} as brute force: {run['same_top_k']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
