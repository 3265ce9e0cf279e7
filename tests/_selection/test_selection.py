"""Vectorised selection against a plain per-sample loop, on random networks."""

import numpy as np
import pytest
import torch

from sklearn_dymo._network._module import DyMoNetwork
from sklearn_dymo._selection._algorithm import LatentScorer, paths_from_records, select
from sklearn_dymo._selection._prototypes import compute_subset_statistics
from sklearn_dymo._selection._rewards import REWARD_RULES

from .._reference import reference_select


def _random_setup(seed, n_modalities, distance, max_subsets=127):
    torch.manual_seed(seed)
    columns = [[2 * m, 2 * m + 1] for m in range(n_modalities)]
    net = DyMoNetwork(columns, n_classes=3, d_model=8, n_heads=2, encoder_hidden=8,
                      latent_dim=4, tokens_per_modality=2, dropout=0.0,
                      normalize_latent=distance == "cosine").double().eval()
    x_train = torch.randn(60, 2 * n_modalities, dtype=torch.float64)
    observed_train = torch.rand(60, n_modalities) < 0.8
    observed_train[:, 0] = True
    y_train = torch.arange(60) % 3
    stats = compute_subset_statistics(net, x_train, observed_train, y_train, 3, distance,
                                      max_subsets=max_subsets, random_state=seed)
    x = torch.randn(40, 2 * n_modalities, dtype=torch.float64)
    observed = torch.rand(40, n_modalities) < 0.4
    observed[:3] = False  # samples with nothing observed
    observed[3] = True  # a complete sample
    return net, stats, x, observed


@pytest.mark.parametrize("distance", ["cosine", "sqeuclidean"])
@pytest.mark.parametrize("calibrate", [True, False, "literal"])
@pytest.mark.parametrize("strategy", ["iterative", "simultaneous"])
@pytest.mark.parametrize("n_modalities, max_subsets", [(4, 127), (6, 10)])
def test_vectorised_matches_reference_loop(distance, calibrate, strategy,
                                           n_modalities, max_subsets):
    net, stats, x, observed = _random_setup(0, n_modalities, distance, max_subsets)
    assert stats.exact == (max_subsets == 127)
    scorer = LatentScorer(stats, distance, temperature=0.1)
    rule = REWARD_RULES[calibrate]
    with torch.no_grad():
        tokens = net.encode(x)
        out = select(net, tokens, observed, scorer, rule, strategy)
        ref_logits, ref_paths = reference_select(net, tokens, observed, scorer, rule, strategy)
    paths = paths_from_records(out.records, x.shape[0], list(range(n_modalities)))
    assert paths == ref_paths
    # The case is not trivial: some candidates are taken, some refused.
    assert out.records["accepted"].any() and not out.records["accepted"].all()
    torch.testing.assert_close(out.logits, ref_logits, rtol=1e-9, atol=1e-9)
    # The final mask is the observed set plus the path.
    for i, path in enumerate(paths):
        expected = observed[i].clone()
        expected[list(path)] = True
        assert torch.equal(out.final_mask[i], expected)


def test_selection_invariants():
    net, stats, x, observed = _random_setup(1, 5, "cosine")
    scorer = LatentScorer(stats, "cosine", 0.1)
    with torch.no_grad():
        out = select(net, net.encode(x), observed, scorer, REWARD_RULES[True], "iterative")
    rec = out.records
    has_obs = observed.any(1).numpy()
    acc = rec["accepted"]
    # Only missing modalities are ever evaluated or added.
    assert not observed.numpy()[rec["sample"], rec["modality"]].any()
    # Accepted steps have a positive reward, except the forced first step of
    # a sample with nothing observed.
    assert (rec["reward"][acc & has_obs[rec["sample"]]] > 0).all()
    assert np.isfinite(rec["reward"]).all()
    # Every sample with nothing observed ends with at least one modality.
    assert out.final_mask[~observed.any(1)].any(1).all()
    # A complete sample is not touched.
    assert not (rec["sample"] == 3).any()


def test_observed_and_all_strategies():
    net, stats, x, observed = _random_setup(2, 4, "sqeuclidean")
    scorer = LatentScorer(stats, "sqeuclidean", 0.1)
    with torch.no_grad():
        tokens = net.encode(x)
        obs = select(net, tokens, observed, scorer, REWARD_RULES[True], "observed")
        every = select(net, tokens, observed, scorer, REWARD_RULES[True], "all")
        plain = net(x, observed)[0]
    has = observed.any(1)
    assert torch.equal(obs.final_mask[has], observed[has])
    assert obs.final_mask[~has].all()  # nothing observed: falls back to all
    torch.testing.assert_close(obs.logits[has], plain[has])
    assert every.final_mask.all()
    assert obs.records["sample"].size == 0 and every.records["sample"].size == 0
