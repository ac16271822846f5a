"""Merging real (tiny) sentence-transformers models in memory, saving, reloading, lineage."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.merge import MergeSpec, merge_models, save_merged
from studio.merge.base import MergeError

TEXTS = ["서울은 한국의 수도이다", "Seoul is the capital of Korea", "query: 김치는 발효 음식이다"]


def embed(model) -> np.ndarray:
    return model.encode(TEXTS, convert_to_numpy=True)


def load(name: str):
    from studio.modelref import load_model

    return load_model(name)


def test_a_model_merged_with_itself_is_unchanged(parents):
    base, a, _ = parents
    expected = embed(load(a))
    for method, weights in (("linear", (0.3, 0.7)), ("slerp", (0.5, 0.5))):
        merged = merge_models(MergeSpec.make([a, a], weights, method)).model
        assert np.allclose(embed(merged), expected, atol=1e-6), method
    ties = merge_models(MergeSpec.make([a, a], [1, 1], "ties", base=base, params={"density": 1.0})).model
    assert np.allclose(embed(ties), expected, atol=1e-5)


def test_weights_one_zero_give_the_first_model(parents):
    _, a, b = parents
    merged = merge_models(MergeSpec.make([a, b], [1, 0])).model
    assert np.array_equal(embed(merged), embed(load(a)))
    assert merged.prompts == load(a).prompts
    assert merged.tokenizer.get_vocab() == load(a).tokenizer.get_vocab()


def test_slerp_endpoints_are_the_parents(parents):
    _, a, b = parents
    start = merge_models(MergeSpec.make([a, b], [1, 0], "slerp")).model
    end = merge_models(MergeSpec.make([a, b], [0, 1], "slerp")).model
    assert np.allclose(embed(start), embed(load(a)), atol=1e-6)
    assert np.allclose(embed(end), embed(load(b)), atol=1e-6)
    middle = embed(merge_models(MergeSpec.make([a, b], [1, 1], "slerp")).model)
    assert not np.allclose(middle, embed(load(a)), atol=1e-3)


def test_linear_merge_is_the_average_of_the_state_dicts(parents):
    _, a, b = parents
    merged = merge_models(MergeSpec.make([a, b], [0.25, 0.75])).model
    sa, sb, sm = (m.state_dict() for m in (load(a), load(b), merged))
    for key, value in sm.items():
        if value.is_floating_point():
            assert torch.allclose(value, 0.25 * sa[key] + 0.75 * sb[key], atol=1e-6), key


def test_parents_are_left_unchanged(parents):
    _, a, b = parents
    before = {k: v.clone() for k, v in load(a).state_dict().items()}
    merge_models(MergeSpec.make([a, b], [0.5, 0.5], "dare_ties", base=parents[0], params={"seed": 1}))
    assert all(torch.equal(before[k], v) for k, v in load(a).state_dict().items())


def test_dare_is_reproducible_with_its_seed(parents):
    base, a, b = parents
    spec = MergeSpec.make([a, b], [1, 1], "dare_linear", base=base, params={"density": 0.3, "seed": 4})
    one = embed(merge_models(spec, reuse=False).model)
    two = embed(merge_models(spec, reuse=False).model)
    other = embed(merge_models(MergeSpec.make([a, b], [1, 1], "dare_linear", base=base,
                                              params={"density": 0.3, "seed": 5})).model)
    assert np.array_equal(one, two)
    assert not np.allclose(one, other)


def test_layerwise_weights_split_embeddings_from_layers(parents):
    _, a, b = parents
    layerwise = {"embeddings": [1, 0], "layers": [[1, 0], [0, 1]]}  # layer 0 from A, layer 1 from B
    merged = merge_models(MergeSpec.make([a, b], [0.5, 0.5], layerwise=layerwise)).model.state_dict()
    sa, sb = load(a).state_dict(), load(b).state_dict()
    emb = next(k for k in merged if k.endswith("embeddings.word_embeddings.weight"))
    low = next(k for k in merged if k.endswith("encoder.layer.0.attention.self.query.weight"))
    high = next(k for k in merged if k.endswith("encoder.layer.1.output.dense.weight"))
    assert torch.equal(merged[emb], sa[emb])
    assert torch.equal(merged[low], sa[low])
    assert torch.allclose(merged[high], sb[high])


def test_saved_model_reloads_with_the_preview_embeddings_and_lineage(parents, studio):
    from sentence_transformers import SentenceTransformer

    base, a, b = parents
    spec = MergeSpec.make([a, b], [0.6, 0.4], "ties", base=base, params={"density": 0.7})
    preview = embed(merge_models(spec).model)
    record = save_merged(spec, "merged/ab-ties")
    folder = studio.paths.models / "merged" / "merged--ab-ties"
    assert record.kind == "merged" and (folder / "modules.json").is_file()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".tmp")]
    reloaded = SentenceTransformer(str(folder), device="cpu")
    assert np.allclose(embed(reloaded), preview, atol=1e-6)
    assert reloaded.prompts == load(a).prompts
    assert [(p.parent_name, p.weight) for p in record.parents] == [(a, 0.6), (b, 0.4)]
    assert all(p.parent_id is not None for p in record.parents)
    assert record.base_model_id == studio.store.get_model(base).id
    merge = record.config["merge"]
    assert merge["method"] == "ties" and merge["params"]["density"] == 0.7 and merge["base"] == base
    assert merge["normalized_weights"] == pytest.approx([1.2, 0.8])
    with pytest.raises(MergeError, match="already exists"):
        save_merged(spec, "merged/ab-ties")
