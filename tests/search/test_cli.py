"""``clir-studio search``: table and JSON output, side by side, errors with exit status 2."""

from __future__ import annotations

import json

from studio.cli import main
from tests.search.conftest import SEJONG_ID, SEJONG_KO


def test_search_json_side_by_side(qa_dataset: str, tiny_model: str, capsys) -> None:
    code = main(["search", "--model", tiny_model, "--model-b", "bm25", "--corpus", qa_dataset, "--doc-lang", "ko",
                 "--k", "3", "--json", SEJONG_KO])
    out = capsys.readouterr().out
    assert code == 0
    payload = json.loads(out)
    assert payload["query"] == SEJONG_KO and payload["query_lang"] == "ko" and payload["gold_record_id"] == SEJONG_ID
    assert [c["model"] for c in payload["columns"]] == [tiny_model, "bm25"]
    assert all(c["status"] == "ok" and len(c["rows"]) == 3 for c in payload["columns"])
    assert payload["columns"][1]["rows"][0]["gold"] is True
    assert payload["overlap"] is not None and payload["k"] == 3


def test_search_table_words_joined(qa_dataset: str, capsys) -> None:
    code = main(["search", "--model", "bm25", "--corpus", qa_dataset, "--doc-lang", "en", "--k", "2",
                 "Which", "king", "created", "Hangul?"])
    out = capsys.readouterr().out
    assert code == 0
    assert "query (en): Which king created Hangul?" in out
    assert "A: bm25" in out and "rank" in out and SEJONG_ID in out


def test_search_errors_exit_2(qa_dataset: str, tiny_model: str, capsys) -> None:
    assert main(["search", "--model", tiny_model, "--corpus", qa_dataset, " "]) == 2
    assert "error: model A (test/tiny): The query is empty" in capsys.readouterr().err
    code = main(["search", "--model", "nope/model", "--model-b", tiny_model, "--corpus", qa_dataset, "--k", "2",
                 "--json", SEJONG_KO])
    captured = capsys.readouterr()
    assert code == 2 and "error: model A (nope/model)" in captured.err
    assert json.loads(captured.out)["columns"][1]["status"] == "ok"
