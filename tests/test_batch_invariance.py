"""predict_proba does not depend on the rows predicted with it, at torch's
default thread count too.

The root conftest.py runs the suite with one torch thread (two xdist
workers on two cores). float32 matrix products round differently for a few
rows than for many, at a row count that moves with the thread count; these
tests rerun scikit-learn's invariance checks, and a stricter blockwise
comparison, with two threads.
"""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.utils.estimator_checks import (
    check_methods_sample_order_invariance,
    check_methods_subset_invariance,
)

from sklearn_dymo import DyMoClassifier

from .test_common import CHECKED_CLASSIFIER


@pytest.fixture
def two_torch_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(previous)


@pytest.mark.parametrize("check", [check_methods_subset_invariance,
                                   check_methods_sample_order_invariance])
def test_sklearn_invariance_checks_with_two_threads(check, two_torch_threads):
    check("DyMoClassifier", clone(CHECKED_CLASSIFIER))


@pytest.mark.parametrize("selection", ["iterative", "all"])
def test_blocks_give_identical_probabilities(selection, toy_data, fast_params):
    X, y, modalities = toy_data
    rng = np.random.RandomState(1)
    X = X.copy()
    for columns in modalities.values():
        X[np.ix_(rng.rand(len(X)) < 0.4, columns)] = np.nan
    clf = DyMoClassifier(modalities=modalities, recoverer=SimpleImputer(),
                         selection=selection, random_state=0,
                         **dict(fast_params, max_epochs=2)).fit(X, y)
    X = X[:40]
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        full = clf.predict_proba(X)
        for block in (1, 7):
            parts = np.vstack([clf.predict_proba(X[i:i + block])
                               for i in range(0, len(X), block)])
            # Bitwise: padding gives each row the rounding it gets in a large batch.
            np.testing.assert_array_equal(parts, full)
    finally:
        torch.set_num_threads(previous)
