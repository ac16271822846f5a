"""Layout detection, the column mapping, and joined canonical rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.data.errors import DataError
from studio.data.importers import open_sources
from studio.data.ingest import inspect_source
from studio.data.layouts import detect_layout
from studio.data.rows import canonical_rows
from tests.data.helpers import parallel_records, write_jsonl, write_msmarco_pair, write_text_pair


def test_canonical_parallel_table() -> None:
    layout = detect_layout([parallel_records(3)], ["x.jsonl"])
    assert (layout.shape, layout.kind.value, layout.flavour) == ("single", "parallel", "canonical")
    assert layout.mapping == {"id": "id", "query_ko": "query_ko", "query_en": "query_en",
                              "passage_ko": "passage_ko", "passage_en": "passage_en"}


def test_column_names_with_role_and_language_words() -> None:
    rows = [{"qid": "1", "question_kor": "질문", "question_eng": "question", "context_kor": "문맥", "context_eng": "context"}]
    layout = detect_layout([rows], ["x.csv"])
    assert layout.mapping == {"id": "qid", "query_ko": "question_kor", "query_en": "question_eng",
                              "passage_ko": "context_kor", "passage_en": "context_eng"}


@pytest.mark.parametrize("row,expected", [
    ({"ko": "안녕", "en": "hi"}, {"id": None, "ko": "ko", "en": "en"}),
    ({"translation": {"ko": "안녕", "en": "hi"}}, {"id": None, "ko": "translation.ko", "en": "translation.en"}),
    ({"idx": 3, "korean": "안녕", "english": "hi"}, {"id": "idx", "ko": "korean", "en": "english"}),
])
def test_bitext_tables(row: dict, expected: dict) -> None:
    from studio.data.importers import flatten

    layout = detect_layout([[flatten(row)]], ["x.jsonl"])
    assert layout.kind.value == "bitext"
    assert layout.mapping == expected


def test_unknown_columns_need_a_mapping() -> None:
    rows = [{"foo": "안녕", "bar": "hello"}]
    with pytest.raises(DataError, match="Could not recognise the layout.*columns: foo, bar.*--map"):
        detect_layout([rows], ["x.jsonl"])
    layout = detect_layout([rows], ["x.jsonl"], mapping={"ko": "foo", "en": "bar"})
    assert (layout.kind.value, layout.mapping) == ("bitext", {"id": None, "ko": "foo", "en": "bar"})


def test_missing_and_wrong_mapped_columns() -> None:
    rows = [{"id": "1", "query_ko": "질문", "query_en": "q", "passage_ko": "문단"}]
    with pytest.raises(DataError, match="Could not tell which column holds passage_en"):
        detect_layout([rows], ["x.jsonl"], kind="parallel")
    with pytest.raises(DataError, match="Column 'nope' \\(mapped to passage_en\\) is not in x.jsonl"):
        detect_layout([rows], ["x.jsonl"], kind="parallel", mapping={"passage_en": "nope"})
    with pytest.raises(DataError, match="not a field of this layout"):
        detect_layout([rows], ["x.jsonl"], kind="bitext", mapping={"ko": "query_ko", "en": "query_en", "query": "x"})


def test_msmarco_style_files_join_on_id(tmp_path: Path) -> None:
    ko, en = write_msmarco_pair(tmp_path, 6)
    found = inspect_source([en, ko])  # order does not matter: languages come from the text
    assert found.layout.flavour == "MS MARCO-style"
    assert found.layout.languages == ("en", "ko")
    assert found.layout.mapping == {"id": "id", "query": "query", "passage": "positive"}
    first = found.preview[0]
    assert first["passage_ko"] == parallel_records(1)[0]["passage_ko"]  # Korean parts joined with a space
    assert first["id"] == "1" and first["query_en"].startswith("What is the population")


def test_belebele_style_files_join_on_link_and_question_number(tmp_path: Path) -> None:
    def rows(lang: str) -> list[dict]:
        out = []
        for p in range(3):
            for q in (1, 2):
                text = f"문단 {p} 내용입니다" if lang == "ko" else f"Passage {p} text"
                out.append({"link": f"https://x/{p}", "question_number": q, "flores_passage": text,
                            "question": (f"질문 {p}-{q}은 무엇인가요" if lang == "ko" else f"Question {p}-{q}?"),
                            "mc_answer1": "a", "correct_answer_num": "1"})
        return out if lang == "ko" else list(reversed(out))

    ko = write_jsonl(tmp_path / "kor_Hang.jsonl", rows("ko"))
    en = write_jsonl(tmp_path / "eng_Latn.jsonl", rows("en"))
    found = inspect_source([ko, en])
    assert found.layout.flavour == "Belebele-style"
    assert found.layout.mapping == {"id": "link+question_number", "query": "question", "passage": "flores_passage"}
    tables = open_sources([ko, en])
    records = [r.values for r in canonical_rows(tables, found.layout)]
    assert len(records) == 6 and records[0]["id"] == "https://x/0#1"
    assert records[1]["query_en"] == "Question 0-2?" and records[1]["passage_ko"] == "문단 0 내용입니다"


def test_text_pair_joins_by_position(tmp_path: Path) -> None:
    ko, en = write_text_pair(tmp_path, 4)
    found = inspect_source([ko, en])
    assert (found.layout.kind.value, found.layout.mapping) == ("bitext", {"id": None, "text": "text"})
    assert found.preview[0] == {"id": "1", "ko": "서울에는 약 940만 명이 살고 있습니다. 번호 0.",
                                "en": "About 9.4 million people live in Seoul. Number 0."}


def test_per_language_files_of_one_language_are_refused(tmp_path: Path) -> None:
    ko, _ = write_text_pair(tmp_path, 4)
    other = tmp_path / "other.txt"
    other.write_text(ko.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DataError, match="look Korean"):
        inspect_source([ko, other])


def test_joined_rows_report_missing_partners(tmp_path: Path) -> None:
    ko, en = write_msmarco_pair(tmp_path, 5)
    import json

    rows = json.loads(en.read_text(encoding="utf-8"))
    rows[2]["id"] = 99
    en.write_text(json.dumps(rows), encoding="utf-8")
    tables = open_sources([ko, en])
    layout = inspect_source([ko, en]).layout
    problems = [(r.where, r.problem) for r in canonical_rows(tables, layout) if r.problem]
    assert ("msmarco_kor.json item 3", "id '3' has no counterpart in msmarco_eng.json") in problems
    assert ("msmarco_eng.json item 3", "no counterpart in msmarco_kor.json (id '99' is missing there)") in problems
