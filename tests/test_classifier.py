"""DyMoClassifier end to end: sklearn tooling, pandas, pickling, seeds."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline

from sklearn_dymo import DyMoClassifier, ModalityRecoverer
from sklearn_dymo.datasets import drop_modalities


def _half_missing(X, modalities, seed):
    """Every other row misses one of the three modalities; the rest are complete,
    so the training data observe every combination (selection may reach all)."""
    out = X.copy()
    rows = np.arange(len(X)) % 2 == 0
    out[rows] = drop_modalities(X[rows], modalities, rate=0.3, random_state=seed)
    return out


@pytest.fixture(scope="module")
def fitted(toy_data):
    from .conftest import FAST
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, recoverer=KNNImputer(), random_state=0,
                         **FAST).fit(X, y)
    return clf, X, y, modalities


def test_fit_learns_and_proba_is_valid(fitted):
    clf, X, y, modalities = fitted
    assert clf.modality_names_ == ["a", "b", "c"]
    assert clf.n_iter_ == 8
    X_missing = drop_modalities(X, modalities, rate=0.6, random_state=0)
    proba = clf.predict_proba(X_missing)
    assert proba.dtype == np.float64 and proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert clf.score(X, y) > 0.9


def test_selection_path_and_rewards(fitted):
    clf, X, y, modalities = fitted
    X_missing = drop_modalities(X, modalities, rate=0.6, random_state=1)
    clf.predict(X_missing)
    path, rewards = clf.selection_path_, clf.selection_rewards_
    assert len(path) == len(X)
    missing = {(i, m) for i in range(len(X)) for m, cols in modalities.items()
               if np.isnan(X_missing[i, cols]).any()}
    for i, p in enumerate(path):
        assert all((i, m) in missing for m in p)
        assert len(p) == len(set(p))
    assert list(rewards.columns) == ["step", "modality", "reward", "accepted"]
    accepted = rewards[rewards.accepted]  # sorted by row, then step
    assert (accepted.reward > 0).all()
    rebuilt = accepted.groupby(level=0, observed=True)["modality"].apply(tuple)
    for i, p in rebuilt.items():
        assert path[i] == p
    # select_modalities gives the same without storing anything new.
    result = clf.select_modalities(X_missing)
    assert result.path == path
    np.testing.assert_array_equal(result.proba, clf.predict_proba(X_missing))
    assert result.used.columns.tolist() == ["a", "b", "c"]


def test_strategies_from_one_fitted_model(fitted):
    clf, X, y, modalities = fitted
    X_missing = drop_modalities(X, modalities, rate=0.6, random_state=2)
    observed = clf.select_modalities(X_missing, selection="observed")
    every = clf.select_modalities(X_missing, selection="all")
    assert all(p == () for p in observed.path)
    n_missing = [sum(np.isnan(X_missing[i, c]).any() for c in modalities.values())
                 for i in range(len(X))]
    assert [len(p) for p in every.path] == n_missing
    assert every.used.all().all()
    with pytest.raises(ValueError, match="selection must be one of"):
        clf.select_modalities(X_missing, selection="greedy")


def test_complete_rows_need_no_selection(fitted):
    clf, X, y, _ = fitted
    full = clf.select_modalities(X)
    assert all(p == () for p in full.path) and len(full.rewards) == 0
    np.testing.assert_allclose(full.proba, clf.select_modalities(X, selection="observed").proba)


def test_same_seed_same_model_other_seed_other_model(toy_data, fast_params):
    X, y, modalities = toy_data
    X_missing = drop_modalities(X, modalities, rate=0.6, random_state=0)
    a = DyMoClassifier(modalities=modalities, random_state=3, **fast_params).fit(X, y)
    b = DyMoClassifier(modalities=modalities, random_state=3, **fast_params).fit(X, y)
    c = DyMoClassifier(modalities=modalities, random_state=4, **fast_params).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X_missing), b.predict_proba(X_missing))
    assert a.selection_path_ == b.selection_path_
    assert not np.allclose(a.predict_proba(X_missing), c.predict_proba(X_missing))


def test_pickle_round_trip(fitted):
    clf, X, y, modalities = fitted
    X_missing = drop_modalities(X, modalities, rate=0.6, random_state=3)
    before = clf.predict_proba(X_missing)
    path = clf.selection_path_
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X_missing), before)
    assert loaded.selection_path_ == path


def test_string_labels_and_pandas_names(toy_data, fast_params):
    X, y, _ = toy_data
    labels = np.array(["low", "mid", "high"])[y]
    df = pd.DataFrame(X, columns=["a1", "a2", "b1", "b2", "c1", "c2"])
    modalities = {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2"]}
    clf = DyMoClassifier(modalities=modalities, random_state=0, **fast_params).fit(df, labels)
    assert set(clf.classes_) == {"low", "mid", "high"}
    df_missing = drop_modalities(df, modalities, rate=0.6, random_state=0)
    pred = clf.predict(df_missing)
    assert pred.dtype == clf.classes_.dtype and set(pred) <= set(clf.classes_)
    assert all(set(p) <= {"A", "B", "C"} for p in clf.selection_path_)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(df_missing.to_numpy())
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df_missing[df.columns[::-1]])


def _pipeline(modalities, fast_params, imputer):
    return Pipeline([
        ("impute", ModalityRecoverer(imputer)),
        ("clf", DyMoClassifier(modalities=modalities, selection="iterative", random_state=0,
                               **fast_params)),
    ])


@pytest.mark.parametrize("as_frame", [False, True])
def test_pipeline_and_grid_search_in_parallel(toy_data, fast_params, as_frame):
    X, y, modalities = toy_data
    fast_params["max_epochs"] = 3
    X_train = _half_missing(X, modalities, 0)
    if as_frame:
        names = ["a1", "a2", "b1", "b2", "c1", "c2"]
        X_train = pd.DataFrame(X_train, columns=names)
        modalities = {"a": names[:2], "b": names[2:4], "c": names[4:]}
    pipe = _pipeline(modalities, fast_params, IterativeImputer(max_iter=3))
    grid = GridSearchCV(
        pipe,
        {"clf__distance": ["cosine", "sqeuclidean"], "impute__recoverer__max_iter": [2, 3]},
        cv=2, n_jobs=2,
    ).fit(X_train, y)
    assert grid.cv_results_["mean_test_score"].shape == (4,)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    best = grid.best_estimator_
    proba = best.predict_proba(X_train)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    clf = best[-1]
    assert clf.recoverer_ is None  # values arrive recovered, with indicators
    assert len(clf.selection_path_) == len(y)
    assert any(len(p) for p in clf.selection_path_) or clf.selection_rewards_.shape[0] > 0


def test_pipeline_equals_recoverer_inside(toy_data, fast_params):
    """Same recoverer as a step or inside: same observed masks and values."""
    X, y, modalities = toy_data
    X_train = drop_modalities(X, modalities, rate=0.3, random_state=1)
    inside = DyMoClassifier(modalities=modalities, recoverer=SimpleImputer(), random_state=0,
                            **fast_params).fit(X_train, y)
    piped = _pipeline(modalities, fast_params, SimpleImputer()).fit(X_train, y)
    np.testing.assert_allclose(inside.predict_proba(X_train), piped.predict_proba(X_train),
                               rtol=1e-5, atol=1e-6)
    assert inside.selection_path_ == piped[-1].selection_path_


def test_sklearn_add_indicator_columns_are_recognised(toy_data, fast_params):
    X, y, modalities = toy_data
    X_train = _half_missing(X, modalities, 2)
    names = ["a1", "a2", "b1", "b2", "c1", "c2"]
    df = pd.DataFrame(X_train, columns=names)
    imputer = SimpleImputer(add_indicator=True).set_output(transform="pandas")
    recovered = imputer.fit_transform(df)
    assert any(c.startswith("missingindicator_") for c in recovered.columns)
    mods = {"a": names[:2], "b": names[2:4], "c": names[4:]}
    clf = DyMoClassifier(modalities=mods, selection="iterative", random_state=0,
                         **fast_params).fit(recovered, y)
    assert clf.recoverer_ is None
    clf.predict(recovered)
    missing_mods = sum(np.isnan(X_train[:, c]).any(1).sum() for c in modalities.values())
    assert clf.selection_rewards_.shape[0] >= 1 and missing_mods > 0
    for i, path in enumerate(clf.selection_path_):
        for m in path:
            assert np.isnan(df.loc[i, mods[m]].to_numpy()).any()


def test_cross_val_score_runs(toy_data, fast_params):
    X, y, modalities = toy_data
    fast_params["max_epochs"] = 2
    scores = cross_val_score(DyMoClassifier(modalities=modalities, random_state=0,
                                            **fast_params), X, y, cv=2)
    assert scores.shape == (2,) and (scores > 0.34).all()


def test_early_stopping_and_callbacks(toy_data, fast_params):
    from skorch.callbacks import Callback

    class Marks(Callback):
        def initialize(self):
            self.initialized_ = True
            return self

        def on_epoch_end(self, net, **kwargs):
            net.history.record("marked", True)

    X, y, modalities = toy_data
    fast_params["max_epochs"] = 40
    user_cb = Marks()
    clf = DyMoClassifier(modalities=modalities, early_stopping=True, n_iter_no_change=2,
                         tol=10.0, callbacks=[user_cb], random_state=0, **fast_params)
    clf.fit(X, y)
    assert clf.n_iter_ < 40  # a huge tol stops early
    assert "valid_loss" in clf.net_.history[-1]
    assert net_marked(clf)
    assert not hasattr(user_cb, "initialized_")  # the user's callback is not mutated


def net_marked(clf):
    # the epoch that triggers early stopping ends before later callbacks run
    return all(row.get("marked") for row in clf.net_.history[:-1])


@pytest.mark.parametrize("params, match", [
    ({"selection": "best"}, "'selection' parameter of DyMoClassifier must be a str among"),
    ({"distance": "l1"}, "'distance' parameter .* must be a str among"),
    ({"d_model": 10, "n_heads": 4}, "must divide d_model"),
    ({"temperature": 0}, r"'temperature' parameter .* range \(0.0, inf\). Got 0"),
    ({"optimizer": "lbfgs"}, "'optimizer' parameter .* must be a str among"),
    ({"scaling": "minmax"}, "'scaling' parameter .* must be a str among"),
    ({"lr_schedule": "step"}, "'lr_schedule' parameter .* must be a str among"),
    ({"linear_path": "yes"}, "'linear_path' parameter .* must be an instance of 'bool'"),
    ({"label_smoothing": 1.0}, r"'label_smoothing' parameter .* range \[0.0, 1.0\)"),
    ({"input_noise": -0.1}, "'input_noise' parameter"),
    ({"verbose": "yes"}, "'verbose' parameter"),
    ({"early_stopping": "False"}, "'early_stopping' parameter .* 'bool'"),
    ({"calibration_strength": float("inf")}, "'calibration_strength' parameter"),
    ({"dropout": 0.999}, "would drop every unit"),
    ({"device": "gpu0"}, "'gpu0' is not a torch device"),
    ({"recoverer": object()}, "has no fit"),
])
def test_bad_parameters_are_named(toy_data, params, match):
    X, y, modalities = toy_data
    with pytest.raises((ValueError, TypeError), match=match):
        DyMoClassifier(modalities=modalities, **params).fit(X, y)


def test_cuda_without_cuda_is_refused_before_training(toy_data, monkeypatch):
    X, y, modalities = toy_data
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        DyMoClassifier(modalities=modalities, device="cuda").fit(X, y)


def test_single_class_and_never_observed_modality(toy_data, fast_params):
    X, y, modalities = toy_data
    with pytest.raises(ValueError, match="only one class"):
        DyMoClassifier(modalities=modalities).fit(X, np.zeros(len(y)))
    X_gap = X.copy()
    X_gap[:, 4] = np.nan  # modality c never fully observed
    with pytest.warns(UserWarning, match="'c' is never fully observed"):
        clf = DyMoClassifier(modalities=modalities, recoverer=SimpleImputer(
            keep_empty_features=True), random_state=0, **fast_params).fit(X_gap, y)
    assert np.isfinite(clf.predict_proba(X_gap)).all()


def test_inputs_are_not_mutated(toy_data, fast_params):
    X, y, modalities = toy_data
    X_missing = drop_modalities(X, modalities, rate=0.5, random_state=0)
    X_copy, y_copy = X_missing.copy(), y.copy()
    imputer = KNNImputer()
    clf = DyMoClassifier(modalities=modalities, recoverer=imputer, random_state=0,
                         **fast_params).fit(X_missing, y)
    clf.predict(X_missing)
    np.testing.assert_array_equal(X_missing, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    assert not hasattr(imputer, "n_features_in_")  # the user's object stays unfitted


def test_rows_with_nothing_observed_still_get_predictions(fitted):
    clf, X, y, modalities = fitted
    X_empty = X[:10].copy()
    X_empty[:, [0, 2, 4]] = np.nan  # one entry of each modality missing
    clf.set_params(min_observed_fraction=1.0)  # so no modality counts as observed
    try:
        for strategy in ("iterative", "simultaneous", "observed", "all"):
            result = clf.select_modalities(X_empty, selection=strategy)
            assert np.isfinite(result.proba).all()
            np.testing.assert_allclose(result.proba.sum(1), 1.0)
            assert all(len(p) >= 1 for p in result.path)  # something was used
            assert result.used.any(axis=1).all()
    finally:
        clf.set_params(min_observed_fraction=0.5)
