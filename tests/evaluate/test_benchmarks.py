"""Belebele and FLORES loaders: local folders in every known layout, clear errors, real counts."""

from __future__ import annotations

import json

import pytest

from studio.data.benchmarks import BenchmarkError, load_belebele, load_benchmark, load_flores
from studio.evaluate.directions import CLIR_DIRECTIONS


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")


KOREAN = [
    {"link": "u1", "question_number": 1, "flores_passage": "첫 문단", "question": "첫 질문?"},
    {"link": "u1", "question_number": 2, "flores_passage": "첫 문단", "question": "둘째 질문?"},
    {"link": "u2", "question_number": 2, "flores_passage": "둘째 문단", "question": "셋째 질문?"},
]


def test_belebele_grouped_english_is_joined_by_question_order(tmp_path):
    write_jsonl(tmp_path / "kor_Hang.jsonl", KOREAN)
    write_jsonl(tmp_path / "eng_Latn.jsonl", [
        {"text": "First passage", "items": [{"question": "First?"}, {"question": "Second?"}],
         "metadata": {"extra": {"url": "u1"}}},
        {"text": "Second passage", "items": [{"question": "Third?"}], "metadata": {"extra": {"url": "u2"}}},
    ])
    evalset = load_belebele(tmp_path)
    assert evalset.n_queries == 3 and len(evalset.documents["en"]) == 2
    assert list(evalset.queries["en"].values()) == ["First?", "Second?", "Third?"]
    assert evalset.qrels["q002"] == {"p001": 1}
    assert evalset.documents["en"]["p001"] == "Second passage"


def test_belebele_schema_english_and_env_variable(tmp_path, monkeypatch):
    write_jsonl(tmp_path / "kor_Hang.jsonl", KOREAN)
    write_jsonl(tmp_path / "eng_Latn.jsonl", [
        {"link": r["link"], "question_number": r["question_number"], "flores_passage": "P " + r["link"],
         "question": "Q" + str(i)} for i, r in enumerate(KOREAN)])
    monkeypatch.setenv("STUDIO_BELEBELE_DIR", str(tmp_path))
    assert load_benchmark("belebele").n_queries == 3


def test_missing_folder_or_files_and_offline_hub(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("STUDIO_BELEBELE_DIR", raising=False)
    with pytest.raises(BenchmarkError, match="--benchmark-dir"):
        load_belebele()
    with pytest.raises(BenchmarkError, match="does not exist"):
        load_belebele(tmp_path / "nope")
    with pytest.raises(BenchmarkError, match="kor_Hang.jsonl"):
        load_belebele(tmp_path)
    with pytest.raises(BenchmarkError, match="Unknown benchmark"):
        load_benchmark("mmlu")


def test_flores_folder(tmp_path):
    (tmp_path / "devtest").mkdir()
    (tmp_path / "devtest" / "kor_Hang.devtest").write_text("하나\n둘\n", encoding="utf-8")
    (tmp_path / "devtest" / "eng_Latn.devtest").write_text("one\ntwo\n", encoding="utf-8")
    evalset = load_flores(tmp_path, "test")
    assert evalset.split == "devtest" and evalset.n_queries == 2 and evalset.directions == CLIR_DIRECTIONS
    with pytest.raises(BenchmarkError, match="dev.*devtest"):
        load_flores(tmp_path, "train")


def test_real_belebele_and_flores_counts(shared_data):
    belebele = load_belebele(shared_data / "belebele_ko_en")
    assert belebele.n_queries == 900
    assert len(belebele.documents["ko"]) == len(belebele.documents["en"]) == 488
    assert belebele.meta["unmatched_questions"] == 0
    assert load_flores(shared_data / "flores200_ko_en", "devtest").n_queries == 1012
    assert load_flores(shared_data / "flores200_ko_en", "dev").n_queries == 997
