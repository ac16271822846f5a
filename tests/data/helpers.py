"""Small parallel records and writers for every import format (files are written in tmp)."""

from __future__ import annotations

import json
from pathlib import Path

TOPICS = [
    ("서울의 인구는 얼마인가요?", "What is the population of Seoul?",
     "서울에는 약 940만 명이 살고 있습니다.", "About 9.4 million people live in Seoul."),
    ("김치는 어떻게 만드나요?", "How is kimchi made?",
     "배추를 소금에 절이고 양념을 버무려 발효시킵니다.", "Cabbage is salted, mixed with seasoning and fermented."),
    ("한글은 누가 만들었나요?", "Who created Hangul?",
     "세종대왕이 1443년에 한글을 만들었습니다.", "King Sejong created Hangul in 1443."),
    ("제주도는 어디에 있나요?", "Where is Jeju Island?",
     "제주도는 한반도 남쪽 바다에 있는 섬입니다.", "Jeju is an island in the sea south of the Korean peninsula."),
]


def parallel_records(n: int = 40) -> list[dict[str, str]]:
    """``n`` distinct canonical parallel records (ids r0001…)."""
    out = []
    for i in range(n):
        qk, qe, pk, pe = TOPICS[i % len(TOPICS)]
        out.append({"id": f"r{i + 1:04d}", "query_ko": f"{qk} ({i}번)", "query_en": f"{qe} (no. {i})",
                    "passage_ko": f"{pk} 번호 {i}.", "passage_en": f"{pe} Number {i}."})
    return out


def bitext_records(n: int = 30) -> list[dict[str, str]]:
    return [{"ko": r["passage_ko"], "en": r["passage_en"]} for r in parallel_records(n)]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_json_array(path: Path, rows: list[dict]) -> Path:
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def write_delimited(path: Path, rows: list[dict], delimiter: str) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter,
                                quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    import pandas as pd

    pd.DataFrame(rows).to_parquet(path, index=False)
    return path


def write_msmarco_pair(folder: Path, n: int = 40) -> tuple[Path, Path]:
    """MS MARCO-style per-language files: ``{id, query, positive[]}`` (Korean positives split in two)."""
    records = parallel_records(n)
    ko = [{"id": i + 1, "query": r["query_ko"], "positive": r["passage_ko"].split(" ", 1)} for i, r in enumerate(records)]
    en = [{"id": i + 1, "query": r["query_en"], "positive": [r["passage_en"]]} for i, r in enumerate(records)]
    return write_json_array(folder / "msmarco_kor.json", ko), write_json_array(folder / "msmarco_eng.json", en)


def write_text_pair(folder: Path, n: int = 30) -> tuple[Path, Path]:
    rows = bitext_records(n)
    ko = folder / "corpus.ko"
    en = folder / "corpus.en"
    ko.write_text("".join(r["ko"] + "\n" for r in rows), encoding="utf-8")
    en.write_text("".join(r["en"] + "\n" for r in rows), encoding="utf-8")
    return ko, en


def user_datasets(studio) -> list[str]:
    """Registered dataset names other than the built-in demo set."""
    return [r.name for r in studio.store.list_datasets() if r.name != "demo/ko-en-qa"]


def leftover_files(studio) -> list[str]:
    """Entries under datasets/ not belonging to the demo set (temporary folders included)."""
    demo = {p.name for p in studio.paths.datasets.iterdir() if p.name.startswith("demo__ko-en-qa")}
    return sorted(p.name for p in studio.paths.datasets.iterdir() if p.name not in demo and p.name != ".registry.lock")
