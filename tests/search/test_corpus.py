"""Language detection, corpus construction (merging, translations, gold) and overlap@k."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.search.compare import overlap_at_k
from studio.search.corpus import CorpusError, corpus_from_frame
from studio.search.langdetect import detect_language, hangul_share
from tests.search.conftest import SEJONG_EN, SEJONG_ID, SEJONG_KO, demo_frame


@pytest.mark.parametrize(
    ("text", "lang"),
    [(SEJONG_KO, "ko"), (SEJONG_EN, "en"), ("AI 모델은 어떻게 학습하나요?", "ko"),
     ("세종대왕 King Sejong", "mixed"), ("What does 한글 mean in English?", "en"), ("12345 ?!", ""), ("", "")],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_hangul_share_counts_letters_only() -> None:
    assert hangul_share("한글 123 !!") == 1.0
    assert hangul_share("ab한글") == 0.5


def test_duplicates_merge_and_documents_know_translation_and_records() -> None:
    frame = demo_frame(4)
    extra = frame.iloc[[0]].assign(id="dup-1", query_ko="다른 질문", query_en="another question")
    corpus = corpus_from_frame("t", pd.concat([frame, extra], ignore_index=True))
    ko, en = corpus.parts
    assert (ko.lang, en.lang, len(ko.docs), len(en.docs)) == ("ko", "en", 4, 4)
    first = ko.docs[0]
    assert first.record_ids == (SEJONG_ID, "dup-1") and first.record_id == SEJONG_ID
    assert first.translation == en.docs[0].text and "Sejong" in first.translation
    assert corpus.find_query(f"  {SEJONG_KO} ") == SEJONG_ID
    assert corpus.find_query(SEJONG_EN.lower()) == SEJONG_ID
    assert corpus.find_query("unrelated") is None
    assert corpus.gold_doc_ids(SEJONG_ID) == {"ko:0", "en:0"}
    assert corpus.select("en").gold_doc_ids(SEJONG_ID) == {"en:0"}


def test_content_hash_follows_text_and_language() -> None:
    frame = demo_frame(3)
    a = corpus_from_frame("t", frame)
    b = corpus_from_frame("renamed", frame)
    edited = frame.copy()
    edited.loc[1, "passage_en"] = "A different passage."
    c = corpus_from_frame("t", edited)
    assert a.parts[0].content_hash == b.parts[0].content_hash  # name does not matter, content does
    assert a.parts[0].content_hash == c.parts[0].content_hash  # Korean side unchanged
    assert a.parts[1].content_hash != c.parts[1].content_hash
    assert a.parts[0].content_hash != a.parts[1].content_hash


def test_missing_language_and_unknown_doc_lang_are_clear() -> None:
    frame = demo_frame(3).assign(passage_en="")
    corpus = corpus_from_frame("ko-only", frame)
    assert corpus.select("ko").doc_lang == "ko"
    with pytest.raises(CorpusError, match="no English passages"):
        corpus.select("en")
    with pytest.raises(CorpusError, match="no English passages"):
        corpus.select("both")
    with pytest.raises(CorpusError, match="ko, en or both"):
        corpus.select("fr")


def test_bitext_sentences_are_documents_and_queries() -> None:
    frame = pd.DataFrame({"id": ["b1", "b2"], "ko": ["고양이가 잔다.", "개가 짖는다."], "en": ["The cat sleeps.", "The dog barks."]})
    corpus = corpus_from_frame("bitext", frame)
    assert corpus.find_query("고양이가 잔다.") == "b1"
    assert corpus.select("en").gold_doc_ids("b1") == {"en:0"}
    assert corpus.parts[0].docs[1].translation == "The dog barks."


def test_overlap_at_k() -> None:
    assert overlap_at_k(["a", "b", "c"], ["c", "b", "x"], 3) == (2, pytest.approx(2 / 3))
    assert overlap_at_k(["a", "b", "c", "d"], ["d", "c", "b", "a"], 2) == (0, 0.0)
    assert overlap_at_k(["a"], ["a", "b"], 5) == (1, 0.5)  # fewer results than k: the longer list counts
    assert overlap_at_k([], [], 5) == (0, 0.0)
