"""DyMoRegressor end to end: targets, Gaussian outputs, selection, sklearn tooling."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_dymo import DyMoRegressor, ModalityRecoverer
from sklearn_dymo._network._regression_loss import beta_nll
from sklearn_dymo._tasks._gaussian import (
    GAUSSIAN_BASELINE,
    RegressionScorer,
    TargetEncoding,
    gaussian_log_likelihood,
    gaussian_params,
)
from sklearn_dymo.datasets import drop_modalities, make_multimodal_regression

from .conftest import FAST


@pytest.fixture(scope="module")
def reg_data():
    data = make_multimodal_regression(240, 3, informative=2, noise=0.3, random_state=0)
    return data.data, data.target * 10 + 100, data.modalities  # not standardised


@pytest.fixture(scope="module")
def fitted(reg_data):
    X, y, modalities = reg_data
    reg = DyMoRegressor(modalities=modalities, random_state=0,
                        **{**FAST, "max_epochs": 15}).fit(X, y)
    return reg, X, y, modalities


def test_fit_learns_and_reports_in_user_units(fitted):
    reg, X, y, _ = fitted
    assert reg.modality_names_ == ["m0", "m1", "m2"]
    assert reg.n_bins_ == 5 and reg.bin_edges_.shape == (4,)
    # Bin edges are quantiles of y, in y's units.
    assert y.min() < reg.bin_edges_[0] and reg.bin_edges_[-1] < y.max()
    assert reg.score(X, y) > 0.6
    mean, std = reg.predict(X, return_std=True)
    assert mean.dtype == np.float64 and mean.shape == std.shape == (len(y),)
    assert abs(mean.mean() - y.mean()) < 0.2 * y.std()
    assert (std > 0).all() and 0.05 * y.std() < np.median(std) < y.std()
    np.testing.assert_array_equal(reg.predict(X), mean)


def test_selection_path_rewards_and_strategies(fitted):
    reg, X, y, modalities = fitted
    X_missing = drop_modalities(X, modalities, rate=0.6, random_state=1)
    reg.predict(X_missing)
    path, rewards = reg.selection_path_, reg.selection_rewards_
    assert len(path) == len(y)
    for i, p in enumerate(path):
        assert all(np.isnan(X_missing[i, modalities[m]]).any() for m in p)
    accepted = rewards[rewards.accepted]
    assert len(rewards) > 0 and (accepted.reward > 0).all()
    observed = reg.select_modalities(X_missing, selection="observed")
    every = reg.select_modalities(X_missing, selection="all")
    assert all(p == () for p in observed.path) and every.used.all().all()
    assert observed.proba.shape == (len(y), 2) and (observed.proba[:, 1] > 0).all()


def test_reward_is_the_log_variance_reduction(fitted):
    """Uncalibrated, a reward is 0.5 log(var_S / var_{S+u}) of the model's variances.

    The model's variance of ``S + u`` is the head's, times the held-out factor
    of two-modality sets, plus the recovery variance of the recovered ``u``.
    """
    reg, X, _, modalities = fitted
    reg = pickle.loads(pickle.dumps(reg)).set_params(calibrate=False)
    X_missing = X[:20].copy()
    X_missing[:, modalities["m1"] + modalities["m2"]] = np.nan  # only m0 observed
    result = reg.select_modalities(X_missing)
    first = result.rewards[result.rewards.step == 0]
    var_observed = reg.select_modalities(X_missing, selection="observed").proba[:, 1] ** 2
    x, obs = reg._prepare(X_missing)
    module = reg.net_.module_.eval()
    for row in first.itertuples():
        mask = obs[row.Index].clone()
        mask[reg.modality_names_.index(row.modality)] = True
        with torch.no_grad():
            logits, _ = module(x[row.Index:row.Index + 1], mask[None])
        var = (gaussian_params(logits.double())[1] * reg._task.encoding.scale ** 2).item()
        u = reg.modality_names_.index(row.modality)
        var = var * reg.variance_scale_[1] + reg.recovery_std_[u] ** 2
        expected = 0.5 * np.log(var_observed[row.Index] / var)
        assert row.reward == pytest.approx(expected, abs=1e-5)  # float32 network


def test_scorer_bins_follow_the_predicted_mean():
    encoding = TargetEncoding.fit(np.arange(100.0), n_bins=4)
    assert encoding.n_bins == 4
    counts = np.bincount(encoding.bins(encoding.standardize(np.arange(100.0))))
    np.testing.assert_array_equal(counts, [25, 25, 25, 25])
    mean = torch.tensor([-5.0, 0.0, 5.0], dtype=torch.float64)
    np.testing.assert_array_equal(encoding.bins_tensor(mean).numpy(),
                                  encoding.bins(mean.numpy()))
    # Ties merge bins instead of leaving one empty.
    tied = TargetEncoding.fit(np.r_[np.zeros(80), np.arange(1.0, 21.0)], n_bins=5)
    counts = np.bincount(tied.bins(tied.standardize(np.r_[np.zeros(80), np.arange(1.0, 21.0)])))
    assert (counts > 0).all() and tied.n_bins == len(counts) == 2
    assert RegressionScorer.prior_log_p == 0.0  # N(0, 1) on standardised y


def test_gaussian_likelihood_and_beta_nll():
    logits = torch.tensor([[0.3, 0.7], [-1.0, -2.0]], dtype=torch.float64)
    target = torch.tensor([0.1, 0.5], dtype=torch.float64)
    mean, var = gaussian_params(logits)
    expected = torch.distributions.Normal(mean, var.sqrt()).log_prob(target)
    torch.testing.assert_close(gaussian_log_likelihood(logits, target), expected)
    torch.testing.assert_close(beta_nll(logits, target, 0.0), -expected.mean())
    torch.testing.assert_close(beta_nll(logits, target, 0.5), -(expected * var.sqrt()).mean())
    # N(0, 1) on standard normal data has information 0 against the baseline.
    assert GAUSSIAN_BASELINE == pytest.approx(0.5 * np.log(2 * np.pi * np.e))


def test_informative_modalities_carry_more_information(fitted):
    reg = fitted[0]
    info = reg.subset_statistics_.modality_information.numpy()
    assert info[0] > info[2] and info[1] > info[2]


def test_auto_selection_tunes_by_nll(reg_data):
    X, y, modalities = reg_data
    reg = DyMoRegressor(modalities=modalities, selection="auto", refit=False,
                        random_state=0, **{**FAST, "max_epochs": 4}).fit(X, y)
    table = reg.selection_tuning_
    assert {"nll", "rmse", "mean_recovered_used", "rank"} <= set(table.columns)
    best = table.loc[table["rank"].idxmin()]
    assert best["nll"] == table["nll"].min()
    assert reg.selection_params_ == best["params"]
    ranked = DyMoRegressor(modalities=modalities, selection="auto", refit=False,
                           tuning_scoring="rmse", random_state=0,
                           **{**FAST, "max_epochs": 4}).fit(X, y).selection_tuning_
    assert ranked.loc[ranked["rank"].idxmin(), "rmse"] == ranked["rmse"].min()


@pytest.mark.parametrize("y, match", [
    (np.r_[np.nan, np.ones(239)], "Input y contains NaN"),
    (np.c_[np.ones(240), np.ones(240)], "multi-output is not supported"),
    (np.array(["a"] * 240), "y must be numeric"),
    (np.ones(10), "240 rows but y has 10"),
])
def test_bad_targets_are_named(reg_data, y, match):
    X, _, modalities = reg_data
    with pytest.raises(ValueError, match=match):
        DyMoRegressor(modalities=modalities, max_epochs=1).fit(X, y)


@pytest.mark.parametrize("params, match", [
    ({"n_bins": 0}, r"'n_bins' parameter of DyMoRegressor must be an int in the range \[1, inf\)"),
    ({"beta": 1.5}, r"'beta' parameter .* range \[0.0, 1.0\]"),
    ({"tuning_scoring": "log_loss"}, "'tuning_scoring' parameter .* among"),
    ({"input_noise": float("nan")}, "'input_noise' parameter"),
])
def test_bad_parameters_are_named(reg_data, params, match):
    X, y, modalities = reg_data
    with pytest.raises(ValueError, match=match):
        DyMoRegressor(modalities=modalities, **params).fit(X, y)


def test_pickle_round_trip_and_pandas_names(reg_data):
    X, y, modalities = reg_data
    names = [f"f{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=names)
    mods = {m: [names[c] for c in cols] for m, cols in modalities.items()}
    reg = DyMoRegressor(modalities=mods, random_state=0, **{**FAST, "max_epochs": 3})
    reg.fit(df, pd.Series(y))
    df_missing = drop_modalities(df, mods, rate=0.6, random_state=0)
    mean, std = reg.predict(df_missing, return_std=True)
    path = reg.selection_path_
    loaded = pickle.loads(pickle.dumps(reg))
    mean2, std2 = loaded.predict(df_missing, return_std=True)
    np.testing.assert_array_equal(mean, mean2)
    np.testing.assert_array_equal(std, std2)
    assert loaded.selection_path_ == path
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(df_missing[df.columns[::-1]])


def test_pipeline_and_grid_search_in_parallel(reg_data):
    X, y, modalities = reg_data
    X_train = drop_modalities(X, modalities, rate=0.3, random_state=0)
    pipe = Pipeline([
        ("impute", ModalityRecoverer(IterativeImputer(max_iter=3))),
        ("reg", DyMoRegressor(modalities=modalities, random_state=0,
                              **{**FAST, "max_epochs": 3})),
    ])
    grid = GridSearchCV(pipe, {"reg__n_bins": [3, 5], "reg__beta": [0.0, 0.5]},
                        cv=2, n_jobs=2).fit(X_train, y)
    scores = grid.cv_results_["mean_test_score"]
    assert scores.shape == (4,) and np.isfinite(scores).all()
    reg = grid.best_estimator_[-1]
    assert reg.recoverer_ is None  # values arrive recovered, with indicators
    grid.predict(X_train)
    assert len(reg.selection_path_) == len(y)


def test_same_seed_same_model(reg_data):
    X, y, modalities = reg_data
    X_missing = drop_modalities(X, modalities, rate=0.6, random_state=0)
    params = dict(modalities=modalities, **{**FAST, "max_epochs": 2})
    a = DyMoRegressor(random_state=3, **params).fit(X, y).predict(X_missing, return_std=True)
    b = DyMoRegressor(random_state=3, **params).fit(X, y).predict(X_missing, return_std=True)
    c = DyMoRegressor(random_state=4, **params).fit(X, y).predict(X_missing)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], c)


def test_early_stopping_and_rows_with_nothing_observed(reg_data):
    X, y, modalities = reg_data
    # min_observed_fraction=1.0: one missing entry leaves a modality unobserved.
    reg = DyMoRegressor(modalities=modalities, early_stopping=True, n_iter_no_change=2,
                        tol=10.0, random_state=0, min_observed_fraction=1.0,
                        **{**FAST, "max_epochs": 30}).fit(X, y)
    assert reg.n_iter_ < 30 and "valid_loss" in reg.net_.history[-1]
    X_empty = X[:10].copy()
    X_empty[:, [0, 5, 10]] = np.nan  # one entry of each modality missing
    for strategy in ("iterative", "simultaneous", "observed", "all"):
        result = reg.select_modalities(X_empty, selection=strategy)
        assert np.isfinite(result.proba).all() and (result.proba[:, 1] > 0).all()
        assert all(len(p) >= 1 for p in result.path)  # something was used


def test_explain_selection_gives_mean_std_and_the_path(reg_data):
    X, y, modalities = reg_data
    reg = DyMoRegressor(modalities=modalities, random_state=0, **{**FAST, "max_epochs": 2})
    reg.fit(X, y)
    X_missing = drop_modalities(X[:30], modalities, rate=0.5, random_state=0)
    explanation = reg.explain_selection(X_missing)
    table = explanation.table
    mean, std = reg.predict(X_missing, return_std=True)
    np.testing.assert_array_equal(table["mean"], mean)
    np.testing.assert_array_equal(table["std"], std)
    np.testing.assert_array_equal(table["prediction"], mean)
    # The step columns say what the path says.
    for i, path in enumerate(reg.selection_path_):
        added = [m for m in reg.modality_names_ if pd.notna(table[f"step__{m}"].iloc[i])]
        assert sorted(added) == sorted(path)


def test_ridge_start_gives_the_ridge_mean_and_its_residual_variance():
    from sklearn.linear_model import Ridge

    from sklearn_dymo._tasks._gaussian import gaussian_params, ridge_start

    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 3))
    target = x @ [1.0, -2.0, 0.0] + rng.normal(scale=0.5, size=500)
    weight, bias = ridge_start(x, target)
    ridge = Ridge(alpha=1.0).fit(x, target)
    np.testing.assert_allclose(weight[0], ridge.coef_)
    np.testing.assert_array_equal(weight[1], 0.0)
    mean, var = gaussian_params(torch.tensor([[bias[0], bias[1]]], dtype=torch.float64))
    assert mean.item() == pytest.approx(ridge.intercept_)
    residual = np.mean((target - ridge.predict(x)) ** 2)
    assert var.item() == pytest.approx(residual, rel=1e-6)
