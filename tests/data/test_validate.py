"""The validation report: counts, empties, duplicates, lengths and the language check."""

from __future__ import annotations

import numpy as np

from studio.data.validate import ReportBuilder, hangul_share, length_summary
from tests.data.helpers import parallel_records


def build(records: list[dict], kind: str = "parallel") -> dict:
    builder = ReportBuilder(kind)
    for number, record in enumerate(records, start=1):
        builder.add(f"line {number}", record)
    return builder.finish()


def test_clean_records() -> None:
    report = build(parallel_records(20))
    assert report["n_records"] == 20 and report["n_bad_rows"] == 0 and report["warnings"] == []
    for name, column in report["columns"].items():
        assert column["empty"] == 0 and column["duplicates"] == 0
        assert column["language"]["status"] == "ok", name
        assert sum(column["length"]["histogram"]["counts"]) == 20
    assert report["columns"]["query_ko"]["language"]["hangul_share"] > 0.5
    assert report["columns"]["query_en"]["language"]["hangul_share"] == 0.0


def test_empty_duplicate_and_all_empty_rows() -> None:
    records = parallel_records(5)
    records[1]["passage_en"] = ""
    records[2]["query_ko"] = records[3]["query_ko"]
    records.append({"id": "x", "query_ko": "", "query_en": "", "passage_ko": "", "passage_en": ""})
    report = build(records)
    assert report["n_records"] == 5 and report["n_bad_rows"] == 1
    assert report["bad_rows"] == [{"where": "line 6", "problem": "every text is empty"}]
    assert report["columns"]["passage_en"]["empty"] == 1
    assert report["columns"]["passage_en"]["empty_examples"] == ["line 2"]
    assert report["columns"]["query_ko"]["duplicates"] == 1
    assert any("passage_en: 1 empty" in w for w in report["warnings"])


def test_swapped_language_columns_are_flagged() -> None:
    records = parallel_records(10)
    for r in records:
        r["query_ko"], r["query_en"] = r["query_en"], r["query_ko"]
    report = build(records)
    ko, en = report["columns"]["query_ko"]["language"], report["columns"]["query_en"]["language"]
    assert ko["status"] == "flagged" and en["status"] == "flagged"
    assert ko["examples"][:2] == ["line 1", "line 2"]
    assert "mostly Latin" in ko["message"] and "mostly Hangul" in en["message"]
    assert report["columns"]["passage_ko"]["language"]["status"] == "ok"


def test_a_few_wrong_rows_warn() -> None:
    records = parallel_records(20)
    records[0]["passage_ko"] = "Only English here, sorry."
    report = build(records)
    language = report["columns"]["passage_ko"]["language"]
    assert (language["status"], language["wrong_script"], language["examples"]) == ("warning", 1, ["line 1"])


def test_korean_text_with_urls_is_not_wrong() -> None:
    text = "윌리엄 브래드포드, 플리머스 식민지 총독 http://en.wikipedia.org/wiki/William_Bradford 총독으로 재직했습니다"
    assert hangul_share(text) > 0.2
    report = build([{"id": "1", "ko": text, "en": "William Bradford"}], "bitext")
    assert report["columns"]["ko"]["language"]["status"] == "ok"


def test_length_summary() -> None:
    summary = length_summary(np.array([1, 2, 3, 4, 100], dtype=np.int64))
    assert (summary["min"], summary["max"], summary["median"]) == (1, 100, 3.0)
    assert sum(summary["histogram"]["counts"]) == 5
    assert length_summary(np.array([], dtype=np.int64))["histogram"]["counts"] == []
