"""The validation report: counts, empty and duplicate texts, lengths, a language check, bad rows.

The report is built while rows stream past (:class:`ReportBuilder`); it keeps one integer length and one
64-bit hash per text, never the texts. The language check compares each column's script with its language:
a text is written *in the wrong script* when a ``ko`` text is mostly Latin (Hangul share of its letters
< 0.2) or an ``en`` text mostly Hangul (share > 0.5). A column is ``flagged`` when at least half its texts are
(e.g. swapped columns), ``warning`` when at least 5 % are; URLs and names inside Korean text are expected.

Example:
    >>> builder = ReportBuilder("bitext")
    >>> builder.add("line 1", {"id": "1", "ko": "안녕하세요", "en": "Hello"})
    True
    >>> builder.add("line 2", {"id": "2", "ko": "", "en": ""})
    False
    >>> report = builder.finish()
    >>> report["n_records"], report["n_bad_rows"], report["columns"]["ko"]["language"]["status"]
    (1, 1, 'ok')
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

from studio.data.schema import COLUMN_LANGUAGE, RecordKind, parse_kind, text_columns

HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7A3), (0xD7B0, 0xD7FF))
LATIN_RANGES = ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F))
KO_MOSTLY_LATIN = 0.2
EN_MOSTLY_HANGUL = 0.5
FLAG_FRACTION = 0.5
WARN_FRACTION = 0.05
MAX_LISTED = 200
MAX_EXAMPLES = 10
HISTOGRAM_BINS = 30
SCRIPT_BATCH = 4096


def _in_ranges(codes: np.ndarray, ranges: tuple[tuple[int, int], ...]) -> np.ndarray:
    mask = np.zeros(codes.shape, dtype=bool)
    for low, high in ranges:
        mask |= (codes >= low) & (codes <= high)
    return mask


def script_counts_many(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(Hangul letters, Latin letters) of each non-empty text, counted for all texts at once."""
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    starts = np.concatenate([[0], np.cumsum([len(t) for t in texts])[:-1]])
    hangul = np.add.reduceat(_in_ranges(codes, HANGUL_RANGES).astype(np.int64), starts)
    latin = np.add.reduceat(_in_ranges(codes, LATIN_RANGES).astype(np.int64), starts)
    return hangul, latin


def script_counts(text: str) -> tuple[int, int]:
    """(Hangul letters, Latin letters) in ``text``."""
    if not text:
        return 0, 0
    hangul, latin = script_counts_many([text])
    return int(hangul[0]), int(latin[0])


def hangul_share(text: str) -> float:
    """Share of Hangul among the Hangul and Latin letters of ``text`` (0.0 without letters)."""
    hangul, latin = script_counts(text)
    return hangul / (hangul + latin) if hangul + latin else 0.0


def length_summary(lengths: np.ndarray) -> dict[str, Any]:
    """min/mean/median/p95/max of text lengths (characters) and histogram bins clipped at the 99th percentile."""
    if lengths.size == 0:
        return {"min": 0, "mean": 0.0, "median": 0.0, "p95": 0.0, "max": 0, "histogram": {"edges": [], "counts": []}}
    upper = max(1.0, float(np.percentile(lengths, 99)))
    counts, edges = np.histogram(np.minimum(lengths, upper), bins=HISTOGRAM_BINS, range=(0.0, upper))
    return {
        "min": int(lengths.min()), "mean": round(float(lengths.mean()), 1),
        "median": round(float(np.median(lengths)), 1), "p95": round(float(np.percentile(lengths, 95)), 1),
        "max": int(lengths.max()),
        "histogram": {"edges": [round(float(e), 1) for e in edges], "counts": [int(c) for c in counts],
                      "clipped_at": round(upper, 1)},
    }


def _duplicates(hashes: array) -> int:
    if not hashes:
        return 0
    _, counts = np.unique(np.frombuffer(hashes, dtype=np.int64), return_counts=True)
    return int((counts - 1).sum())


class _Column:
    def __init__(self, name: str) -> None:
        self.name, self.language = name, COLUMN_LANGUAGE[name]
        self.lengths, self.hashes = array("q"), array("q")
        self.empty, self.wrong, self.hangul, self.latin = 0, 0, 0, 0
        self.empty_where: list[str] = []
        self.wrong_where: list[str] = []
        self._pending: list[tuple[str, str]] = []

    def add(self, where: str, text: str) -> None:
        self.lengths.append(len(text))
        if not text:
            self.empty += 1
            if len(self.empty_where) < MAX_EXAMPLES:
                self.empty_where.append(where)
            return
        self.hashes.append(hash(text))
        self._pending.append((where, text))
        if len(self._pending) >= SCRIPT_BATCH:
            self._count_scripts()

    def _count_scripts(self) -> None:
        """Script counts of the pending texts, in one vectorised pass."""
        hangul, latin = script_counts_many([text for _, text in self._pending])
        self.hangul += int(hangul.sum())
        self.latin += int(latin.sum())
        total = hangul + latin
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(total > 0, hangul / np.maximum(total, 1), np.nan)
        wrong = share < KO_MOSTLY_LATIN if self.language == "ko" else share > EN_MOSTLY_HANGUL
        self.wrong += int(wrong.sum())
        for index in np.nonzero(wrong)[0][: MAX_EXAMPLES - len(self.wrong_where)]:
            self.wrong_where.append(self._pending[index][0])
        self._pending = []

    def language_report(self) -> dict[str, Any]:
        self._count_scripts()
        n = len(self.hashes)
        fraction = self.wrong / n if n else 0.0
        status = "flagged" if fraction >= FLAG_FRACTION else "warning" if fraction >= WARN_FRACTION else "ok"
        other = "Latin" if self.language == "ko" else "Hangul"
        message = "" if status == "ok" else (
            f"{self.name}: {fraction:.0%} of texts are mostly {other} script; "
            + ("check the column mapping (are the languages swapped?)." if status == "flagged" else "check these rows."))
        letters = self.hangul + self.latin
        return {"expected": self.language, "hangul_share": round(self.hangul / letters, 4) if letters else 0.0,
                "wrong_script": self.wrong, "wrong_fraction": round(fraction, 4), "status": status,
                "examples": self.wrong_where, "message": message}

    def report(self) -> dict[str, Any]:
        return {"empty": self.empty, "empty_examples": self.empty_where, "duplicates": _duplicates(self.hashes),
                "length": length_summary(np.frombuffer(self.lengths, dtype=np.int64)),
                "language": self.language_report()}


class ReportBuilder:
    """Accumulates the validation report of one import, row by row."""

    def __init__(self, kind: str | RecordKind) -> None:
        self.kind = parse_kind(kind)
        self.columns = {name: _Column(name) for name in text_columns(self.kind)}
        self.record_hashes = array("q")
        self.bad_rows: list[dict[str, str]] = []
        self.n_bad = 0
        self.n_records = 0

    @property
    def failed(self) -> bool:
        return self.n_bad > 0

    def add_problem(self, where: str, problem: str) -> None:
        """Record a bad row (listed up to ``MAX_LISTED``; all are counted)."""
        self.n_bad += 1
        if len(self.bad_rows) < MAX_LISTED:
            self.bad_rows.append({"where": where, "problem": problem})

    def add(self, where: str, record: dict[str, str]) -> bool:
        """Add one canonical record; False (and a bad row) when all its texts are empty."""
        texts = [record.get(name, "") for name in self.columns]
        if not any(texts):
            self.add_problem(where, "every text is empty")
            return False
        for column, text in zip(self.columns.values(), texts):
            column.add(where, text)
        self.record_hashes.append(hash(tuple(texts)))
        self.n_records += 1
        return True

    def finish(self, **extra: Any) -> dict[str, Any]:
        """The report as a JSON-ready dict; ``extra`` (sources, layout, seconds...) is merged in."""
        columns = {name: column.report() for name, column in self.columns.items()}
        warnings = [c["language"]["message"] for c in columns.values() if c["language"]["message"]]
        warnings += [f"{name}: {c['empty']} empty texts (such records give no pair in that column's directions)."
                     for name, c in columns.items() if c["empty"]]
        duplicate_records = _duplicates(self.record_hashes)
        if duplicate_records:
            warnings.append(f"{duplicate_records} records repeat another record's texts exactly.")
        report = {"kind": self.kind.value, "n_records": self.n_records, "n_bad_rows": self.n_bad,
                  "bad_rows": self.bad_rows, "duplicate_records": duplicate_records, "columns": columns,
                  "warnings": warnings}
        report.update(extra)
        return report


def flagged_columns(report: dict[str, Any]) -> list[str]:
    """Columns whose language check is ``flagged``."""
    return [name for name, c in report.get("columns", {}).items() if c["language"]["status"] == "flagged"]
