"""The real KO-EN files in ../shared/data (skipped when absent): the issue's "done when" flow."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from studio.data import import_dataset, load_mix_pairs, load_records, save_mix, split_dataset


def test_msmarco_import_split_and_all_four_mix(studio, shared_data: Path) -> None:
    folder = shared_data / "msmarco_ko_en"
    started = time.monotonic()
    record = import_dataset([folder / "msmarco_kor.json", folder / "msmarco_eng.json"], "msmarco")
    seconds = time.monotonic() - started
    report = record.report
    assert record.n_records == 5980 and report["n_bad_rows"] == 0
    assert report["layout"]["flavour"] == "MS MARCO-style" and report["layout"]["languages"] == ["ko", "en"]
    assert all(c["empty"] == 0 and c["language"]["status"] == "ok" for c in report["columns"].values())
    assert report["columns"]["query_ko"]["language"]["hangul_share"] > 0.9
    # the 250 Korean records with 2-4 positives are joined into one passage, like their single English positive
    frame = load_records("msmarco")
    assert frame.loc[frame["id"] == "1", "passage_ko"].item().startswith("윌리엄 브래드포드")

    record = split_dataset("msmarco", "0.8,0.1,0.1", seed=0)
    assert record.split_counts == {"train": 4784, "dev": 598, "test": 598}
    splits = {s: set(load_records("msmarco", s)["id"]) for s in ("train", "dev", "test")}
    assert sum(map(len, splits.values())) == 5980 and len(set.union(*splits.values())) == 5980

    mix = save_mix("msmarco-all4-2k", "msmarco", "train", preset="all-four", budget=2000, seed=0)
    assert mix.counts == {"ko-ko": 500, "en-en": 500, "ko-en": 500, "en-ko": 500}
    pairs = load_mix_pairs("msmarco-all4-2k")
    assert len(pairs) == 2000 and pairs["direction"].value_counts().to_dict() == mix.counts
    assert set(pairs["record_id"]) <= splits["train"]
    assert not pairs.duplicated(["direction", "record_id"]).any()
    print(f"msmarco import {seconds:.1f} s")


def test_belebele_files_import(studio, shared_data: Path) -> None:
    folder = shared_data / "belebele_ko_en"
    record = import_dataset([folder / "kor_Hang.jsonl", folder / "eng_Latn.belebele_schema.derived.jsonl"],
                            "belebele", ratios="0.8,0.1,0.1", seed=0)
    assert record.n_records == 900 and record.report["layout"]["flavour"] == "Belebele-style"
    frame = load_records("belebele")
    assert frame["passage_en"].nunique() == 488 and frame["passage_ko"].nunique() == 488
    # two questions on one passage never land in different splits
    assert (frame.groupby("passage_en")["split"].nunique() == 1).all()
    assert abs(record.split_counts["train"] - 720) <= 2


def test_flores_text_files_import_as_bitext(studio, shared_data: Path) -> None:
    folder = shared_data / "flores200_ko_en" / "dev"
    record = import_dataset([folder / "kor.dev", folder / "eng.dev"], "flores-dev")
    assert (record.kind, record.n_records, record.report["n_bad_rows"]) == ("bitext", 997, 0)
    frame = load_records("flores-dev")
    english = (folder / "eng.dev").read_text(encoding="utf-8").splitlines()
    assert frame["en"].tolist() == [line.strip() for line in english]
    assert isinstance(frame, pd.DataFrame) and frame.loc[0, "ko"].startswith("스탠포드")
