"""Fast checks of ensure_bundled_model's locking and idempotency (conversion itself stubbed)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from studio.bundled import BundledModelError, ensure_bundled_model
from studio.bundled import convert
from studio.bundled.q4file import BUNDLED_SHA256


def _fake_convert(calls: list[Path]):
    def fake(staging: Path, progress: convert.Progress) -> None:
        calls.append(staging)
        progress("saving")
        time.sleep(0.3)
        for name in convert._REQUIRED_FILES:
            (staging / name).write_text("{}", encoding="utf-8")
        marker = {"source_sha256": BUNDLED_SHA256, "format": convert._FORMAT_VERSION}
        (staging / convert.MARKER_FILE).write_text(json.dumps(marker), encoding="utf-8")

    return fake


def test_concurrent_calls_convert_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(convert, "_convert_into", _fake_convert(calls))
    target = tmp_path / "models" / "e5"
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(ensure_bundled_model(target))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert results == [target] * 3
    assert convert.is_complete(target)
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".partial-")] == []


def test_stale_conversion_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(convert, "_convert_into", _fake_convert(calls))
    target = tmp_path / "e5"
    target.mkdir()
    (target / convert.MARKER_FILE).write_text(json.dumps({"source_sha256": "0" * 64, "format": 1}))
    (tmp_path / f".partial-{target.name}-dead").mkdir()
    assert not convert.is_complete(target)
    stages: list[str] = []
    ensure_bundled_model(target, progress=stages.append)
    assert len(calls) == 1 and stages == ["saving"]
    assert convert.is_complete(target)
    assert not (tmp_path / f".partial-{target.name}-dead").exists()


def test_failed_conversion_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(staging: Path, progress: convert.Progress) -> None:
        (staging / "model.safetensors").write_text("partial")
        raise BundledModelError("boom")

    monkeypatch.setattr(convert, "_convert_into", boom)
    with pytest.raises(BundledModelError, match="boom"):
        ensure_bundled_model(tmp_path / "e5")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5.lock"]


def test_unrelated_directory_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(BundledModelError, match="is not a converted model"):
        ensure_bundled_model(target)
    assert (target / "notes.txt").read_text() == "keep me"
