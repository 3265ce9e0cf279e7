import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import KNNImputer, SimpleImputer

from sklearn_dymo import ModalityRecoverer
from sklearn_dymo._recovery._recoverer import default_recoverer, fit_recoverer, recover


class _Returns(TransformerMixin, BaseEstimator):
    def __init__(self, what="nan"):
        self.what = what

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=float)
        if self.what == "nan":
            return X  # leaves NaN in place
        if self.what == "narrow":
            return X[:, :-1]
        if self.what == "list":
            return np.nan_to_num(X).tolist()
        raise RuntimeError("boom")


X = np.array([[1.0, 2.0, 3.0], [np.nan, 2.5, 3.5], [2.0, np.nan, 4.0], [3.0, 4.0, 5.0]])


def test_observed_entries_are_kept():
    class Shifts(_Returns):
        def transform(self, X):
            return np.nan_to_num(np.asarray(X), nan=-1.0) + 100.0

    out = recover(Shifts().fit(X), X, np.isnan(X))
    assert out[1, 0] == 99.0 and out[2, 1] == 99.0  # recovered
    assert np.array_equal(out[~np.isnan(X)], X[~np.isnan(X)])  # observed untouched


@pytest.mark.parametrize("what, match", [
    ("list", "_Returns returned a list; transform must return one 2-D array"),
    ("nan", "left NaN or inf"),
    ("narrow", r"returned shape \(4, 2\), expected \(4, 3\)"),
    ("raise", "_Returns failed in transform: RuntimeError: boom"),
])
def test_faulty_recoverer_is_named(what, match):
    with pytest.raises((ValueError, RuntimeError, TypeError), match=match):
        recover(_Returns(what).fit(X), X, np.isnan(X))


def test_recoverer_without_transform_fails_at_fit():
    class NoTransform:
        def fit(self, X):
            return self

    with pytest.raises(TypeError, match="has no transform"):
        fit_recoverer(NoTransform(), X)


def test_random_state_is_seeded_on_the_clone_only():
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    user = IterativeImputer(max_iter=2)
    fitted = fit_recoverer(user, X, default_seed=7)
    assert fitted is not user
    assert fitted.random_state == 7 and user.random_state is None


def test_modality_recoverer_output_numpy_and_pandas():
    rec = ModalityRecoverer(SimpleImputer()).fit(X)
    out = rec.transform(X)
    assert list(out.columns) == ["x0", "x1", "x2", "missing__x0", "missing__x1", "missing__x2"]
    assert out["missing__x0"].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert out.loc[1, "x0"] == pytest.approx(2.0)  # mean of 1, 2, 3
    df = pd.DataFrame(X, columns=["a", "b", "c"], index=[10, 11, 12, 13])
    out = ModalityRecoverer(KNNImputer(n_neighbors=1)).fit(df).transform(df)
    assert list(out.columns)[:3] == ["a", "b", "c"]
    assert out.index.tolist() == [10, 11, 12, 13]
    assert not out.isna().any().any()


def test_modality_recoverer_names_faulty_recoverer():
    with pytest.raises(ValueError, match="_Returns left NaN"):
        ModalityRecoverer(_Returns("nan")).fit(X).transform(X)


def test_default_recoverer_fills_everything():
    import pickle

    rng = np.random.RandomState(0)
    wide = rng.normal(size=(200, 120))
    wide[rng.rand(*wide.shape) < 0.2] = np.nan
    wide[:, 7] = np.nan  # an empty training column keeps its place
    fitted = fit_recoverer(None, wide, default_seed=0)
    assert type(fitted) is type(default_recoverer())
    out = recover(fitted, wide, np.isnan(wide))
    assert out.shape == wide.shape and np.isfinite(out).all()
    assert len(pickle.dumps(fitted)) < 2 * wide.nbytes
