"""The language-mix composer: exact counts, determinism, one pair per record and direction, bad requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import DuplicateNameError
from studio.data import DataError, compose_mix, import_dataset, load_mix_pairs, save_mix
from studio.data.counts import largest_remainder
from studio.data.mixes import delete_mix, max_budget, preview_mix, resolve_weights
from studio.errors import StudioError
from tests.data.helpers import bitext_records, parallel_records, write_jsonl


@pytest.fixture
def qa(studio, tmp_path: Path) -> str:
    records = parallel_records(100)
    records[0]["passage_en"] = ""  # record r0001 cannot give ko-en or en-en pairs
    import_dataset([write_jsonl(tmp_path / "qa.jsonl", records)], "qa", ratios="1,0,0")
    return "qa"


def test_largest_remainder_is_exact() -> None:
    for total in (1, 7, 1999, 2000, 2001):
        for weights in ({"a": 1, "b": 1, "c": 1}, {"a": 0.7, "b": 0.2, "c": 0.1}, {"a": 1, "b": 0, "c": 3}):
            counts = largest_remainder(total, weights)
            assert sum(counts.values()) == total
            assert all(abs(counts[k] - total * w / sum(weights.values())) < 1 for k, w in weights.items())
    assert largest_remainder(5, {"a": 0, "b": 0}) == {"a": 0, "b": 0}


@pytest.mark.parametrize("preset,budget,expected", [
    ("all-four", 203, {"ko-ko": 51, "en-en": 51, "ko-en": 51, "en-ko": 50}),
    ("cross-only", 99, {"ko-ko": 0, "en-en": 0, "ko-en": 50, "en-ko": 49}),
    ("mono-ko", 100, {"ko-ko": 100, "en-en": 0, "ko-en": 0, "en-ko": 0}),
    ("mono-en", 99, {"ko-ko": 0, "en-en": 99, "ko-en": 0, "en-ko": 0}),
])
def test_presets_give_exact_counts(qa: str, preset: str, budget: int, expected: dict) -> None:
    plan = compose_mix(qa, "train", preset=preset, budget=budget, seed=0)
    assert plan.counts == expected
    assert plan.pairs["direction"].value_counts().to_dict() == {d: n for d, n in expected.items() if n}
    assert list(plan.pairs.columns) == ["query", "passage", "direction", "record_id"]


def test_pairs_are_deterministic_and_never_repeat_a_record_in_a_direction(qa: str) -> None:
    weights = {"ko-ko": 1, "en-en": 2, "ko-en": 3, "en-ko": 4}
    first = compose_mix(qa, "train", weights=weights, budget=240, seed=5).pairs
    assert first.equals(compose_mix(qa, "train", weights=weights, budget=240, seed=5).pairs)
    assert not first.equals(compose_mix(qa, "train", weights=weights, budget=240, seed=6).pairs)
    assert not first.duplicated(["direction", "record_id"]).any()
    assert first.groupby("record_id")["direction"].nunique().max() > 1  # a record can serve several directions
    assert "r0001" not in set(first.loc[first["direction"].isin(["ko-en", "en-en"]), "record_id"])
    row = first[first["direction"] == "ko-en"].iloc[0]
    assert any("\uac00" <= c <= "\ud7a3" for c in row["query"]) and row["passage"].isascii()


def test_budget_larger_than_records_is_refused(qa: str) -> None:
    with pytest.raises(DataError, match=r"needs 100 ko-en pairs .* only 99 records with both query_ko and passage_en"
                                        r".*at most 198"):
        compose_mix(qa, "train", preset="cross-only", budget=200)
    assert compose_mix(qa, "train", preset="cross-only", budget=198).counts["ko-en"] == 99
    assert max_budget(resolve_weights("all-four"), {"ko-ko": 100, "en-en": 99, "ko-en": 99, "en-ko": 100}) == 397


@pytest.mark.parametrize("kwargs,message", [
    ({"preset": "custom", "weights": {"ko-ko": 0}}, "All direction weights are zero"),
    ({"weights": "ko-ko=0,en-en=0"}, "All direction weights are zero"),
    ({"weights": "ko-ko=-1"}, "must be zero or positive"),
    ({"weights": "ko-jp=1"}, "Unknown direction"),
    ({"preset": "half"}, "Unknown preset"),
])
def test_bad_weights(qa: str, kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        compose_mix(qa, "train", budget=10, **kwargs)


def test_bad_budget_and_split(qa: str) -> None:
    with pytest.raises(DataError, match="at least 1"):
        compose_mix(qa, "train", preset="all-four", budget=0)
    with pytest.raises(DataError, match="Unknown split"):
        compose_mix(qa, "validation", preset="all-four", budget=10)
    with pytest.raises(DataError, match="needs 3 ko-ko pairs but the dev split"):
        compose_mix(qa, "dev", preset="all-four", budget=10)


def test_save_load_and_delete_a_mix(studio, qa: str) -> None:
    record = save_mix("qa/all4", qa, "train", preset="all-four", budget=40, seed=1)
    assert record.counts == {"ko-ko": 10, "en-en": 10, "ko-en": 10, "en-ko": 10} and record.dataset_name == "qa"
    path = studio.paths.home / record.path
    assert path.parent == studio.paths.datasets / "qa" / "mixes"
    pairs = load_mix_pairs("qa/all4")
    assert pairs.equals(compose_mix(qa, "train", preset="all-four", budget=40, seed=1).pairs)
    preview = preview_mix(qa, "train", preset="all-four", budget=40, seed=1)
    assert preview["counts"] == record.counts and len(preview["sample"]) == 12
    delete_mix("qa/all4")
    assert not path.exists() and studio.store.list_mixes() == []


def test_failed_saves_write_nothing(studio, qa: str) -> None:
    mixes_dir = studio.paths.datasets / "qa" / "mixes"
    for name in ("../../evil", "/etc/x", ""):
        with pytest.raises(StudioError):
            save_mix(name, qa, "train", preset="all-four", budget=10)
    with pytest.raises(DataError):
        save_mix("too-big", qa, "train", preset="all-four", budget=10_000)
    with pytest.raises(DataError):
        save_mix("zero", qa, "train", preset="custom", weights={}, budget=10)
    assert studio.store.list_mixes() == [] and (not mixes_dir.exists() or not any(mixes_dir.iterdir()))
    save_mix("ok", qa, "train", preset="all-four", budget=10)
    with pytest.raises(DuplicateNameError, match="already exists"):
        save_mix("ok", qa, "train", preset="all-four", budget=10)
    assert [p.name for p in mixes_dir.iterdir()] == ["ok.parquet"]


def test_bitext_gives_cross_lingual_pairs_only(studio, tmp_path: Path) -> None:
    import_dataset([write_jsonl(tmp_path / "b.jsonl", bitext_records(20))], "bi", ratios="1,0,0")
    plan = compose_mix("bi", "train", preset="cross-only", budget=40, seed=0)
    assert plan.counts == {"ko-ko": 0, "en-en": 0, "ko-en": 20, "en-ko": 20}
    ko_en = plan.pairs[plan.pairs["direction"] == "ko-en"].iloc[0]
    assert not ko_en["query"].isascii() and ko_en["passage"].isascii()
    with pytest.raises(DataError, match="gives? no ko-ko, en-en pairs"):
        compose_mix("bi", "train", preset="all-four", budget=8)
