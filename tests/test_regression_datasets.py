"""Bundled regression data: diabetes modalities and the synthetic generator."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from sklearn_dymo.datasets import load_diabetes_modalities, make_multimodal_regression


def test_diabetes_groups():
    data = load_diabetes_modalities()
    assert data.data.shape == (442, 10) and data.target.shape == (442,)
    assert data.modalities == {"demographics": [0, 1, 2, 3], "serum": [4, 5, 6, 7, 8, 9]}
    assert [data.feature_names[i] for i in data.modalities["demographics"]] == [
        "age", "sex", "bmi", "bp"]
    frame = load_diabetes_modalities(as_frame=True)
    assert isinstance(frame.data, pd.DataFrame) and "target" not in frame.data
    assert frame.modalities["serum"] == ["s1", "s2", "s3", "s4", "s5", "s6"]
    X, y = load_diabetes_modalities(return_X_y=True)
    np.testing.assert_array_equal(X, data.data)
    np.testing.assert_array_equal(y, data.target)


def _r2_of(data, names):
    cols = [c for m in names for c in data.modalities[m]]
    X, y = data.data[:, cols], data.target
    return LinearRegression().fit(X, y).score(X, y)


def test_synthetic_informative_and_noise_modalities():
    data = make_multimodal_regression(2000, 4, informative=2, noise=0.3, random_state=0)
    assert data.data.shape == (2000, 20) and data.informative == ["m0", "m1"]
    assert list(data.modalities) == ["m0", "m1", "m2", "m3"]
    # Noise modalities tell nothing about y; informative ones do, and add up.
    assert _r2_of(data, ["m2"]) < 0.01 and _r2_of(data, ["m3"]) < 0.01
    assert _r2_of(data, ["m0"]) > 0.3 and _r2_of(data, ["m1"]) > 0.3
    assert _r2_of(data, ["m0", "m1"]) > max(_r2_of(data, ["m0"]), _r2_of(data, ["m1"])) + 0.1
    # Shared factor: an informative modality is partly predictable from another.
    m0, m1 = (data.data[:, data.modalities[m]].mean(1) for m in ("m0", "m1"))
    assert np.corrcoef(m0, m1)[0, 1] > 0.3
    # More noise on y, lower ceiling.
    noisy = make_multimodal_regression(2000, 4, informative=2, noise=3.0, random_state=0)
    assert _r2_of(noisy, ["m0", "m1"]) < _r2_of(data, ["m0", "m1"]) - 0.3


def test_synthetic_seed_and_bad_parameters():
    a = make_multimodal_regression(50, 3, informative=1, random_state=1)
    b = make_multimodal_regression(50, 3, informative=1, random_state=1)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.target, b.target)
    with pytest.raises(ValueError, match="informative=4 must be at most n_modalities=3"):
        make_multimodal_regression(50, 3, informative=4)
    with pytest.raises(ValueError, match="correlation must be"):
        make_multimodal_regression(50, 3, correlation=2.0)
    with pytest.raises(ValueError, match="noise must be"):
        make_multimodal_regression(50, 3, noise=-1)
