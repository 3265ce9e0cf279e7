"""DyMoRegressor's variance: recovery variance and the held-out recalibration."""


import numpy as np
import pytest
import torch

from sklearn_dymo import DyMoRegressor
from sklearn_dymo._network._subsets import random_observed_subsets
from sklearn_dymo._tasks._gaussian import VarianceCalibration, gaussian_params

from ..conftest import FAST


def _copy_and_independent(n, seed):
    """m0 and m2 informative and independent; m1 a noisy copy of m0 (recoverable)."""
    rng = np.random.default_rng(seed)
    m0 = rng.normal(size=(n, 3))
    m1 = m0 + 0.05 * rng.normal(size=(n, 3))
    m2 = rng.normal(size=(n, 3))
    y = m0.sum(1) + m2.sum(1) + 0.3 * rng.normal(size=n)
    modalities = {"m0": [0, 1, 2], "m1": [3, 4, 5], "m2": [6, 7, 8]}
    return np.hstack([m0, m1, m2]), y, modalities


@pytest.fixture(scope="module")
def copy_data():
    X, y, modalities = _copy_and_independent(500, 0)
    X_test, y_test, _ = _copy_and_independent(300, 1)
    return X, y, X_test, y_test, modalities


@pytest.fixture(scope="module")
def pair(copy_data):
    """The same network with and without recovery variance (it does not touch training)."""
    X, y, _, _, modalities = copy_data
    params = dict(modalities=modalities, random_state=0, **{**FAST, "max_epochs": 25})
    with_rv = DyMoRegressor(**params).fit(X, y)
    without = DyMoRegressor(recovery_variance=False, **params).fit(X, y)
    return with_rv, without


def test_recovery_std_is_small_only_where_recovery_can_work(pair, copy_data):
    reg, without = pair
    y = copy_data[1]
    std = dict(zip(reg.modality_names_, reg.recovery_std_))
    # m1 is recovered from m0 almost exactly (a guess only in the draws where
    # m0 is hidden too); m2 is independent of the rest, so its recovery is
    # always a guess. (Recovering a row from itself would make both near 0:
    # the estimate is out of fold.)
    assert std["m2"] > 2 * std["m1"]
    assert std["m2"] > 0.3 * y.std()  # m2 carries half of y's variance
    np.testing.assert_array_equal(without.recovery_std_, 0.0)


def test_selection_stops_adding_what_recovery_cannot_know(pair, copy_data):
    reg, without = pair
    _, _, X_test, y_test, modalities = copy_data
    X_missing = X_test.copy()
    X_missing[:, modalities["m2"]] = np.nan  # m0 and m1 observed
    reg.predict(X_missing)
    added_with = np.mean(["m2" in p for p in reg.selection_path_])
    without.predict(X_missing)
    added_without = np.mean(["m2" in p for p in without.selection_path_])
    # The network alone is as confident with a recovered m2 as with a real
    # one; counting its recovery variance, adding it is not worth it.
    assert added_without > 0.5
    assert added_with < 0.5 * added_without
    # And the reported interval widens when a recovered modality is used.
    every = reg.select_modalities(X_missing, selection="all").proba[:, 1]
    observed = reg.select_modalities(X_missing, selection="observed").proba[:, 1]
    assert np.median(every) > np.median(observed)
    assert (np.abs(y_test - reg.select_modalities(X_missing, selection="all").proba[:, 0])
            <= 1.96 * every).mean() > 0.85


def test_held_out_factor_is_applied_per_set_size(pair, copy_data):
    reg, _ = pair
    _, _, X_test, y_test, _ = copy_data
    # Complete rows: the reported variance is the head's times the factor of
    # three-modality sets (nothing recovered).
    x, observed = reg._prepare(X_test[:10])
    with torch.no_grad():
        logits, _ = reg.net_.module_.eval()(x, observed)
    head_var = gaussian_params(logits.double())[1].numpy() * reg._task.encoding.scale ** 2
    _, std = reg.predict(X_test[:10], return_std=True)
    np.testing.assert_allclose(std**2, head_var * reg.variance_scale_[2], rtol=1e-5)
    assert not np.allclose(reg.variance_scale_, 1.0)
    # The factors bring the 95% interval near 95% on fresh rows.
    mean, std = reg.predict(X_test, return_std=True)
    assert 0.88 <= np.mean(np.abs(y_test - mean) <= 1.96 * std) <= 0.995


def test_variance_holdout_zero_trains_on_every_row(copy_data):
    X, y, _, _, modalities = copy_data
    reg = DyMoRegressor(modalities=modalities, variance_holdout=0.0, recovery_variance=False,
                        random_state=0, **FAST).fit(X[:100], y[:100])
    np.testing.assert_array_equal(reg.variance_scale_, 1.0)
    x, observed = reg._prepare(X[:5])
    with torch.no_grad():
        logits, _ = reg.net_.module_.eval()(x, observed)
    head_std = np.sqrt(gaussian_params(logits.double())[1].numpy()) * reg._task.encoding.scale
    np.testing.assert_allclose(reg.predict(X[:5], return_std=True)[1], head_std, rtol=1e-6)
    # The recoverer (like the network) learnt from all 100 rows; with the
    # default holdout, from the 85 that were not held out.
    held = DyMoRegressor(modalities=modalities, random_state=0, **FAST).fit(X[:100], y[:100])
    assert reg.recoverer_.train_X_.shape[0] == 100
    assert held.recoverer_.train_X_.shape[0] == 85


def test_variance_calibration_is_the_likelihood_optimum_per_size():
    rng = np.random.default_rng(0)
    masks = random_observed_subsets(np.ones((400, 3), dtype=bool), rng)
    sizes = masks.sum(1)
    var = torch.full((400,), 0.5, dtype=torch.float64)
    true_scale = np.array([4.0, 1.0, 0.25])[sizes - 1]
    y = torch.as_tensor(rng.normal(size=400) * np.sqrt(0.5 * true_scale))
    calibration = VarianceCalibration.fit(torch.zeros(400, dtype=torch.float64), var, y, masks)
    for k in (1, 2, 3):
        # The optimum of the likelihood in s, checked by its derivative.
        ratio = (y.numpy()[sizes == k] ** 2) / 0.5
        assert calibration.by_size[k - 1] == pytest.approx(ratio.mean())
    np.testing.assert_allclose(calibration.by_size, [4.0, 1.0, 0.25], rtol=0.3)
    scale = calibration(torch.as_tensor(masks))
    np.testing.assert_allclose(scale.numpy(), calibration.by_size[sizes - 1])


@pytest.mark.parametrize("bad", [-0.1, 0.6, "yes"])
def test_variance_holdout_is_checked(copy_data, bad):
    X, y, _, _, modalities = copy_data
    with pytest.raises(ValueError, match="variance_holdout"):
        DyMoRegressor(modalities=modalities, variance_holdout=bad, **FAST).fit(X, y)


def test_recovery_variance_is_checked(copy_data):
    X, y, _, _, modalities = copy_data
    with pytest.raises(ValueError, match="'recovery_variance' parameter .* 'bool'"):
        DyMoRegressor(modalities=modalities, recovery_variance="no", **FAST).fit(X, y)
