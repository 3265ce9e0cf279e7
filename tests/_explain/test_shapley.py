"""explain_modalities: Shapley values of the modalities a prediction used."""

import pickle
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import pytest
import torch

from sklearn_dymo import DyMoClassifier
from sklearn_dymo._explain._coalitions import (
    draw_permutations,
    exact_masks,
    exact_values,
    permutation_masks,
    permutation_values,
)

from ..conftest import FAST


def _values(table):
    return table.filter(like="shapley__").to_numpy()


# ------------------------------------------------------------- arithmetic
def _brute_force(v, players):
    """Shapley values from the definition, for a set function ``v(frozenset)``."""
    m = len(players)
    phi = {}
    for i in players:
        others = [p for p in players if p != i]
        total = 0.0
        for size in range(m):
            for subset in combinations(others, size):
                s = frozenset(subset)
                weight = factorial(size) * factorial(m - size - 1) / factorial(m)
                total += weight * (v(s | {i}) - v(s))
        phi[i] = total
    return phi


def test_exact_values_match_the_definition():
    rng = np.random.RandomState(0)
    used = torch.tensor([[True, False, True, True, False], [False, True, True, True, False]])
    masks = exact_masks(used)  # (2, 8, 5)
    assert masks.shape == (2, 8, 5)
    assert not masks[:, 0].any() and torch.equal(masks[:, -1], used)
    assert not (masks & ~used[:, None]).any()  # only players
    # A random game per row, read from the masks.
    table = {}
    values = torch.zeros(2, 8, dtype=torch.float64)
    for r in range(2):
        for s in range(8):
            key = (r, frozenset(torch.nonzero(masks[r, s])[:, 0].tolist()))
            table[key] = 0.0 if s == 0 else rng.normal()
            values[r, s] = table[key]
    phi = exact_values(values, used).numpy()
    for r in range(2):
        players = torch.nonzero(used[r])[:, 0].tolist()
        expected = _brute_force(lambda s, r=r: table[(r, s)], players)
        for m in range(5):
            assert phi[r, m] == pytest.approx(expected.get(m, 0.0), abs=1e-12)


def test_permutation_estimate_is_efficient_and_converges():
    used = torch.tensor([[True, True, False, True]])
    weights = {0: 1.0, 1: 2.0, 3: -0.5}

    def game(mask):  # additive plus an interaction of players 0 and 1
        mask = mask.double()
        return mask[..., 0] * 1.0 + mask[..., 1] * 2.0 - 0.5 * mask[..., 3] \
            + 0.6 * mask[..., 0] * mask[..., 1]

    perms = torch.as_tensor(draw_permutations(4, 400, random_state=0))
    masks, order = permutation_masks(used, perms)
    values = game(masks)  # (1, P, m + 1)
    phi = permutation_values(values, order, 4)[0].numpy()
    assert phi.sum() == pytest.approx(float(game(used)[0]), abs=1e-12)
    assert phi[2] == 0.0
    for m, w in weights.items():
        expected = w + (0.3 if m in (0, 1) else 0.0)  # the interaction splits evenly
        assert phi[m] == pytest.approx(expected, abs=0.05)


def test_permutations_come_with_their_reverses():
    perms = draw_permutations(5, 7, random_state=0)
    assert perms.shape == (7, 5)
    np.testing.assert_array_equal(perms[1], perms[0][::-1])
    assert all(sorted(p) == list(range(5)) for p in perms)


# ----------------------------------------------------------- the estimator
def test_efficiency_and_values_match_predict(clf, X_test):
    table = clf.explain_modalities(X_test)
    assert table.index.equals(X_test.index)
    names = clf.modality_names_
    assert list(table.columns) == ([f"shapley__{n}" for n in names]
                                   + [f"used__{n}" for n in names]
                                   + ["base_value", "value", "prediction", "exact"])
    phi = _values(table)
    np.testing.assert_allclose(phi.sum(axis=1), table["value"] - table["base_value"],
                               atol=1e-6)
    proba = clf.predict_proba(X_test)
    np.testing.assert_allclose(table["value"], np.log(proba.max(axis=1)), atol=1e-6)
    np.testing.assert_array_equal(table["prediction"], clf.predict(X_test))
    assert table["exact"].all()


def test_base_value_is_the_class_prior(clf, label_data, X_test):
    _, y, _ = label_data
    table = clf.explain_modalities(X_test)
    prior = np.bincount(y) / len(y)
    np.testing.assert_allclose(table["base_value"],
                               np.log(prior[clf.predict(X_test)]), rtol=1e-12)
    proba = clf.explain_modalities(X_test, output="proba")
    np.testing.assert_allclose(proba["base_value"], prior[clf.predict(X_test)])
    np.testing.assert_allclose(_values(proba).sum(1), proba["value"] - proba["base_value"],
                               atol=1e-6)


def test_players_are_the_modalities_used(clf, X_test):
    table = clf.explain_modalities(X_test)
    used = clf.select_modalities(X_test).used.to_numpy()
    np.testing.assert_array_equal(table.filter(like="used__").to_numpy(), used)
    phi = _values(table)
    assert (phi[~used] == 0).all()
    # Under "observed", a row's players are what it observed (all when nothing is).
    observed = clf.explain_modalities(X_test, selection="observed")
    assert not np.array_equal(observed.filter(like="used__").to_numpy(), used)


def test_regressor_mean_and_log_variance(reg, X_test):
    table = reg.explain_modalities(X_test)
    mean, std = reg.predict(X_test, return_std=True)
    np.testing.assert_allclose(table["value"], mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(_values(table).sum(1), table["value"] - table["base_value"],
                               atol=1e-6)
    encoding = reg._task.encoding
    assert np.allclose(table["base_value"], encoding.offset)
    log_var = reg.explain_modalities(X_test, output="log_variance")
    np.testing.assert_allclose(log_var["value"], 2 * np.log(std), atol=1e-9)
    np.testing.assert_allclose(log_var["base_value"], 2 * np.log(encoding.scale))
    np.testing.assert_allclose(_values(log_var).sum(1),
                               log_var["value"] - log_var["base_value"], atol=1e-6)
    # The modality the target is made of carries the mean.
    mean_abs = np.abs(_values(table)).mean(axis=0)
    assert mean_abs.argmax() == reg.modality_names_.index("c")


def test_blocks_and_row_order(clf, X_test):
    whole = clf.explain_modalities(X_test)
    blocks = pd.concat([clf.explain_modalities(X_test.iloc[:7]),
                        clf.explain_modalities(X_test.iloc[7:])])
    pd.testing.assert_frame_equal(blocks, whole)
    order = np.random.RandomState(0).permutation(len(X_test))
    shuffled = clf.explain_modalities(X_test.iloc[order])
    pd.testing.assert_frame_equal(shuffled, whole.iloc[order])
    # An ndarray is numbered from 0.
    plain = clf.explain_modalities(X_test.to_numpy())
    assert plain.index.equals(pd.RangeIndex(len(X_test)))
    np.testing.assert_array_equal(_values(plain), _values(whole))


def test_pickled_model_gives_the_same_values(clf, X_test):
    loaded = pickle.loads(pickle.dumps(clf))
    pd.testing.assert_frame_equal(loaded.explain_modalities(X_test),
                                  clf.explain_modalities(X_test))


def test_sampled_path(clf, X_test):
    exact = clf.explain_modalities(X_test)
    kwargs = dict(max_exact=1, n_permutations=8)
    first = clf.explain_modalities(X_test, random_state=0, **kwargs)
    np.testing.assert_array_equal(_values(first),
                                  _values(clf.explain_modalities(X_test, random_state=0,
                                                                 **kwargs)))
    assert not np.array_equal(_values(first),
                              _values(clf.explain_modalities(X_test, random_state=1,
                                                             **kwargs)))
    # Rows with one player stay exact; the rest are sampled and still efficient.
    n_used = exact.filter(like="used__").sum(axis=1).to_numpy()
    np.testing.assert_array_equal(first["exact"], n_used <= 1)
    np.testing.assert_allclose(_values(first).sum(1), first["value"] - first["base_value"],
                               atol=1e-6)
    np.testing.assert_allclose(first["value"], exact["value"], atol=1e-9)
    # Many permutations come close to the exact values.
    many = clf.explain_modalities(X_test, max_exact=0, n_permutations=400, random_state=0)
    np.testing.assert_allclose(_values(many), _values(exact), atol=0.05)
    # Blockwise, sampled rows do not depend on the rows beside them either.
    blocks = pd.concat([clf.explain_modalities(X_test.iloc[:5], random_state=0, **kwargs),
                        clf.explain_modalities(X_test.iloc[5:], random_state=0, **kwargs)])
    pd.testing.assert_frame_equal(blocks, first)


def test_identical_modalities_get_the_same_value(label_data):
    """Symmetry: with ``b`` a copy of ``a`` (data and weights), their values agree."""
    X, y, _ = label_data
    X = np.hstack([X[:, :2], X[:, :2], X[:, 4:]])
    modalities = {"a": [0, 1], "b": [2, 3], "c": [4, 5]}
    model = DyMoClassifier(modalities=modalities, random_state=0,
                           **{**FAST, "max_epochs": 2}).fit(X, y)
    net = model.net_.module_
    with torch.no_grad():
        net.encoders[1].load_state_dict(net.encoders[0].state_dict())
        net.modality_embedding[1] = net.modality_embedding[0]
        if net.linear is not None:
            net.linear.weight[:, 2:4] = net.linear.weight[:, 0:2]
    table = model.explain_modalities(X[:40], selection="all")
    np.testing.assert_allclose(table["shapley__a"], table["shapley__b"], atol=1e-6)
    assert np.abs(table["shapley__a"]).max() > 1e-3  # not trivially 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(output="mean"), "output must be one of"),
    (dict(max_exact=17), "max_exact must be an integer in"),
    (dict(max_exact=True), "max_exact"),
    (dict(n_permutations=0), "n_permutations must be an integer >= 1"),
])
def test_bad_arguments(clf, X_test, kwargs, match):
    with pytest.raises(ValueError, match=match):
        clf.explain_modalities(X_test, **kwargs)


def test_stores_nothing_and_handles_no_rows(clf, X_test):
    before = dict(clf.__dict__)
    clf.explain_modalities(X_test)
    assert clf.__dict__.keys() == before.keys()
    empty = clf.explain_modalities(X_test.iloc[:0])
    assert len(empty) == 0 and list(empty.columns)[0] == "shapley__a"
