from __future__ import annotations

import pytest

from studio.evaluate.directions import ALL_DIRECTIONS, Direction, DirectionError, parse_directions, summarize


def test_direction_is_query_doc():
    assert Direction("ko-en").query_lang == "ko" and Direction("ko-en").doc_lang == "en"
    assert Direction.EN_KO.is_crosslingual and not Direction.KO_KO.is_crosslingual
    assert Direction.KO_EN == "ko-en"  # a str enum: plain strings compare equal


def test_parse_directions_orders_dedupes_and_defaults():
    assert parse_directions(None) == ALL_DIRECTIONS
    assert [d.value for d in parse_directions("en-ko, ko-ko,en-ko")] == ["ko-ko", "en-ko"]
    assert parse_directions(["EN-EN", Direction.KO_EN]) == (Direction.EN_EN, Direction.KO_EN)


@pytest.mark.parametrize("value", ["ko-jp", "", " , "])
def test_parse_directions_rejects_bad_input(value):
    with pytest.raises(DirectionError):
        parse_directions(value)


def test_summary_means():
    metrics = {"ko-ko": {"ndcg@10": 0.9}, "en-en": {"ndcg@10": 0.7}, "ko-en": {"ndcg@10": 0.6},
               "en-ko": {"ndcg@10": 0.4}}
    assert summarize(metrics) == {"clir": 0.5, "mono": 0.8, "all": 0.65}
    assert summarize({"ko-ko": {"ndcg@10": 0.9}, "en-en": {"ndcg@10": 0.7}}) == {"clir": None, "mono": 0.8,
                                                                                 "all": 0.8}
    assert summarize({"ko-en": {"mrr@10": 0.2}}, metric="mrr@10")["clir"] == 0.2
