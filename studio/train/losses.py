"""Training losses by name: each maps a model and a TrainConfig to a sentence-transformers loss.

Both take (query, passage) pairs and use the other passages of the batch as negatives, so batches must
not repeat a text (the trainer uses ``BatchSamplers.NO_DUPLICATES``).

Example:
    >>> from studio.train.losses import LOSSES, build_loss
    >>> sorted(LOSSES)
    ['cached_mnrl', 'mnrl']
    >>> loss = build_loss(model, config)   # MultipleNegativesRankingLoss for config.loss == "mnrl"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from studio.errors import StudioError

if TYPE_CHECKING:
    from sentence_transformers.sentence_transformer import SentenceTransformer

    from studio.train.config import TrainConfig


@dataclass(frozen=True)
class LossSpec:
    """A loss option: what it is, and how to build it."""

    name: str
    label: str
    description: str
    build: Callable[[SentenceTransformer, TrainConfig], Any]


def _mnrl(model: SentenceTransformer, config: TrainConfig) -> Any:
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    return MultipleNegativesRankingLoss(model)


def _cached_mnrl(model: SentenceTransformer, config: TrainConfig) -> Any:
    from sentence_transformers.sentence_transformer.losses import CachedMultipleNegativesRankingLoss

    return CachedMultipleNegativesRankingLoss(model, mini_batch_size=config.mini_batch_size)


LOSSES: dict[str, LossSpec] = {
    spec.name: spec
    for spec in (
        LossSpec("mnrl", "Multiple negatives ranking",
                 "InfoNCE over in-batch negatives (cosine, scale 20); memory grows with the batch.", _mnrl),
        LossSpec("cached_mnrl", "Cached multiple negatives ranking",
                 "The same objective computed with GradCache: large batches, memory of one mini-batch, "
                 "about 20% slower per pair.", _cached_mnrl),
    )
}


def build_loss(model: SentenceTransformer, config: TrainConfig) -> Any:
    """The loss named by ``config.loss`` for ``model``."""
    if config.loss not in LOSSES:
        raise StudioError(f"Unknown loss {config.loss!r}; choose one of {', '.join(LOSSES)}.")
    return LOSSES[config.loss].build(model, config)
