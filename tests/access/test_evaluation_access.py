"""Background evaluations obey demo mode like every other job."""

from __future__ import annotations

import pytest

from studio.errors import StudioError
from studio.evaluate.job import submit_evaluation


def test_demo_mode_refuses_background_evaluations(studio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_DEMO_MODE", "1")
    with pytest.raises(StudioError, match="read-only demo"):
        submit_evaluation({"model": "bm25", "dataset": "demo/ko-en-qa", "split": "test"}, studio)
    assert studio.store.list_jobs() == []
