"""``clir-studio train``: flags mirror TrainConfig; invalid input is one line and exit status 2."""

from __future__ import annotations

from studio.cli import main
from studio.cli.train_cmd import FLAGS
from studio.train.config import TrainConfig


def test_flags_cover_every_hyper_parameter():
    fields = set(TrainConfig.model_fields) - {"base_model", "mix", "name", "freeze_embeddings"}
    assert set(FLAGS) == fields


def test_invalid_training_requests_exit_2(train_env, capsys):
    assert main(["train", "--base", "test/tiny", "--mix", "demo-all4", "--name", "x", "--batch-size", "1"]) == 2
    assert "batch_size: Input should be greater than or equal to 2" in capsys.readouterr().err
    assert main(["train", "--base", "test/tiny", "--mix", "nope", "--name", "x", "--no-wait"]) == 2
    assert "Unknown mix 'nope'" in capsys.readouterr().err
    assert train_env.store.list_jobs() == []
