"""The Study tab's handlers without a browser: a failed study offers Retry, and Retry requeues it."""

from __future__ import annotations

import os

from studio.study.preset import StudyConfig


def test_failed_study_offers_retry_and_retry_requeues_it(studio):
    from studio.ui import study_tab

    config = StudyConfig.for_setting("quick", dataset="demo/ko-en-qa", base_model="m", budget=16)
    job = studio.store.create_job("study", config.model_dump(), title="study m")
    studio.store.claim_job(job.id, os.getpid())
    studio.store.update_job(job.id, result={"study": f"study-{job.id}", "stages": {
        "prepare": {"state": "done", "attempt": 1, "seconds": 1.0, "mixes": {}},
        "evaluate:base": {"state": "failed", "attempt": 1, "error": "boom"}}})
    studio.store.finish_job(job.id, "failed", error="boom")
    progress, stages, retry_button, markdown, *_ = study_tab.select_study(job.id)
    assert "failed after 1 of 15 stages: boom" in progress
    assert list(stages["state"][:3]) == ["done", "FAILED", "pending"]
    assert retry_button.visible and markdown == ""

    blocker = studio.store.create_job("sleep", {}, title="holds the only job slot")
    studio.store.claim_job(blocker.id, os.getpid())  # so the requeued study is not started here
    message, picker = study_tab.retry(job.id)
    assert f"Study job **{job.id}** requeued" in message and picker.value == job.id
    assert studio.store.get_job(job.id).state == "queued"
    assert study_tab.select_study(job.id)[2].visible is False
    studio.store.cancel_queued_job(job.id)
    studio.store.finish_job(blocker.id, "cancelled")
