"""Plain-language findings computed from a study's numbers (pure: numbers in, sentences out).

Every score is a mean nDCG@10: ``clir`` = mean(ko-en, en-ko), ``mono`` = mean(ko-ko, en-en), ``all`` = mean of
the four. The references are the paper's: the *monolingual-trained* end of the sweep (mono-ko and mono-en merged
in equal shares, alpha = 0) against the *cross-lingual-trained* model (cross-only, alpha = 1). The monolingual
loss is ``mono(alpha=0) - mono(cross-only)``; the best merge is the interior sweep point with the highest mean of
all four directions, and it *recovers* ``(mono(best) - mono(cross-only)) / loss`` of that loss. Differences
smaller than :data:`TIE` count as no difference.

Example:
    >>> base = Point("base", clir=0.60, mono=0.90, all=0.75)
    >>> trained = {"mono-ko": Point("mono-ko", 0.58, 0.92, 0.75), "mono-en": Point("mono-en", 0.59, 0.92, 0.755),
    ...            "cross-only": Point("cross-only", 0.75, 0.84, 0.795), "all-four": Point("all-four", 0.70, 0.89, 0.795)}
    >>> sweep = [(0.0, Point("α=0", 0.59, 0.92, 0.755)), (0.5, Point("α=0.5", 0.71, 0.90, 0.805)),
    ...          (1.0, trained["cross-only"])]
    >>> result = study_findings(base, trained, sweep, n_queries=500)
    >>> result.verdict
    'agrees'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

TIE = 0.005  # nDCG@10 differences below this count as "about the same"
RECOVERY_SHARE = 0.5  # "merging recovers much of the loss": at least half of it
CROSS = "cross-only"
ALL_FOUR = "all-four"


@dataclass(frozen=True)
class Point:
    """One model's summary nDCG@10 means."""

    label: str
    clir: float
    mono: float
    all: float


@dataclass(frozen=True)
class Findings:
    """The sentences of the report's findings, the verdict and the numbers behind them."""

    sentences: list[str]
    verdict: str  # agrees | partly | disagrees | undetermined
    verdict_sentence: str
    checks: dict[str, Optional[bool]] = field(default_factory=dict)
    numbers: dict[str, Optional[float]] = field(default_factory=dict)


def _best(points: Sequence[Point], attribute: str) -> Point:
    return max(points, key=lambda p: getattr(p, attribute))


def _best_sentence(base: Point, trained: Mapping[str, Point], attribute: str, what: str) -> str:
    """Which composition is best for CLIR (or monolingual retrieval), against the base model."""
    best = _best(list(trained.values()), attribute)
    gain = getattr(best, attribute) - getattr(base, attribute)
    name = "CLIR mean" if attribute == "clir" else "monolingual mean"
    if gain <= TIE:
        return (f"For {what}, no composition beat the base model: its {name} nDCG@10 is {getattr(base, attribute):.3f}; "
                f"the best trained model, **{best.label}**, reaches {getattr(best, attribute):.3f} ({gain:+.3f}).")
    return (f"Best for {what}: **{best.label}** ({name} nDCG@10 {getattr(best, attribute):.3f}, "
            f"{gain:+.3f} against the base model's {getattr(base, attribute):.3f}).")


def _change(value: float, subject: str) -> str:
    if abs(value) < TIE:
        return f"leaves {subject} about the same ({value:+.3f})"
    return f"{'raises' if value > 0 else 'lowers'} {subject} by {abs(value):.3f}"


def study_findings(base: Point, trained: Mapping[str, Point], sweep: Sequence[tuple[float, Point]],
                   n_queries: int = 0) -> Findings:
    """Findings of one study on one evaluation set.

    Args:
        base: the base model's means.
        trained: composition (``mono-ko``, ``mono-en``, ``cross-only``, ``all-four``) -> means.
        sweep: (alpha, means) from alpha = 0 (monolingual-trained) to 1 (cross-lingual-trained), endpoints included.
        n_queries: queries per direction (for the noise caveat).
    """
    sentences = [_best_sentence(base, trained, "clir", "cross-lingual retrieval"),
                 _best_sentence(base, trained, "mono", "monolingual retrieval")]
    checks: dict[str, Optional[bool]] = {"cross_raises_clir": None, "cross_lowers_mono": None, "merge_recovers": None}
    numbers: dict[str, Optional[float]] = {}
    ends = dict(sweep)
    mono_end, cross = ends.get(0.0), trained.get(CROSS)
    if mono_end is None or cross is None:
        return _finish(sentences, checks, numbers, n_queries)
    clir_gain, mono_loss = cross.clir - mono_end.clir, mono_end.mono - cross.mono
    numbers.update(clir_gain=clir_gain, mono_loss=mono_loss)
    checks["cross_raises_clir"], checks["cross_lowers_mono"] = clir_gain > TIE, mono_loss > TIE
    sentences.append(f"Against the monolingual-trained models (mono-ko and mono-en merged in equal shares), training "
                     f"only on cross-lingual pairs {_change(clir_gain, 'CLIR')} and "
                     f"{_change(-mono_loss, 'monolingual retrieval')} (nDCG@10 means).")
    interior = [(alpha, point) for alpha, point in sweep if 0.0 < alpha < 1.0]
    if interior:
        alpha, best = max(interior, key=lambda item: item[1].all)
        numbers.update(best_alpha=alpha, best_all=best.all)
        sentences.append(_recovery_sentence(alpha, best, mono_end, cross, numbers, checks))
    all_four = trained.get(ALL_FOUR)
    if all_four is not None and interior:
        best = max((p for _, p in interior), key=lambda p: p.all)
        compare = "above" if best.all > all_four.all + TIE else "below" if best.all < all_four.all - TIE else "level with"
        sentences.append(f"Training on all four directions at once gives CLIR {all_four.clir:.3f} and monolingual "
                         f"{all_four.mono:.3f}; the best merge is {compare} it on the mean of the four directions "
                         f"({best.all:.3f} vs {all_four.all:.3f}).")
    return _finish(sentences, checks, numbers, n_queries)


def _recovery_sentence(alpha: float, best: Point, mono_end: Point, cross: Point, numbers: dict,
                       checks: dict) -> str:
    loss, gain = mono_end.mono - cross.mono, cross.clir - mono_end.clir
    head = (f"The best merge is {best.label} ({alpha:.0%} cross-lingual weight; mean of the four directions "
            f"{best.all:.3f}).")
    if loss <= TIE:
        checks["merge_recovers"] = None
        return (head + f" Cross-lingual training did not lower monolingual retrieval here (mono {cross.mono:.3f} vs "
                f"{mono_end.mono:.3f}), so there is no monolingual loss for the merge to recover.")
    recovered = (best.mono - cross.mono) / loss
    numbers["recovered"] = recovered
    checks["merge_recovers"] = recovered >= RECOVERY_SHARE
    text = (head + f" It recovers {recovered:.0%} of the monolingual loss (mono {best.mono:.3f}, against "
            f"{cross.mono:.3f} for cross-only and {mono_end.mono:.3f} for the monolingual-trained models)")
    if gain > TIE:
        kept = (best.clir - mono_end.clir) / gain
        numbers["clir_gain_kept"] = kept
        text += f" and keeps {kept:.0%} of the CLIR gain (CLIR {best.clir:.3f})"
    return text + "."


def _finish(sentences: list[str], checks: dict[str, Optional[bool]], numbers: dict[str, Optional[float]],
            n_queries: int) -> Findings:
    claims = {"cross_raises_clir": "cross-lingual training raises CLIR",
              "cross_lowers_mono": "cross-lingual training lowers monolingual retrieval",
              "merge_recovers": f"merging recovers at least {RECOVERY_SHARE:.0%} of the monolingual loss"}
    held, failed, missing = ([claims[k] for k, v in checks.items() if v is state] for state in (True, False, None))
    if not held and not failed:
        verdict = "undetermined"
        sentence = "The sweep or the cross-only model is missing, so the paper's finding cannot be checked."
    elif not failed and not missing:
        verdict = "agrees"
        sentence = ("This **agrees** with the paper's qualitative finding: cross-lingual training raises CLIR and lowers "
                    "monolingual retrieval, and merging recovers much of the loss.")
    else:
        verdict = "partly" if held else "disagrees"
        sentence = ("This **partly agrees** with the paper's qualitative finding." if held else
                    "This does **not agree** with the paper's qualitative finding.")
        sentence += "".join(f" {title}: {'; '.join(items)}." for title, items in
                            (("Holds", held), ("Does not hold", failed), ("Not applicable", missing)) if items)
    if n_queries:
        sentences = sentences + [f"Scores are means over {n_queries:,} queries per direction; differences under "
                                 f"{TIE} nDCG@10 are treated as no difference, and small ones may be noise."]
    return Findings(sentences, verdict, sentence, checks, numbers)
