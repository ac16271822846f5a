"""Server paths typed in the Data tab's source box: read by a private app only.

On a shared server — a Hugging Face Space, the read-only demo, or an app behind a login — the public
``detect_layout`` / ``validate_dataset`` / ``import_dataset`` endpoints must not read the server's files
(a "text" preview of /etc/passwd is one click away otherwise).
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def nothing_outside_home():  # in-process checks; no app involved
    yield


@pytest.mark.parametrize("shared", [{"SPACE_ID": "user/space"}, {"STUDIO_DEMO_MODE": "1"},
                                    {"STUDIO_AUTH": "alice:secret-password"}])
def test_server_files_are_not_read_on_a_shared_server(shared: dict, studio, monkeypatch, tmp_path: Path) -> None:
    import gradio as gr

    from studio.ui import data_tab

    secret = tmp_path / "server-only.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    monkeypatch.delenv("STUDIO_ALLOW_SERVER_PATHS", raising=False)
    for name, value in shared.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(gr.Error, match="turned off on a shared Space or server"):
        data_tab.detect([], str(secret), "text", "bitext", "ko=text, en=text")
    with pytest.raises(gr.Error, match="turned off"):
        data_tab.validate([], str(secret), "text", "bitext", "ko=text, en=text")
    monkeypatch.setenv("STUDIO_ALLOW_SERVER_PATHS", "1")  # an operator may still allow it explicitly
    assert "root:x:0:0" in data_tab.detect([], str(secret), "text", "bitext", "ko=text, en=text")[3].to_string()


def test_a_private_app_reads_server_paths(studio, monkeypatch, tmp_path: Path) -> None:
    from studio.ui import data_tab

    for name in ("SPACE_ID", "STUDIO_DEMO_MODE", "STUDIO_AUTH", "STUDIO_ALLOW_SERVER_PATHS"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "local.txt"
    path.write_text("hello\n")
    assert data_tab.server_paths_allowed()
    assert data_tab._sources(None, str(path)) == [str(path)]
