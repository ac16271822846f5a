"""Search fixtures: a small parallel dataset (demo records) and helpers to build corpora without a data home."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

DEMO_FILE = Path(__file__).resolve().parents[2] / "assets" / "demo" / "ko-en-qa.jsonl"
FIELDS = ("id", "query_ko", "query_en", "passage_ko", "passage_en")
N_RECORDS = 24
SEJONG_KO = "조선 시대에 한글을 만든 왕은 누구인가?"
SEJONG_EN = "Which king created Hangul during the Joseon dynasty?"
SEJONG_ID = "demo-0001"


def demo_rows(n: int = N_RECORDS) -> list[dict[str, str]]:
    """The first ``n`` demo records (the Sejong record first)."""
    rows = []
    with DEMO_FILE.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            rows.append({key: record[key] for key in FIELDS})
            if len(rows) == n:
                break
    return rows


def demo_frame(n: int = N_RECORDS) -> pd.DataFrame:
    return pd.DataFrame(demo_rows(n))


@pytest.fixture
def qa_dataset(studio, tmp_path: Path) -> str:
    """A 24-record parallel dataset registered as ``test/qa``; returns its name."""
    from studio.data import import_dataset

    source = tmp_path / "qa.jsonl"
    source.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in demo_rows()), encoding="utf-8")
    import_dataset([source], "test/qa", fmt="jsonl", kind="parallel", studio=studio)
    return "test/qa"
