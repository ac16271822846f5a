"""Access control: login from STUDIO_AUTH, read-only demo mode, job quota, upload limit, secret redaction."""

from __future__ import annotations

import logging

import pytest

from studio import access
from studio.access import (AccessConfigError, JobQuotaError, ReadOnlyDemoError, auth_credentials, check_job_quota,
                           demo_mode, max_upload_bytes, redact, require_write, secret_values)
from tests.net import free_port


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (access.AUTH_ENV, access.DEMO_ENV, access.MAX_JOBS_ENV, access.MAX_UPLOAD_ENV,
                 access.CONCURRENCY_ENV, access.MAX_QUEUE_ENV):
        monkeypatch.delenv(name, raising=False)


def test_no_login_by_default() -> None:
    assert auth_credentials() is None


def test_login_pairs_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_AUTH", " ann:s3cret-pw , bob:pa:ss:word ")
    assert auth_credentials() == [("ann", "s3cret-pw"), ("bob", "pa:ss:word")]
    assert access.auth_users() == ["ann", "bob"]


@pytest.mark.parametrize("raw", ["ann", "ann:", ":pw", "ann:s3cret-pw,", "ann:s3cret-pw,bob"])
def test_malformed_login_names_no_password(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("STUDIO_AUTH", raw)
    with pytest.raises(AccessConfigError, match="user:password") as info:
        auth_credentials()
    assert "s3cret" not in str(info.value)


def test_demo_mode_refuses_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not demo_mode()
    require_write("importing data")  # allowed
    monkeypatch.setenv("STUDIO_DEMO_MODE", "1")
    assert demo_mode()
    with pytest.raises(ReadOnlyDemoError) as info:
        require_write("importing data")
    assert str(info.value) == ("This is a read-only demo: importing data is turned off. "
                               "Duplicate the Space to use it fully.")
    monkeypatch.setenv("STUDIO_DEMO_MODE", "0")
    assert not demo_mode()


def test_job_quota_per_owner(studio, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = [studio.store.create_job("noop", {}, owner="ann") for _ in range(3)]
    studio.store.create_job("noop", {}, owner="bob")
    with pytest.raises(JobQuotaError, match="'ann' has 3 queued or running jobs, the most allowed here \\(3\\)"):
        check_job_quota("ann")
    check_job_quota("bob")
    check_job_quota("")
    studio.store.finish_job(jobs[0].id, "succeeded")
    check_job_quota("ann")
    monkeypatch.setenv("STUDIO_MAX_JOBS_PER_USER", "1")
    with pytest.raises(JobQuotaError):
        check_job_quota("bob")
    monkeypatch.setenv("STUDIO_MAX_JOBS_PER_USER", "many")
    with pytest.raises(AccessConfigError, match="not a whole number"):
        check_job_quota("bob")


def test_owner_of_request() -> None:
    class Request:
        username = "ann"

    assert access.owner_of(Request()) == "ann"
    assert access.owner_of(None) == ""


def test_upload_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_upload_bytes() == 512 * 1024 * 1024
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "64")
    assert max_upload_bytes() == 64 * 1024 * 1024
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "0")
    with pytest.raises(AccessConfigError, match="1 or more"):
        max_upload_bytes()


def test_secrets_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_marker_0123456789")
    monkeypatch.setenv("STUDIO_AUTH", "ann:s3cret-pw")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false-but-long")
    assert {"hf_marker_0123456789", "s3cret-pw"} <= set(secret_values())
    assert "false-but-long" not in secret_values()
    value = {"hub_token": "anything", "tokenizer": "keep", "note": "used hf_marker_0123456789 and s3cret-pw",
             "nested": [{"password": "pw"}, "ok"]}
    assert redact(value) == {"hub_token": "<redacted>", "tokenizer": "keep", "note": "used <redacted> and <redacted>",
                             "nested": [{"password": "<redacted>"}, "ok"]}


def test_access_summary_logs_no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_AUTH", "ann:s3cret-pw")
    summary = access.describe_access()
    assert summary["login"] == ["ann"] and "s3cret" not in repr(summary)


def test_demo_banner_in_app_header(studio, monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.ui.app import build_app

    monkeypatch.setenv("STUDIO_DEMO_MODE", "1")
    config = repr(build_app().config)
    assert "Read-only demo" in config and "demo-banner" in config


def test_served_app_requires_login_and_limits_uploads(studio, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    import httpx
    from gradio_client import Client

    from studio.ui import serve as serve_module
    monkeypatch.setenv("STUDIO_AUTH", "ann:s3cret-pw")
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "1")
    monkeypatch.setattr(serve_module, "warm_up_bundled_model", lambda: None)
    port = free_port()
    with caplog.at_level(logging.INFO):
        app = serve_module.serve(host="127.0.0.1", port=port, block=False)
    url = f"http://127.0.0.1:{port}"
    try:
        assert httpx.get(f"{url}/config").status_code == 401
        client = httpx.Client(base_url=url)
        assert client.post("/login", data={"username": "ann", "password": "wrong"}).status_code == 400
        assert client.post("/login", data={"username": "ann", "password": "s3cret-pw"}).status_code == 200
        big = client.post("/gradio_api/upload", files={"files": ("big.bin", b"x" * (1024 * 1024 + 1))})
        assert big.status_code == 413
        assert client.post("/gradio_api/upload", files={"files": ("small.bin", b"x" * 1000)}).status_code == 200
        rows = Client(f"{url}/", auth=("ann", "s3cret-pw"), verbose=False).predict(api_name="/list_models")
        assert [row["name"] for row in rows] == ["bundled/multilingual-e5-small"]
    finally:
        app.close()
    assert "s3cret" not in caplog.text
