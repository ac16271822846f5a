"""``clir-studio jobs …`` on fake jobs."""

from __future__ import annotations

import json

from studio.cli import main
from studio.jobs import runner


def test_jobs_commands(jobs_env, capsys):
    job = runner.submit("sleep", {"steps": 2}, title="nap", start=False)
    assert main(["jobs", "list"]) == 0
    listing = capsys.readouterr().out
    assert "queued" in listing and "nap" in listing.splitlines()[2]
    assert main(["jobs", "show", str(job.id)]) == 0
    assert json.loads(capsys.readouterr().out)["payload"] == {"steps": 2}
    assert main(["jobs", "cancel", str(job.id)]) == 0
    assert capsys.readouterr().out.strip() == f"job {job.id} cancelled"
    assert main(["jobs", "resume", str(job.id), "--wait"]) == 0
    assert f"job {job.id} succeeded" in capsys.readouterr().out
    assert main(["jobs", "logs", str(job.id), "--follow"]) == 0
    assert f"starting job {job.id} (sleep)" in capsys.readouterr().out
    assert main(["jobs", "show", "999"]) == 2
    assert "There is no job 999" in capsys.readouterr().err
