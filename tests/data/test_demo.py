"""The built-in demo set: registered on first open, split 80/10/10, cheap afterwards, licensed."""

from __future__ import annotations

from studio.data.demo import DEMO_FILE
from studio.settings import ASSETS_DIR


def test_demo_registered_and_split(studio) -> None:
    record = studio.store.get_dataset("demo/ko-en-qa")
    assert record.kind == "parallel" and record.n_records == 320
    assert record.split_counts == {"train": 256, "dev": 32, "test": 32} and record.split_seed == 0
    assert record.report["n_bad_rows"] == 0
    assert all(c["language"]["status"] == "ok" and c["empty"] == 0 for c in record.report["columns"].values())
    assert "CC BY 4.0" in record.licence


def test_second_open_does_not_import_again(studio, monkeypatch) -> None:
    from studio.context import forget_studios, get_studio
    from studio.data import ingest

    def refuse(*args, **kwargs):
        raise AssertionError("the demo set was imported again")

    monkeypatch.setattr(ingest, "_import_dataset", refuse)
    forget_studios()
    again = get_studio()
    assert [r.name for r in again.store.list_datasets()] == ["demo/ko-en-qa"]


def test_demo_set_is_registered_even_in_read_only_mode(studio_home, monkeypatch) -> None:
    from studio.context import get_studio

    monkeypatch.setenv("STUDIO_DEMO_MODE", "1")
    assert get_studio().store.get_dataset("demo/ko-en-qa").n_records == 320


def test_licence_file() -> None:
    text = (ASSETS_DIR / "demo" / "LICENSE.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "written for CLIR Studio" in text and "original" in text
    assert DEMO_FILE.is_file()
