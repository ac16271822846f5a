"""Fixtures of the bad-input tests: the shared sandbox app (see ``tests.faults.served.Sandbox``)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.faults.served import Sandbox, close_sandboxes, get_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Iterator[Sandbox]:
    """One served app for the session, shared with tests/faults (its log is ``<root>/app.log``)."""
    yield get_sandbox(tmp_path_factory.getbasetemp(), tiny_model_dir)
    close_sandboxes()


@pytest.fixture(autouse=True)
def nothing_outside_home(sandbox: Sandbox) -> Iterator[None]:
    """Every bad-input test: no file or folder appears under the sandbox root outside STUDIO_HOME.

    The root holds TMPDIR, HOME and the working directory of the app and of CLI runs, so stray temporary
    files, caches, Gradio uploads outside ``STUDIO_HOME/cache/gradio`` and escaped writes all show up here.
    """
    before = sandbox.outside_home()
    yield
    appeared = sorted(sandbox.outside_home() - before)
    assert not appeared, f"files appeared outside STUDIO_HOME ({sandbox.home}): {appeared[:20]}"
