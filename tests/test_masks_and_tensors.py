import numpy as np
import torch

from sklearn_dymo._masks import all_subsets, missing_entries, observed_modalities
from sklearn_dymo._modalities import resolve_modalities
from sklearn_dymo._tensors import ColumnScaler, to_network_input


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
