import numpy as np
import pandas as pd
import pytest

from sklearn_dymo.datasets import (
    drop_modalities,
    load_breast_cancer_modalities,
    make_poly_digits,
)


def test_poly_digits_modalities_hold_different_images_of_the_same_digit():
    data = make_poly_digits(random_state=0)
    assert data.data.shape == (1797, 320)
    assert list(data.modalities) == ["clean", "mirrored", "inverted", "shifted", "noisy"]
    X, y = data.data, data.target
    clean, mirrored = X[:, :64], X[:, 64:128]
    # Different images: the mirrored modality is not the clean one mirrored.
    unmirrored = mirrored.reshape(-1, 8, 8)[:, :, ::-1].reshape(-1, 64)
    assert np.mean(np.abs(unmirrored - clean).mean(1) < 0.2) < 0.5
    # Same digit: class means of each modality separate the classes.
    means = np.stack([clean[y == k].mean(0) for k in range(10)])
    nearest = np.argmin(((clean[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert np.mean(nearest == y) > 0.7
    # Noise rises from the first modality to the last.
    noise = [np.std(X[:, 64 * m:64 * (m + 1)] - np.stack(
        [X[y == k, 64 * m:64 * (m + 1)].mean(0) for k in range(10)])[y]) for m in range(5)]
    assert noise[0] < noise[-1]


def test_poly_digits_options():
    a = make_poly_digits(n_samples=100, n_modalities=7, random_state=1, as_frame=True)
    assert a.data.shape == (100, 7 * 64) and isinstance(a.data, pd.DataFrame)
    assert list(a.modalities)[5:] == ["clean1", "mirrored1"]
    assert a.modalities["clean"][0] == "clean_p00"
    X, y = make_poly_digits(n_samples=50, random_state=1, return_X_y=True)
    np.testing.assert_array_equal(X, make_poly_digits(n_samples=50, random_state=1).data)


def test_breast_cancer_groups():
    data = load_breast_cancer_modalities()
    assert {k: len(v) for k, v in data.modalities.items()} == {"mean": 10, "se": 10, "worst": 10}
    frame = load_breast_cancer_modalities(as_frame=True)
    assert frame.modalities["se"][0] == "radius error"
    assert frame.data[frame.modalities["worst"]].shape == (569, 10)


def test_drop_modalities_drops_whole_groups_and_keeps_one():
    X = np.arange(40, dtype=float).reshape(4, 10)
    mods = {"a": [0, 1], "b": [2, 3, 4], "c": [5, 6], "d": [7, 8, 9]}
    out = drop_modalities(X, mods, rate=1.0, random_state=0)
    assert np.isnan(X).sum() == 0  # input untouched
    for row in out:
        dropped = [np.isnan(row[c]).all() for c in mods.values()]
        kept = [not np.isnan(row[c]).any() for c in mods.values()]
        assert all(d or k for d, k in zip(dropped, kept))  # whole groups only
        assert sum(kept) == 1  # rate 1 still keeps one
    half = drop_modalities(X, mods, rate=0.5, random_state=0)
    assert all(sum(np.isnan(r[c]).all() for c in mods.values()) == 2 for r in half)
    df = pd.DataFrame(X, columns=list("abcdefghij"), index=range(10, 14))
    out = drop_modalities(df, {"x": list("abcde"), "y": list("fghij")}, 0.5, random_state=0)
    assert isinstance(out, pd.DataFrame) and out.index.tolist() == [10, 11, 12, 13]
    with pytest.raises(ValueError, match="rate must be"):
        drop_modalities(X, mods, rate=1.5)
