"""Scaling out with dask: grid search on a cluster, batch predict per partition.

Needs the ``distributed`` extra (``pip install -e ".[distributed]"``). A real
two-process LocalCluster is started once for the module (a few seconds).
"""

import numpy as np
import pandas as pd
import pytest

_REASON = 'needs the distributed extra: pip install -e ".[distributed]"'
dd = pytest.importorskip("dask.dataframe", reason=_REASON)
distributed = pytest.importorskip("distributed", reason=_REASON)
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers", reason=_REASON)

import joblib  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from sklearn_dymo import DyMoClassifier  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.fixture(scope="module")
def frame_data(toy_data):
    X, y, modalities = toy_data
    rng = np.random.RandomState(2)
    X = X.copy()
    for columns in modalities.values():
        X[np.ix_(rng.rand(len(X)) < 0.3, columns)] = np.nan
    columns = [f"c{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns, index=pd.RangeIndex(1000, 1000 + len(X)))
    named = {name: [columns[i] for i in cols] for name, cols in modalities.items()}
    return frame, y, named


def _classifier(modalities, fast_params):
    return DyMoClassifier(modalities=modalities, recoverer=SimpleImputer(), random_state=0,
                          **dict(fast_params, max_epochs=2))


def test_workers_run_one_torch_thread(client):
    import torch
    threads = client.run(torch.get_num_threads)
    assert set(threads.values()) == {1}


def test_grid_search_on_the_cluster_equals_sequential(client, frame_data, fast_params):
    X, y, modalities = frame_data
    grid = {"n_subsets": [2, 4]}
    sequential = GridSearchCV(_classifier(modalities, fast_params), grid, cv=2).fit(X, y)
    with joblib.parallel_backend("dask"):
        on_cluster = GridSearchCV(_classifier(modalities, fast_params), grid, cv=2,
                                  n_jobs=-1).fit(X, y)
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        np.testing.assert_array_equal(on_cluster.cv_results_[key],
                                      sequential.cv_results_[key])
    assert on_cluster.best_params_ == sequential.best_params_


@pytest.fixture(scope="module")
def fitted(frame_data):
    from .conftest import FAST
    X, y, modalities = frame_data
    return _classifier(modalities, dict(FAST)).fit(X, y)


def test_parallel_post_fit_predicts_like_in_memory(client, frame_data, fitted):
    X = frame_data[0]
    ddf = dd.from_pandas(X, npartitions=4)
    wrapped = dask_ml_wrappers.ParallelPostFit(estimator=fitted)
    proba = wrapped.predict_proba(ddf).compute()
    np.testing.assert_array_equal(proba, fitted.predict_proba(X))


def _explain_table(part, estimator):
    return estimator.explain_selection(part).table


def _explain_rewards(part, estimator):
    return estimator.explain_selection(part).rewards


def test_explain_per_partition_equals_in_memory(client, frame_data, fitted):
    X = frame_data[0]
    whole = fitted.explain_selection(X)
    ddf = dd.from_pandas(X, npartitions=5)
    table = ddf.map_partitions(_explain_table, fitted, meta=whole.table.iloc[:0]).compute()
    pd.testing.assert_frame_equal(table, whole.table)
    rewards = ddf.map_partitions(_explain_rewards, fitted,
                                 meta=whole.rewards.iloc[:0]).compute()
    pd.testing.assert_frame_equal(rewards, whole.rewards)
