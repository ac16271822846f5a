"""Record-level splits: exact counts, determinism, no record (or shared text) in two splits."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from studio.data import DataError, import_dataset, load_records, save_mix, split_dataset
from studio.data.splits import assign_splits, parse_ratios, record_groups
from tests.data.helpers import parallel_records, write_jsonl


def frame_of(records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(records)


def test_exact_counts_and_determinism() -> None:
    frame = frame_of(parallel_records(101))
    first = assign_splits(frame, "parallel", (0.8, 0.1, 0.1), seed=7)
    assert pd.Series(first).value_counts().to_dict() == {"train": 81, "dev": 10, "test": 10}
    assert (assign_splits(frame, "parallel", "0.8,0.1,0.1", seed=7) == first).all()
    assert not (assign_splits(frame, "parallel", (0.8, 0.1, 0.1), seed=8) == first).all()


def test_records_sharing_a_text_stay_together() -> None:
    records = parallel_records(60)
    for i in range(0, 60, 3):  # Belebele-like: three questions per passage
        for j in (1, 2):
            records[i + j]["passage_ko"] = records[i]["passage_ko"]
            records[i + j]["passage_en"] = records[i]["passage_en"]
    records[5]["query_en"] = records[40]["query_en"]  # a repeated question links two groups
    frame = frame_of(records)
    groups = record_groups(frame, ["query_ko", "query_en", "passage_ko", "passage_en"])
    assert groups.max() + 1 == 19
    for seed in range(5):
        labels = pd.Series(assign_splits(frame, "parallel", (0.7, 0.15, 0.15), seed))
        for column in ("passage_ko", "passage_en", "query_en"):
            assert (frame.assign(split=labels).groupby(column)["split"].nunique() == 1).all()
        assert labels[5] == labels[40]


def test_zero_ratio_and_parse_errors() -> None:
    labels = assign_splits(frame_of(parallel_records(10)), "parallel", "9,1,0", seed=0)
    assert pd.Series(labels).value_counts().to_dict() == {"train": 9, "dev": 1}
    assert parse_ratios("80/10/10") == pytest.approx((0.8, 0.1, 0.1))
    for bad in ("0.8,0.2", "a,b,c", "0,0,0", "-1,1,1"):
        with pytest.raises(DataError, match="ratios"):
            parse_ratios(bad)


def test_split_dataset_stores_split_and_leaks_nothing(studio, tmp_path: Path) -> None:
    import_dataset([write_jsonl(tmp_path / "x.jsonl", parallel_records(50))], "qa")
    hash_before = studio.store.get_dataset("qa").content_hash
    record = split_dataset("qa", "0.6,0.2,0.2", seed=1)
    assert record.split_counts == {"train": 30, "dev": 10, "test": 10} and record.split_seed == 1
    assert record.report["split"] == {"ratios": [0.6, 0.2, 0.2], "seed": 1}
    assert record.content_hash != hash_before
    ids = {s: set(load_records("qa", s)["id"]) for s in ("train", "dev", "test")}
    assert not (ids["train"] & ids["dev"] or ids["train"] & ids["test"] or ids["dev"] & ids["test"])
    assert len(set.union(*ids.values())) == 50
    again = split_dataset("qa", "0.6,0.2,0.2", seed=1)
    assert again.content_hash == record.content_hash  # same seed: same split


def test_resplit_with_mixes_needs_force(studio, tmp_path: Path) -> None:
    import_dataset([write_jsonl(tmp_path / "x.jsonl", parallel_records(40))], "qa", ratios="0.5,0.25,0.25")
    save_mix("qa-mix", "qa", "train", preset="all-four", budget=20)
    with pytest.raises(DataError, match="has mixes composed from its current split \\(qa-mix\\)"):
        split_dataset("qa", "0.8,0.1,0.1")
    record = split_dataset("qa", "0.8,0.1,0.1", force=True)
    assert record.split_counts["train"] == 32 and studio.store.list_mixes("qa") == []
