"""Selection knobs (gamma, tau) and the self-tuned selection (selection="auto")."""

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.metrics.pairwise import nan_euclidean_distances
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_dymo import DyMoClassifier, ModalityRecoverer
from sklearn_dymo._selection._tuning import (
    STRENGTHS,
    THRESHOLDS,
    hidden_modalities,
    policy_grid,
    rank_policies,
)
from sklearn_dymo.datasets import drop_modalities, make_poly_digits

from ..conftest import FAST


@pytest.fixture(scope="module")
def fitted(toy_data):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, selection="iterative", random_state=0,
                         **FAST).fit(X, y)
    return clf, drop_modalities(X, modalities, rate=0.6, random_state=0)


def test_strength_zero_is_the_uncalibrated_reward(fitted):
    clf, X = fitted
    base = clf.get_params()
    try:
        clf.set_params(calibrate=False)
        uncalibrated = clf.select_modalities(X)
        clf.set_params(calibrate=True, calibration_strength=0.0)
        gamma_zero = clf.select_modalities(X)
        clf.set_params(calibration_strength=1.0)
        gamma_one = clf.select_modalities(X)
    finally:
        clf.set_params(**base)
    np.testing.assert_array_equal(gamma_zero.proba, uncalibrated.proba)
    assert gamma_zero.path == uncalibrated.path
    # Calibration only ever lowers rewards, so gamma = 1 accepts no more.
    assert sum(map(len, gamma_one.path)) <= sum(map(len, gamma_zero.path))
    assert gamma_one.path != gamma_zero.path


def test_threshold_moves_selection_between_observed_and_all(fitted):
    clf, X = fitted
    base = clf.get_params()
    try:
        clf.set_params(reward_threshold=1e9)
        strict = clf.select_modalities(X)
        clf.set_params(reward_threshold=-1e9)
        eager = clf.select_modalities(X)
    finally:
        clf.set_params(**base)
    observed, every = clf.select_modalities(X, "observed"), clf.select_modalities(X, "all")
    np.testing.assert_array_equal(strict.proba, observed.proba)
    assert strict.path == [()] * len(X)
    np.testing.assert_allclose(eager.proba, every.proba, rtol=0, atol=1e-6)
    assert eager.used.all(axis=None)
    # Every accepted reward clears the threshold.
    rewards = clf.set_params(reward_threshold=0.3).select_modalities(X).rewards
    clf.set_params(**base)
    assert (rewards.reward[rewards.accepted] > 0.3).all()


def test_knobs_are_searchable(toy_data):
    X, y, modalities = toy_data
    X_train = drop_modalities(X, modalities, rate=0.4, random_state=0)
    est = DyMoClassifier(modalities=modalities, random_state=0, **{**FAST, "max_epochs": 2})
    grid = GridSearchCV(est, {"calibration_strength": [0.0, 2.0],
                              "reward_threshold": [-0.5, 0.5]}, cv=2).fit(X_train, y)
    assert len(grid.cv_results_["params"]) == 4
    # The refitted best model predicts with the knobs the search chose.
    chosen = grid.best_estimator_.selection_params_
    assert chosen["reward_threshold"] == grid.best_params_["reward_threshold"]
    assert chosen["calibration_strength"] == grid.best_params_["calibration_strength"]
    scores = grid.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()


@pytest.mark.parametrize("params, match", [
    ({"calibration_strength": -1.0}, "calibration_strength"),
    ({"tuning_fraction": 1.0}, "tuning_fraction"),
    ({"tuning_scoring": "auc"}, "tuning_scoring"),
    ({"tuning_missingness": [0.5, 1.5]}, "tuning_missingness"),
    ({"tuning_missingness": "sometimes"}, "tuning_missingness"),
    ({"selection": "auto", "calibrate": "literal"}, "needs calibrate=True"),
])
def test_bad_tuning_parameters_are_named(toy_data, params, match):
    X, y, modalities = toy_data
    with pytest.raises(ValueError, match=match):
        DyMoClassifier(modalities=modalities, **params).fit(X, y)


def test_hidden_modalities_patterns_and_rates():
    rng = np.random.RandomState(0)
    observed = rng.rand(50, 4) < 0.7
    observed[0] = False
    train_observed = rng.rand(30, 4) < 0.5
    rows, hide = hidden_modalities(observed, train_observed, "patterns", 4, rng)
    assert hide.shape == (150, 4) and np.array_equal(rows, np.tile(np.arange(50), 3))
    kept = observed[rows] & ~hide
    assert not (hide & ~observed[rows]).any()  # only observed modalities are hidden
    assert kept[observed[rows].any(1)].any(1).all()  # something stays observed
    rows, hide = hidden_modalities(observed, train_observed, (0.25, 0.75), 4, rng)
    assert hide.shape == (100, 4)
    np.testing.assert_array_equal(hide[:50].sum(1), 1)
    np.testing.assert_array_equal(hide[50:].sum(1), 3)


def test_policy_grid_and_ranking():
    grid = policy_grid(1.0, 0.0)
    assert [p.selection for p in grid[:2]] == ["observed", "all"]
    assert len(grid) == 2 + len(STRENGTHS) * len(THRESHOLDS)
    table = pd.DataFrame({"accuracy": [0.8, 0.9, 0.9, 0.9],
                          "log_loss": [0.1, 0.5, 0.4, 0.4]})
    assert rank_policies(table, "accuracy")["rank"].tolist() == [4, 3, 1, 2]
    assert rank_policies(table, "log_loss")["rank"].tolist() == [1, 4, 2, 3]


def test_auto_records_its_tuning_and_predicts_with_it(toy_data):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, selection="auto", refit=False,
                         random_state=0, **FAST).fit(X, y)
    table = clf.selection_tuning_
    assert len(table) == 2 + len(STRENGTHS) * len(THRESHOLDS)
    assert sorted(table["rank"]) == list(range(1, len(table) + 1))
    assert {"params", "param_selection", "param_calibration_strength",
            "param_reward_threshold", "accuracy", "log_loss"} <= set(table.columns)
    best = table.loc[table["rank"] == 1].iloc[0]
    assert clf.selection_params_ == best["params"]
    assert best["log_loss"] == table["log_loss"].min()  # the default tuning_scoring
    X_test = drop_modalities(X, modalities, rate=0.6, random_state=5)
    proba, path = clf.predict_proba(X_test), clf.selection_path_
    chosen = clf.selection_params_
    clf.set_params(calibration_strength=chosen["calibration_strength"],
                   reward_threshold=chosen["reward_threshold"])
    explicit = clf.select_modalities(X_test, selection=chosen["selection"])
    np.testing.assert_array_equal(proba, explicit.proba)
    assert path == explicit.path


def test_auto_refit_trains_on_all_rows(toy_data):
    X, y, modalities = toy_data
    params = dict(modalities=modalities, selection="auto", random_state=0, **FAST)
    kept = DyMoClassifier(refit=False, **params).fit(X, y)
    refitted = DyMoClassifier(**params).fit(X, y)  # refit=True is the default
    pd.testing.assert_frame_equal(kept.selection_tuning_, refitted.selection_tuning_)
    assert not np.allclose(kept.predict_proba(X), refitted.predict_proba(X))
    # Only the refitted model saw every training row (the scaler's centres,
    # the column medians, tell).
    np.testing.assert_allclose(refitted._data_path.scaler.mean, np.median(X, axis=0))
    assert not np.allclose(kept._data_path.scaler.mean, np.median(X, axis=0))


def test_auto_needs_the_recoverer_inside_and_two_samples_per_class(toy_data):
    X, y, modalities = toy_data
    X_train = drop_modalities(X, modalities, rate=0.3, random_state=0)
    pipe = make_pipeline(ModalityRecoverer(SimpleImputer()), DyMoClassifier(
        modalities=modalities, selection="auto", **FAST))
    with pytest.raises(ValueError, match="needs the recoverer inside DyMoClassifier"):
        pipe.fit(X_train, y)
    y_rare = y.copy()
    y_rare[0] = 7
    with pytest.raises(ValueError, match="at least 2 samples per class"):
        DyMoClassifier(modalities=modalities, selection="auto", **FAST).fit(X, y_rare)
    fitted_plain = DyMoClassifier(modalities=modalities, **{**FAST, "max_epochs": 1}).fit(X, y)
    with pytest.raises(ValueError, match="fit with selection='auto' first"):
        fitted_plain.select_modalities(X, selection="auto")
    # Refitting a tuned model without auto drops the old tuning.
    tuned = DyMoClassifier(modalities=modalities, selection="auto", refit=False,
                           **{**FAST, "max_epochs": 1}).fit(X, y)
    assert hasattr(tuned, "selection_tuning_")
    tuned.set_params(selection="iterative").fit(X, y)
    assert not hasattr(tuned, "selection_tuning_")
    assert tuned.selection_params_["selection"] == "iterative"


# ------------------------------------------------ the tuner on bundled data
class TrueValues:
    """Recovers the true values (benchmark-style oracle, test only)."""

    def __init__(self, complete):
        self.complete = complete

    def fit(self, X):
        return self

    def transform(self, X):
        # Each row is found by its observed entries (rows are unique).
        return self.complete[nan_euclidean_distances(X, self.complete).argmin(1)]


class PureNoise:
    """Recovers every missing entry as noise with the training spread."""

    def fit(self, X):
        self.scale_ = np.nanstd(X, axis=0)
        return self

    def transform(self, X):
        rng = np.random.RandomState(0)
        return rng.normal(size=X.shape) * self.scale_ * 3


@pytest.fixture(scope="module")
def digits():
    data = make_poly_digits(n_samples=700, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, stratify=data.target, random_state=0)
    X_missing = drop_modalities(X_test, data.modalities, rate=0.8, random_state=0)
    # refit=False: these tests are about the tuner's choice, not the refit.
    params = dict(modalities=data.modalities, selection="auto", refit=False, max_epochs=15,
                  d_model=32, encoder_hidden=64, random_state=0)
    return data, X_train, y_train, X_test, X_missing, y_test, params


def _accuracy(result, y):
    return float(np.mean(result.proba.argmax(1) == y))


def test_auto_picks_all_when_the_recoverer_returns_true_values(digits):
    data, X_train, y_train, X_test, X_missing, y_test, params = digits
    clf = DyMoClassifier(recoverer=TrueValues(np.vstack([X_train, X_test])), **params)
    clf.fit(X_train, y_train)
    assert clf.selection_params_["selection"] == "all"
    table = clf.selection_tuning_.set_index("param_selection")
    assert table.loc["all", "accuracy"] > table.loc["observed", "accuracy"] + 0.05


def test_auto_stays_near_observed_when_the_recoverer_returns_noise(digits):
    data, X_train, y_train, X_test, X_missing, y_test, params = digits
    clf = DyMoClassifier(recoverer=PureNoise(), **params).fit(X_train, y_train)
    le = {c: i for i, c in enumerate(clf.classes_)}
    y_enc = np.array([le[c] for c in y_test])
    chosen = _accuracy(clf.select_modalities(X_missing), y_enc)
    observed = _accuracy(clf.select_modalities(X_missing, "observed"), y_enc)
    every = _accuracy(clf.select_modalities(X_missing, "all"), y_enc)
    assert clf.selection_params_["selection"] != "all"
    assert every < observed - 0.1  # noise really hurts when used blindly
    assert chosen >= observed - 0.03  # the tuner keeps (almost) all of observed
