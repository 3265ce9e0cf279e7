"""Object columns holding numbers as text are read as numbers, not categories."""

import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_dymo import DyMoClassifier

from ..conftest import FAST


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(0)
    n = 160
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 4)) + y[:, None]
    X[rng.random(X.shape) < 0.1] = np.nan
    numeric = pd.DataFrame(X, columns=["a1", "a2", "b1", "b2"])
    return numeric, y, {"a": ["a1", "a2"], "b": ["b1", "b2"]}


def _fit(X, y, modalities, **params):
    return DyMoClassifier(modalities=modalities, **{**FAST, "max_epochs": 3, **params},
                          random_state=0).fit(X, y)


def test_question_marks_in_an_object_column_are_missing_numbers(frames):
    numeric, y, modalities = frames
    text = numeric.astype(object).where(numeric.notna(), "?")
    before = text.copy()
    with pytest.warns(UserWarning, match=r"\['a1', 'a2', 'b1', 'b2'\] have dtype object"):
        clf = _fit(text, y, modalities)
    pd.testing.assert_frame_equal(text, before)  # the input is not changed
    assert not clf.is_categorical_.any()
    reference = _fit(numeric, y, modalities)
    np.testing.assert_array_equal(clf.predict_proba(text), reference.predict_proba(numeric))


def test_floats_and_none_are_a_numeric_column(frames):
    numeric, y, modalities = frames
    with_none = numeric.astype(object).where(numeric.notna(), None)
    with pytest.warns(UserWarning, match="hold numbers"):
        clf = _fit(with_none, y, modalities)
    reference = _fit(numeric, y, modalities)
    np.testing.assert_array_equal(clf.predict_proba(with_none),
                                  reference.predict_proba(numeric))


def test_words_stay_categorical_and_a_listed_column_is_respected(frames):
    numeric, y, modalities = frames
    X = numeric.copy()
    X["colour"] = np.where(y == 1, "red", "blue").astype(object)
    X["code"] = np.where(y == 1, "1", "2").astype(object)
    mods = {**modalities, "c": ["colour", "code"]}
    with pytest.warns(UserWarning, match=r"\['code'\]"):
        clf = _fit(X, y, mods)
    assert clf.is_categorical_.tolist() == [False] * 4 + [True, False]
    listed = _fit(X, y, mods, categorical_features=["colour", "code"])
    assert listed.is_categorical_.tolist() == [False] * 4 + [True, True]


def test_an_unreadable_entry_at_predict_is_missing_with_a_warning(frames):
    numeric, y, modalities = frames
    text = numeric.astype(object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = _fit(text, y, modalities)
    query = text.iloc[:5].copy()
    query.iloc[0, 0] = "twelve"
    expected = numeric.iloc[:5].copy()
    expected.iloc[0, 0] = np.nan
    with pytest.warns(UserWarning, match=r"\['a1'\] were read as numeric in fit"):
        proba = clf.predict_proba(query)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(proba, clf.predict_proba(expected.astype(object)))
