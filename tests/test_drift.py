"""Missingness drift: predict warns about patterns no training row had."""

import warnings

import numpy as np
import pytest

from sklearn_dymo import DyMoClassifier, DyMoRegressor, MissingnessDriftWarning

from .conftest import FAST

TINY = dict(FAST, max_epochs=2)


def _with_nan(X, columns, rows=slice(None)):
    X = X.copy()
    X[rows, columns] = np.nan
    return X


@pytest.fixture(scope="module")
def complete_fit(toy_data):
    """Trained on complete rows: every missing modality at predict time is new."""
    X, y, modalities = toy_data
    return DyMoClassifier(modalities=modalities, random_state=0, **TINY).fit(X, y)


@pytest.fixture(scope="module")
def b_sometimes_missing(toy_data):
    """Trained with modality b missing in a third of the rows."""
    X, y, modalities = toy_data
    X = _with_nan(X, [2, 3], slice(0, 80))
    return DyMoClassifier(modalities=modalities, random_state=0, **TINY).fit(X, y), X


def test_fit_counts_the_training_patterns(b_sometimes_missing):
    clf, X = b_sometimes_missing
    patterns = clf._data_path.training_patterns
    assert sorted(patterns.counts.tolist()) == [80, 160]
    assert patterns.missing[np.argmax(patterns.counts)].tolist() == [False, False, False]


def test_unseen_pattern_warns_once_with_counts(complete_fit, toy_data):
    X = _with_nan(toy_data[0][:30], [2], slice(0, 12))  # b partly missing in 12 rows
    X[12:20, 4:6] = np.nan  # c missing in 8 rows
    with pytest.warns(MissingnessDriftWarning) as record:
        complete_fit.predict(X)
    drift = [w for w in record if issubclass(w.category, MissingnessDriftWarning)]
    assert len(drift) == 1
    text = str(drift[0].message)
    assert "20 of 30 rows" in text and "b missing (12 rows)" in text
    assert "c missing (8 rows)" in text and "Never missing in training: b, c" in text
    assert drift[0].filename == __file__  # points at the caller, not the package


def test_no_warning_for_patterns_seen_in_training(b_sometimes_missing, toy_data):
    clf, _ = b_sometimes_missing
    X = _with_nan(toy_data[0][:20], [2, 3], slice(0, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingnessDriftWarning)
        clf.predict(X)
        clf.explain_selection(X)
    report = clf.missingness_report(X)
    assert report["seen_in_training"].all()
    assert report.set_index("pattern").loc[[("b",), ()], "n_test"].tolist() == [10, 10]


@pytest.mark.filterwarnings("ignore:.*fewer than 10 training rows observe")
def test_modality_always_missing_in_training_observed_at_predict(toy_data):
    X, y, modalities = toy_data
    with pytest.warns(UserWarning, match="never fully observed"):
        reg = DyMoRegressor(modalities=modalities, random_state=0, **TINY).fit(
            _with_nan(X, [4, 5]), X[:, 0])
    with pytest.warns(MissingnessDriftWarning, match="Always missing in training: c"):
        reg.predict(X[:5])


def test_missingness_report_lists_test_and_training_patterns(complete_fit, toy_data):
    X = _with_nan(toy_data[0][:10], [0, 1], slice(0, 4))
    report = complete_fit.missingness_report(X)
    assert list(report.columns) == ["pattern", "n_train", "n_test", "seen_in_training"]
    assert report.to_dict("list") == {
        "pattern": [(), ("a",)], "n_train": [240, 0], "n_test": [6, 4],
        "seen_in_training": [True, False]}
