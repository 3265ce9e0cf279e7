import numpy as np
import pytest
import torch

from sklearn_dymo._input._masks import all_subsets, missing_entries, observed_modalities
from sklearn_dymo._input._modalities import resolve_modalities
from sklearn_dymo._input._tensors import ColumnScaler, to_network_input


def test_partly_missing_modality_is_not_observed():
    X = np.array([[1.0, 2.0, 3.0], [np.nan, 2.0, 3.0], [1.0, np.nan, np.nan]])
    spec = resolve_modalities({"a": [0, 1], "b": [2]}, 3)
    observed = observed_modalities(missing_entries(X), spec)
    assert observed.tolist() == [[True, True], [False, True], [False, False]]


def test_indicators_define_missingness():
    values = np.array([[1.0, 2.0], [5.0, 2.0]])  # already recovered
    full = np.hstack([values, [[0.0], [1.0]]])
    missing = missing_entries(values, {0: 2}, full)
    assert missing.tolist() == [[False, False], [True, False]]


def test_all_subsets_key_order():
    subsets = all_subsets(3)
    assert subsets.shape == (7, 3)
    keys = (subsets.long() * torch.tensor([1, 2, 4])).sum(1)
    assert keys.tolist() == list(range(1, 8))


def test_scaler_uses_observed_entries_and_survives_empty_columns():
    X = np.array([[1.0, np.nan, 4.0], [3.0, np.nan, 4.0]])
    scaler = ColumnScaler.fit(X, np.isnan(X))
    assert np.allclose(scaler.mean, [2.0, 0.0, 4.0])
    assert np.allclose(scaler.scale, [1.0, 1.0, 1.0])  # empty and constant -> 1
    x = to_network_input(scaler.transform(X))
    assert torch.isfinite(x).all() and x.dtype == torch.float32


def test_robust_scaler_centres_on_the_median_and_clips_smoothly():
    rng = np.random.default_rng(0)
    X = np.column_stack([
        rng.normal(5.0, 2.0, 400),                # spread: IQR / 1.349 ~ std
        np.r_[np.zeros(390), np.ones(10)],        # IQR 0: falls back to the std
        rng.normal(0.0, 1.0, 400),
    ])
    X[0, 0] = 1e6  # one outlier moves the mean and std, not the median and IQR
    X[1, 2] = np.nan
    missing = np.isnan(X)
    scaler = ColumnScaler.fit(X, missing, method="robust")
    q25, q50, q75 = np.nanpercentile(X, [25, 50, 75], axis=0)
    assert np.allclose(scaler.mean, q50)
    assert np.allclose(scaler.scale[[0, 2]], ((q75 - q25) / 1.3489795)[[0, 2]])
    assert np.isclose(scaler.scale[1], X[:, 1].std())
    z = scaler.transform(np.where(missing, np.nan, X))
    assert np.nanmax(np.abs(z)) < 3.0 and z[0, 0] == pytest.approx(3.0, abs=1e-6)
    # Near the centre the clipping is close to the identity.
    plain = (X[2:, 0] - scaler.mean[0]) / scaler.scale[0]
    small = np.abs(plain) < 0.3
    assert np.allclose(z[2:, 0][small], plain[small], atol=0.01)
    # Standard scaling is the z-score of the observed entries, unclipped.
    standard = ColumnScaler.fit(X, missing, method="standard")
    assert np.allclose(standard.mean, np.nanmean(X, axis=0))
    assert np.nanmax(np.abs(standard.transform(X))) > 10


def test_robust_scaler_keeps_one_hot_columns_as_they_are():
    X = np.array([[0.0, 1.0, 3.0], [1.0, 0.0, 5.0], [0.0, 1.0, 100.0]])
    scaler = ColumnScaler.fit(X, np.zeros_like(X, dtype=bool),
                              unscaled=np.array([True, True, False]), method="robust")
    z = scaler.transform(X)
    assert np.array_equal(z[:, :2], X[:, :2])
    assert np.abs(z[:, 2]).max() < 3.0
