"""Fitted models shared by the explanation tests (fitted once per package)."""

import numpy as np
import pandas as pd
import pytest

from sklearn_dymo import DyMoClassifier, DyMoRegressor

from ..conftest import FAST


@pytest.fixture(scope="package")
def label_data():
    """Three modalities: ``a`` weakly informative, ``b`` noise, ``c`` the label."""
    rng = np.random.RandomState(0)
    n = 300
    y = rng.randint(0, 3, size=n)
    X = rng.normal(size=(n, 6))
    X[:, 0] += 0.7 * y
    X[:, 4] += 4.0 * y
    modalities = {"a": [0, 1], "b": [2, 3], "c": [4, 5]}
    return X, y, modalities


@pytest.fixture(scope="package")
def clf(label_data):
    X, y, modalities = label_data
    return DyMoClassifier(modalities=modalities, selection="iterative", random_state=0,
                          **FAST).fit(X, y)


@pytest.fixture(scope="package")
def reg(label_data):
    X, _, modalities = label_data
    target = 2.0 * X[:, 4] + 0.1 * np.random.RandomState(1).normal(size=X.shape[0])
    return DyMoRegressor(modalities=modalities, random_state=0, **FAST).fit(X, target)


@pytest.fixture(scope="package")
def X_test(label_data):
    """Rows missing some modalities (one row misses all), labelled unlike positions."""
    X, _, modalities = label_data
    rng = np.random.RandomState(3)
    X_test = X[:60].copy()
    for columns in modalities.values():
        X_test[np.ix_(rng.rand(60) < 0.4, columns)] = np.nan
    X_test[0, :] = np.nan
    X_test[1, 2] = np.nan  # b partly observed
    return pd.DataFrame(X_test, index=pd.Index(rng.permutation(1000)[:60], name="row"))
