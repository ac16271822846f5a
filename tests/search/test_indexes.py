"""Index cache: built once, found again on disk, rebuilt when model or corpus changes, never built twice at once."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from studio.search.corpus import corpus_from_frame
from studio.search.indexes import IndexBuildingError, IndexManager
from tests.search.conftest import SEJONG_KO, demo_frame


def _ko_part(n: int = 12, edit: bool = False):
    frame = demo_frame(n)
    if edit:
        frame.loc[2, "passage_ko"] = "바뀐 문단입니다."
    return corpus_from_frame("test/qa", frame).parts[0]


def test_cache_hit_across_managers_and_rebuild_on_corpus_change(studio, tiny_model: str) -> None:
    part = _ko_part()
    first = IndexManager(studio)
    hits = first.get(tiny_model, part, wait=None).search(SEJONG_KO, 3)
    assert first.builds == 1 and first.state(tiny_model, part).status == "ready"

    second = IndexManager(studio)  # a new process would start like this
    again = second.get(tiny_model, part, wait=None).search(SEJONG_KO, 3)
    assert second.builds == 0
    assert [(d.doc_id, round(s, 5)) for d, s in again] == [(d.doc_id, round(s, 5)) for d, s in hits]
    assert second.get(tiny_model, part) is second.get(tiny_model, part)  # memory hit after the disk hit

    edited = _ko_part(edit=True)
    second.get(tiny_model, edited, wait=None)
    assert second.builds == 1
    assert len(list((studio.paths.cache / "indexes").glob("*/meta.json"))) == 2


def test_rebuild_when_model_files_change(studio, tiny_model: str) -> None:
    part = _ko_part()
    manager = IndexManager(studio)
    before = manager.key(tiny_model, part)
    manager.get(tiny_model, part, wait=None)
    config = Path(studio.store.get_model(tiny_model).path) / "config_sentence_transformers.json"
    payload = json.loads(config.read_text())
    config.write_text(json.dumps(payload, indent=4))  # same model, different bytes: a new fingerprint
    after = IndexManager(studio)
    assert after.key(tiny_model, part).fingerprint != before.fingerprint
    after.get(tiny_model, part, wait=None)
    assert after.builds == 1


def test_concurrent_requests_build_once(studio, tiny_model: str) -> None:
    part = _ko_part()
    managers = [IndexManager(studio), IndexManager(studio)]  # two "processes": only the file lock separates them
    results, errors = [], []

    def ask(manager: IndexManager) -> None:
        try:
            results.append(manager.get(tiny_model, part, wait=None))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(managers[i % 2],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and len(results) == 10
    assert sum(manager.builds for manager in managers) == 1
    assert len({id(r) for r in results if r in results[:1]}) == 1


def test_building_state_is_visible_and_bounded_by_wait(studio, tiny_model: str, monkeypatch) -> None:
    import studio.search.indexes as indexes

    entered, release = threading.Event(), threading.Event()
    real = indexes.encode_batches

    def slow(model, texts, prompt, batch_size, on_progress):
        on_progress(len(texts) // 2)
        entered.set()
        release.wait(60)
        return real(model, texts, prompt, batch_size, on_progress)

    monkeypatch.setattr(indexes, "encode_batches", slow)
    part = _ko_part()
    manager = IndexManager(studio)
    with pytest.raises(IndexBuildingError, match=r"still building \((0|50)%\)"):
        manager.get(tiny_model, part, wait=0.1)
    assert entered.wait(60)
    with pytest.raises(IndexBuildingError, match=r"still building \(50%\)"):
        manager.get(tiny_model, part, wait=0.1)
    state = manager.state(tiny_model, part)
    assert (state.status, state.percent) == ("building", 50)
    with pytest.raises(IndexBuildingError):
        manager.get(tiny_model, part, wait=0)  # a second request joins the running build
    release.set()
    assert manager.get(tiny_model, part, wait=None).search(SEJONG_KO, 1)
    assert manager.builds == 1


def test_failed_build_reports_and_retries(studio, tiny_model: str, monkeypatch) -> None:
    import studio.search.indexes as indexes
    from studio.search.indexes import IndexBuildError

    real = indexes.encode_batches
    monkeypatch.setattr(indexes, "encode_batches", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full")))
    part = _ko_part()
    manager = IndexManager(studio)
    with pytest.raises(IndexBuildError, match="disk full"):
        manager.get(tiny_model, part, wait=None)
    monkeypatch.setattr(indexes, "encode_batches", real)
    assert manager.get(tiny_model, part, wait=None).search(SEJONG_KO, 1)


def test_bm25_index_is_cached_too(studio) -> None:
    part = _ko_part()
    manager = IndexManager(studio)
    top = manager.get("bm25", part, wait=None).search(SEJONG_KO, 3)
    assert top[0][0].record_id == "demo-0001"
    assert IndexManager(studio).get("bm25", part, wait=None).search(SEJONG_KO, 1)[0][0].doc_id == top[0][0].doc_id
    assert manager.builds == 1
