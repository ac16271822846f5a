"""The four retrieval directions, written QUERY-DOC, and their summary means.

``ko-en`` is a Korean query searching English documents. The summary of a set of per-direction
metrics is: ``clir`` = mean(ko-en, en-ko), ``mono`` = mean(ko-ko, en-en), ``all`` = mean of the four.
A mean is taken over the member directions that were evaluated and is ``None`` when none was
(BM25 has no ``clir``).

Example:
    >>> from studio.evaluate.directions import Direction, parse_directions, summarize
    >>> Direction("ko-en").query_lang, Direction("ko-en").doc_lang
    ('ko', 'en')
    >>> [d.value for d in parse_directions("ko-ko,ko-en")]
    ['ko-ko', 'ko-en']
    >>> summarize({"ko-en": {"ndcg@10": 0.6}, "en-ko": {"ndcg@10": 0.8}})
    {'clir': 0.7, 'mono': None, 'all': 0.7}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, Optional

from studio.errors import StudioError

HEADLINE_METRIC = "ndcg@10"


class DirectionError(StudioError):
    """A direction name is not one of ko-ko, en-en, ko-en, en-ko."""


class Direction(str, Enum):
    """A retrieval direction, QUERY-DOC; accepts plain strings (``Direction("ko-en")``)."""

    KO_KO = "ko-ko"
    EN_EN = "en-en"
    KO_EN = "ko-en"
    EN_KO = "en-ko"

    def __str__(self) -> str:
        return self.value

    @property
    def query_lang(self) -> str:
        return self.value.split("-")[0]

    @property
    def doc_lang(self) -> str:
        return self.value.split("-")[1]

    @property
    def is_crosslingual(self) -> bool:
        return self.query_lang != self.doc_lang


ALL_DIRECTIONS: tuple[Direction, ...] = tuple(Direction)
MONO_DIRECTIONS: tuple[Direction, ...] = (Direction.KO_KO, Direction.EN_EN)
CLIR_DIRECTIONS: tuple[Direction, ...] = (Direction.KO_EN, Direction.EN_KO)
SUMMARY_GROUPS: dict[str, tuple[Direction, ...]] = {
    "clir": CLIR_DIRECTIONS,
    "mono": MONO_DIRECTIONS,
    "all": ALL_DIRECTIONS,
}


def parse_directions(value: Optional[str | Iterable[str | Direction]]) -> tuple[Direction, ...]:
    """Directions from ``"ko-ko,en-ko"``, a list, or None (all four), in canonical order, without repeats.

    Raises:
        DirectionError: an unknown name or an empty selection.
    """
    if value is None:
        return ALL_DIRECTIONS
    items = value.split(",") if isinstance(value, str) else list(value)
    chosen = set()
    for item in items:
        name = str(item.value if isinstance(item, Direction) else item).strip().lower()
        if not name:
            continue
        try:
            chosen.add(Direction(name))
        except ValueError:
            raise DirectionError(
                f"Unknown direction {name!r}; use some of {', '.join(d.value for d in ALL_DIRECTIONS)} (QUERY-DOC)."
            ) from None
    if not chosen:
        raise DirectionError("No direction chosen; pick at least one of ko-ko, en-en, ko-en, en-ko.")
    return tuple(d for d in ALL_DIRECTIONS if d in chosen)


def summarize(metrics: Mapping[str, Mapping[str, Any]], metric: str = HEADLINE_METRIC) -> dict[str, Optional[float]]:
    """``{"clir", "mono", "all"}`` means of ``metric`` over the evaluated member directions."""
    summary: dict[str, Optional[float]] = {}
    for group, members in SUMMARY_GROUPS.items():
        values = [float(metrics[d.value][metric]) for d in members
                  if d.value in metrics and metrics[d.value].get(metric) is not None]
        summary[group] = round(sum(values) / len(values), 6) if values else None
    return summary
