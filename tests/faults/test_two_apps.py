"""Two app processes on one data home: both start (at the same moment) and serve; jobs queued through either
run exactly once; both apps show every job and its result."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.served import (bundled_cache, integrity, kill_running_workers, make_app, seed_home, store_of,
                                 wait_until)

JOB_TIMEOUT = 300.0


def jobs_shown(client) -> dict[int, str]:
    """The Jobs tab's queue table (its load function is a public endpoint) as {id: state}."""
    table = client.predict(api_name="/jobs_table")
    headers = table["headers"]
    return {int(row[headers.index("id")]): row[headers.index("state")] for row in table["data"]}


def test_two_apps_share_one_home(tmp_path: Path, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    home = seed_home(tmp_path / "home", tiny_model_dir, bundled_cache(tmp_path_factory.getbasetemp().parent))
    apps = [make_app(home, tmp_path / f"app{i}.log", STUDIO_MAX_CONCURRENT_JOBS="2") for i in (1, 2)]
    try:
        for app in apps:  # start both at once: migrations, built-ins and schedulers race on one database
            app.start()
        for app in apps:
            app.wait_serving()
        clients = [app.client() for app in apps]
        for client in clients:
            assert "demo/ko-en-qa" in str(client.predict("demo/ko-en-qa", api_name="/list_datasets")[0])

        # One evaluation job queued through each app.
        queued = [client.predict("test/tiny", "demo/ko-en-qa", "test", ["ko-en", "en-ko"], 0, "", True,
                                 api_name="/evaluate") for client in clients]
        job_ids = [outcome["job_id"] for outcome in queued]
        assert all(outcome["mode"] == "job" for outcome in queued) and len(set(job_ids)) == 2
        for client in clients:  # both apps list both jobs at once
            shown = jobs_shown(client)
            assert set(job_ids) <= set(shown) and {shown[j] for j in job_ids} <= {"queued", "running", "succeeded"}

        store = store_of(home)
        final = [wait_until(lambda j=j: (r := store.get_job(j)).state not in ("queued", "running") and r,
                            JOB_TIMEOUT, 0.5, f"job {j} ended") for j in job_ids]
        for job in final:
            assert job.state == "succeeded", job.error
            assert job.attempts == 1
            log = (home / "jobs" / str(job.id) / "log.txt").read_text()
            assert log.count(f"starting job {job.id} ") == 1, log[:2000]  # launched by exactly one app
            assert log.count(f"job {job.id} (evaluate), attempt 1") == 1
        evaluation_ids = {job.result["evaluation_id"] for job in final}
        assert len(evaluation_ids) == 2

        for client in clients:  # both show both jobs finished, and both results among the stored runs
            shown = jobs_shown(client)
            assert [shown[j] for j in job_ids] == ["succeeded", "succeeded"]
            runs = {run["id"] for run in client.predict("", api_name="/list_runs")}
            assert evaluation_ids <= runs
        for app in apps:
            assert app.serving() and app.process.poll() is None
    finally:
        for app in apps:
            app.stop()
        kill_running_workers(home)
    assert len(store.list_jobs()) == 2 and integrity(home) == "ok"
    for app in apps:  # neither app logged a traceback
        assert "Traceback" not in app.log_text(), app.log_text()[-3000:]
