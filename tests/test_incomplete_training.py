"""Training rows with missing modalities: which subsets selection may reach."""

import warnings

import numpy as np
import pytest
import torch

from sklearn_dymo import DyMoClassifier
from sklearn_dymo._input._masks import all_subsets
from sklearn_dymo._selection._prototypes import MIN_SUPPORT
from sklearn_dymo.datasets import load_breast_cancer_modalities

PARAMS = {"max_epochs": 2, "d_model": 16, "n_heads": 2, "encoder_hidden": 16,
          "latent_dim": 8, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    return load_breast_cancer_modalities()


def _blank(X, modalities, keep):
    """Copy of X where row i keeps only the modalities ``keep[i]`` (bool list)."""
    X = np.array(X, dtype=float)
    for m, columns in enumerate(modalities.values()):
        rows = ~np.asarray(keep, dtype=bool)[:, m]
        X[np.ix_(rows, columns)] = np.nan
    return X


def test_single_modality_rows_warn_and_selection_adds_nothing(data):
    # Every training row observes exactly one modality: no pair was ever seen.
    n = data.data.shape[0]
    keep = np.eye(3, dtype=bool)[np.arange(n) % 3]
    X = _blank(data.data, data.modalities, keep)
    with pytest.warns(UserWarning, match="together, so selection will not add"):
        clf = DyMoClassifier(modalities=data.modalities, selection="iterative",
                             **PARAMS).fit(X, data.target)
    supported = clf.subset_statistics_.supported
    sizes = all_subsets(3).sum(1)
    assert supported[sizes == 1].all() and not supported[sizes > 1].any()
    X_test = _blank(data.data[:60], data.modalities, keep[:60])
    result = clf.select_modalities(X_test)
    assert all(path == () for path in result.path)
    assert len(result.rewards) == 0
    # What "all" does is the user's explicit choice and stays available.
    assert clf.select_modalities(X_test, "all").used.all(axis=None)


def test_statistics_count_only_rows_that_observed_the_whole_subset(data):
    # Rows observe {mean, se} (30), {worst} alone (rest): only the subsets
    # inside {mean, se} and {worst} itself have support.
    n = data.data.shape[0]
    keep = np.zeros((n, 3), dtype=bool)
    keep[:30, :2] = True
    keep[30:, 2] = True
    X = _blank(data.data, data.modalities, keep)
    with pytest.warns(UserWarning, match="out of reach"):
        clf = DyMoClassifier(modalities=data.modalities, selection="iterative",
                             **PARAMS).fit(X, data.target)
    subsets = all_subsets(3).numpy()
    counts = np.array([(keep[:, s].all(1)).sum() for s in subsets])
    expected = counts >= MIN_SUPPORT
    np.testing.assert_array_equal(clf.subset_statistics_.supported.numpy(), expected)
    # A test row that observed 'mean' may add 'se' (seen together) but never
    # 'worst' (never seen with 'mean').
    X_test = _blank(data.data[:40], data.modalities, [[True, False, False]] * 40)
    result = clf.select_modalities(X_test)
    tried = set(result.rewards["modality"].astype(str))
    assert tried <= {"se"}


def test_complete_training_data_supports_every_subset(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning at all
        rows = np.r_[0:4, 560:564]  # both classes, fewer rows than MIN_SUPPORT
        assert len(set(data.target[rows])) == 2
        clf = DyMoClassifier(modalities=data.modalities, **PARAMS).fit(
            data.data[rows], data.target[rows])
    assert bool(clf.subset_statistics_.supported.all())
    assert isinstance(clf.subset_statistics_.supported, torch.Tensor)
