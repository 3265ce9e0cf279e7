"""Observed-only selection recovers only the rows whose prediction reads a recovered entry."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import SimpleImputer

from sklearn_dymo import DyMoClassifier, DyMoRegressor

from ..conftest import FAST


class CountingImputer(TransformerMixin, BaseEstimator):
    """SimpleImputer that records how many rows each transform call received."""

    def fit(self, X, y=None):
        self.imputer_ = SimpleImputer(keep_empty_features=True).fit(X)
        self.rows_seen_ = []
        return self

    def transform(self, X):
        self.rows_seen_.append(len(X))
        return self.imputer_.transform(X)


def with_gaps(X, seed=0):
    """Whole modalities missing, a few rows missing nothing, a few with gaps, some empty."""
    rng = np.random.default_rng(seed)
    X = X.copy()
    X[rng.random(len(X)) < 0.4, 0:2] = np.nan
    X[rng.random(len(X)) < 0.4, 2:4] = np.nan
    X[::17, :] = np.nan              # observes nothing: uses everything recovered
    X[5::19, 4] = np.nan             # a gap inside an observed modality
    return X


@pytest.mark.parametrize("estimator", [DyMoClassifier, DyMoRegressor])
def test_observed_selection_gives_the_fully_recovered_result(estimator, toy_data):
    X, y, modalities = toy_data
    X_missing = with_gaps(X)
    target = y if estimator is DyMoClassifier else y.astype(float)
    model = estimator(modalities=modalities, recoverer=CountingImputer(), selection="observed",
                      min_observed_fraction=0.5, random_state=0, **FAST).fit(X_missing, target)
    fast = model.select_modalities(X_missing)
    # The same rows with every missing entry recovered first.
    full = model._select_prepared(*model._prepare(X_missing), "observed")
    np.testing.assert_allclose(fast.proba, full.proba, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(fast.used.to_numpy(), full.used.to_numpy())


def test_rows_that_need_no_recovery_skip_the_recoverer(toy_data):
    X, y, modalities = toy_data
    X_missing = with_gaps(X)
    clf = DyMoClassifier(modalities=modalities, recoverer=CountingImputer(),
                         min_observed_fraction=0.5, random_state=0, **FAST).fit(X_missing, y)
    assert clf.selection == "observed"
    observed = ~np.isnan(X_missing).reshape(len(X), 3, 2).all(axis=2)
    gap = np.isnan(X_missing[:, 4]) & ~np.isnan(X_missing[:, 5])
    expected = int((~observed.any(axis=1) | gap).sum())
    clf.recoverer_.rows_seen_.clear()
    clf.predict_proba(X_missing)
    assert sum(clf.recoverer_.rows_seen_) == expected
    clf.recoverer_.rows_seen_.clear()
    clf.predict_proba(X_missing[~np.isnan(X_missing).any(axis=1)])
    assert clf.recoverer_.rows_seen_ == []
    # Iterative selection still recovers every row that misses something.
    clf.recoverer_.rows_seen_.clear()
    clf.select_modalities(X_missing, selection="iterative")
    assert sum(clf.recoverer_.rows_seen_) == len(X)
