"""The safe model file: loads without unpickling untrusted code."""

import io
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer

from sklearn_dymo import DyMoClassifier, DyMoRegressor
from sklearn_dymo.io import dump, get_untrusted_types, load

from .conftest import FAST


class MeanRecoverer(TransformerMixin, BaseEstimator):
    """A user's own recoverer: not trusted until named."""

    def fit(self, X, y=None):
        self.mean_ = np.nanmean(X, axis=0)
        return self

    def transform(self, X):
        return np.where(np.isnan(X), self.mean_, X)


@pytest.fixture(scope="module")
def frame_data(toy_data):
    X, y, _ = toy_data
    X = X.copy()
    X[np.random.RandomState(1).rand(*X.shape) < 0.2] = np.nan
    frame = pd.DataFrame(X[:, :4], columns=["a0", "a1", "b0", "b1"])
    frame["colour"] = np.where(y == 0, "red", "blue")
    labels = np.array(["low", "mid", "high"])[y]
    return frame, labels, {"a": ["a0", "a1"], "b": ["b0", "b1", "colour"]}


@pytest.fixture(scope="module")
def fitted(frame_data):
    frame, labels, modalities = frame_data
    clf = DyMoClassifier(modalities=modalities, random_state=0, **FAST).fit(frame, labels)
    clf.predict(frame)  # leaves selection_path_ behind: not saved
    return clf


def _round_trip(model, **load_params):
    buffer = io.BytesIO()
    dump(model, buffer)
    buffer.seek(0)
    return load(buffer, **load_params)


def test_round_trip_predicts_identically(fitted, frame_data):
    frame, _, _ = frame_data
    loaded = _round_trip(fitted)
    assert not hasattr(loaded, "selection_path_")  # a record of a call, not the model
    np.testing.assert_array_equal(loaded.predict_proba(frame), fitted.predict_proba(frame))
    assert list(loaded.classes_) == list(fitted.classes_)
    assert len(loaded.net_.history) == len(fitted.net_.history)


def test_regressor_round_trip(toy_data):
    X, y, modalities = toy_data
    reg = DyMoRegressor(modalities=modalities, random_state=0, **FAST).fit(X, X[:, 0] + y)
    loaded = _round_trip(reg)
    for a, b in zip(loaded.predict(X, return_std=True), reg.predict(X, return_std=True)):
        np.testing.assert_array_equal(a, b)


def test_loads_in_a_fresh_process(fitted, frame_data, tmp_path):
    frame, _, _ = frame_data
    model, rows, expected = tmp_path / "model.dymo", tmp_path / "rows.pkl", tmp_path / "p.npy"
    dump(fitted, model)
    frame.to_pickle(rows)
    code = ("import numpy as np, pandas as pd, sys; from sklearn_dymo.io import load; "
            f"m = load({str(model)!r}); "
            f"np.save({str(expected)!r}, m.predict_proba(pd.read_pickle({str(rows)!r})))")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
    np.testing.assert_array_equal(np.load(expected), fitted.predict_proba(frame))


def test_untrusted_type_is_refused_until_named(toy_data):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, recoverer=MeanRecoverer(), random_state=0,
                         **FAST).fit(X, y)
    buffer = io.BytesIO()
    dump(clf, buffer)
    name = f"{MeanRecoverer.__module__}.MeanRecoverer"
    buffer.seek(0)
    assert get_untrusted_types(buffer) == [name]
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match=f"needs {name}, which is not trusted"):
        load(buffer)
    for trusted in ([name], [MeanRecoverer]):
        buffer.seek(0)
        loaded = load(buffer, trusted=trusted)
        np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_scikit_learn_imputers_are_trusted(toy_data):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, recoverer=SimpleImputer(), random_state=0,
                         **FAST).fit(X, y)
    buffer = io.BytesIO()
    dump(clf, buffer)
    buffer.seek(0)
    assert get_untrusted_types(buffer) == []


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_file_that_would_run_code_is_refused(fitted, tmp_path):
    buffer = io.BytesIO()
    dump(fitted, buffer)
    marker = tmp_path / "ran"
    forged = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(forged, "w") as dst:
        dst.writestr("meta.json", src.read("meta.json"))
        dst.writestr("state.pkl", pickle.dumps(_RunsCode(marker)))
    forged.seek(0)
    assert get_untrusted_types(forged) == [f"{os.system.__module__}.system"]
    forged.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="system, which is not trusted"):
        load(forged)
    assert not marker.exists()


def test_dump_needs_a_fitted_dymo_model():
    with pytest.raises(NotFittedError):
        dump(DyMoClassifier(), io.BytesIO())
    with pytest.raises(TypeError, match="DyMoClassifier and DyMoRegressor"):
        dump(SimpleImputer(), io.BytesIO())


def test_other_files_are_named(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("meta.json", '{"format": "other"}')
        archive.writestr("state.pkl", b"")
    with pytest.raises(ValueError, match="not a sklearn-dymo model file"):
        load(path)
