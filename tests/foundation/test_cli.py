"""The command line: help everywhere, listing, embedding, clear errors with non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from studio.cli import build_parser, main


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        assert "usage: clir-studio" in capsys.readouterr().out


def test_models_list_json(studio, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list", "--json"]) == 0
    names = [row["name"] for row in json.loads(capsys.readouterr().out)]
    assert names == ["bundled/multilingual-e5-small"]


def test_embed_prints_unit_norm_vectors(studio, tiny_model: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["embed", "--model", tiny_model, "안녕하세요", "hello"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == ["안녕하세요", "hello"]
    assert all(row["dim"] == 32 and abs(row["norm"] - 1) < 1e-4 for row in rows)


def test_unknown_model_exits_non_zero_with_one_line(studio) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "studio", "embed", "--model", "nope", "x"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: Unknown model 'nope'")
    assert "Traceback" not in result.stderr


def test_newer_database_exits_non_zero(studio_home, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    from studio.context import forget_studios, get_studio

    get_studio()
    forget_studios()
    with sqlite3.connect(studio_home / "studio.db") as connection:
        connection.execute("update alembic_version set version_num = 'ffff'")
    assert main(["models", "list"]) == 2
    assert "newer version of CLIR Studio" in capsys.readouterr().err
