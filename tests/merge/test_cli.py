"""``clir-studio merge`` and ``clir-studio sweep`` on tiny models."""

from __future__ import annotations

import json

from studio.cli import main


def test_merge_saves_and_registers(parents, studio, capsys):
    base, a, b = parents
    code = main(["merge", "--models", f"{a},{b}", "--weights", "0.7,0.3", "--method", "dare_ties", "--base", base,
                 "--density", "0.6", "--seed", "3", "--name", "cli/dare"])
    out = capsys.readouterr().out
    assert code == 0 and "saved cli/dare -> merged/cli--dare" in out
    record = studio.store.get_model("cli/dare")
    assert record.config["merge"]["params"] == {"normalize": True, "scale": 1.0, "density": 0.6, "seed": 3,
                                                "majority_sign": "total"}
    assert [(p.parent_name, p.weight) for p in record.parents] == [(a, 0.7), (b, 0.3)]


def test_slerp_t_and_preview(parents, capsys):
    _, a, b = parents
    assert main(["merge", "--models", f"{a},{b}", "--method", "slerp", "--t", "0.25", "--preview", "--limit", "8"]) == 0
    out = capsys.readouterr().out
    assert "weights 0.750, 0.250" in out and "merge preview" in out and a in out


def test_bad_input_is_one_line_and_exit_2(parents, capsys):
    _, a, b = parents
    assert main(["merge", "--models", f"{a},{b}", "--method", "ties", "--name", "x"]) == 2
    assert "needs a base model" in capsys.readouterr().err
    assert main(["merge", "--models", f"{a},{b}", "--weights", "1,-1", "--name", "x"]) == 2
    assert "sum to zero" in capsys.readouterr().err
    assert main(["merge", "--models", f"{a},{b}", "--seed", "2", "--name", "x"]) == 2
    assert "linear takes no parameter 'seed'" in capsys.readouterr().err


def test_sweep_prints_the_table_and_writes_json(parents, tmp_path, capsys):
    _, a, b = parents
    target = tmp_path / "sweep.json"
    assert main(["sweep", "--models", f"{a},{b}", "--steps", "3", "--limit", "8", "--json", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Pareto front" in out and "0.50 / 0.50" in out
    result = json.loads(target.read_text(encoding="utf-8"))
    assert [p["alpha"] for p in result["points"]] == [0.0, 0.5, 1.0] and result["limit"] == 8
