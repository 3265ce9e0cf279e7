"""Any unit: columns and targets scaled by 1e-13 or 1e13 give the same model."""

import numpy as np
import pytest

from sklearn_dymo import DyMoClassifier, DyMoRegressor
from sklearn_dymo._input._tensors import ColumnScaler, has_spread

from ..conftest import FAST

FACTORS = [1e-13, 1e13]


def _toy(seed=0, n=160):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 6)) + 3.0
    y = (X[:, 0] + X[:, 2] + X[:, 4] > 9).astype(int)
    target = X[:, 0] - 2 * X[:, 3] + 0.1 * rng.normal(size=n)
    X[rng.rand(n, 6) < 0.15] = np.nan
    return X, y, target


MODALITIES = {"a": [0, 1], "b": [2, 3], "c": [4, 5]}


@pytest.mark.parametrize("method", ["standard", "robust"])
@pytest.mark.parametrize("factor", FACTORS)
def test_scaler_is_unit_free(method, factor):
    X, _, _ = _toy()
    missing = np.isnan(X)
    base = ColumnScaler.fit(X, missing, method=method)
    scaled = ColumnScaler.fit(X * factor, missing, method=method)
    np.testing.assert_allclose(scaled.scale, base.scale * factor, rtol=1e-9)
    np.testing.assert_allclose(scaled.transform(X * factor), base.transform(X),
                               rtol=1e-9, atol=1e-9)


def test_constant_column_keeps_unit_scale_at_any_magnitude():
    for value in (1e-20, 0.1, 7.0, 1e20):
        X = np.full((50, 1), value)
        scaler = ColumnScaler.fit(X, np.zeros_like(X, dtype=bool))
        assert scaler.scale[0] == 1.0
        np.testing.assert_allclose(scaler.transform(X), 0.0, atol=1e-12)


def test_has_spread_is_relative():
    assert has_spread(1e-14, 1e-13)
    assert not has_spread(1e-14, 1e3)
    assert not has_spread(0.0, 0.0)
    assert has_spread(1e-300, 0.0)


@pytest.fixture(scope="module")
def classifier_reference():
    X, y, _ = _toy()
    clf = DyMoClassifier(modalities=MODALITIES, random_state=0, **FAST).fit(X, y)
    return X, y, clf.predict_proba(X)


@pytest.mark.parametrize("factor", FACTORS)
def test_classifier_predictions_do_not_depend_on_the_unit(classifier_reference, factor):
    X, y, proba = classifier_reference
    clf = DyMoClassifier(modalities=MODALITIES, random_state=0, **FAST)
    clf.fit(X * factor, y)
    np.testing.assert_allclose(clf.predict_proba(X * factor), proba, atol=1e-4)


@pytest.fixture(scope="module")
def regressor_reference():
    X, _, target = _toy()
    reg = DyMoRegressor(modalities=MODALITIES, random_state=0, **FAST).fit(X, target)
    return (X, target, *reg.predict(X, return_std=True))


@pytest.mark.parametrize("x_factor", [1.0, *FACTORS])
@pytest.mark.parametrize("y_factor", FACTORS)
def test_regressor_predictions_scale_with_the_target(regressor_reference, x_factor,
                                                     y_factor):
    X, target, mean, std = regressor_reference
    reg = DyMoRegressor(modalities=MODALITIES, random_state=0, **FAST)
    reg.fit(X * x_factor, target * y_factor)
    mean_scaled, std_scaled = reg.predict(X * x_factor, return_std=True)
    np.testing.assert_allclose(mean_scaled / y_factor, mean,
                               rtol=1e-4, atol=1e-4 * np.abs(mean).max())
    np.testing.assert_allclose(std_scaled / y_factor, std, rtol=1e-3)


@pytest.mark.parametrize("value", [0.0, 1e-15, 3.0, 1e15])
def test_constant_target_is_an_error_in_fit(value):
    X, _, _ = _toy(n=40)
    with pytest.raises(ValueError, match="y is constant"):
        DyMoRegressor(modalities=MODALITIES, **FAST).fit(X, np.full(40, value))


def test_tiny_spread_target_is_not_constant():
    X, _, target = _toy(n=40)
    DyMoRegressor(modalities=MODALITIES, random_state=0, **FAST).fit(X, target * 1e-13)
