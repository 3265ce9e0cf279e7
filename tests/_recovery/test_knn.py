"""ModalityKNNImputer gives KNNImputer's values, whatever the chunks and patterns."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.impute import KNNImputer

from sklearn_dymo import DyMoClassifier, ModalityKNNImputer, ModalityRecoverer
from sklearn_dymo._recovery import _knn as knn_module
from sklearn_dymo._recovery._recoverer import default_recoverer

from ..conftest import FAST

WIDTHS = (3, 5, 2, 4)


def block_missing(seed, n_train=80, n_test=60, train_rate=0.3, test_rate=0.5,
                  entry_rate=0.0, integer=False):
    """Train / test rows missing whole modalities (and, optionally, entries)."""
    rng = np.random.default_rng(seed)
    shape = (n_train + n_test, sum(WIDTHS))
    # Integers make exact distance ties common (and exactly computed).
    X = rng.integers(0, 4, size=shape).astype(float) if integer else rng.normal(size=shape)
    bounds = np.cumsum((0,) + WIDTHS)

    def drop(A, rate):
        A = A.copy()
        for a, b in zip(bounds[:-1], bounds[1:]):
            A[rng.random(len(A)) < rate, a:b] = np.nan
        A[rng.random(A.shape) < entry_rate] = np.nan
        return A

    return drop(X[:n_train], train_rate), drop(X[n_train:], test_rate)


def knn_reference(train, test, n_neighbors=5):
    """KNNImputer's output with observed entries kept (ours never changes them)."""
    ref = KNNImputer(n_neighbors=n_neighbors, keep_empty_features=True).fit(train)
    return np.where(np.isnan(test), ref.transform(test), test)


@pytest.fixture(params=["per pattern", "pooled"])
def path(request, monkeypatch):
    """Send every pattern through one of the two paths of transform."""
    monkeypatch.setattr(knn_module, "MIN_SHARED_ROWS",
                        1 if request.param == "per pattern" else 10**9)
    return request.param


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("integer", [False, True])
@pytest.mark.parametrize("train_rate", [0.0, 0.4])
def test_equals_knn_imputer_on_whole_modalities(seed, integer, train_rate, path):
    train, test = block_missing(seed, train_rate=train_rate, integer=integer)
    out = ModalityKNNImputer().fit(train).transform(test)
    np.testing.assert_array_equal(out, knn_reference(train, test))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n_neighbors=st.sampled_from([1, 3, 5, 9]),
       entry_rate=st.sampled_from([0.0, 0.05, 0.3]), integer=st.booleans(),
       train_rate=st.floats(0.0, 0.8))
def test_equals_knn_imputer_on_random_patterns(seed, n_neighbors, entry_rate, integer,
                                               train_rate):
    # Partly observed rows, incomplete training rows, k past the 8 terms
    # numpy starts to sum pairwise: still KNNImputer's values. (30 rows:
    # patterns are rare, so most go through the pooled path.)
    train, test = block_missing(seed, n_train=40, n_test=30, train_rate=train_rate,
                                entry_rate=entry_rate, integer=integer)
    out = ModalityKNNImputer(n_neighbors=n_neighbors).fit(train).transform(test)
    np.testing.assert_allclose(out, knn_reference(train, test, n_neighbors),
                               rtol=1e-12, atol=0)


def test_edge_cases_match_knn_imputer(path):
    train, test = block_missing(0, n_train=50, train_rate=0.6)
    train[:, 4] = np.nan               # a column never observed in training
    train[3:, 0:3] = np.nan            # 3 donors only for modality 0 (< k)
    train[:, 8:10] = np.nan            # modality 2 observed only by ...
    train[:2, 8:10] = 1.0              # ... two rows that miss everything else
    train[:2, np.r_[0:8, 10:14]] = np.nan
    test[0] = np.nan                   # nothing observed: column means
    test[1, :] = np.nan
    test[1, 4] = 7.0                   # observed in a never-trained column only
    out = ModalityKNNImputer().fit(train).transform(test)
    ref = knn_reference(train, test)
    np.testing.assert_array_equal(out, ref)
    assert np.all(out[np.isnan(test[:, 4]), 4] == 0.0)
    assert out[1, 4] == 7.0  # observed entries stay, even in an empty column
    means = np.nanmean(train[:, [0, 5, 8]], axis=0)
    np.testing.assert_allclose(out[0, [0, 5, 8]], means, rtol=1e-15)


@pytest.mark.parametrize("chunk_size", [1, 7, 10**6])
def test_chunk_size_does_not_change_the_result(chunk_size, path):
    train, test = block_missing(3, train_rate=0.4, entry_rate=0.05)
    expected = ModalityKNNImputer().fit(train).transform(test)
    out = ModalityKNNImputer(chunk_size=chunk_size).fit(train).transform(test)
    np.testing.assert_array_equal(out, expected)


def test_rows_are_recovered_independently_of_each_other():
    train, test = block_missing(5, entry_rate=0.05)
    imputer = ModalityKNNImputer().fit(train)
    whole = imputer.transform(test)
    one_by_one = np.vstack([imputer.transform(row[None]) for row in test])
    np.testing.assert_array_equal(whole, one_by_one)


def test_input_is_not_modified_and_complete_rows_pass_through():
    train, test = block_missing(1)
    train_copy, test_copy = train.copy(), test.copy()
    imputer = ModalityKNNImputer().fit(train)
    out = imputer.transform(test)
    np.testing.assert_array_equal(train, train_copy)
    np.testing.assert_array_equal(test, test_copy)
    observed = ~np.isnan(test)
    np.testing.assert_array_equal(out[observed], test[observed])
    assert not np.isnan(out).any()
    complete = np.nan_to_num(test)
    np.testing.assert_array_equal(imputer.transform(complete), complete)
    assert imputer.transform(test[:0]).shape == (0, test.shape[1])


def test_feature_names_pass_through_to_pandas_output():
    train, test = block_missing(7)
    columns = [f"c{j}" for j in range(train.shape[1])]
    imputer = ModalityKNNImputer().set_output(transform="pandas")
    out = imputer.fit(pd.DataFrame(train, columns=columns)).transform(
        pd.DataFrame(test, columns=columns))
    assert list(out.columns) == columns
    np.testing.assert_array_equal(out.to_numpy(), knn_reference(train, test))


def test_pickle_round_trip_gives_the_same_values():
    train, test = block_missing(2, train_rate=0.4)
    imputer = ModalityKNNImputer(n_neighbors=3, chunk_size=4).fit(train)
    loaded = pickle.loads(pickle.dumps(imputer))
    np.testing.assert_array_equal(loaded.transform(test), imputer.transform(test))


def test_is_the_default_recoverer():
    assert isinstance(default_recoverer(), ModalityKNNImputer)
    train, test = block_missing(4)
    out = ModalityRecoverer().fit(train).transform(test)
    np.testing.assert_array_equal(out.to_numpy()[:, :train.shape[1]],
                                  knn_reference(train, test))


def test_works_inside_dymo_classifier(toy_data):
    X, y, modalities = toy_data
    X_missing = X.copy()
    X_missing[::3, 0:2] = np.nan
    clf = DyMoClassifier(modalities=modalities, recoverer=ModalityKNNImputer(n_neighbors=3),
                         random_state=0, **{**FAST, "max_epochs": 2}).fit(X_missing, y)
    assert isinstance(clf.recoverer_, ModalityKNNImputer)
    assert clf.recoverer_.n_neighbors == 3
    assert clf.predict_proba(X_missing).shape == (len(X), 3)


@pytest.mark.parametrize("params, match", [
    ({"n_neighbors": 0}, "n_neighbors must be a positive integer, got 0"),
    ({"n_neighbors": 2.5}, "n_neighbors must be a positive integer"),
    ({"chunk_size": 0}, "chunk_size must be a positive integer"),
    ({"backend": "annoy"}, r"backend must be one of \('exact', 'faiss'\)"),
])
def test_bad_parameters_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        ModalityKNNImputer(**params).fit(np.ones((3, 2)))


def test_bad_input_is_named():
    train, test = block_missing(0)
    imputer = ModalityKNNImputer().fit(train)
    with pytest.raises(ValueError, match="14 features"):
        imputer.transform(test[:, :5])
    bad = test.copy()
    bad[0, 3] = np.inf
    with pytest.raises(ValueError, match=r"inf or -inf in columns \[3\]"):
        imputer.transform(bad)
    with pytest.raises(ValueError, match="inf or -inf"):
        ModalityKNNImputer().fit(bad)


def test_missing_faiss_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_faiss(name, *args, **kwargs):
        if name == "faiss":
            raise ImportError("No module named 'faiss'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_faiss)
    with pytest.raises(ImportError, match=r"sklearn-dymo\[ann\]"):
        ModalityKNNImputer(backend="faiss").fit(np.ones((3, 2)))


def test_faiss_backend_finds_the_near_rows():
    pytest.importorskip("faiss")
    rng = np.random.default_rng(0)
    # Two well separated clusters: the approximate neighbours of a row lie
    # in its own cluster, so the recovered modality is that cluster's.
    centers = np.array([[0.0] * 6, [20.0] * 6])
    labels = rng.integers(0, 2, size=400)
    train = centers[labels] + rng.normal(size=(400, 6))
    test = centers[labels[:50]] + rng.normal(size=(50, 6))
    test[:, 3:] = np.nan
    exact = ModalityKNNImputer().fit(train).transform(test)
    imputer = ModalityKNNImputer(backend="faiss").fit(train)
    approx = imputer.transform(test)
    assert not np.isnan(approx).any()
    np.testing.assert_array_equal(approx[:, :3], test[:, :3])
    assert np.abs(approx[:, 3:] - exact[:, 3:]).max() < 2.0
    assert np.abs(approx[:, 3:] - centers[labels[:50]][:, 3:]).max() < 3.0
    # The indexes built by transform are reused, and dropped by pickling.
    assert len(imputer._faiss_indexes) == 1
    np.testing.assert_array_equal(imputer.transform(test), approx)
    loaded = pickle.loads(pickle.dumps(imputer))
    assert loaded._faiss_indexes == {}
    # Rebuilt after loading (HNSW insertion may run in parallel: near, not equal).
    assert np.abs(loaded.transform(test)[:, 3:] - exact[:, 3:]).max() < 2.0


def test_values_near_the_float64_limit_do_not_warn(path):
    # Squares overflow: those distances become inf / NaN (NaN = no usable
    # donor, column mean) instead of a RuntimeWarning per block.
    train, test = block_missing(6)
    train[:, 5] = np.where(np.arange(len(train)) % 2, 1e300, -1e300)
    test[:, 0] = 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ModalityKNNImputer().fit(train).transform(test)
    observed = ~np.isnan(test)
    np.testing.assert_array_equal(out[observed], test[observed])
    assert not np.isnan(out).any()
