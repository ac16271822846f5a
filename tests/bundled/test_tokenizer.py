"""The rebuilt tokenizer: charsmap equals the .bin map per codepoint; known-answer ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from studio.bundled.q4file import Q4File
from studio.bundled.tokenizer import build_normalizer, normalization_rules, write_hf_tokenizer


@pytest.fixture(scope="module")
def q4() -> Q4File:
    return Q4File.open()


def test_charsmap_matches_bin_map_for_every_codepoint(q4: Q4File) -> None:
    normalizer = build_normalizer(q4.norm_map)
    mismatches = []
    for cp in range(0x30000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        expected = re.sub(" {2,}", " ", "".join(map(chr, q4.norm_map.get(cp, (cp,)))))
        if normalizer.normalize_str(chr(cp)) != expected:
            mismatches.append(hex(cp))
    assert mismatches == []
    assert normalizer.normalize_str("e\u0301") == "\u00e9"  # variant B composes combining marks


def test_rules_have_no_identity(q4: Q4File) -> None:
    rules = normalization_rules(q4.norm_map)
    assert all(src != dst for src, dst in rules.items())
    assert rules[(0x1100, 0x1161)] == (0xAC00,)  # NFD(가) -> 가


def test_saved_tokenizer_known_ids(tmp_path: Path, q4: Q4File) -> None:
    write_hf_tokenizer(q4.vocab, q4.norm_map, tmp_path)
    tok = AutoTokenizer.from_pretrained(tmp_path)
    assert type(tok).__name__ != "XLMRobertaTokenizer"
    assert tok("query: 서울은 한국의 수도입니다.")["input_ids"] == [
        0, 41, 1294, 12, 20899, 697, 152510, 49259, 5826, 5, 2,
    ]
    assert tok("passage: trailing ")["input_ids"] == [0, 46692, 12, 141037, 214, 6, 2]
    assert tok("ㅋㅋ")["input_ids"] == tok("\u110f\u110f")["input_ids"]
    assert (tok.pad_token_id, tok.mask_token_id, tok.model_max_length) == (1, 250001, 512)
