"""The study preset: settings, validation, stages, per-composition training configs, checks before queueing."""

from __future__ import annotations

import pytest

from studio.study.preset import (
    COMPOSITIONS,
    SETTING_DEFAULTS,
    StudyConfig,
    StudyConfigError,
    plan_stages,
    train_config,
)

DEMO = "demo/ko-en-qa"


def test_settings_fill_defaults_and_explicit_values_win():
    quick = StudyConfig.for_setting("quick", dataset=DEMO, base_model="test/tiny", budget=None, eval_limit=None)
    assert quick.budget == SETTING_DEFAULTS["quick"]["budget"] and quick.freeze_embeddings
    assert quick.eval_limit == 300 and quick.sweep_alphas() == [0.0, 0.25, 0.5, 0.75, 1.0]
    full = StudyConfig.for_setting("full", dataset=DEMO, base_model="test/tiny", budget=300, batch_size=16)
    assert (full.budget, full.batch_size, full.eval_limit, full.freeze_embeddings) == (300, 16, 0, False)
    assert StudyConfig.model_validate(full.model_dump()) == full  # the job payload round-trips


def test_invalid_configs_fail_with_one_sentence():
    with pytest.raises(StudyConfigError, match=r"budget: .*greater than or equal to 4; name: 'a b' is not a usable"):
        StudyConfig.for_setting("quick", dataset=DEMO, base_model="m", budget=2, name="a b")
    with pytest.raises(StudyConfigError, match="Unknown setting 'huge'"):
        StudyConfig.for_setting("huge", dataset=DEMO, base_model="m")


def test_stages_train_every_composition_then_sweep_and_report():
    config = StudyConfig.for_setting("quick", dataset=DEMO, base_model="m", sweep_steps=3)
    keys = [stage.key for stage in plan_stages(config)]
    assert keys == ["prepare", "evaluate:base",
                    *[k for c in COMPOSITIONS for k in (f"train:{c}", f"evaluate:{c}")],
                    "sweep:0", "sweep:0.5", "report"]  # alpha = 1 is cross-only itself: its evaluation is reused
    with_belebele = [s.key for s in plan_stages(config.model_copy(update={"belebele_dir": "/b"}))]
    assert "belebele:base" in with_belebele and "belebele:cross-only" in with_belebele
    assert not any(k.startswith("sweep-belebele") for k in with_belebele)  # quick: sweep on the held-out split only


def test_each_composition_trains_alike_but_for_its_mix():
    config = StudyConfig.for_setting("quick", dataset=DEMO, base_model="m", budget=1000, seed=3)
    configs = [train_config(config, "study-9", c) for c in COMPOSITIONS]
    assert [c.mix for c in configs] == [f"study-9/{c}" for c in COMPOSITIONS]
    assert [c.name for c in configs] == [f"study-9/{c}" for c in COMPOSITIONS]
    shared = {c.model_dump(exclude={"mix", "name"}).__repr__() for c in configs}
    assert len(shared) == 1
    assert (configs[0].batch_size, configs[0].seed, configs[0].max_seq_length, configs[0].freeze_embeddings) == (
        32, 3, 128, True)


def test_checks_before_queueing(studio):
    from studio.study.runner import StudyError, check_study

    tiny_model = "test/registered"  # check_study only looks the name up
    studio.store.add_model(tiny_model, "imported", str(studio.paths.models / "absent"))
    check_study(StudyConfig.for_setting("quick", dataset=DEMO, base_model=tiny_model, budget=200), studio)
    with pytest.raises(StudyError, match="Unknown dataset 'nope'"):
        check_study(StudyConfig.for_setting("quick", dataset="nope", base_model=tiny_model), studio)
    with pytest.raises(StudyError, match="Unknown base model 'ghost'"):
        check_study(StudyConfig.for_setting("quick", dataset=DEMO, base_model="ghost", budget=8), studio)
    with pytest.raises(StudyError, match="use a budget of at most 256"):  # mono-ko: one pair per train record
        check_study(StudyConfig.for_setting("quick", dataset=DEMO, base_model=tiny_model, budget=300), studio)
