"""TrainConfig validation, losses, dev metrics and checkpoint helpers (no training)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from studio.train.config import DEVICE_DEFAULTS, TrainConfig, TrainConfigError, parse_config
from studio.train.losses import LOSSES
from studio.train.trainer import _direction_columns, dev_metrics, estimated_steps, latest_checkpoint


def test_defaults_depend_on_the_device():
    cpu = TrainConfig.for_device("cpu", base_model="m", mix="x", name="n")
    gpu = TrainConfig.for_device("cuda", base_model="m", mix="x", name="n", batch_size=None)
    assert (cpu.batch_size, cpu.freeze_embeddings, cpu.max_seq_length) == (16, True, 128)
    assert (gpu.batch_size, gpu.freeze_embeddings) == (DEVICE_DEFAULTS["cuda"]["batch_size"], False)
    assert parse_config(json.loads(json.dumps(cpu.model_dump()))) == cpu  # the stored payload round-trips
    assert set(cpu.hyper_parameters) >= {"learning_rate", "seed", "loss", "freeze_embeddings"}


@pytest.mark.parametrize("override, reason", [
    ({"batch_size": 1}, "batch_size: Input should be greater than or equal to 2"),
    ({"loss": "triplet"}, "loss: Input should be 'mnrl' or 'cached_mnrl'"),
    ({"loss": "cached_mnrl", "mini_batch_size": 64}, "mini_batch_size (64) must not exceed batch_size (16)"),
    ({"name": "../escape"}, "not a usable model name"),
    ({"learning_rate": 0}, "learning_rate: Input should be greater than 0"),
    ({"bogus": 1}, "bogus: Extra inputs are not permitted"),
])
def test_invalid_configs_say_what_is_wrong(override, reason):
    with pytest.raises(TrainConfigError, match="Invalid training configuration") as error:
        TrainConfig.for_device("cpu", **{"base_model": "m", "mix": "x", "name": "n", **override})
    assert reason in str(error.value)


def test_losses_and_steps():
    assert set(LOSSES) == {"mnrl", "cached_mnrl"}
    config = TrainConfig.for_device("cpu", base_model="m", mix="x", name="n", batch_size=16, epochs=2)
    assert estimated_steps(config, 100) == 14 and estimated_steps(config, 100, world_size=2) == 8
    assert estimated_steps(config.model_copy(update={"max_steps": 5}), 100) == 5


def test_dev_metrics_and_directions():
    raw = {"eval_ko-en_cosine_ndcg@10": 0.5, "eval_en-ko_cosine_ndcg@10": 0.7, "eval_ko-ko_cosine_ndcg@10": 0.9,
           "eval_en-en_cosine_ndcg@10": 0.8, "eval_ko-en_cosine_map@100": 0.1, "eval_sequential_score": 0.7}
    values = dev_metrics(raw)
    assert values["dev/ko-en/ndcg@10"] == 0.5 and "dev/ko-en/map@100" not in values
    assert values["dev/clir/ndcg@10"] == pytest.approx(0.6) and values["dev/mono/ndcg@10"] == pytest.approx(0.85)
    assert values["dev/all/ndcg@10"] == pytest.approx(0.725)
    bitext = pd.DataFrame({"id": ["1"], "ko": ["가"], "en": ["a"]})
    assert _direction_columns(bitext, "ko-en") == ("ko", "en") and _direction_columns(bitext, "ko-ko") is None


def test_latest_checkpoint_skips_half_written_ones(tmp_path):
    for step, complete in ((4, True), (8, True), (12, False)):
        folder = tmp_path / f"checkpoint-{step}"
        folder.mkdir()
        if complete:
            (folder / "trainer_state.json").write_text("{}")
    (tmp_path / "eval").mkdir()
    assert latest_checkpoint(tmp_path).name == "checkpoint-8"
    assert latest_checkpoint(tmp_path / "missing") is None
