"""BM25 baseline (bm25s) with language-aware tokenisation; usable for evaluation and for search.

Tokenisation:
    * Korean (``ko``): kiwipiepy morphemes, lower-cased, punctuation and symbols dropped (Latin words,
      Hanja and numbers inside Korean text are kept).
    * English (``en``): bm25s' scikit-learn style tokeniser, English stop words removed, Snowball
      stemming (PyStemmer) when installed.

Scoring uses bm25s defaults (Lucene BM25, k1=1.5, b=0.75). BM25 matches words, so it only makes sense
when query and documents share a language: the evaluator runs it on ko-ko and en-en only and
:func:`check_monolingual` explains why a cross-lingual direction is refused.

Example:
    >>> from studio.evaluate.bm25 import BM25Index
    >>> index = BM25Index("en")
    >>> index.add(["Cats sleep a lot.", "Dogs bark at night."], ids=["d1", "d2"])
    >>> [h.doc_id for h in index.search(["why do dogs bark"], k=1)[0]]
    ['d2']
"""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from studio.errors import StudioError
from studio.search.index import Hit

LANGUAGES = ("ko", "en")
BM25_NAME = "bm25"
_kiwi_lock = threading.Lock()


class BM25Error(StudioError):
    """BM25 cannot be used as asked (cross-lingual direction, unknown language, empty index)."""


def check_monolingual(query_lang: str, doc_lang: str) -> None:
    """Raise a clear error when BM25 is asked to match across languages."""
    if query_lang != doc_lang:
        raise BM25Error(
            f"BM25 matches words, so it cannot retrieve {doc_lang} documents for {query_lang} queries "
            f"({query_lang}-{doc_lang}); evaluate BM25 on ko-ko and en-en, or pick a dense model for CLIR."
        )


@functools.lru_cache(maxsize=1)
def _kiwi():
    from kiwipiepy import Kiwi

    return Kiwi()


@functools.lru_cache(maxsize=1)
def _stemmer() -> Optional[Callable]:
    try:
        import Stemmer
    except ImportError:  # PyStemmer is a dependency; stay usable (unstemmed) without it
        return None
    return Stemmer.Stemmer("english").stemWords


def _keep_morpheme(tag: str) -> bool:
    """Drop punctuation/symbols (S*), keep foreign words (SL), Hanja (SH) and numbers (SN)."""
    return not tag.startswith("S") or tag in ("SL", "SH", "SN")


def tokenize_korean(texts: Sequence[str]) -> list[list[str]]:
    """Kiwi morphemes of each text, lower-cased, without punctuation."""
    with _kiwi_lock:  # Kiwi objects are not documented as thread-safe
        analysed = _kiwi().tokenize(list(texts))
    return [[t.form.lower() for t in tokens if _keep_morpheme(t.tag)] for tokens in analysed]


def tokenize_english(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased words without English stop words, stemmed when PyStemmer is installed."""
    import bm25s

    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


def tokenize(texts: Sequence[str], lang: str) -> list[list[str]]:
    """Tokens of ``texts`` for BM25 in language ``lang`` (``ko`` or ``en``)."""
    if lang == "ko":
        return tokenize_korean(texts)
    if lang == "en":
        return tokenize_english(texts)
    raise BM25Error(f"BM25 has no tokeniser for language {lang!r}; use one of {', '.join(LANGUAGES)}.")


class BM25Index:
    """A bm25s index over documents of one language, searched with queries of the same language.

    Args:
        lang: ``"ko"`` or ``"en"`` (decides the tokeniser).

    Documents are indexed in one go: :meth:`add` rebuilds the index over everything added so far.
    """

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise BM25Error(f"BM25 has no tokeniser for language {lang!r}; use one of {', '.join(LANGUAGES)}.")
        self.lang = lang
        self.ids: list[str] = []
        self._tokens: list[list[str]] = []
        self._bm25 = None

    @property
    def ntotal(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return self.ntotal

    def add(self, texts: Sequence[str], ids: Optional[Sequence[str]] = None) -> None:
        """Index ``texts`` (ids default to running positions as strings)."""
        import bm25s

        ids = [str(i) for i in range(self.ntotal, self.ntotal + len(texts))] if ids is None else [str(i) for i in ids]
        if len(ids) != len(texts):
            raise BM25Error(f"Got {len(texts)} texts but {len(ids)} ids.")
        self._tokens.extend(tokenize(texts, self.lang))
        self.ids.extend(ids)
        self._bm25 = bm25s.BM25()
        self._bm25.index(self._tokens, show_progress=False)

    def search_arrays(self, queries: Sequence[str], k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, positions) arrays for ``queries``, best first."""
        if self._bm25 is None or not self.ids:
            raise BM25Error("The BM25 index is empty; add documents before searching.")
        k = min(int(k), self.ntotal)
        positions, scores = self._bm25.retrieve(tokenize(queries, self.lang), k=k, show_progress=False)
        return np.asarray(scores, dtype=np.float32), np.asarray(positions, dtype=np.int64)

    def search(self, queries: Sequence[str], k: int = 10) -> list[list[Hit]]:
        """Top-``k`` hits per query, best first (score = BM25 score)."""
        scores, positions = self.search_arrays(queries, k)
        return [
            [Hit(self.ids[p], float(s), rank) for rank, (s, p) in enumerate(zip(row_s, row_p), start=1)]
            for row_s, row_p in zip(scores, positions)
        ]

    def save(self, folder: str | Path) -> Path:
        """Write the tokenised corpus and ids (the index rebuilds in milliseconds on load)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        payload = {"lang": self.lang, "ids": self.ids, "tokens": self._tokens}
        tmp = folder / "bm25.json.tmp"
        tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        tmp.replace(folder / "bm25.json")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> BM25Index:
        """Read an index written by :meth:`save`."""
        import bm25s

        path = Path(folder) / "bm25.json"
        if not path.is_file():
            raise BM25Error(f"{folder} holds no saved BM25 index (bm25.json).")
        payload = json.loads(path.read_text(encoding="utf-8"))
        index = cls(payload["lang"])
        index.ids, index._tokens = list(payload["ids"]), [list(t) for t in payload["tokens"]]
        if index.ids:
            index._bm25 = bm25s.BM25()
            index._bm25.index(index._tokens, show_progress=False)
        return index
