"""Fixtures for training tests: the tiny model, a small all-four-directions mix, fast settings."""

from __future__ import annotations

import pytest

from tests.jobs.conftest import jobs_env  # noqa: F401 - re-exported fixture
from tests.train.helpers import make_mix

FAST = {"batch_size": 8, "max_steps": 8, "save_steps": 4, "eval_steps": 0, "dev_limit": 8, "max_seq_length": 48,
        "warmup_ratio": 0.0, "learning_rate": 1e-3}


@pytest.fixture
def train_env(jobs_env, tiny_model):  # noqa: F811
    """A studio with ``test/tiny`` registered and the mix ``demo-all4`` (60 train pairs, 16 dev records)."""
    make_mix(jobs_env)
    return jobs_env


def fast_config(name: str = "tiny-ft", **overrides):
    from studio.train.config import TrainConfig

    values = {"base_model": "test/tiny", "mix": "demo-all4", "name": name, **FAST, **overrides}
    return TrainConfig.for_device("cpu", **values)
