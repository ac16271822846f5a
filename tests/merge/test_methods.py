"""The merge maths on small hand-computed tensors (no models)."""

from __future__ import annotations

import math

import pytest
import torch

from studio.merge import registry
from studio.merge.base import MergeError, TensorInputs
from studio.merge.methods.slerp import slerp

pytestmark = pytest.mark.filterwarnings("ignore:The density .* no pruning")


def run(method: str, tensors, weights, base=None, **params):
    chosen = registry.get(method)
    resolved = chosen.resolve_params(params)
    if resolved.get("normalize", True):
        weights = chosen.normalise_weights(list(weights))
    inputs = TensorInputs("t", [torch.tensor(t, dtype=torch.float32) for t in tensors], list(weights),
                          torch.tensor(base, dtype=torch.float32) if base is not None else None)
    return chosen.merge_tensor(inputs, resolved)


def test_registry_lists_the_six_methods_and_fails_clearly():
    assert registry.names() == ["linear", "slerp", "task_arithmetic", "ties", "dare_linear", "dare_ties"]
    with pytest.raises(MergeError, match="Unknown merge method 'soup'.*linear, slerp"):
        registry.get("soup")
    assert registry.get("DARE-TIES").name == "dare_ties"


def test_params_are_data_with_defaults_and_ranges():
    ties = registry.get("ties")
    assert [p.name for p in ties.params()] == ["normalize", "scale", "density", "majority_sign"]
    assert ties.resolve_params({})["density"] == 0.5
    with pytest.raises(MergeError, match="density.*\\[0.0, 1.0\\]"):
        ties.resolve_params({"density": 1.5})
    with pytest.raises(MergeError, match="takes no parameter 'seed'"):
        ties.resolve_params({"seed": 3})
    assert registry.get("dare_ties").resolve_params({"seed": "7"})["seed"] == 7


def test_linear_is_the_weighted_average_normalised_or_not():
    out = run("linear", [[1.0, 2.0], [3.0, 6.0]], [3, 1])
    assert torch.allclose(out, torch.tensor([1.5, 3.0]))
    out = run("linear", [[1.0, 2.0], [3.0, 6.0]], [3, 1], normalize=False)
    assert torch.allclose(out, torch.tensor([6.0, 12.0]))


def test_slerp_endpoints_and_midpoint():
    v0, v1 = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 2.0, 0.0])
    assert torch.allclose(slerp(0.0, v0, v1), v0)
    assert torch.allclose(slerp(1.0, v0, v1), v1)
    # A quarter circle: halfway is cos(45°) of each, for tensors as they are.
    half = math.sin(math.pi / 4) / math.sin(math.pi / 2)
    assert torch.allclose(slerp(0.5, v0, v1), half * v0 + half * v1)
    # Parallel tensors fall back to linear interpolation.
    assert torch.allclose(slerp(0.25, v0, 3 * v0), torch.tensor([1.5, 0.0, 0.0]))
    # The method takes t from the weights: (0.7, 0.3) is t = 0.3.
    assert torch.allclose(run("slerp", [v0.tolist(), v1.tolist()], [0.7, 0.3]), slerp(0.3, v0, v1))


def test_task_arithmetic_adds_scaled_weighted_task_vectors():
    base = [1.0, 1.0, 1.0]
    out = run("task_arithmetic", [[2.0, 1.0, 0.0], [1.0, 3.0, 1.0]], [1, 1], base, scale=2.0)
    # task vectors (1,0,-1) and (0,2,0); normalised weights 0.5 each; base + 2 * (0.5, 1, -0.5)
    assert torch.allclose(out, torch.tensor([2.0, 3.0, 0.0]))


def test_ties_trims_elects_signs_and_takes_the_disjoint_mean():
    base = [0.0, 0.0, 0.0, 0.0]
    t1, t2 = [1.0, -2.0, 3.0, 0.5], [-1.0, -1.0, 2.0, 4.0]
    out = run("ties", [t1, t2], [1, 1], base, density=0.5)
    # Trim to the top half by magnitude: t1 -> (0, -2, 3, 0), t2 -> (0, 0, 2, 4).
    # Elected signs from the sums (0, -2, 5, 4): (+, -, +, +). Agreeing entries per position: none, t1,
    # both, t2. Disjoint means: 0, -2, (3 + 2) / 2, 4.
    assert torch.allclose(out, torch.tensor([0.0, -2.0, 2.5, 4.0]))


def test_ties_weights_and_frequency_sign_election():
    base = [1.0, 1.0, 1.0]
    models = [[2.0, 0.0, 1.5], [3.0, 0.5, 0.0], [0.0, 2.0, 1.0]]  # task vectors (1,-1,.5) (2,-.5,-1) (-1,1,0)
    out = run("ties", models, [2, 1, 1], base, density=1.0, majority_sign="frequency")
    # Weights rescaled to average 1: (1.5, .75, .75). Frequency signs: (+, -, +) (counts 2-1, 2-1, 1-1 -> +).
    # Position 0: (1.5*1 + .75*2) / 2 = 1.5; position 1: (1.5*-1 + .75*-.5) / 2 = -0.9375;
    # position 2: only the first agrees (+.5), zero is no vote: 1.5*.5 / 1 = .75.
    assert torch.allclose(out, torch.tensor([1.0 + 1.5, 1.0 - 0.9375, 1.0 + 0.75]))


def _dare_masks(seed: int, shapes, density: float):
    torch.manual_seed(seed)
    return [torch.bernoulli(torch.full(shape, density)) for shape in shapes]


def test_dare_linear_drops_at_random_and_rescales():
    base = [0.0] * 8
    t1 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    t2 = [-1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0]
    torch.manual_seed(11)
    out = run("dare_linear", [t1, t2], [1, 3], base, density=0.5, seed=11)
    m1, m2 = _dare_masks(11, [(8,), (8,)], 0.5)
    expected = 0.25 * m1 * torch.tensor(t1) / 0.5 + 0.75 * m2 * torch.tensor(t2) / 0.5
    assert torch.allclose(out, expected)
    assert set(m1.tolist()) == {0.0, 1.0}  # something was dropped and something kept
    # density 1 keeps everything: plain task arithmetic
    full = run("dare_linear", [t1, t2], [1, 3], base, density=1.0)
    assert torch.allclose(full, run("task_arithmetic", [t1, t2], [1, 3], base))


def test_dare_ties_is_dare_then_sign_election():
    base = [0.0, 0.0, 0.0, 0.0]
    t1, t2 = [2.0, -2.0, 2.0, -2.0], [1.0, 1.0, -1.0, -1.0]
    torch.manual_seed(5)
    out = run("dare_ties", [t1, t2], [1, 1], base, density=0.5)
    m1, m2 = _dare_masks(5, [(4,), (4,)], 0.5)
    p1, p2 = m1 * torch.tensor(t1) / 0.5, m2 * torch.tensor(t2) / 0.5
    sign = torch.where(p1 + p2 >= 0, 1.0, -1.0)
    keep1, keep2 = p1.sign() == sign, p2.sign() == sign
    expected = (p1 * keep1 + p2 * keep2) / torch.clamp(keep1.float() + keep2.float(), min=1)
    assert torch.allclose(out, expected)


def test_fused_sums_equal_peft_task_arithmetic():
    from peft.utils.merge_utils import task_arithmetic

    from studio.merge.methods.linear import weighted_sum

    generator = torch.Generator().manual_seed(0)
    tensors = [torch.randn(7, 5, generator=generator) for _ in range(3)]
    base = torch.randn(7, 5, generator=generator)
    weights = [0.5, -0.25, 1.5]
    assert torch.allclose(weighted_sum(tensors, weights), task_arithmetic(tensors, torch.tensor(weights)), atol=1e-6)
    pair = tensors[:2]  # the two-slider case takes the lerp path
    assert torch.allclose(weighted_sum(pair, [0.3, 0.7]), task_arithmetic(pair, torch.tensor([0.3, 0.7])), atol=1e-6)
    assert torch.equal(weighted_sum(pair, [1.0, 0.0]), pair[0]) and torch.equal(weighted_sum(pair, [0.0, 1.0]), pair[1])
    expected = base + 0.7 * task_arithmetic([t - base for t in tensors], torch.tensor(weights))
    out = run("task_arithmetic", [t.tolist() for t in tensors], weights, base.tolist(), scale=0.7, normalize=False)
    assert torch.allclose(out, expected, atol=1e-5)

