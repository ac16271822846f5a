"""Search backends shared by the evaluator and the Search tab.

* :class:`studio.search.index.VectorIndex`: exact dense search (FAISS ``IndexFlatIP`` on normalised vectors),
  ``add(vectors, ids)``, ``search(query_vectors, k) -> list[list[Hit]]``, ``save(folder)`` / ``load(folder)``.
* :class:`studio.evaluate.bm25.BM25Index`: lexical search for one language (``"ko"`` via kiwipiepy morphemes,
  ``"en"`` with stop words + stemming), ``add(texts, ids)``, ``search(query_texts, k)``, ``save`` / ``load``.

Both return :class:`studio.search.index.Hit` (``doc_id``, ``score``, ``rank``).
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
