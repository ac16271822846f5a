"""Fixtures of the fault and load tests: the shared sandbox app (see ``tests.faults.served.Sandbox``)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.faults.served import Sandbox, close_sandboxes, get_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Iterator[Sandbox]:
    """One served app for the session, shared with tests/badinput (its log is ``<root>/app.log``)."""
    yield get_sandbox(tmp_path_factory.getbasetemp(), tiny_model_dir)
    close_sandboxes()
