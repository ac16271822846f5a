"""evaluate_model: exact metrics with a deterministic encoder, encode-once, cache, run files, bad input."""

from __future__ import annotations

import pytest

from studio.evaluate.bm25 import BM25Error
from studio.evaluate.evaluator import evaluate_model, read_run, runs_root
from studio.evaluate.directions import ALL_DIRECTIONS
from studio.modelref import ModelRefError
from tests.evaluate.conftest import EXPECTED, keyword_evalset


def test_keyword_encoder_gives_exact_metrics_in_every_direction(studio, keyword_model):
    result = evaluate_model(keyword_model, keyword_evalset(), model_name="keywords", studio=studio)
    assert set(result.metrics) == {d.value for d in ALL_DIRECTIONS}
    for direction in result.metrics:
        assert result.metrics[direction] == pytest.approx(EXPECTED, abs=1e-5), direction
    assert result.summary == pytest.approx({"clir": EXPECTED["ndcg@10"], "mono": EXPECTED["ndcg@10"],
                                            "all": EXPECTED["ndcg@10"]}, abs=1e-5)
    assert [doc for doc, _ in result.rankings["ko-en"]["q2"]][:3] == ["d3", "d1", "d0"]


def test_each_language_side_is_encoded_once_and_the_second_run_hits_the_cache(studio, keyword_model):
    evalset = keyword_evalset()
    first = evaluate_model(keyword_model, evalset, model_name="keywords", studio=studio)
    n_texts = sum(len(v) for v in evalset.queries.values()) + sum(len(v) for v in evalset.documents.values())
    assert len(keyword_model.encoded) == n_texts == first.config["texts_encoded"]
    second = evaluate_model(keyword_model, evalset, model_name="keywords", studio=studio)
    assert len(keyword_model.encoded) == n_texts  # nothing new went through the model
    assert second.config["texts_encoded"] == 0 and second.config["texts_from_cache"] == n_texts
    assert second.metrics == first.metrics


def test_result_is_stored_with_trec_runs(studio, keyword_model):
    result = evaluate_model(keyword_model, keyword_evalset(), directions="ko-en,ko-ko", limit=2,
                            model_name="keywords", studio=studio)
    record = studio.store.get_evaluation(result.evaluation_id)
    assert record.model_name == "keywords" and record.dataset_name == "keywords"
    assert set(record.metrics) == {"ko-ko", "ko-en"} and record.summary["all"] is not None
    assert record.config["limit"] == 2 and record.config["split"] == "test"
    assert record.config["model_fingerprint"].startswith("obj-")
    folder = studio.paths.home / record.run_path
    assert sorted(p.name for p in folder.iterdir()) == ["evalset.json.gz", "ko-en.trec", "ko-ko.trec", "qrels.trec"]
    line = (folder / "ko-en.trec").read_text().splitlines()[0].split()
    assert line[1] == "Q0" and line[3] == "1" and len(line) == 6
    assert read_run(folder / "ko-en.trec")["q0"][0][0] == "d0"


def test_interrupted_evaluation_leaves_no_result(studio, keyword_model):
    def interrupt(step, total, message):
        if "searched" in message:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate_model(keyword_model, keyword_evalset(), model_name="keywords", progress=interrupt, studio=studio)
    assert studio.store.list_evaluations() == []
    assert not runs_root(studio).exists() or list(runs_root(studio).iterdir()) == []


def test_store_failure_removes_the_run_folder(studio, keyword_model, monkeypatch):
    def broken(**fields):
        raise RuntimeError("disk full")

    monkeypatch.setattr(studio.store, "add_evaluation", broken)
    with pytest.raises(RuntimeError):
        evaluate_model(keyword_model, keyword_evalset(), model_name="keywords", studio=studio)
    assert list(runs_root(studio).iterdir()) == []


def test_unknown_model_is_a_clear_error(studio):
    with pytest.raises(ModelRefError, match="Unknown model 'no-such-model'"):
        evaluate_model("no-such-model", keyword_evalset(), studio=studio)


def test_bm25_runs_monolingual_by_default_and_refuses_clir(studio):
    result = evaluate_model("bm25", keyword_evalset(), studio=studio)
    assert set(result.metrics) == {"ko-ko", "en-en"} and result.summary["clir"] is None
    assert result.metrics["en-en"]["recall@10"] == 1.0
    with pytest.raises(BM25Error, match="cannot retrieve en documents for ko queries"):
        evaluate_model("bm25", keyword_evalset(), directions="ko-en", studio=studio)


def test_tiny_model_on_a_jsonl_file_is_cached_across_runs(studio, tiny_model, parallel_jsonl):
    first = evaluate_model(tiny_model, str(parallel_jsonl), studio=studio)
    assert first.dataset == "mini.jsonl" and first.n_queries == 12 and first.config["texts_encoded"] == 48
    record = studio.store.get_evaluation(first.evaluation_id)
    assert record.model_id == studio.store.get_model(tiny_model).id
    again = evaluate_model(tiny_model, str(parallel_jsonl), limit=5, studio=studio)
    assert again.config["texts_encoded"] == 0 and again.config["texts_from_cache"] == 20


def test_bm25_on_a_bitext_set_says_why_it_cannot_run(studio):
    import pandas as pd

    from studio.evaluate.evalset import EvalSetError, from_records

    bitext = from_records(pd.DataFrame({"id": ["1"], "ko": ["안녕"], "en": ["hello"]}), "bitext")
    with pytest.raises(EvalSetError, match="only has cross-lingual directions"):
        evaluate_model("bm25", bitext, studio=studio)


def test_in_memory_model_fingerprint_follows_its_weights():
    import torch

    from studio.evaluate.embeddings import object_fingerprint

    class Tiny(torch.nn.Module):
        prompts: dict = {}

        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(3, 2).to(torch.bfloat16)

    model = Tiny()
    before = object_fingerprint(model)
    assert object_fingerprint(model) == before
    with torch.no_grad():
        model.layer.weight[0, 0] += 1  # changed in place, as a merge or a training step would
    assert object_fingerprint(model) != before
