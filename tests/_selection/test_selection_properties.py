"""Property-based tests: selection invariants and numerics on random networks.

Hypothesis draws random networks, random masks and deliberately degenerate
statistics (zero spread, zero-norm prototypes, classes absent from a
subset, zero-norm latents): no NaN or inf may reach a reward, a
probability or a path, and the invariants of Algorithm 1 must hold.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_dymo._network._module import DyMoNetwork
from sklearn_dymo._selection._algorithm import LatentScorer, paths_from_records, select
from sklearn_dymo._selection._prototypes import SubsetStatistics
from sklearn_dymo._selection._rewards import REWARD_RULES

N_CLASSES = 3


@st.composite
def cases(draw):
    n_modalities = draw(st.integers(1, 5))
    n_rows = draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**16))
    distance = draw(st.sampled_from(["cosine", "sqeuclidean"]))
    rng = np.random.RandomState(seed)
    observed = rng.rand(n_rows, n_modalities) < draw(st.floats(0.0, 1.0))
    return dict(
        n_modalities=n_modalities, seed=seed, distance=distance,
        observed=torch.as_tensor(observed),
        exact=draw(st.booleans()),
        zero_sigma=draw(st.booleans()),
        zero_prototypes=draw(st.booleans()),
        zero_latent=draw(st.booleans()),
        scale=draw(st.sampled_from([1e-3, 1.0, 1e3])),
        rule=draw(st.sampled_from([True, False, "literal"])),
    )


def _build(case):
    torch.manual_seed(case["seed"])
    n_mod = case["n_modalities"]
    net = DyMoNetwork([[m] for m in range(n_mod)], n_classes=N_CLASSES, d_model=8,
                      n_heads=2, encoder_hidden=8, latent_dim=4, dropout=0.0,
                      normalize_latent=case["distance"] == "cosine").double().eval()
    if case["zero_latent"]:
        with torch.no_grad():  # every z is the zero vector
            net.projection[-1].weight.zero_()
            net.projection[-1].bias.zero_()
    n_keys = 2**n_mod - 1 if case["exact"] else n_mod
    prototypes = torch.randn(n_keys, N_CLASSES, 4, dtype=torch.float64)
    if case["zero_prototypes"]:
        prototypes[:, 0] = 0.0  # a class never seen under any subset
    sigma = torch.rand(n_keys, N_CLASSES, dtype=torch.float64)
    if case["zero_sigma"]:
        sigma[:, 1] = 0.0  # zero spread: all training latents coincide
    stats = SubsetStatistics(
        n_modalities=n_mod, exact=case["exact"], prototypes=prototypes, sigma=sigma,
        mean_prototypes=prototypes.mean(0), subsets=torch.ones(1, n_mod, dtype=torch.bool),
    )
    x = case["scale"] * torch.randn(case["observed"].shape[0], n_mod, dtype=torch.float64)
    return net, stats, x


def _run(case, strategy):
    net, stats, x = _build(case)
    scorer = LatentScorer(stats, case["distance"], temperature=0.1)
    with torch.no_grad():
        tokens = net.encode(x)
        out = select(net, tokens, case["observed"], scorer, REWARD_RULES[case["rule"]],
                     strategy)
    return net, x, out


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(case=cases(), strategy=st.sampled_from(["iterative", "simultaneous"]))
def test_no_nan_or_inf_and_paths_follow_algorithm_1(case, strategy):
    _, _, out = _run(case, strategy)
    observed = case["observed"].numpy()
    n_rows, n_mod = observed.shape
    rec = out.records
    # Numerics: rewards, logits and probabilities are finite.
    assert np.isfinite(rec["reward"]).all()
    assert torch.isfinite(out.logits).all()
    proba = torch.softmax(out.logits, -1)
    assert torch.allclose(proba.sum(-1), torch.ones(n_rows, dtype=proba.dtype))

    paths = paths_from_records(rec, n_rows, list(range(n_mod)))
    has_observed = observed.any(1)
    for i, path in enumerate(paths):
        missing = set(np.flatnonzero(~observed[i]))
        # Only modalities missing for this sample are added, each once,
        # never more than there were missing.
        assert set(path) <= missing and len(path) == len(set(path))
        assert len(path) <= len(missing)
        # The final set is the observed set plus the path.
        expected = observed[i].copy()
        expected[list(path)] = True
        assert np.array_equal(out.final_mask[i].numpy(), expected)
    # Every accepted step had a positive reward, except the forced first
    # step of a sample with nothing observed (documented fallback).
    acc = rec["accepted"]
    forced = acc & ~has_observed[rec["sample"]] & (rec["step"] == 0)
    assert (rec["reward"][acc & ~forced] > 0).all()
    # ... and such a sample always ends with something to predict from.
    assert out.final_mask.numpy()[~has_observed].any(1).all()
    if strategy == "iterative":
        # One modality per step at most, and the path order is the step order.
        steps = rec["step"][acc]
        samples = rec["sample"][acc]
        for s in np.unique(samples):
            assert np.array_equal(np.sort(steps[samples == s]),
                                  np.arange((samples == s).sum()))


@SETTINGS
@given(case=cases())
def test_observed_adds_nothing_all_adds_everything(case):
    net, x, observed_out = _run(case, "observed")
    _, _, all_out = _run(case, "all")
    observed = case["observed"]
    has = observed.any(1)
    assert torch.equal(observed_out.final_mask[has], observed[has])
    assert observed_out.final_mask[~has].all()  # nothing observed: all recovered
    assert all_out.final_mask.all()
    assert observed_out.records["sample"].size == 0 and all_out.records["sample"].size == 0
    with torch.no_grad():
        plain_all = net(x, torch.ones_like(observed))[0]
    torch.testing.assert_close(all_out.logits, plain_all)
    assert torch.isfinite(observed_out.logits).all()


@SETTINGS
@given(case=cases(), strategy=st.sampled_from(["iterative", "simultaneous", "observed"]))
def test_complete_rows_equal_the_plain_forward_pass(case, strategy):
    case = dict(case, observed=torch.ones_like(case["observed"]))
    net, x, out = _run(case, strategy)
    with torch.no_grad():
        plain = net(x, case["observed"])[0]
    torch.testing.assert_close(out.logits, plain)
    assert out.records["sample"].size == 0
    assert out.final_mask.all()


def test_faulty_custom_rule_is_named():
    case = dict(n_modalities=3, seed=0, distance="cosine",
                observed=torch.tensor([[True, False, False]] * 4), exact=True,
                zero_sigma=False, zero_prototypes=False, zero_latent=False, scale=1.0,
                rule=True)
    net, stats, x = _build(case)
    scorer = LatentScorer(stats, "cosine", 0.1)

    def nan_rule(current, candidate):
        return candidate.log_p * math.nan

    with torch.no_grad(), pytest.raises(ValueError, match="'nan_rule' returned NaN or inf"):
        select(net, net.encode(x), case["observed"], scorer, nan_rule)

    def scalar_rule(current, candidate):
        return candidate.log_p.sum()

    with torch.no_grad(), pytest.raises(ValueError, match=r"shape \(\), expected \(8,\)"):
        select(net, net.encode(x), case["observed"], scorer, scalar_rule)
