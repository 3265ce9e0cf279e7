"""Gaps recovered from everything a row observed, by the candidate that fits the table."""

import numpy as np
import pytest
from sklearn.impute import SimpleImputer

from sklearn_dymo import DyMoClassifier
from sklearn_dymo._recovery._partial_fill import fill_partial_gaps, fit_modality_gaussians
from sklearn_dymo._recovery._recovery_choice import choose_recovery

from ..conftest import FAST


def _linked(n=600, seed=0):
    """b1 is a1 up to noise 0.05; everything else is independent."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, 2))
    b = np.column_stack([a[:, 0] + 0.05 * rng.normal(size=n), rng.normal(size=n)])
    return np.column_stack([a, b])


def test_a_gap_is_recovered_from_another_modality_without_complete_rows():
    values = _linked()
    rng = np.random.default_rng(1)
    # Every training row misses one of its four entries: no row observed both
    # modalities in full, so only pairwise moments can link them.
    missing = np.zeros(values.shape, bool)
    missing[np.arange(values.shape[0]), rng.integers(0, 4, values.shape[0])] = True
    columns = [np.arange(2), np.arange(2, 4)]
    (joint,) = fit_modality_gaussians(np.where(missing, np.nan, values), missing, columns)
    test = _linked(n=50, seed=2)
    gap = np.zeros(test.shape, bool)
    gap[:, 2] = True  # b1 hidden, b2 present: B is partly observed
    filled = fill_partial_gaps(test, gap, np.zeros_like(test), [joint])
    np.testing.assert_allclose(filled[:, 2], test[:, 0], atol=0.25)
    # The modality's own Gaussian has only b2, independent of b1: it cannot.
    own = fit_modality_gaussians(values[:, 2:], np.zeros((values.shape[0], 2), bool),
                                 [np.arange(2)])
    alone = fill_partial_gaps(test[:, 2:], gap[:, 2:], np.zeros((50, 2)), own)
    assert np.abs(alone[:, 0] - test[:, 0]).mean() > 0.5


def _each_candidate_wins(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    a1 = rng.normal(size=n) * 10
    a2 = 10 * np.cos(0.4 * a1)  # not linear: the neighbours know, a Gaussian does not
    b = rng.normal(size=(n, 3))
    b4 = b.sum(1) + 0.05 * rng.normal(size=n)  # linear: the Gaussian knows
    return np.column_stack([a1, a2, b, b4]), [np.arange(2), np.arange(2, 6)]


def test_each_candidate_wins_where_it_should():
    values, columns = _each_candidate_wins()
    choice = choose_recovery(values, np.zeros(values.shape, bool), columns, None, None,
                             values.std(0), seed=0)
    table = choice.table(["A", "B"])
    assert table.loc["A", "gaps"] == "recoverer"
    assert table.loc["B", "gaps"] == "gaussian"
    assert (table[["gaps_rows", "whole_rows"]] >= 10).all().all()
    assert table.loc["A", "gaps_error_recoverer"] < table.loc["A", "gaps_error_gaussian"]
    assert table.loc["B", "gaps_error_gaussian"] < table.loc["B", "gaps_error_recoverer"]


@pytest.fixture(scope="module")
def fitted():
    values, columns = _each_candidate_wins(n=400)
    y = (values[:, 0] + values[:, 5] > 0).astype(int)
    clf = DyMoClassifier(modalities={"A": [0, 1], "B": [2, 3, 4, 5]}, random_state=0,
                         **FAST).fit(values, y)
    return clf, values


def test_the_choice_is_a_fitted_attribute(fitted):
    clf, _ = fitted
    table = clf.recovery_choice_
    assert list(table.index) == ["A", "B"]
    assert set(table["gaps"]) <= {"recoverer", "gaussian"}
    assert table.loc["A", "gaps"] == "recoverer" and table.loc["B", "gaps"] == "gaussian"


def test_recovery_is_batch_independent(fitted):
    clf, values = fitted
    X = values[:60].copy()
    rng = np.random.default_rng(3)
    X[rng.random(X.shape) < 0.3] = np.nan
    path = clf._data_path
    whole, _ = path.transform(X, min_observed_fraction=1.0, partial_fill="auto")
    parts = [path.transform(X[rows], min_observed_fraction=1.0, partial_fill="auto")[0]
             for rows in (slice(0, 7), slice(7, 60))]
    np.testing.assert_array_equal(np.concatenate(parts), whole.numpy())


def test_no_choice_with_a_user_recoverer(toy_data):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, recoverer=SimpleImputer(), random_state=0,
                         **{**FAST, "max_epochs": 1}).fit(X, y)
    assert clf.recovery_choice_ is None
    with pytest.raises(AttributeError, match="set by fit"):
        _ = DyMoClassifier().recovery_choice_
