"""The bundled model and BM25 on full Belebele land on the reference numbers (shared/data/README.md)."""

from __future__ import annotations

import pytest

from studio.evaluate.evaluator import evaluate_model

REFERENCE_NDCG = {"ko-ko": 0.9066, "en-en": 0.9424, "ko-en": 0.6702, "en-ko": 0.7769}
REFERENCE_MRR = {"ko-ko": 0.8884, "en-en": 0.9289, "ko-en": 0.6283, "en-ko": 0.7398}
REFERENCE_BM25 = {"ko-ko": 0.8852, "en-en": 0.9156}


@pytest.mark.slow
@pytest.mark.timeout(3600)  # ~2,800 texts through the real model: minutes alone, much longer on a busy machine
def test_bundled_model_and_bm25_on_belebele(real_studio, shared_data):
    folder = shared_data / "belebele_ko_en"
    dense = evaluate_model("bundled/multilingual-e5-small", "benchmark/belebele", benchmark_dir=folder,
                           studio=real_studio)
    assert dense.n_queries == 900
    for direction, expected in REFERENCE_NDCG.items():
        assert dense.metrics[direction]["ndcg@10"] == pytest.approx(expected, abs=0.01), direction
        assert dense.metrics[direction]["mrr@10"] == pytest.approx(REFERENCE_MRR[direction], abs=0.01), direction
    assert dense.summary["clir"] == pytest.approx(0.7235, abs=0.01)
    assert dense.summary["mono"] == pytest.approx(0.9245, abs=0.01)

    bm25 = evaluate_model("bm25", "benchmark/belebele", benchmark_dir=folder, studio=real_studio)
    assert set(bm25.metrics) == set(REFERENCE_BM25)
    for direction, expected in REFERENCE_BM25.items():
        assert bm25.metrics[direction]["ndcg@10"] == pytest.approx(expected, abs=0.01), direction

    again = evaluate_model("bundled/multilingual-e5-small", "benchmark/belebele", benchmark_dir=folder,
                           directions="ko-en", studio=real_studio)
    assert again.config["texts_encoded"] == 0  # every text came from the embedding cache
    assert again.metrics["ko-en"] == dense.metrics["ko-en"]
