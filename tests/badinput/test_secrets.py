"""Secrets: the sandbox app, its job workers and its CLI runs carry ``HF_TOKEN=hf_marker…``. After a job, an
attempt to smuggle the token into a job payload, a model export and a Space export, the marker appears in no
log, no job record, no database page, no export and no other file."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

import pytest

from tests.faults.served import Sandbox, store_of, wait_until

JOB_TIMEOUT = 300.0
SKIP_LARGER_THAN = 64 * 1024 * 1024  # the hard-linked bundled weights


def files_with(root: Path, marker: bytes) -> list[str]:
    """Files under ``root`` whose bytes contain ``marker`` (gzip files are searched decompressed too)."""
    hits = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink() or path.stat().st_size > SKIP_LARGER_THAN:
            continue
        data = path.read_bytes()
        if path.suffix in (".gz", ".tgz"):
            try:
                data += gzip.decompress(data)
            except (OSError, EOFError):
                pass
        if marker in data:
            hits.append(str(path.relative_to(root)))
    return hits


def test_the_token_never_reaches_logs_records_or_exports(sandbox: Sandbox) -> None:
    marker = sandbox.marker
    assert marker.startswith("hf_marker") and sandbox.app.env["HF_TOKEN"] == marker
    client = sandbox.app.client()
    from gradio_client.exceptions import AppError

    # 1. A job that carries the token in its payload is refused, and the refusal does not echo it.
    for args in (("test/tiny", "demo/ko-en-qa", "test", None, 0, marker, True),
                 (f"test/tiny?token={marker}", "demo/ko-en-qa", "test", None, 0, "", True)):
        with pytest.raises(AppError) as caught:
            client.predict(*args, api_name="/evaluate")
        assert "secret" in str(caught.value) and marker not in str(caught.value)

    # 2. A real job (a background evaluation) runs to the end with the token in its environment.
    outcome = client.predict("test/tiny", "demo/ko-en-qa", "test", None, 0, "", True, api_name="/evaluate")
    store = store_of(sandbox.home)
    job = wait_until(lambda: (j := store.get_job(outcome["job_id"])).state not in ("queued", "running") and j,
                     JOB_TIMEOUT, 0.5, "the evaluation job ended")
    assert job.state == "succeeded", job.error
    evaluation = store.get_evaluation(job.result["evaluation_id"])

    # 3. A search whose query is the token (queries are not stored; the answer may echo the query).
    client.predict(marker, "test/tiny", "bm25", "demo/ko-en-qa", "both", 3, 60, api_name="/search")

    # 4. Exports: a model archive (with that evaluation) and a Space folder, made by the CLI with the token set.
    archive = sandbox.exports / "secret-check.tar.gz"
    done = sandbox.cli("models", "export", "test/tiny", str(archive), "--force")
    assert done.returncode == 0, done.stderr
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        evaluations = tar.extractfile("clir-model/evaluations.json").read().decode()
        assert str(evaluation.id) in evaluations or evaluation.model_name in evaluations
        contents = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert "clir-model/lineage.json" in names and marker.encode() not in contents
    space = sandbox.exports / "space"
    done = sandbox.cli("export-space", str(space))
    assert done.returncode == 0, done.stderr
    for output in (done.stdout, done.stderr):
        assert marker not in output

    # 5. Nothing anywhere: the app's log, job logs, the database (and its WAL), caches, exports, temp files.
    assert marker not in sandbox.app.log_text()
    for record in store.list_jobs():
        assert marker not in repr(record)
    assert marker not in repr(store.list_evaluations())
    hits = files_with(sandbox.root, marker.encode())
    assert not hits, f"the token was written to: {hits}"
