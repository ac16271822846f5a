"""Fixtures for evaluation tests: a deterministic keyword encoder and a small parallel eval set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from studio.evaluate.evalset import EvalSet

# Korean and English words that share a dimension, so every direction ranks the same way.
KEYWORDS = {"alpha": 0, "알파": 0, "beta": 1, "베타": 1, "gamma": 2, "감마": 2}


class KeywordModel:
    """Stands in for a SentenceTransformer: a text's vector counts its keywords (one dimension each)."""

    def __init__(self) -> None:
        self.prompts = {"query": "query: ", "passage": "passage: "}
        self.encoded: list[str] = []

    def __repr__(self) -> str:
        return f"KeywordModel({sorted(KEYWORDS.items())})"

    def state_dict(self) -> dict:
        return {}

    def encode(self, texts, prompt=None, batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
               show_progress_bar=False, **_):
        self.encoded.extend(texts)
        vectors = np.zeros((len(texts), 3), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                if word in KEYWORDS:
                    vectors[row, KEYWORDS[word]] += 1
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


def keyword_evalset() -> EvalSet:
    """Three queries with known ranks of their gold document: 1, 1 and 3 (in every direction).

    q0 "alpha" -> d0 first; q1 "beta gamma gamma" -> d2 first; q2 "alpha beta beta" -> d3, d1, then gold d0.
    """
    en_docs = {"d0": "alpha", "d1": "beta", "d2": "gamma", "d3": "alpha beta"}
    ko_docs = {"d0": "알파", "d1": "베타", "d2": "감마", "d3": "알파 베타"}
    en_q = {"q0": "alpha", "q1": "beta gamma gamma", "q2": "alpha beta beta"}
    ko_q = {"q0": "알파", "q1": "베타 감마 감마", "q2": "알파 베타 베타"}
    return EvalSet(name="keywords", queries={"ko": ko_q, "en": en_q}, documents={"ko": ko_docs, "en": en_docs},
                   qrels={"q0": {"d0": 1}, "q1": {"d2": 1}, "q2": {"d0": 1}})


EXPECTED = {"ndcg@10": round((1 + 1 + 0.5) / 3, 5), "mrr@10": round((1 + 1 + 1 / 3) / 3, 5),
            "recall@1": round(2 / 3, 5), "recall@5": 1.0, "recall@10": 1.0, "recall@100": 1.0,
            "map@100": round((1 + 1 + 1 / 3) / 3, 5)}


@pytest.fixture
def keyword_model() -> KeywordModel:
    return KeywordModel()


@pytest.fixture
def parallel_jsonl(tmp_path: Path) -> Path:
    """Twelve parallel records from the demo set as a canonical JSONL file (with duplicates added)."""
    demo = Path(__file__).resolve().parents[2] / "assets" / "demo" / "ko-en-qa.jsonl"
    rows = [json.loads(line) for line in demo.read_text(encoding="utf-8").splitlines()[:12]]
    fields = ("id", "query_ko", "query_en", "passage_ko", "passage_en")
    path = tmp_path / "mini.jsonl"
    path.write_text("\n".join(json.dumps({k: r[k] for k in fields}, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path
