"""The evaluate job kind: inline vs background choice, in-process run, and a real worker subprocess."""

from __future__ import annotations

from studio.evaluate import job as evaluate_job
from studio.jobs.context import JobContext


def test_texts_to_encode_counts_only_cache_misses(studio, tiny_model, parallel_jsonl):
    assert evaluate_job.texts_to_encode("bm25", str(parallel_jsonl), studio=studio) == 0
    assert evaluate_job.texts_to_encode(tiny_model, str(parallel_jsonl), directions="ko-ko", studio=studio) == 24
    assert evaluate_job.texts_to_encode(tiny_model, str(parallel_jsonl), studio=studio) == 48
    evaluate_job.start_evaluation(tiny_model, str(parallel_jsonl), directions="ko-ko", studio=studio)
    assert evaluate_job.texts_to_encode(tiny_model, str(parallel_jsonl), studio=studio) == 24
    assert not evaluate_job.should_run_in_background(24)
    assert evaluate_job.should_run_in_background(evaluate_job.BACKGROUND_THRESHOLD + 1)


def test_run_reports_progress_and_returns_the_stored_id(studio, tiny_model, parallel_jsonl, tmp_path):
    job = studio.store.create_job("evaluate", {})
    ctx = JobContext(job_id=job.id, studio=studio, job_dir=tmp_path)
    payload = evaluate_job.make_payload(tiny_model, str(parallel_jsonl), directions="en-en,en-ko", limit=4)
    result = evaluate_job.run(payload, ctx)
    assert set(result) == {"evaluation_id", "model", "dataset", "metrics", "summary"}
    record = studio.store.get_evaluation(result["evaluation_id"])
    assert record.job_id == job.id and set(record.metrics) == {"en-en", "en-ko"}
    assert studio.store.get_job(job.id).total > 0


def test_background_evaluation_runs_in_a_worker(studio, tiny_model, parallel_jsonl):
    from studio.jobs import runner

    outcome = evaluate_job.start_evaluation(tiny_model, str(parallel_jsonl), limit=3, background=True,
                                            studio=studio)
    assert outcome["mode"] == "job"
    final = runner.wait_for(outcome["job_id"], poll=0.2, studio=studio)
    assert final.state == "succeeded", final.error + runner.log_path(final.id, studio).read_text()[-2000:]
    status = evaluate_job.job_status(final.id, studio)
    record = studio.store.get_evaluation(status["evaluation_id"])
    assert record.job_id == final.id and record.config["limit"] == 3
