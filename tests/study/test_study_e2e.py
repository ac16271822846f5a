"""The whole study on the tiny model through the real job runner, killed mid-training and retried.

Flow (one study, shared by the tests of this module): submit a quick study with a tiny budget on the demo
set; the first training pauses after its first checkpoint (``pause_on_save=1``) and the study's worker is
killed with SIGKILL; the runner marks it interrupted; a retry skips the finished stages, resumes the
training from its checkpoint under the same child job, and finishes with a report. Then: the report's
tables equal the stored evaluations, the CLI and the Study tab show it.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import signal
from types import SimpleNamespace

import pytest

from tests.conftest import TINY_MODEL_NAME
from tests.jobs.conftest import wait_until

DEMO = "demo/ko-en-qa"
METRIC_SECTIONS = {"nDCG@10": "ndcg@10", "MRR@10": "mrr@10", "Recall@10": "recall@10"}
COLUMNS = ["ko-ko", "en-en", "ko-en", "en-ko", "clir", "mono", "all"]


@pytest.fixture(scope="module")
def study_run(tmp_path_factory, tiny_model_dir):
    from studio.context import forget_studios, get_studio
    from studio.jobs import runner
    from studio.study.preset import StudyConfig
    from studio.study.runner import retry_study, submit_study

    patch = pytest.MonkeyPatch()
    patch.setenv("STUDIO_HOME", str(tmp_path_factory.mktemp("study") / "home"))
    for name in ("STUDIO_MAX_CONCURRENT_JOBS", "STUDIO_BELEBELE_DIR", "STUDIO_EXTRA_JOB_KINDS"):
        patch.delenv(name, raising=False)
    patch.setenv("STUDIO_FAULTS", "pause_on_save=1")  # the first training sleeps after checkpoint-1
    forget_studios()
    studio = get_studio()
    target = studio.paths.models / "test-tiny"
    shutil.copytree(tiny_model_dir, target)
    studio.store.add_model(TINY_MODEL_NAME, "imported", str(target))
    config = StudyConfig.for_setting("quick", dataset=DEMO, base_model=TINY_MODEL_NAME, budget=16, batch_size=8,
                                     max_seq_length=32, learning_rate=1e-3, eval_limit=16, eval_max_seq_length=48,
                                     sweep_steps=3, save_steps=1)
    try:
        job = submit_study(config)
        paused = wait_until(lambda: next((c for c in studio.store.child_jobs(job.id) if "paused" in c.message), None),
                            240, 0.5)
        study_job = studio.store.get_job(job.id)
        before = copy.deepcopy(study_job.result)
        os.kill(study_job.pid, signal.SIGKILL)
        interrupted = runner.wait_for(job.id, poll=0.3, studio=studio)
        patch.delenv("STUDIO_FAULTS")
        retry_study(job.id, studio=studio)
        final = runner.wait_for(job.id, poll=0.5, studio=studio)
        yield SimpleNamespace(studio=studio, job_id=job.id, paused=paused, before=before, interrupted=interrupted,
                              final=final)
    finally:
        for running in studio.store.list_jobs(["running"]):
            if running.pid and running.pid != os.getpid() and runner.process_alive(running.pid):
                os.kill(running.pid, signal.SIGKILL)
        runner.reap_children(studio)
        patch.undo()
        forget_studios()


def test_retry_skips_finished_stages_and_resumes_training_from_its_checkpoint(study_run):
    store, final = study_run.studio.store, study_run.final
    assert study_run.interrupted.state == "interrupted"
    assert final.state == "succeeded", final.error
    assert final.attempts == 2
    before, after = study_run.before["stages"], final.result["stages"]
    assert before["prepare"]["state"] == before["evaluate:base"]["state"] == "done"
    for key in ("prepare", "evaluate:base"):  # finished before the kill: skipped, not redone
        assert after[key] == before[key] and after[key]["attempt"] == 1
    assert len(store.list_evaluations(model_name=TINY_MODEL_NAME)) == 1  # the base model was evaluated once
    assert len(store.list_mixes()) == 4

    child_id = before["train:mono-ko"]["job_id"]  # the interrupted training ran again as the same child job
    assert study_run.paused.id == child_id and after["train:mono-ko"]["job_id"] == child_id
    assert after["train:mono-ko"]["resumed_from_step"] == 1 and after["train:mono-ko"]["attempt"] == 2
    children = store.child_jobs(final.id)
    assert [c.state for c in children] == ["succeeded"] * 4
    assert [c.attempts for c in children] == [2, 1, 1, 1] and children[0].id == child_id
    assert all(c.parent_job_id == final.id for c in children)
    plan = [stage["key"] for stage in final.result["plan"]]
    assert all(after[key]["state"] == "done" for key in plan)
    assert [after[key]["attempt"] for key in plan[2:]] == [2] * (len(plan) - 2)


def _tables(markdown: str) -> dict[str, dict[str, tuple[list[float], int]]]:
    """Section title -> model label -> (numbers, evaluation id), from the report's first set of tables."""
    tables = {}
    for title in METRIC_SECTIONS:
        section = markdown.split(f"### {title}\n", 1)[1].strip().split("\n\n", 1)[0]
        rows = {}
        for line in section.splitlines()[2:]:
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[cells[0]] = ([float(v) for v in cells[1:8]], int(re.match(r"\[#(\d+)\]", cells[8]).group(1)))
        tables[title] = rows
    return tables


def test_report_tables_match_the_stored_evaluations(study_run):
    from studio.evaluate.compare import run_values

    studio, result = study_run.studio, study_run.final.result
    home = studio.paths.home
    assert result["report"]["html"] == f"reports/study-{study_run.job_id}/report.html"
    for kind in ("html", "markdown", "json"):
        assert (home / result["report"][kind]).stat().st_size > 0
    markdown = (home / result["report"]["markdown"]).read_text(encoding="utf-8")
    tables = _tables(markdown)
    expected = {"base (test/tiny)": "evaluate:base", "mono-ko": "evaluate:mono-ko", "mono-en": "evaluate:mono-en",
                "cross-only": "evaluate:cross-only", "all-four": "evaluate:all-four",
                "merge α=0.00": "sweep:0", "merge α=0.50": "sweep:0.5"}
    for title, metric in METRIC_SECTIONS.items():
        assert set(tables[title]) == set(expected)
        for label, stage in expected.items():
            numbers, evaluation_id = tables[title][label]
            assert evaluation_id == result["stages"][stage]["evaluation_id"]
            stored = run_values(studio.store.get_evaluation(evaluation_id), metric)
            assert numbers == [round(stored[c], 4) for c in COLUMNS], (title, label)
    record = studio.store.get_evaluation(result["stages"]["evaluate:cross-only"]["evaluation_id"])
    assert f"[#{record.id}](../../{record.run_path}/)" in markdown and (home / record.run_path / "ko-en.trec").is_file()
    assert "### Findings" in markdown and "paper's qualitative finding" in markdown
    mixes = result["stages"]["prepare"]["mixes"]
    assert all(f"`{mix['sha256']}`" in markdown for mix in mixes.values())
    assert studio.store.get_dataset(DEMO).content_hash in markdown
    html = (home / result["report"]["html"]).read_text(encoding="utf-8")
    assert "Plotly.newPlot" in html and "<script src=" not in html and "../../runs/" in html


def test_cli_shows_status_and_rewrites_the_report(study_run, capsys):
    from studio.cli import main

    assert main(["study", "status", str(study_run.job_id)]) == 0
    out = capsys.readouterr().out
    assert f"Study study-{study_run.job_id} (job #{study_run.job_id}) succeeded" in out
    assert out.count(" done ") >= 10 and "report: reports/" in out
    assert main(["study", "report", str(study_run.job_id)]) == 0
    out = capsys.readouterr().out
    assert "report.html" in out and "findings (heldout):" in out
    assert main(["study", "retry", str(study_run.job_id)]) == 2  # a succeeded study has nothing to retry
    assert "only failed, cancelled or interrupted jobs" in capsys.readouterr().err


def test_study_tab_shows_stages_and_the_report(study_run):
    from studio.ui import study_tab

    view = study_tab.study_view(study_run.job_id, None)
    progress, stages, retry_button, markdown, tradeoff, sweep, files, shown = view
    assert "succeeded" in progress and list(stages["state"]).count("done") == len(stages)
    assert retry_button["visible"] is False if isinstance(retry_button, dict) else not retry_button.visible
    assert markdown.startswith(f"# Study study-{study_run.job_id}") and "](" not in markdown
    assert tradeoff is not None and sweep is not None and len(files) == 2 and shown == study_run.job_id
