"""Sweeps: the weight grid, the Pareto front, and a real sweep job on tiny models through the runner."""

from __future__ import annotations

import pytest

from studio.merge import MergeSpec
from studio.merge.base import MergeError
from studio.merge.sweep import pareto_front, save_sweep_point, submit_sweep, sweep_result, sweep_weights


def test_two_model_grid_moves_the_second_weight():
    grid = sweep_weights(5)
    assert [a for a, _ in grid] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert grid[1][1] == pytest.approx([0.75, 0.25])


def test_one_slider_of_three_keeps_the_others_ratio():
    grid = sweep_weights(3, n_models=3, axis=0, weights=[9, 2, 1])
    assert grid[0][1] == pytest.approx([0.0, 2 / 3, 1 / 3])
    assert grid[1][1] == pytest.approx([0.5, 1 / 3, 1 / 6])
    assert grid[2][1] == pytest.approx([1.0, 0.0, 0.0])
    with pytest.raises(MergeError, match="between 2 and"):
        sweep_weights(1)
    with pytest.raises(MergeError, match="index 0 to 1"):
        sweep_weights(3, axis=2)


def test_pareto_front_keeps_the_undominated_points():
    points = [(0.2, 0.9), (0.5, 0.5), (0.4, 0.4), (0.9, 0.1), (0.5, 0.5), (None, 0.99)]
    assert pareto_front(points) == [0, 1, 3, 4]


def test_bad_sweep_is_refused_before_queueing(parents, studio):
    base, a, b = parents
    with pytest.raises(MergeError, match="needs a base model"):
        submit_sweep(MergeSpec.make([a, b], method="ties"), steps=3)
    assert studio.store.list_jobs() == []


def test_sweep_job_runs_through_the_runner_and_a_point_saves(parents, studio, monkeypatch):
    from studio.jobs import runner

    monkeypatch.delenv("STUDIO_MAX_CONCURRENT_JOBS", raising=False)
    _, a, b = parents
    job = submit_sweep(MergeSpec.make([a, b], method="linear"), steps=3, limit=8, studio=studio)
    assert job.kind == "sweep" and job.payload["steps"] == 3
    final = runner.wait_for(job.id, poll=0.5, studio=studio)
    log = runner.log_path(job.id, studio).read_text(encoding="utf-8", errors="replace")
    assert final.state == "succeeded", log[-3000:]
    assert (final.step, final.total) == (3, 3)
    result = sweep_result(job.id, studio)
    assert [p["alpha"] for p in result["points"]] == [0.0, 0.5, 1.0]
    assert [p["name"] for p in result["parents"]] == [a, b]
    # The endpoints are the parents themselves: same scores on the same queries.
    assert result["points"][0]["summary"] == result["parents"][0]["summary"]
    assert result["points"][-1]["summary"] == result["parents"][1]["summary"]
    assert result["pareto"] and set(result["pareto"]) <= {0, 1, 2}
    stored = [studio.store.get_evaluation(p["evaluation_id"]) for p in result["points"]]
    assert all(e.job_id == job.id and e.dataset_name == "demo/ko-en-qa" and e.split == "dev" for e in stored)
    metrics = {(m.step, m.name) for m in studio.store.job_metrics(job.id)}
    assert {(0, "alpha"), (2, "clir"), (2, "mono")} <= metrics
    record = save_sweep_point(result, 1, "sweep-mid", studio=studio, job_id=job.id)
    assert [(p.parent_name, p.weight) for p in record.parents] == [(a, 0.5), (b, 0.5)]
    assert record.config["sweep"]["index"] == 1 and record.config["sweep"]["job_id"] == job.id
