"""The SQLite store: pragmas, migrations, schema-version guard, jobs and lineage."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import DatabaseError, DuplicateNameError, NotFoundError, Store, open_database


def test_pragmas_wal_foreign_keys_busy_timeout(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "s.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_database_from_older_version_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()  # an empty database, as made before any migration
    store = Store(open_database(path))
    assert store.counts()["models"] == 0
    with sqlite3.connect(path) as connection:
        assert connection.execute("select version_num from alembic_version").fetchone() == ("0001",)


def test_database_from_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_database(path).dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("update alembic_version set version_num = '9999'")
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer version of CLIR Studio"):
        open_database(path)
    assert path.read_bytes() == before


def test_not_a_database_gives_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="not a usable CLIR Studio database"):
        open_database(path)


def test_model_lineage_and_duplicates(tmp_path: Path) -> None:
    store = Store(open_database(tmp_path / "s.db"))
    store.add_model("base", "bundled", "base")
    store.add_model("a", "trained", "a", base_model="base", config={"lr": 1e-5})
    merged = store.add_model("m", "merged", "m", parents=[("a", 0.3), ("base", 0.7)])
    assert [(p.parent_name, p.weight) for p in merged.parents] == [("a", 0.3), ("base", 0.7)]
    assert store.get_model("a").base_model_id == store.get_model("base").id
    with pytest.raises(DuplicateNameError, match="already exists"):
        store.add_model("a", "trained", "elsewhere")
    with pytest.raises(NotFoundError):
        store.get_model("nope")


def test_job_claim_is_exclusive_and_stale_jobs_are_found(tmp_path: Path) -> None:
    store = Store(open_database(tmp_path / "s.db"))
    job = store.create_job("train", {"x": 1}, title="t")
    assert store.claim_job(job.id, pid=111)
    assert not store.claim_job(job.id, pid=222)
    assert store.get_job(job.id).pid == 111
    assert store.stale_running_jobs(timedelta(seconds=-1))[0].id == job.id
    assert store.stale_running_jobs(timedelta(hours=1)) == []
    store.log_metrics(job.id, 5, {"loss": 0.5})
    store.log_metrics(job.id, 10, {"loss": 0.4})
    store.clear_metrics_after(job.id, 5)
    assert [(p.step, p.value) for p in store.job_metrics(job.id)] == [(5, 0.5)]
    store.finish_job(job.id, "interrupted")
    assert store.requeue_job(job.id).state == "queued"
