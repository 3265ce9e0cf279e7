"""random_state gives the same model whether fits run in sequence or in threads."""

import joblib
import numpy as np
import torch
from sklearn.model_selection import GridSearchCV

from sklearn_dymo import DyMoClassifier


def _grid_search(toy_data, fast_params, n_jobs):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, random_state=0,
                         **dict(fast_params, max_epochs=2))
    search = GridSearchCV(clf, {"n_subsets": [2, 4], "lr": [5e-3, 1e-2]}, cv=2,
                          n_jobs=n_jobs)
    return search.fit(X, y)


def test_threaded_grid_search_equals_sequential(toy_data, fast_params):
    sequential = _grid_search(toy_data, fast_params, n_jobs=1)
    with joblib.parallel_backend("threading"):
        threaded = _grid_search(toy_data, fast_params, n_jobs=2)
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        np.testing.assert_array_equal(threaded.cv_results_[key], sequential.cv_results_[key])
    assert threaded.best_params_ == sequential.best_params_
    X = toy_data[0]
    np.testing.assert_array_equal(threaded.predict_proba(X), sequential.predict_proba(X))


def test_training_step_leaves_the_global_generator_alone(toy_data, fast_params):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, random_state=0,
                         **dict(fast_params, max_epochs=1)).fit(X, y)
    net = clf.net_
    x, observed = clf._prepare(X[:16])
    net.module_.train()
    state = torch.get_rng_state()
    first = net.infer({"x": x, "observed": observed})[2]
    assert torch.equal(torch.get_rng_state(), state)
    # ... and the owned generator advances: the next batch gets other subsets.
    draws = [net.infer({"x": x, "observed": observed})[2] for _ in range(5)]
    assert any(not torch.equal(first, masks) for masks in draws)
