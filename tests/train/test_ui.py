"""Train and Jobs tabs: they build, estimate, queue, and show a job's progress, curves and log."""

from __future__ import annotations

import gradio as gr
import pytest

from studio.jobs import runner
from studio.ui import jobs_tab, train_tab
from tests.train.conftest import FAST


def form(**overrides):
    values = {**train_tab.form_defaults("cpu"), **FAST, **overrides}
    return [values[field] for field in train_tab.FIELDS]


def test_tabs_build(train_env):
    with gr.Blocks():
        train_tab.build()
        jobs_tab.build()
    assert "demo-all4" in train_tab.mix_choices() and "test/tiny" in train_tab.model_choices()


def test_estimate_says_where_it_comes_from(train_env):
    text = train_tab.estimate_text("bundled/multilingual-e5-small", "demo-all4", "", *form(max_steps=100))
    assert text.startswith("**Estimate:** about ") and "rate table" in text and "60 pairs" in text
    text = train_tab.estimate_text("test/tiny", "demo-all4", "", *form())
    assert "8 steps; no time estimate" in text
    assert "Pick a base model" in train_tab.estimate_text("", "", "", *form())
    assert "batch_size" in train_tab.estimate_text("test/tiny", "demo-all4", "", *form(batch_size=1))


def test_train_button_validates_and_queues(train_env, monkeypatch):
    with pytest.raises(gr.Error, match="A model named 'test/tiny' already exists"):
        train_tab.start_training("test/tiny", "demo-all4", "test/tiny", *form())
    monkeypatch.setattr(runner, "kick", lambda studio=None: [])  # queue only; the worker is tested elsewhere
    status = train_tab.start_training("test/tiny", "demo-all4", "ui-model", *form())
    job = train_env.store.list_jobs()[0]
    assert status.startswith(f"Job **{job.id}** queued") and job.payload["name"] == "ui-model"


def test_job_view_shows_progress_curves_and_log(jobs_env):
    job = runner.submit("sleep", {"steps": 3}, title="nap")
    runner.wait_for(job.id, poll=0.1)
    jobs_env.store.log_metrics(job.id, 0, {"dev/ko-en/ndcg@10": 0.3, "dev/clir/ndcg@10": 0.3})
    html, loss, dev, log, details, seen = jobs_tab.job_view(job.id, None)
    assert f"Job {job.id}: nap" in html and "succeeded" in html and "100%" in html
    assert len(loss.data) == 1 and {t.name for t in dev.data} == {"ko-en", "clir"}
    assert "succeeded" in log and details["result"] == {"slept_steps": 3}
    again = jobs_tab.job_view(job.id, seen)
    assert again[1] == gr.skip() and again[2] == gr.skip()  # unchanged curves are not redrawn
    assert jobs_tab.jobs_table()["state"].tolist() == ["succeeded"] and jobs_tab.default_job() == job.id
    with pytest.raises(gr.Error, match="only failed, cancelled or interrupted"):
        jobs_tab.resume_job(job.id)
