"""Errors of the data package: one sentence saying what is wrong and what to do."""

from __future__ import annotations

from typing import Any

from studio.errors import StudioError


class DataError(StudioError):
    """A dataset, file, mapping, split or mix cannot be used as asked."""


class ImportRejected(DataError):
    """Validation found bad rows; nothing was imported.

    ``bad_rows`` lists ``{"where": "file.jsonl line 12", "problem": "..."}`` (at most ``MAX_LISTED``);
    ``report`` is the validation report built so far.
    """

    MAX_SHOWN = 5

    def __init__(self, bad_rows: list[dict[str, str]], n_bad: int, report: dict[str, Any]) -> None:
        self.bad_rows = bad_rows
        self.n_bad = n_bad
        self.report = report
        shown = "; ".join(f"{row['where']}: {row['problem']}" for row in bad_rows[: self.MAX_SHOWN])
        more = f" (and {n_bad - self.MAX_SHOWN} more)" if n_bad > self.MAX_SHOWN else ""
        super().__init__(
            f"{n_bad} bad row{'s' if n_bad != 1 else ''}, nothing was imported: {shown}{more}. "
            "Fix these rows (or the column mapping) and import again."
        )
