"""Search backends shared by the evaluator and the Search tab.

* :class:`studio.search.index.VectorIndex`: exact dense search (FAISS ``IndexFlatIP`` on normalised vectors),
  ``add(vectors, ids)``, ``search(query_vectors, k) -> list[list[Hit]]``, ``save(folder)`` / ``load(folder)``.
* :class:`studio.evaluate.bm25.BM25Index`: lexical search for one language (``"ko"`` via kiwipiepy morphemes,
  ``"en"`` with stop words + stemming), ``add(texts, ids)``, ``search(query_texts, k)``, ``save`` / ``load``.

Both return :class:`studio.search.index.Hit` (``doc_id``, ``score``, ``rank``).

The Search tab and ``clir-studio search`` build on them: ``corpus`` (a dataset's passages per language, duplicates
merged, translations and gold), ``indexes`` (one cached index per model fingerprint × corpus hash × language,
built once in the background), ``retrievers`` (dense and BM25 behind ``search(query, k)``), ``compare`` (two
columns, overlap@k, per-column messages) and ``langdetect`` (Hangul share).
"""

from __future__ import annotations

from typing import Any

__all__ = ["BM25Index", "Hit", "VectorIndex"]


def __getattr__(name: str) -> Any:  # lazy, so importing the package stays cheap
    if name in ("VectorIndex", "Hit"):
        from studio.search import index

        return getattr(index, name)
    if name == "BM25Index":
        from studio.evaluate.bm25 import BM25Index

        return BM25Index
    raise AttributeError(name)
