"""Four-direction retrieval evaluation (ko-ko, en-en, ko-en, en-ko; QUERY-DOC).

Modules: ``directions`` (the Direction enum and summaries), ``evalset`` (evaluation sets as data),
``metrics`` (pure functions over pytrec_eval), ``embeddings`` (encode once, cached), ``evaluator``
(index, search, score, store), ``bm25`` (lexical baseline), ``compare`` (runs side by side),
``plots`` (plotly figure builders), ``job`` (the ``evaluate`` job kind).

The public entry point is :func:`studio.evaluate.evaluator.evaluate_model`, re-exported here lazily.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ALL_DIRECTIONS", "Direction", "EvalSet", "EvaluationResult", "evaluate_model"]


def __getattr__(name: str) -> Any:  # lazy, so `import studio.evaluate` stays cheap for the CLI
    if name in ("evaluate_model", "EvaluationResult"):
        from studio.evaluate import evaluator

        return getattr(evaluator, name)
    if name in ("Direction", "ALL_DIRECTIONS"):
        from studio.evaluate import directions

        return getattr(directions, name)
    if name == "EvalSet":
        from studio.evaluate.evalset import EvalSet

        return EvalSet
    raise AttributeError(name)
