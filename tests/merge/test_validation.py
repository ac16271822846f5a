"""Bad input: a clear message before any work starts (nothing loaded, nothing merged)."""

from __future__ import annotations

import shutil

import pytest

from studio.merge import MergeSpec, merge_models
from studio.merge.base import MergeError


@pytest.fixture
def no_loading(monkeypatch):
    """Fail the test if a model gets loaded."""
    import studio.merge.io as io

    def refuse(*args, **kwargs):
        raise AssertionError("a model was loaded before the request was checked")

    monkeypatch.setattr(io, "load_model", refuse)


@pytest.fixture
def no_merging(monkeypatch):
    """Fail the test if tensors get merged."""
    import studio.merge.engine as engine

    def refuse(*args, **kwargs):
        raise AssertionError("merging started before the models were checked")

    monkeypatch.setattr(engine, "merge_states", refuse)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (MergeSpec.make(["test/a", "test/b"], [0.5, -0.5]), "sum to zero"),
        (MergeSpec.make(["test/a", "test/b"], [0, 0], "ties", base="test/base"), "sum to zero"),
        (MergeSpec.make(["test/a", "test/b"], [1, 1], "task_arithmetic"), "needs a base model"),
        (MergeSpec.make(["test/a", "test/b"], [1, 1], "dare_ties"), "needs a base model"),
        (MergeSpec.make(["test/a", "test/b"], [1, 1], "linear", base="test/base"), "does not use a base"),
        (MergeSpec.make(["test/a", "test/b", "test/base"], [1, 1, 1], "slerp"), "exactly 2 models"),
        (MergeSpec.make(["test/a"], [1]), "at least 2 models"),
        (MergeSpec.make(["test/a", "test/b"], [1, 2, 3]), "one weight per model"),
        (MergeSpec.make(["test/a", "test/b"], [1, float("nan")]), "finite"),
        (MergeSpec.make(["test/a", "test/b"], [1, 1], "ties", base="test/base", params={"density": 2}), "density"),
        (MergeSpec.make(["test/a", "test/b"], [1, 1], "nope"), "Unknown merge method"),
        (MergeSpec.make(["test/a", "test/b"], [1, 1], layerwise={"layers": [1]}), "one entry per model"),
        (MergeSpec.make(["test/a", "test/b"], [1, 1], layerwise={"heads": [1, 1]}), "groups embeddings, layers"),
    ],
)
def test_bad_requests_fail_before_loading(studio, no_loading, spec, message):
    with pytest.raises(MergeError, match=message):
        merge_models(spec)


def test_unnormalised_task_vectors_may_sum_to_zero(parents):
    base, a, b = parents
    spec = MergeSpec.make([a, b], [1, -1], "task_arithmetic", base=base, params={"normalize": False})
    assert merge_models(spec).model is not None


def test_layerwise_zero_sum_at_one_layer_fails_before_merging(parents, no_merging):
    _, a, b = parents
    spec = MergeSpec.make([a, b], [1, 1], layerwise={"layers": [[1, -1], [-1, 1]]})
    with pytest.raises(MergeError, match="at layer 0 sum to zero"):
        merge_models(spec)


def test_unknown_model_names_the_choices(parents, no_loading):
    from studio.modelref import ModelRefError

    with pytest.raises(ModelRefError, match="'test/zzz' is not a registered model.*Local models: .*test/a"):
        merge_models(MergeSpec.make(["test/a", "test/zzz"], [1, 1]))


@pytest.mark.parametrize(
    ("misfit", "message"),
    [
        ("wider", "produce embeddings of different dimensions \\(32 vs 48\\)"),
        ("deeper", "have different architectures \\(num_hidden_layers 2 vs 3\\)"),
        ("retokenized", "use different tokenizers \\(3000 and 3000 tokens, 2 with other ids\\)"),
    ],
)
def test_incompatible_models_fail_before_merging(parents, studio, merge_dirs, no_merging, misfit, message):
    target = studio.paths.models / misfit
    shutil.copytree(merge_dirs[misfit], target)
    studio.store.add_model(f"test/{misfit}", "imported", str(target))
    with pytest.raises(MergeError, match=f"'test/a' and 'test/{misfit}' {message}"):
        merge_models(MergeSpec.make(["test/a", f"test/{misfit}"], [1, 1]))
