"""The real bundled model ranks the Sejong passage first for the Hangul question in Korean and English corpora."""

from __future__ import annotations

import pytest

from studio.context import BUNDLED_MODEL_NAME
from tests.search.conftest import SEJONG_EN, SEJONG_ID, SEJONG_KO


@pytest.mark.slow
def test_bundled_model_ranks_sejong_first(real_studio) -> None:
    from studio.search.compare import DEMO_DATASET, compare

    # ko-ko, ko-en (cross-lingual) and en-en; en-ko is where the base model is weakest (the reason to train).
    for query, doc_lang in ((SEJONG_KO, "ko"), (SEJONG_KO, "en"), (SEJONG_EN, "en")):
        result = compare(query, BUNDLED_MODEL_NAME, "bm25", dataset=DEMO_DATASET, doc_lang=doc_lang, k=5, wait=None)
        dense, bm25 = result.columns
        assert dense.ok, dense.message
        assert result.gold_record_id == SEJONG_ID
        top = dense.rows[0]
        assert (top.record_id, top.lang, top.gold) == (SEJONG_ID, doc_lang, True), (query, doc_lang, dense.rows)
        assert "Sejong" in (top.text if doc_lang == "en" else top.translation)
        if result.query_lang == doc_lang:
            assert bm25.ok and bm25.rows[0].gold
        else:
            assert bm25.status == "error" and "BM25 matches words" in bm25.message
