"""clir-studio evaluate / runs: the JSON shape of the issue, tables, clear errors."""

from __future__ import annotations

import json

from studio.cli import main

METRIC_KEYS = {"ndcg@10", "mrr@10", "recall@1", "recall@5", "recall@10", "recall@100", "map@100"}


def test_evaluate_writes_the_documented_json(studio, tiny_model, parallel_jsonl, tmp_path, capsys):
    out = tmp_path / "result.json"
    code = main(["evaluate", "--model", tiny_model, "--dataset", str(parallel_jsonl), "--split", "test",
                 "--directions", "ko-ko,en-en,ko-en,en-ko", "--limit", "6", "--json", str(out)])
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"model", "dataset", "metrics", "summary"}
    assert data["model"] == tiny_model and data["dataset"] == "mini.jsonl"
    assert set(data["metrics"]) == {"ko-ko", "en-en", "ko-en", "en-ko"}
    assert all(set(values) == METRIC_KEYS for values in data["metrics"].values())
    assert set(data["summary"]) == {"clir", "mono", "all"}
    printed = capsys.readouterr().out
    assert "stored as run #1" in printed and "ko-en" in printed

    assert main(["evaluate", "--model", "bm25", "--dataset", str(parallel_jsonl), "--json", "-"]) == 0
    bm25 = json.loads(capsys.readouterr().out)
    assert set(bm25["metrics"]) == {"ko-ko", "en-en"} and bm25["summary"]["clir"] is None

    assert main(["runs", "list", "--json"]) == 0
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == [2, 1]
    assert main(["runs", "show", "1"]) == 0
    assert "limit 6" in capsys.readouterr().out
    assert main(["runs", "compare", "1", "2", "--json"]) == 0
    compared = json.loads(capsys.readouterr().out)
    assert compared["reference"] == 1 and compared["best"]["ko-ko"] in (1, 2)
    assert main(["runs", "compare", "1", "2"]) == 0
    assert "* best per column" in capsys.readouterr().out


def test_bad_input_exits_2_with_one_line(studio, tiny_model, parallel_jsonl, capsys):
    assert main(["evaluate", "--model", "nope", "--dataset", str(parallel_jsonl)]) == 2
    assert capsys.readouterr().err.startswith("error: Unknown model 'nope'")
    assert main(["evaluate", "--model", "bm25", "--dataset", str(parallel_jsonl), "--directions", "ko-en"]) == 2
    assert "BM25 matches words" in capsys.readouterr().err
    split_file = parallel_jsonl.with_name("split.jsonl")
    rows = [{**json.loads(line), "split": "test"} for line in parallel_jsonl.read_text(encoding="utf-8").splitlines()]
    split_file.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert main(["evaluate", "--model", tiny_model, "--dataset", str(split_file), "--split", "dev"]) == 2
    assert "'dev' split of split.jsonl is empty" in capsys.readouterr().err
    assert main(["evaluate", "--model", tiny_model, "--dataset", str(parallel_jsonl), "--directions", "ko-xx"]) == 2
    assert "Unknown direction 'ko-xx'" in capsys.readouterr().err
    assert main(["runs", "show", "42"]) == 2
