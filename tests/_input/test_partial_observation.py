"""Partly observed modalities: ``min_observed_fraction``."""

import numpy as np
import pytest

from sklearn_dymo import DyMoClassifier
from sklearn_dymo._input._masks import observed_modalities
from sklearn_dymo._input._modalities import resolve_modalities
from sklearn_dymo.datasets import load_breast_cancer_modalities


def test_observed_fraction_counts_present_entries():
    spec = resolve_modalities([[0, 1, 2, 3], [4, 5]], 6, None)
    missing = np.zeros((3, 6), dtype=bool)
    missing[0, 0] = True          # 3 of 4 present
    missing[1, [0, 1]] = True     # 2 of 4 present
    missing[2, [4, 5]] = True     # 0 of 2 present
    full = observed_modalities(missing, spec)
    np.testing.assert_array_equal(full, [[False, True], [False, True], [True, False]])
    np.testing.assert_array_equal(observed_modalities(missing, spec, 0.75),
                                  [[True, True], [False, True], [True, False]])
    np.testing.assert_array_equal(observed_modalities(missing, spec, 0.5),
                                  [[True, True], [True, True], [True, False]])
    # A wholly missing modality is never observed, whatever the threshold.
    assert not observed_modalities(missing, spec, 1e-6)[2, 1]


@pytest.fixture(scope="module")
def fitted():
    data = load_breast_cancer_modalities()
    clf = DyMoClassifier(modalities=data.modalities, selection="iterative", max_epochs=2,
                         d_model=16, n_heads=2, encoder_hidden=16, latent_dim=8,
                         random_state=0)
    return clf.fit(data.data, data.target), data


def test_partly_observed_modality_starts_observed_above_the_threshold(fitted):
    clf, data = fitted
    X = np.array(data.data[:30], dtype=float)
    se = data.modalities["se"]
    X[:, se[:3]] = np.nan  # 'se' keeps 7 of its 10 entries
    clf.set_params(min_observed_fraction=1.0)
    paper = clf.select_modalities(X)
    # Paper's rule: 'se' is a candidate judged by its reward.
    assert set(paper.rewards["modality"].astype(str)) == {"se"}
    clf.set_params(min_observed_fraction=0.5)
    partial = clf.select_modalities(X)
    assert len(partial.rewards) == 0 and partial.used["se"].all()
    # It is then exactly the model on all modalities with the gaps recovered.
    np.testing.assert_allclose(partial.proba, clf.select_modalities(X, "all").proba)
    clf.set_params(min_observed_fraction=0.8)  # 0.7 present is not enough
    assert clf.select_modalities(X).rewards["modality"].astype(str).eq("se").all()
    clf.set_params(min_observed_fraction=1.0)


@pytest.mark.parametrize("value", [0, -0.1, 1.5, "half", True])
def test_bad_fraction_is_refused(fitted, value):
    clf, data = fitted
    match = "'min_observed_fraction' parameter of DyMoClassifier must be"
    with pytest.raises(ValueError, match=match):
        DyMoClassifier(modalities=data.modalities, min_observed_fraction=value).fit(
            data.data[:20], data.target[:20])
