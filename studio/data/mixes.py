"""The language-mix composer: training pairs over the four directions from one dataset split.

Given a split, weights over ``ko-ko, en-en, ko-en, en-ko`` (QUERY-DOC), a budget of pairs and a seed, the
composer gives each direction its exact share of the budget (largest remainder) and draws that many distinct
records for it. A record can give a pair in several directions (up to four: one per direction) but never two
pairs in the same direction, so the budget of a direction is at most the records usable for it (both of its
texts non-empty). Bitext records give only ``ko-en`` and ``en-ko`` pairs. The pairs come shuffled, with columns
``query, passage, direction, record_id``. Same records, weights, budget and seed: the same pairs.

Presets name the study's compositions: ``mono-ko``, ``mono-en``, ``cross-only`` (ko-en + en-ko), ``all-four``;
``custom`` uses the weights given.

Example:
    >>> resolve_weights("cross-only")
    {'ko-ko': 0.0, 'en-en': 0.0, 'ko-en': 1.0, 'en-ko': 1.0}
    >>> parse_weights("ko-ko=2, en-ko=1")
    {'ko-ko': 2.0, 'en-en': 0.0, 'ko-en': 0.0, 'en-ko': 1.0}
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from storage import DuplicateNameError, NotFoundError
from storage.records import MixRecord
from studio.access import require_write
from studio.context import Studio, get_studio
from studio.data.counts import largest_remainder
from studio.data.errors import DataError
from studio.data.registry import MIXES_DIR, get_dataset, load_records, records_path, registry_lock, safe_folder
from studio.data.schema import DIRECTIONS, PAIR_COLUMNS, direction_columns
from studio.models import validate_name

if TYPE_CHECKING:
    import pandas as pd

PRESETS: dict[str, dict[str, float]] = {
    "mono-ko": {"ko-ko": 1.0},
    "mono-en": {"en-en": 1.0},
    "cross-only": {"ko-en": 1.0, "en-ko": 1.0},
    "all-four": {d: 1.0 for d in DIRECTIONS},
}
PRESET_CHOICES = (*PRESETS, "custom")
SAMPLE_PAIRS = 12


def parse_weights(text: str | Mapping[str, Any]) -> dict[str, float]:
    """Weights from ``"ko-ko=1,en-ko=2"`` or a mapping; missing directions get 0."""
    if isinstance(text, Mapping):
        items = list(text.items())
    else:
        items = []
        for part in str(text).replace(";", ",").split(","):
            if part.strip():
                key, sep, value = part.partition("=")
                if not sep:
                    raise DataError(f"Weight {part.strip()!r} is not DIRECTION=NUMBER; write e.g. ko-ko=1,ko-en=1.")
                items.append((key, value))
    weights = {d: 0.0 for d in DIRECTIONS}
    for key, value in items:
        key = str(key).strip().lower()
        if key not in weights:
            raise DataError(f"Unknown direction {key!r} in the weights; use {', '.join(DIRECTIONS)}.")
        try:
            weights[key] = float(value)
        except (TypeError, ValueError):
            raise DataError(f"The weight of {key} ({value!r}) is not a number.") from None
        if not weights[key] >= 0:
            raise DataError(f"The weight of {key} is {value}; weights must be zero or positive.")
    return weights


def resolve_weights(preset: Optional[str] = None, weights: str | Mapping[str, Any] | None = None) -> dict[str, float]:
    """The four weights of a preset, or of ``weights`` when the preset is ``custom`` or not given."""
    preset = (preset or "custom").strip().lower()
    if preset not in PRESET_CHOICES:
        raise DataError(f"Unknown preset {preset!r}; choose one of {', '.join(PRESET_CHOICES)}.")
    resolved = parse_weights(PRESETS[preset] if preset != "custom" else (weights or {}))
    if sum(resolved.values()) <= 0:
        raise DataError("All direction weights are zero; give at least one direction a positive weight "
                        "(or pick a preset such as all-four).")
    return resolved


def usable_rows(frame: pd.DataFrame, kind: str, direction: str) -> np.ndarray:
    """Row positions whose query and passage texts for ``direction`` are both non-empty."""
    columns = direction_columns(kind, direction)
    if columns is None:
        return np.array([], dtype=np.int64)
    mask = (frame[columns[0]] != "").to_numpy() & (frame[columns[1]] != "").to_numpy()
    return np.nonzero(mask)[0]


def max_budget(weights: Mapping[str, float], available: Mapping[str, int]) -> int:
    """The largest budget whose per-direction counts fit ``available`` for these weights."""
    total = sum(w for w in weights.values() if w > 0)
    estimate = min(int(available[d] * total / w) for d, w in weights.items() if w > 0)
    for budget in range(estimate + len(DIRECTIONS), -1, -1):
        counts = largest_remainder(budget, weights)
        if all(counts[d] <= available[d] for d in counts):
            return budget
    return 0


@dataclass(frozen=True)
class MixPlan:
    """The composed pairs of a mix (not yet saved) with what went into them."""

    dataset: str
    split: str
    weights: dict[str, float]
    budget: int
    seed: int
    counts: dict[str, int]
    available: dict[str, int]
    pairs: pd.DataFrame


def _check_budget(budget: Any) -> int:
    try:
        value = int(budget)
    except (TypeError, ValueError):
        raise DataError(f"The budget {budget!r} is not a whole number of pairs.") from None
    if value < 1 or value != float(budget):
        raise DataError(f"The budget must be a whole number of pairs of at least 1, not {budget!r}.")
    return value


def compose_mix(dataset: str, split: str = "train", *, preset: Optional[str] = None,
                weights: str | Mapping[str, Any] | None = None, budget: int, seed: int = 0,
                studio: Optional[Studio] = None) -> MixPlan:
    """Compose the pairs of a mix (deterministic); nothing is written.

    Raises:
        DataError: all weights zero, a direction the dataset cannot give, or more pairs than records.

    Example:
        >>> plan = compose_mix("demo/ko-en-qa", "train", preset="all-four", budget=100, seed=0)  # doctest: +SKIP
        >>> plan.counts  # doctest: +SKIP
        {'ko-ko': 25, 'en-en': 25, 'ko-en': 25, 'en-ko': 25}
    """
    import pandas as pd

    studio = studio or get_studio()
    chosen = resolve_weights(preset, weights)
    budget = _check_budget(budget)
    record = get_dataset(dataset, studio)
    frame = load_records(record.name, split, studio)
    missing = [d for d, w in chosen.items() if w > 0 and direction_columns(record.kind, d) is None]
    if missing:
        raise DataError(f"{record.name} holds {record.kind} sentence pairs, which give no {', '.join(missing)} pairs; "
                        "use the cross-only preset or set those weights to 0.")
    rows = {d: usable_rows(frame, record.kind, d) for d in DIRECTIONS}
    available = {d: int(len(r)) for d, r in rows.items()}
    counts = largest_remainder(budget, chosen)
    for direction, count in counts.items():
        if count > available[direction]:
            query, passage = direction_columns(record.kind, direction)  # type: ignore[misc]
            raise DataError(
                f"The mix needs {count:,} {direction} pairs but the {split or 'whole'} split of {record.name} has only "
                f"{available[direction]:,} records with both {query} and {passage} (a record gives at most one pair "
                f"per direction); lower the budget to at most {max_budget(chosen, available):,} or change the weights.")
    parts = []
    for index, direction in enumerate(DIRECTIONS):
        if counts[direction] == 0:
            continue
        chosen_rows = np.random.default_rng([int(seed), index]).choice(rows[direction], counts[direction], replace=False)
        query, passage = direction_columns(record.kind, direction)  # type: ignore[misc]
        picked = frame.iloc[chosen_rows]
        parts.append(pd.DataFrame({"query": picked[query].to_numpy(), "passage": picked[passage].to_numpy(),
                                   "direction": direction, "record_id": picked["id"].to_numpy()}))
    pairs = pd.concat(parts, ignore_index=True)
    pairs = pairs.iloc[np.random.default_rng(int(seed)).permutation(len(pairs))].reset_index(drop=True)
    pairs = pairs.astype({c: "str" for c in PAIR_COLUMNS})
    return MixPlan(record.name, split or "all", chosen, budget, int(seed), counts, available, pairs)


def preview_mix(dataset: str, split: str = "train", *, preset: Optional[str] = None,
                weights: str | Mapping[str, Any] | None = None, budget: int, seed: int = 0,
                studio: Optional[Studio] = None) -> dict[str, Any]:
    """Pairs per direction, records usable per direction and a few sample pairs (nothing is written)."""
    plan = compose_mix(dataset, split, preset=preset, weights=weights, budget=budget, seed=seed, studio=studio)
    sample = plan.pairs.head(SAMPLE_PAIRS)
    return {"dataset": plan.dataset, "split": plan.split, "weights": plan.weights, "budget": plan.budget,
            "seed": plan.seed, "counts": plan.counts, "available": plan.available,
            "sample": sample.to_dict(orient="records")}


def save_mix(name: str, dataset: str, split: str = "train", *, preset: Optional[str] = None,
             weights: str | Mapping[str, Any] | None = None, budget: int, seed: int = 0,
             studio: Optional[Studio] = None) -> MixRecord:
    """Compose a mix and save it as ``name``: pairs Parquet under the dataset's folder + a ``mixes`` row.

    Example:
        >>> save_mix("msmarco-all4-2k", "msmarco", "train", preset="all-four", budget=2000, seed=0).counts  # doctest: +SKIP
        {'ko-ko': 500, 'en-en': 500, 'ko-en': 500, 'en-ko': 500}
    """
    require_write("saving a mix")
    studio = studio or get_studio()
    name = validate_name(name, "mix")
    if find_mix(name, studio) is not None:
        raise DuplicateNameError(f"A mix named {name!r} already exists; choose another name or delete it first.")
    plan = compose_mix(dataset, split, preset=preset, weights=weights, budget=budget, seed=seed, studio=studio)
    record = get_dataset(plan.dataset, studio)
    folder = records_path(record, studio).parent / MIXES_DIR
    folder.mkdir(exist_ok=True)
    target = folder / f"{safe_folder(name)}.parquet"
    temporary = folder / f".{target.name}.{os.getpid()}.tmp"
    plan.pairs.to_parquet(temporary, index=False)
    try:
        with registry_lock(studio):
            if find_mix(name, studio) is not None:
                raise DuplicateNameError(f"A mix named {name!r} already exists; choose another name or delete it first.")
            os.replace(temporary, target)
            try:
                return studio.store.add_mix(
                    name=name, dataset_id=record.id, split=plan.split, weights=plan.weights, budget=plan.budget,
                    seed=plan.seed, counts=plan.counts, path=target.relative_to(studio.paths.home).as_posix())
            except BaseException:
                target.unlink(missing_ok=True)
                raise
    finally:
        temporary.unlink(missing_ok=True)


def find_mix(name: str, studio: Optional[Studio] = None) -> Optional[MixRecord]:
    """The mix registered as ``name``, or None."""
    try:
        return (studio or get_studio()).store.get_mix(name)
    except NotFoundError:
        return None


def get_mix(name: str, studio: Optional[Studio] = None) -> MixRecord:
    """The registered mix ``name`` (``storage.NotFoundError`` when there is none)."""
    return (studio or get_studio()).store.get_mix(name)


def list_mixes(dataset: Optional[str] = None, studio: Optional[Studio] = None) -> list[MixRecord]:
    """Registered mixes, of one dataset or all."""
    return (studio or get_studio()).store.list_mixes(dataset)


def load_mix_pairs(mix: str, studio: Optional[Studio] = None) -> pd.DataFrame:
    """The pairs of a saved mix: columns ``query, passage, direction, record_id``."""
    import pandas as pd

    studio = studio or get_studio()
    record = get_mix(mix, studio)
    path = studio.paths.home / record.path
    if not path.is_file():
        raise DataError(f"The pairs file of mix {record.name!r} is missing ({path}); delete the mix and compose it again.")
    return pd.read_parquet(path)


def delete_mix(name: str, studio: Optional[Studio] = None) -> None:
    """Forget a mix and delete its pairs file."""
    require_write("deleting a mix")
    studio = studio or get_studio()
    record = get_mix(name, studio)
    path = (studio.paths.home / record.path).resolve()
    with registry_lock(studio):
        studio.store.delete_mix(record.id)
        if path.is_relative_to(studio.paths.datasets.resolve()):
            path.unlink(missing_ok=True)
