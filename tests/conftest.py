"""Shared fixtures: an isolated data home per test and a tiny model built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tests.tiny_model import build_tiny_model  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TINY_MODEL_NAME = "test/tiny"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real KO-EN data folder; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT retriever (sentence-transformers folder), built once per session."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny-model")


@pytest.fixture(scope="session")
def bundled_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home shared by the slow tests, so the bundled model converts once per session."""
    return tmp_path_factory.mktemp("bundled-home")


@pytest.fixture
def studio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point STUDIO_HOME at a fresh temporary folder for one test."""
    from studio.context import forget_studios

    home = tmp_path / "home"
    monkeypatch.setenv("STUDIO_HOME", str(home))
    forget_studios()
    yield home
    forget_studios()


@pytest.fixture
def studio(studio_home: Path):
    """The opened studio of the temporary data home."""
    from studio.context import get_studio

    return get_studio()


@pytest.fixture
def tiny_model(studio, tiny_model_dir: Path) -> str:
    """The tiny model registered in the test's studio; returns its name."""
    target = studio.paths.models / "test-tiny"
    shutil.copytree(tiny_model_dir, target)
    studio.store.add_model(TINY_MODEL_NAME, "imported", str(target), description="tiny random test model")
    return TINY_MODEL_NAME


@pytest.fixture
def real_studio(bundled_home: Path, monkeypatch: pytest.MonkeyPatch):
    """A studio whose data home keeps the converted bundled model across slow tests."""
    from studio.context import forget_studios, get_studio

    monkeypatch.setenv("STUDIO_HOME", str(bundled_home))
    forget_studios()
    yield get_studio()
    forget_studios()
