"""Data home, model resolution and the model registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.context import BUNDLED_MODEL_NAME, get_studio
from studio.errors import StudioError
from studio.modelref import ModelRefError, load_model, resolve_model
from studio.models import embed, forget_model, model_summaries, register_local_model, validate_name
from studio.settings import StudioHomeError, StudioPaths


def test_data_home_layout(studio) -> None:
    for folder in ("models", "datasets", "jobs", "cache"):
        assert (studio.paths.home / folder).is_dir()
    assert studio.paths.db.is_file()
    assert BUNDLED_MODEL_NAME in [row["name"] for row in model_summaries()]


def test_unwritable_home_is_a_clear_error() -> None:
    with pytest.raises(StudioHomeError, match="is not writable"):
        StudioPaths(Path("/proc/clir-studio-home")).ensure()


def test_file_in_place_of_home_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "home"
    blocker.write_text("a file")
    with pytest.raises(StudioHomeError, match="set STUDIO_HOME"):
        StudioPaths(blocker).ensure()


def test_unknown_model_names_the_local_choices(studio) -> None:
    with pytest.raises(ModelRefError, match="Local models: bundled/multilingual-e5-small"):
        resolve_model("no-such-model")


def test_hub_id_offline_is_refused_clearly(studio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelRefError, match="Hub is offline"):
        resolve_model("intfloat/multilingual-e5-small")


def test_hub_id_online_resolves_to_the_hub(studio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    assert resolve_model("intfloat/multilingual-e5-small").kind == "hub"


def test_folder_that_is_not_a_model(studio, tmp_path: Path) -> None:
    with pytest.raises(ModelRefError, match="not a model"):
        resolve_model(str(tmp_path))


def test_local_folder_and_registered_name_load_the_same_model(studio, tiny_model_dir: Path) -> None:
    register_local_model("mine", tiny_model_dir)
    by_name = embed("mine", ["서울은 한국의 수도입니다."])
    by_path = embed(str(tiny_model_dir), ["서울은 한국의 수도입니다."])
    np.testing.assert_allclose(by_name, by_path, atol=1e-6)
    assert np.allclose(np.linalg.norm(by_name, axis=1), 1.0, atol=1e-5)


def test_plain_transformers_folder_gets_mean_pooling(studio, tiny_model_dir: Path) -> None:
    hf_dir = tiny_model_dir.parent / f"{tiny_model_dir.name}-hf"
    model = load_model(str(hf_dir))
    assert model.encode(["hello"]).shape == (1, 32)


def test_registered_model_with_missing_files(studio, tiny_model_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    register_local_model("fragile", copy)
    shutil.rmtree(copy)
    with pytest.raises(ModelRefError, match="files of model 'fragile' are missing"):
        resolve_model("fragile")


@pytest.mark.parametrize("name", ["../../x", "/abs/path", "a" * 300, "", "bad\nname", "..\\x"])
def test_hostile_names_are_refused(name: str) -> None:
    with pytest.raises(StudioError):
        validate_name(name)


def test_bundled_model_cannot_be_forgotten(studio) -> None:
    with pytest.raises(StudioError, match="cannot be deleted"):
        forget_model(BUNDLED_MODEL_NAME)
    assert get_studio().store.find_model(BUNDLED_MODEL_NAME) is not None
