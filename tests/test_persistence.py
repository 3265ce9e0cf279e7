"""Persistence and reproducibility: pickle, joblib, devices, versions, no mutation."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.impute import KNNImputer
from sklearn.model_selection import GridSearchCV

import sklearn_dymo
from sklearn_dymo import (
    DyMoClassifier,
    DyMoVersionWarning,
    MissingnessDriftWarning,
    ModalityRecoverer,
)
from sklearn_dymo.datasets import drop_modalities

from .conftest import FAST


@pytest.fixture(scope="module")
def fitted(toy_data):
    X, y, modalities = toy_data
    X_train = drop_modalities(X, modalities, rate=0.3, random_state=0)
    clf = DyMoClassifier(modalities=modalities, random_state=0,
                         **{**FAST, "max_epochs": 4}).fit(X_train, y)
    X_test = drop_modalities(X, modalities, rate=0.6, random_state=1)
    return clf, X_test


def _expectation(clf, X):
    proba = clf.predict_proba(X)
    return proba, clf.selection_path_, clf.selection_rewards_.copy()


def _assert_same(clf, X, expected):
    proba, path, rewards = expected
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    assert clf.selection_path_ == path
    pd.testing.assert_frame_equal(clf.selection_rewards_, rewards)


def test_pickle_and_joblib_round_trips(fitted, tmp_path):
    clf, X = fitted
    expected = _expectation(clf, X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same version: no warning at all
        # (but the drift of the test rows' missingness, which is not about loading)
        warnings.simplefilter("ignore", MissingnessDriftWarning)
        _assert_same(pickle.loads(pickle.dumps(clf)), X, expected)
        joblib.dump(clf, tmp_path / "model.joblib")
        _assert_same(joblib.load(tmp_path / "model.joblib"), X, expected)
    # Pickling never moves the live model's tensors.
    assert clf.subset_statistics_.prototypes.device.type == "cpu"


def test_model_fitted_on_cuda_loads_on_a_cpu_only_machine(fitted, monkeypatch):
    """The code path of a GPU-trained model, with the GPU simulated.

    A model fitted with ``device="cuda"`` records that device; here the
    tensors are on the CPU (no GPU in CI) but the recorded device is cuda,
    which is what unpickling on a CPU-only machine sees.
    """
    clf, X = fitted
    expected = _expectation(clf, X)
    gpu_model = pickle.loads(pickle.dumps(clf))
    gpu_model.set_params(device="cuda")
    gpu_model.net_.set_params(device="cuda")
    gpu_model.device_ = "cuda"
    blob = pickle.dumps(gpu_model)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="no CUDA devices are available"):
        loaded = pickle.loads(blob)
    assert loaded.device_ == "cpu" and str(loaded.net_.device) == "cpu"
    assert loaded.subset_statistics_.sigma.device.type == "cpu"
    _assert_same(loaded, X, expected)


def test_other_package_version_warns(fitted, monkeypatch):
    clf, X = fitted
    blob = pickle.dumps(clf)
    monkeypatch.setattr(sklearn_dymo, "__version__", "99.0.0")
    with pytest.warns(DyMoVersionWarning, match=r"pickled by sklearn-dymo 0\.\d.*by "
                                                r"sklearn-dymo 99\.0\.0"):
        loaded = pickle.loads(blob)
    assert np.isfinite(loaded.predict_proba(X)).all()
    recoverer = ModalityRecoverer().fit(X)
    blob = pickle.dumps(recoverer)
    monkeypatch.setattr(sklearn_dymo, "__version__", "100.0.0")
    with pytest.warns(DyMoVersionWarning, match="ModalityRecoverer"):
        pickle.loads(blob)


def test_pickle_without_a_version_stamp_warns(fitted):
    clf, _ = fitted
    state = clf.__getstate__()
    state.pop("_sklearn_dymo_version")
    bare = DyMoClassifier.__new__(DyMoClassifier)
    with pytest.warns(DyMoVersionWarning, match="unknown"):
        bare.__setstate__(state)


def test_nothing_is_mutated_and_refit_is_identical(toy_data):
    X, y, modalities = toy_data
    X_missing = drop_modalities(X, modalities, rate=0.5, random_state=0)
    df = pd.DataFrame(X_missing, columns=[f"f{i}" for i in range(6)])
    df_copy = df.copy()
    labels = np.array(["x", "y", "z"], dtype=object)[y]
    labels_copy = labels.copy()
    imputer = KNNImputer(n_neighbors=3)
    params_before = imputer.get_params()
    clf = DyMoClassifier(modalities=[["f0", "f1"], ["f2", "f3"], ["f4", "f5"]],
                         recoverer=imputer, random_state=5, **{**FAST, "max_epochs": 3})
    first = clf.fit(df, labels).predict_proba(df)
    pd.testing.assert_frame_equal(df, df_copy)
    np.testing.assert_array_equal(labels, labels_copy)
    assert clf.recoverer is imputer and clf.recoverer_ is not imputer
    assert imputer.get_params() == params_before
    assert not hasattr(imputer, "n_features_in_")  # the user's object stays unfitted
    # Fitting the same estimator again, or a clone, gives the same model.
    path = clf.selection_path_
    np.testing.assert_array_equal(clf.fit(df, labels).predict_proba(df), first)
    assert clf.selection_path_ == path
    np.testing.assert_array_equal(clone(clf).fit(df, labels).predict_proba(df), first)


def test_grid_search_n_jobs_does_not_change_results(toy_data):
    X, y, modalities = toy_data
    X_train = drop_modalities(X, modalities, rate=0.3, random_state=0)
    grid = {"distance": ["cosine", "sqeuclidean"]}
    est = DyMoClassifier(modalities=modalities, random_state=0, **{**FAST, "max_epochs": 2})
    serial = GridSearchCV(est, grid, cv=2, n_jobs=1).fit(X_train, y)
    parallel = GridSearchCV(est, grid, cv=2, n_jobs=2).fit(X_train, y)
    np.testing.assert_array_equal(serial.cv_results_["split0_test_score"],
                                  parallel.cv_results_["split0_test_score"])
    np.testing.assert_array_equal(serial.cv_results_["split1_test_score"],
                                  parallel.cv_results_["split1_test_score"])
    np.testing.assert_array_equal(serial.predict_proba(X_train), parallel.predict_proba(X_train))


def test_pickled_bytes_load_through_a_file_object(fitted):
    clf, X = fitted
    buffer = io.BytesIO()
    pickle.dump(clf, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(pickle.load(buffer).predict(X), clf.predict(X))
