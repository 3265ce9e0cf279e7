"""``sample_weight`` and ``class_weight``: what the weights change, and what they must not."""

import numpy as np
import pytest
import sklearn
import torch
from sklearn.metrics import accuracy_score, make_scorer, recall_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_dymo import DyMoClassifier, DyMoRegressor
from sklearn_dymo._network._losses import DyMoLoss
from sklearn_dymo._network._module import DyMoNetwork
from sklearn_dymo._network._regression_loss import GaussianPrototypeLoss
from sklearn_dymo._selection._prototypes import compute_subset_statistics
from sklearn_dymo._selection._tuning import Policy, score_policies
from sklearn_dymo._tasks._gaussian import VarianceCalibration
from sklearn_dymo.datasets import drop_modalities


def _with_gaps(toy_data, rate=0.4):
    X, y, modalities = toy_data
    return drop_modalities(X, modalities, rate=rate, random_state=0), y, modalities


# ------------------------------------------------------------ the estimators
@pytest.mark.parametrize("selection", ["iterative", "observed"])
def test_zero_weight_is_the_same_as_dropping_the_row(toy_data, fast_params, selection):
    X, y, modalities = _with_gaps(toy_data)
    weight = np.ones(len(y))
    weight[::4] = 0.0
    kept = weight > 0
    params = dict(modalities=modalities, selection=selection, random_state=0, **fast_params)
    weighted = DyMoClassifier(**params).fit(X, y, sample_weight=weight)
    dropped = DyMoClassifier(**params).fit(X[kept], y[kept])
    np.testing.assert_allclose(weighted.predict_proba(X), dropped.predict_proba(X),
                               atol=1e-6)
    torch.testing.assert_close(weighted.subset_statistics_.prototypes,
                               dropped.subset_statistics_.prototypes, atol=1e-6, rtol=0)


def test_zero_weight_is_the_same_as_dropping_the_row_for_the_regressor(toy_data,
                                                                       fast_params):
    X, _, modalities = _with_gaps(toy_data)
    y = X[:, 0].copy()
    y[np.isnan(y)] = 0.0
    weight = np.ones(len(y))
    weight[1::3] = 0.0
    kept = weight > 0
    params = dict(modalities=modalities, random_state=0, **fast_params)
    weighted = DyMoRegressor(**params).fit(X, y, sample_weight=weight)
    dropped = DyMoRegressor(**params).fit(X[kept], y[kept])
    np.testing.assert_allclose(weighted.predict(X, return_std=True),
                               dropped.predict(X, return_std=True), atol=1e-5)


def test_a_class_only_in_rows_of_weight_zero_is_not_a_class(toy_data, fast_params):
    X, y, modalities = toy_data
    weight = (y != 2).astype(float)
    clf = DyMoClassifier(modalities=modalities, random_state=0, **fast_params)
    clf.fit(X, y, sample_weight=weight)
    assert clf.classes_.tolist() == [0, 1]


def test_weights_of_one_and_rescaled_weights_change_nothing_but_rounding(toy_data,
                                                                         fast_params):
    X, y, modalities = _with_gaps(toy_data)
    params = dict(modalities=modalities, selection="iterative", random_state=0,
                  **fast_params)
    plain = DyMoClassifier(**params).fit(X, y).predict_proba(X)
    sevens = DyMoClassifier(**params).fit(X, y, sample_weight=np.full(len(y), 7.0))
    ones = DyMoClassifier(**params).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(sevens.predict_proba(X), ones.predict_proba(X))
    # The weighted mean of the loss rounds unlike the plain mean; training
    # carries that rounding along, but no further than this.
    np.testing.assert_allclose(ones.predict_proba(X), plain, atol=5e-3)
    weight = np.random.RandomState(0).uniform(0.2, 3.0, len(y))
    a = DyMoClassifier(**params).fit(X, y, sample_weight=weight).predict_proba(X)
    b = DyMoClassifier(**params).fit(X, y, sample_weight=100 * weight).predict_proba(X)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert np.abs(a - plain).max() > 2e-2  # and unequal weights do change the fit


def test_the_weights_are_not_modified(toy_data, fast_params):
    X, y, modalities = toy_data
    weight = np.linspace(0.0, 2.0, len(y))
    before = weight.copy()
    DyMoClassifier(modalities=modalities, random_state=0, **fast_params).fit(
        X, y, sample_weight=weight)
    np.testing.assert_array_equal(weight, before)


def _imbalanced(n=600, seed=0):
    """Two 2-column modalities; class 1 is 8 % of the rows and overlaps class 0."""
    rng = np.random.RandomState(seed)
    y = (rng.uniform(size=n) < 0.08).astype(int)
    X = rng.normal(size=(n, 4)) + 1.2 * y[:, None]
    return X, y, {"a": [0, 1], "b": [2, 3]}


def test_balanced_class_weight_raises_the_minority_recall(fast_params):
    X, y, modalities = _imbalanced()
    X_test, y_test, _ = _imbalanced(seed=1)
    params = dict(modalities=modalities, random_state=0, **fast_params)
    plain = DyMoClassifier(**params).fit(X, y)
    balanced = DyMoClassifier(class_weight="balanced", **params).fit(X, y)
    recall_plain = recall_score(y_test, plain.predict(X_test))
    recall_balanced = recall_score(y_test, balanced.predict(X_test))
    assert recall_balanced > recall_plain + 0.1, (recall_plain, recall_balanced)


def test_class_weight_dict_equals_the_same_sample_weight(toy_data, fast_params):
    X, y, modalities = toy_data
    labels = np.array(["x", "y", "z"])[y]
    params = dict(modalities=modalities, random_state=0, **fast_params)
    by_dict = DyMoClassifier(class_weight={"x": 3.0, "z": 0.5}, **params).fit(X, labels)
    by_row = DyMoClassifier(**params).fit(
        X, labels, sample_weight=np.array([3.0, 1.0, 0.5])[y])
    np.testing.assert_allclose(by_dict.predict_proba(X), by_row.predict_proba(X), atol=1e-6)
    # sample_weight and class_weight multiply.
    both = DyMoClassifier(class_weight={"x": 3.0}, **params).fit(
        X, labels, sample_weight=np.array([1.0, 1.0, 0.5])[y])
    np.testing.assert_allclose(both.predict_proba(X), by_row.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sample_weight": -np.ones(240)}, "Negative values in data"),
        ({"sample_weight": np.ones(10)}, r"sample_weight.shape == \(10,\)"),
        ({"sample_weight": np.r_[np.inf, np.ones(239)]}, "infinity"),
        ({"sample_weight": np.zeros(240)}, "at least one non-zero|every row has weight 0"),
        ({"sample_weight": np.r_[np.ones(1), np.zeros(239)]}, "only the rows of class"),
    ],
)
def test_bad_sample_weight_is_named(toy_data, fast_params, kwargs, message):
    X, y, modalities = toy_data
    y = np.sort(y)  # row 0 is of class 0, and alone with weight > 0 in the last case
    clf = DyMoClassifier(modalities=modalities, random_state=0, **fast_params)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y, **kwargs)


@pytest.mark.parametrize(
    ("class_weight", "message"),
    [({7: 2.0}, r"not in y: \[7\]"), ({0: -1.0}, "finite and >= 0"),
     ("equal", "class_weight")],
)
def test_bad_class_weight_is_named(toy_data, fast_params, class_weight, message):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, class_weight=class_weight, random_state=0,
                         **fast_params)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


def test_selection_auto_tunes_on_weighted_rows(toy_data, fast_params):
    X, y, modalities = _with_gaps(toy_data)
    weight = np.random.RandomState(1).uniform(0.2, 3.0, len(y))
    params = dict(modalities=modalities, selection="auto", random_state=0, **fast_params)
    weighted = DyMoClassifier(**params).fit(X, y, sample_weight=weight)
    plain = DyMoClassifier(**params).fit(X, y)
    assert not np.allclose(weighted.selection_tuning_["log_loss"],
                           plain.selection_tuning_["log_loss"])


# ------------------------------------------------------------ metadata routing
def test_routing_through_pipeline_and_grid_search(toy_data, fast_params):
    X, y, modalities = toy_data
    weight = np.random.RandomState(0).uniform(0.1, 2.0, len(y))
    params = dict(modalities=modalities, random_state=0, **fast_params)
    direct = DyMoClassifier(**params).fit(X, y, sample_weight=weight)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(FunctionTransformer(),
                             DyMoClassifier(**params).set_fit_request(sample_weight=True))
        pipe.fit(X, y, sample_weight=weight)
        np.testing.assert_allclose(pipe.predict_proba(X), direct.predict_proba(X), atol=1e-6)

        # An explicit scorer that asks for the weights: scikit-learn 1.6 cannot
        # route them to the default scorer (Pipeline.score) inside the search.
        scoring = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        search = GridSearchCV(pipe, {"dymoclassifier__lr": [5e-3]}, cv=2, refit=True,
                              scoring=scoring)
        search.fit(X, y, sample_weight=weight)
        np.testing.assert_allclose(search.predict_proba(X), direct.predict_proba(X),
                                   atol=1e-6)

        unrequested = make_pipeline(FunctionTransformer(), DyMoClassifier(**params))
        with pytest.raises(ValueError, match="sample_weight"):
            unrequested.fit(X, y, sample_weight=weight)


# --------------------------------------------------------- the weighted parts
def _net(m=3, n_classes=2):
    torch.manual_seed(0)
    return DyMoNetwork([[2 * i, 2 * i + 1] for i in range(m)], n_classes=n_classes,
                       d_model=8, n_heads=2, encoder_hidden=8, latent_dim=4,
                       dropout=0.0).eval()


def test_weighted_statistics_equal_those_of_repeated_rows():
    net = _net()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(40, 6, generator=gen)
    observed = torch.rand(40, 3, generator=gen) < 0.7
    observed[:, 0] = True
    y = torch.arange(40) % 2
    counts = torch.arange(40) % 3 + 1  # weight k = the row k times
    repeated = torch.repeat_interleave(torch.arange(40), counts)
    weighted = compute_subset_statistics(net, x, observed, y, 2, "cosine",
                                         sample_weight=counts.double())
    copies = compute_subset_statistics(net, x[repeated], observed[repeated], y[repeated],
                                       2, "cosine")
    for name in ("prototypes", "sigma", "mean_prototypes", "modality_information"):
        torch.testing.assert_close(getattr(weighted, name), getattr(copies, name),
                                   atol=1e-5, rtol=1e-5, msg=name)
    plain = compute_subset_statistics(net, x, observed, y, 2, "cosine")
    assert not torch.allclose(plain.prototypes, weighted.prototypes, atol=1e-4)


@pytest.mark.parametrize("regression", [False, True])
def test_weighted_loss_equals_the_loss_of_repeated_rows(regression):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 2, 2, generator=gen)
    z = torch.nn.functional.normalize(torch.randn(6, 2, 4, generator=gen), dim=-1)
    masks = torch.rand(6, 2, 3, generator=gen) < 0.6
    masks[:, 0, 0] = True
    labels = torch.tensor([0, 1, 0, 1, 1, 0])
    if regression:
        y = torch.stack([torch.randn(6, generator=gen), labels.float()], 1)
        make = lambda: GaussianPrototypeLoss(2, 4)  # noqa: E731
    else:
        y = labels
        make = lambda: DyMoLoss(2, 4)  # noqa: E731
    weight = torch.tensor([1.0, 2.0, 3.0, 1.0, 0.0, 2.0])
    rows = torch.repeat_interleave(torch.arange(6), weight.long())
    losses = []
    for args in ((logits, z, masks, y, True, weight),
                 (logits[rows], z[rows], masks[rows], y[rows], True, None)):
        loss = make()
        loss.prototypes[:] = torch.nn.functional.normalize(torch.ones(2, 4), dim=-1)
        loss.prototypes[1, 0] = -1.0
        loss.has_prototype[:] = True
        loss.contrastive_active = True
        losses.append((loss(*args[:4], accumulate=args[4], weight=args[5]), loss))
    (weighted, a), (copies, b) = losses
    torch.testing.assert_close(weighted, copies)
    torch.testing.assert_close(a._sum, b._sum)
    torch.testing.assert_close(a._count, b._count)


def test_weighted_tuning_metrics_equal_those_of_repeated_rows():
    net = _net()
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(20, 6, generator=gen)
    observed = torch.ones(20, 3, dtype=torch.bool)
    observed[::2, 1] = False
    y = np.arange(20) % 2
    counts = np.arange(20) % 3 + 1
    rows = np.repeat(np.arange(20), counts)
    stats = compute_subset_statistics(net, x, observed, torch.as_tensor(y), 2, "cosine")
    from sklearn_dymo._selection._algorithm import LatentScorer

    scorer = LatentScorer(stats, "cosine", 0.1)
    policies = [Policy("iterative", 1.0, 0.0), Policy("all", 1.0, 0.0)]
    weighted = score_policies(net, [(x, observed)], y, 2, scorer, True, policies, "cpu",
                              sample_weight=counts.astype(float))
    copies = score_policies(net, [(x[rows], observed[rows])], y[rows], 2, scorer, True,
                            policies, "cpu")
    np.testing.assert_allclose(weighted[["accuracy", "log_loss"]],
                               copies[["accuracy", "log_loss"]], rtol=1e-6)


def test_weighted_variance_factors_equal_those_of_repeated_predictions():
    rng = np.random.RandomState(0)
    n = 60
    mean = torch.as_tensor(rng.normal(size=n))
    var = torch.as_tensor(rng.uniform(0.5, 2.0, n))
    y = torch.as_tensor(rng.normal(size=n))
    masks = np.zeros((n, 3), dtype=bool)
    masks[:, 0] = True
    masks[: n // 2, 1] = True
    counts = rng.randint(1, 4, n)
    rows = np.repeat(np.arange(n), counts)
    weighted = VarianceCalibration.fit(mean, var, y, masks, counts.astype(float))
    copies = VarianceCalibration.fit(mean[rows], var[rows], y[rows], masks[rows])
    np.testing.assert_allclose(weighted.by_size, copies.by_size)
