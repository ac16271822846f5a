"""``clir-studio data …`` through ``studio.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli import main
from tests.data.helpers import parallel_records, user_datasets, write_jsonl, write_msmarco_pair


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_show_split_mix_delete(studio, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    ko, en = write_msmarco_pair(tmp_path, 40)
    code, out, _ = run(capsys, "data", "import", str(ko), str(en), "--name", "ms", "--split", "0.5,0.25,0.25")
    assert code == 0 and "MS MARCO-style" in out and "imported ms: 40 parallel records (train 20 · dev 10 · test 10)" in out

    code, out, _ = run(capsys, "data", "list", "--json")
    names = {row["name"]: row for row in json.loads(out)["datasets"]}
    assert code == 0 and names["ms"]["splits"] == "train 20 · dev 10 · test 10" and "demo/ko-en-qa" in names

    code, out, _ = run(capsys, "data", "mix", "ms-x", "--dataset", "ms", "--weights", "ko-en=1,en-ko=1", "--budget", "21",
                       "--preview", "--json")
    assert code == 0 and json.loads(out)["counts"] == {"ko-ko": 0, "en-en": 0, "ko-en": 11, "en-ko": 10}
    assert studio.store.list_mixes() == []

    code, out, _ = run(capsys, "data", "mix", "ms-all4", "--dataset", "ms", "--preset", "all-four", "--budget", "80")
    assert code == 0 and "saved mix ms-all4: 80 pairs from ms/train (ko-ko 20, en-en 20, ko-en 20, en-ko 20)" in out

    code, out, _ = run(capsys, "data", "show", "ms")
    assert code == 0 and "query_ko" in out and "ms-all4" in out
    code, out, _ = run(capsys, "data", "mixes", "--dataset", "ms", "--json")
    assert [row["name"] for row in json.loads(out)] == ["ms-all4"]
    code, out, _ = run(capsys, "data", "show", "ms-all4", "--json")
    assert json.loads(out)["ko-en"] == 20

    code, _, err = run(capsys, "data", "split", "ms", "--ratios", "0.8,0.1,0.1")
    assert code == 2 and "error: Dataset 'ms' has mixes" in err
    code, out, _ = run(capsys, "data", "split", "ms", "--ratios", "0.8,0.1,0.1", "--seed", "3", "--force")
    assert code == 0 and "train 32 · dev 4 · test 4 (seed 3)" in out

    code, out, _ = run(capsys, "data", "delete", "ms")
    assert code == 0 and user_datasets(studio) == []


def test_mapping_validate_only_and_errors(studio, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = [{"key": r["id"], "q1": r["query_ko"], "q2": r["query_en"], "p1": r["passage_ko"], "p2": r["passage_en"]}
            for r in parallel_records(10)]
    path = write_jsonl(tmp_path / "odd.jsonl", rows)
    code, _, err = run(capsys, "data", "import", str(path), "--name", "odd")
    assert code == 2 and "Could not recognise the layout" in err

    mapping = ["--map", "id=key,query_ko=q1,query_en=q2", "--map", "passage_ko=p1", "--map", "passage_en=p2"]
    code, out, _ = run(capsys, "data", "import", str(path), "--name", "odd", *mapping, "--validate-only")
    assert code == 0 and "10 records, 0 bad rows" in out and user_datasets(studio) == []
    code, out, _ = run(capsys, "data", "import", str(path), "--name", "odd", *mapping, "--json")
    assert code == 0 and json.loads(out)["records"] == 10

    code, _, err = run(capsys, "data", "mix", "m", "--dataset", "odd", "--split", "all", "--budget", "100",
                       "--preset", "all-four")
    assert code == 2 and "lower the budget to at most 40" in err
    code, _, err = run(capsys, "data", "mix", "m", "--dataset", "odd", "--split", "all", "--budget", "4",
                       "--weights", "ko-ko=0")
    assert code == 2 and "All direction weights are zero" in err
    code, _, err = run(capsys, "data", "import", str(path), "--name", "../../x", *mapping)
    assert code == 2 and "not a usable dataset name" in err
    code, _, err = run(capsys, "data", "show", "nope")
    assert code == 2 and "No dataset named 'nope'" in err
    code, _, err = run(capsys, "data", "import", str(path), "--name", "z", "--map", "nonsense")
    assert code == 2 and "FIELD=COLUMN" in err


def test_bad_rows_are_listed_with_line_numbers(studio, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", parallel_records(5))
    path.write_text(path.read_text(encoding="utf-8") + "{oops\n", encoding="utf-8")
    code, out, _ = run(capsys, "data", "import", str(path), "--name", "x", "--validate-only")
    assert code == 1 and "bad row: x.jsonl line 6: not valid JSON" in out
    code, _, err = run(capsys, "data", "import", str(path), "--name", "x")
    assert code == 2 and "1 bad row, nothing was imported: x.jsonl line 6" in err
    assert user_datasets(studio) == []
