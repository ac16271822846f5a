"""Real-browser fixtures: Debian Chromium (installed on demand) + Playwright against a served app.

``app_server`` starts ``python -m studio ui`` on a free port with a temporary STUDIO_HOME, once per session;
``start_app(**env)`` starts another one with different settings. ``page`` is a fresh browser tab on the app;
``screenshot(page, name)`` saves ``test-artifacts/<name>.png``, and a failing test leaves one there too.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from filelock import FileLock
from tests.net import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
APT_PACKAGES = ("chromium", "chromium-driver", "fonts-nanum")
NANUM_FONTS = Path("/usr/share/fonts/truetype/nanum")
APT_LOCK = Path("/tmp/clir-studio-apt.lock")
APP_START_TIMEOUT = 240

_spec = importlib.util.spec_from_file_location("clir_screenshot", REPO_ROOT / "scripts" / "screenshot.py")
shots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shots)  # type: ignore[union-attr]


def _install_chromium() -> str:
    """Install the Debian packages; returns "" on success or why it failed."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available (not a Debian/Ubuntu machine)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (["apt-get", *lock, "update"],
                    ["apt-get", *lock, "install", "-y", "--no-install-recommends", *APT_PACKAGES]):
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"`{' '.join(command)}` failed: {exc}"
        if done.returncode != 0:
            return f"`{' '.join(command)}` exited {done.returncode}: {(done.stderr or done.stdout)[-400:]}"
    return ""


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """/usr/bin/chromium with Korean fonts, installed with apt-get when missing (skips if that fails)."""
    with FileLock(str(APT_LOCK)):  # colleagues' sessions may install at the same time
        if not (Path(shots.CHROMIUM).is_file() and NANUM_FONTS.is_dir()):
            failure = _install_chromium()
            if failure or not Path(shots.CHROMIUM).is_file():
                pytest.skip(f"cannot install Debian chromium for the browser tests: {failure or 'binary missing'}")
    return shots.CHROMIUM


@dataclass
class AppServer:
    """A CLIR Studio served by a child process."""

    url: str
    home: Path
    log: Path
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def _wait_until_serving(server: AppServer) -> None:
    deadline = time.monotonic() + APP_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the app exited with {server.process.returncode}:\n{server.log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(server.url, timeout=5).close()
            return
        except OSError:
            time.sleep(1)
    server.stop()
    raise RuntimeError(f"the app did not answer within {APP_START_TIMEOUT} s:\n{server.log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def start_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., AppServer]]:
    """Factory: ``start_app(STUDIO_DEMO_MODE="1", ...)`` serves the app with those extra variables."""
    servers: list[AppServer] = []

    def start(**extra_env: str) -> AppServer:
        home = tmp_path_factory.mktemp("browser-home")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")}
        env.update(STUDIO_HOME=str(home), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
                   HF_HUB_DISABLE_TELEMETRY="1", **extra_env)
        log = home.parent / f"{home.name}-app.log"
        with log.open("w") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "studio", "ui", "--host", "127.0.0.1", "--port", str(port)],
                cwd=REPO_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
            )
        server = AppServer(f"http://127.0.0.1:{port}/", home, log, process)
        servers.append(server)
        _wait_until_serving(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def app_server(start_app: Callable[..., AppServer]) -> AppServer:
    """The app with default settings, shared by the session's browser tests."""
    return start_app()


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = shots.launch_browser(playwright, chromium_executable)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, app_server: AppServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh tab (1400x900) on the session's app, ready to use."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(app_server.url)
    shots.wait_until_ready(tab)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        save_screenshot(tab, f"FAILED-{request.node.name}")
    context.close()


def save_screenshot(tab: Any, name: str) -> Path:
    """Save a full-page PNG as ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name.replace('/', '_').replace('[', '-').replace(']', '')}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """``screenshot(page, name)`` saves ``test-artifacts/<name>.png`` and returns its path."""
    return save_screenshot


@pytest.fixture
def open_tab() -> Callable[[Any, str], None]:
    """``open_tab(page, "Models")`` clicks a tab and waits until it is selected."""
    return shots.open_tab
