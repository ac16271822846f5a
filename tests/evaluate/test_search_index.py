"""The search backends shared with the Search tab: FAISS VectorIndex and BM25Index."""

from __future__ import annotations

import numpy as np
import pytest

from studio.evaluate.bm25 import BM25Error, BM25Index, check_monolingual, tokenize
from studio.search.index import SearchIndexError, VectorIndex


def test_vector_index_is_exact_cosine_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    docs, queries = rng.normal(size=(50, 8)), rng.normal(size=(5, 8))
    index = VectorIndex.from_vectors(docs, [f"d{i}" for i in range(50)])
    hits = index.search(queries, k=3)
    unit = docs / np.linalg.norm(docs, axis=1, keepdims=True)
    expected = np.argsort(-(queries / np.linalg.norm(queries, axis=1, keepdims=True)) @ unit.T, axis=1)[:, :3]
    assert [[h.doc_id for h in row] for row in hits] == [[f"d{i}" for i in row] for row in expected]
    assert hits[0][0].rank == 1 and -1 <= hits[0][0].score <= 1
    loaded = VectorIndex.load(index.save(tmp_path / "idx"))
    assert loaded.ids == index.ids and loaded.search(queries, k=3) == hits
    assert len(index.search(queries[:1], k=500)[0]) == 50


def test_vector_index_errors(tmp_path):
    with pytest.raises(SearchIndexError, match="empty"):
        VectorIndex(4).search(np.ones((1, 4)))
    with pytest.raises(SearchIndexError, match="dimensions"):
        VectorIndex(4).add(np.ones((2, 3)))
    with pytest.raises(SearchIndexError, match="no saved index"):
        VectorIndex.load(tmp_path)


def test_bm25_tokenisers():
    english = tokenize(["The cats were running quickly."], "en")[0]
    assert {"cat", "run", "quick"} <= set(english) and "the" not in english
    korean = tokenize(["한국어 형태소 분석기를 사용합니다!"], "ko")[0]
    assert "형태소" in korean and "!" not in korean


def test_bm25_index_search_and_round_trip(tmp_path):
    index = BM25Index("ko")
    index.add(["고양이는 잠을 많이 잔다.", "개는 밤에 짖는다."], ids=["cat", "dog"])
    assert index.search(["개가 짖는 이유"], k=1)[0][0].doc_id == "dog"
    loaded = BM25Index.load(index.save(tmp_path / "bm25"))
    assert loaded.search(["고양이"], k=1)[0][0].doc_id == "cat"
    with pytest.raises(BM25Error, match="no tokeniser"):
        BM25Index("ja")
    with pytest.raises(BM25Error, match="ko-en"):
        check_monolingual("ko", "en")
