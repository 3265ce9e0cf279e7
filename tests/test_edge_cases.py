"""Bad input, odd shapes and missingness extremes (docs/errors.md lists each case)."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.exceptions import DataConversionWarning
from sklearn.impute import SimpleImputer

from sklearn_dymo import DyMoClassifier, ModalityRecoverer
from sklearn_dymo.datasets import drop_modalities

from .conftest import FAST

NAMES = ["a1", "a2", "b1", "b2", "c1", "c2"]
FRAME_MODALITIES = {"a": ["a1", "a2"], "b": ["b1", "b2"], "c": ["c1", "c2"]}


def _clf(modalities, **params):
    return DyMoClassifier(modalities=modalities, random_state=0, **{**FAST, **params})


@pytest.fixture(scope="module")
def fitted(toy_data):
    X, y, modalities = toy_data
    return _clf(modalities, max_epochs=4).fit(X, y)


@pytest.fixture(scope="module")
def fitted_frame(toy_data):
    X, y, _ = toy_data
    df = pd.DataFrame(X, columns=NAMES)
    return _clf(FRAME_MODALITIES, max_epochs=2).fit(df, y), df


# ------------------------------------------------------------- input values
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinity_is_refused_naming_the_column(toy_data, fitted, value):
    X, y, modalities = toy_data
    X_bad = X.copy()
    X_bad[3, 4] = value
    with pytest.raises(ValueError, match=r"inf or -inf in columns \[4\].*NaN"):
        _clf(modalities).fit(X_bad, y)
    with pytest.raises(ValueError, match=r"inf or -inf in columns \[4\]"):
        fitted.predict(X_bad)
    with pytest.raises(ValueError, match=r"columns \['c1'\]"):
        fitted_df = pd.DataFrame(X_bad, columns=NAMES)
        _clf(FRAME_MODALITIES).fit(fitted_df, y)


def test_string_columns_not_marked_categorical_are_refused(toy_data):
    X, y, modalities = toy_data
    df = pd.DataFrame(X, columns=NAMES)
    df["b2"] = np.where(y == 0, "low", "high")
    with pytest.raises(ValueError, match=r"non-numeric columns \['b2'\].*categorical_features"
                                         r".*OrdinalEncoder\(handle_unknown="):
        _clf(FRAME_MODALITIES, categorical_features=None).fit(df, y)
    X_obj = X.astype(object)
    X_obj[0, 0] = "n/a"
    with pytest.raises(ValueError, match="not real numbers.*'n/a'.*categorical_features"):
        _clf(modalities).fit(X_obj, y)
    # Objects that are numbers are fine.
    assert _clf(modalities, max_epochs=1).fit(X.astype(object), y).n_iter_ == 1


def test_complex_and_sparse_are_refused(toy_data):
    X, y, modalities = toy_data
    with pytest.raises(ValueError, match="complex values"):
        _clf(modalities).fit(X + 1j, y)
    with pytest.raises(TypeError, match=r"sparse X.*absent entry means 0.*toarray"):
        _clf(modalities).fit(sp.csr_matrix(X), y)
    with pytest.raises(TypeError, match="sparse X"):
        ModalityRecoverer().fit(sp.csr_matrix(X))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int64, bool])
def test_narrow_int_and_bool_dtypes_equal_float64(toy_data, dtype):
    X, y, modalities = toy_data
    X_typed = (X * 4).astype(dtype)
    X_float = X_typed.astype(np.float64)
    a = _clf(modalities, max_epochs=2).fit(X_typed, y)
    b = _clf(modalities, max_epochs=2).fit(X_float, y)
    np.testing.assert_array_equal(a.predict_proba(X_typed[:20]), b.predict_proba(X_float[:20]))
    assert X_typed.dtype == dtype


def test_zero_rows(toy_data, fitted):
    X, y, modalities = toy_data
    with pytest.raises(ValueError, match="0 sample"):
        _clf(modalities).fit(X[:0], y[:0])
    proba = fitted.predict_proba(X[:0])
    assert proba.shape == (0, 3) and proba.dtype == np.float64
    assert fitted.selection_path_ == []
    assert list(fitted.selection_rewards_.columns) == [
        "step", "modality", "reward", "accepted"]
    assert len(fitted.selection_rewards_) == 0
    pred = fitted.predict(X[:0])
    assert pred.shape == (0,) and pred.dtype == fitted.classes_.dtype
    assert fitted.predict_log_proba(X[:0]).shape == (0, 3)
    result = fitted.select_modalities(X[:0], selection="all")
    assert result.used.shape == (0, 3) and result.path == []
    recoverer = ModalityRecoverer(SimpleImputer()).fit(X)
    assert recoverer.transform(X[:0]).shape == (0, 12)


def test_extreme_finite_values_give_an_error_not_garbage(toy_data, fitted):
    X, y, modalities = toy_data
    X_far = X[:5].copy()
    X_far[0, 1] = 1e300  # finite, but far beyond float32 after z-scoring
    standard = _clf(modalities, max_epochs=1, scaling="standard").fit(X, y)
    with pytest.raises(ValueError, match=r"columns \[1\].*training standard deviations"):
        standard.predict(X_far)
    # Robust scaling clips smoothly: the outlier reaches the network at the
    # clipping bound, so the prediction is a finite, valid distribution.
    proba = fitted.predict_proba(X_far)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(1), 1.0)
    scaled = fitted._data_path.scaler.transform(X_far)
    assert scaled[0, 1] == pytest.approx(3.0) and np.abs(scaled).max() <= 3.0
    X_huge = X.copy()
    X_huge[:, 2] = np.where(y == 0, 1e308, -1e308)  # the spread overflows float64
    with pytest.raises(ValueError, match=r"columns \[2\] hold values too large"):
        _clf(modalities).fit(X_huge, y)


# ----------------------------------------------------------- shape and names
def test_wrong_width_and_feature_name_rules(toy_data, fitted, fitted_frame):
    X, _, _ = toy_data
    with pytest.raises(ValueError, match="X has 5 features, but DyMoClassifier is expecting 6"):
        fitted.predict(X[:, :5])
    clf, df = fitted_frame
    with pytest.raises(ValueError, match="same order"):
        clf.predict(df[["a2", "a1", "b1", "b2", "c1", "c2"]])
    with pytest.raises(ValueError, match="unseen at fit time:\n- z"):
        clf.predict(df.rename(columns={"a1": "z"}))
    with pytest.raises(ValueError, match="yet now missing:\n- a1"):
        clf.predict(df.drop(columns="a1"))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(df.to_numpy())
    with pytest.warns(UserWarning, match="fitted without feature names"):
        fitted.predict(df)


@pytest.mark.parametrize("modalities, match", [
    ({"a": ["a1", "a2"], "b": ["a2", "b1", "b2"], "c": ["c1", "c2"]}, "both modality"),
    ({"a": ["a1", "a2", "zz"], "b": ["b1", "b2"], "c": ["c1", "c2"]}, "'zz'"),
    ({"a": NAMES, "b": []}, "modality 'b' has no columns"),
    ({"a": ["a1", "a1", "a2"], "b": ["b1", "b2"], "c": ["c1", "c2"]}, "twice"),
    ({"a": ["a1", "a2"], "b": ["b1", "b2"]}, r"'c1', 'c2'\] belong to no modality"),
])
def test_bad_modality_specs_are_named_at_fit(toy_data, modalities, match):
    X, y, _ = toy_data
    with pytest.raises(ValueError, match=match):
        _clf(modalities).fit(pd.DataFrame(X, columns=NAMES), y)


# ------------------------------------------------------------------ targets
def test_target_errors(toy_data):
    X, y, modalities = toy_data
    y_nan = y.astype(float)
    y_nan[[4, 7]] = np.nan
    with pytest.raises(ValueError, match=r"y contains NaN or None at rows \[4, 7\]"):
        _clf(modalities).fit(X, y_nan)
    y_none = np.array(["a", "b", "c"], dtype=object)[y]
    y_none[2] = None
    with pytest.raises(ValueError, match=r"rows \[2\]"):
        _clf(modalities).fit(X, y_none)
    with pytest.raises(ValueError, match="only one class"):
        _clf(modalities).fit(X, np.full(len(y), "same"))
    with pytest.raises(ValueError, match=r"y has shape \(240, 2\).*1-D"):
        _clf(modalities).fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="240 rows but y has 239"):
        _clf(modalities).fit(X, y[:-1])


def test_column_vector_y_warns_and_equals_1d(toy_data):
    X, y, modalities = toy_data
    with pytest.warns(DataConversionWarning):
        a = _clf(modalities, max_epochs=2).fit(X, y[:, None])
    b = _clf(modalities, max_epochs=2).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X[:10]), b.predict_proba(X[:10]))


def test_class_with_one_sample(toy_data):
    X, y, modalities = toy_data
    y_rare = y.copy()
    y_rare[0] = 9
    clf = _clf(modalities, max_epochs=2).fit(X, y_rare)
    assert list(clf.classes_) == [0, 1, 2, 9]
    assert np.isfinite(clf.predict_proba(X[:10])).all()
    with pytest.raises(ValueError, match=r"classes \[(np.int64\()?9\)?\] have a single training"):
        _clf(modalities, early_stopping=True).fit(X, y_rare)
    with pytest.raises(ValueError, match="validation_fraction=0.01 holds out 3 of 240"):
        _clf(modalities, early_stopping=True, validation_fraction=0.01).fit(
            X, np.arange(len(y)) % 5)


@pytest.mark.parametrize("labels", [
    np.array(["cat", "dog", "eel"]), np.array([-5, 10, 200]), np.array([True, False, True]),
])
def test_string_integer_and_boolean_labels(toy_data, labels):
    X, y, modalities = toy_data
    y_lab = labels[y]
    clf = _clf(modalities, max_epochs=3).fit(X, y_lab)
    np.testing.assert_array_equal(clf.classes_, np.unique(y_lab))
    pred = clf.predict(X)
    assert pred.dtype == y_lab.dtype and set(pred) <= set(y_lab)
    assert clf.score(X, y_lab) > 0.5


def test_fifty_plus_classes():
    rng = np.random.RandomState(0)
    n_classes = 55
    y = np.repeat(np.arange(n_classes), 4)
    X = rng.normal(size=(n_classes, 4))[y] + 0.05 * rng.normal(size=(len(y), 4))
    clf = DyMoClassifier(modalities=[[0, 1], [2, 3]], random_state=0,
                         **{**FAST, "max_epochs": 3}).fit(X, y)
    X_missing = drop_modalities(X, [[0, 1], [2, 3]], rate=0.5, random_state=0)
    proba = clf.predict_proba(X_missing)
    assert proba.shape == (len(y), n_classes)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert np.isfinite(clf.selection_rewards_.reward).all()


# ------------------------------------------------------- missingness extremes
def test_training_column_entirely_nan(toy_data):
    X, y, modalities = toy_data
    X_gap = X.copy()
    X_gap[:, 0] = np.nan  # modality a is never fully observed
    with pytest.warns(UserWarning, match="'a' is never fully observed"):
        clf = _clf(modalities, max_epochs=2).fit(X_gap, y)
    proba = clf.predict_proba(X_gap)
    assert np.isfinite(proba).all()
    # The network never learned 'a': selection never evaluates or adds it,
    # and only "all" uses its recovered values.
    assert "a" not in set(clf.selection_rewards_.modality)
    assert all("a" not in path for path in clf.selection_path_)
    assert clf.select_modalities(X_gap, "all").used["a"].all()
    with pytest.raises(ValueError, match="no training row has a fully observed modality"):
        _clf(modalities).fit(np.full_like(X, np.nan), y)


def test_rows_with_every_modality_missing(fitted, toy_data):
    X, _, _ = toy_data
    X_none = np.full((4, 6), np.nan)
    for strategy in ("iterative", "simultaneous", "observed", "all"):
        result = fitted.select_modalities(X_none, selection=strategy)
        assert np.isfinite(result.proba).all()
        np.testing.assert_allclose(result.proba.sum(1), 1.0)
        assert all(len(p) >= 1 for p in result.path)


def test_complete_rows_make_selection_a_no_op(fitted, toy_data):
    X, _, _ = toy_data
    proba = fitted.predict_proba(X)
    assert fitted.selection_path_ == [()] * len(X)
    assert len(fitted.selection_rewards_) == 0
    np.testing.assert_array_equal(proba, fitted.select_modalities(X, "observed").proba)
    np.testing.assert_array_equal(proba, fitted.select_modalities(X, "all").proba)


def test_single_modality(toy_data):
    X, y, _ = toy_data
    clf = DyMoClassifier(modalities=[list(range(6))], random_state=0,
                         **{**FAST, "max_epochs": 2}).fit(X, y)
    X_part = X[:20].copy()
    X_part[:10, :4] = np.nan  # 2 of 6 present: the only modality is a candidate
    proba = clf.predict_proba(X_part)
    assert np.isfinite(proba).all()
    assert all(p == ("m0",) for p in clf.selection_path_[:10])
    assert clf.selection_path_[10:] == [()] * 10
    # 5 of 6 present (above min_observed_fraction): it starts as observed.
    X_part[:10, :4] = X[:10, :4]
    X_part[:10, 0] = np.nan
    clf.predict_proba(X_part)
    assert clf.selection_path_ == [()] * 20


def test_hundred_single_column_modalities_stay_bounded():
    """M = 100: 2**100 subsets never enumerated; statistics pooled per size."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 100))
    y = (X[:, :5].sum(1) > 0).astype(int)
    clf = DyMoClassifier(random_state=0, **{**FAST, "max_epochs": 2}).fit(X, y)
    stats = clf.subset_statistics_
    assert len(clf.modality_names_) == 100
    assert not stats.exact and stats.prototypes.shape[0] == 100
    assert stats.subsets.shape[0] <= clf.max_stat_subsets
    X_missing = drop_modalities(X[:30], None, rate=0.5, random_state=0)
    proba = clf.predict_proba(X_missing)
    assert np.isfinite(proba).all()
    n_missing = np.isnan(X_missing).sum(1)
    assert all(len(p) <= k for p, k in zip(clf.selection_path_, n_missing))


# ------------------------------------------------------------ recoverer faults
class _Faulty:
    def __init__(self, fault="none"):
        self.fault = fault

    def fit(self, X):
        if self.fault == "fit":
            raise ArithmeticError("cannot fit")
        self.mean_ = np.nanmean(X, axis=0)
        return self

    def transform(self, X):
        if self.fault == "transform":
            raise KeyError("lost")
        out = np.where(np.isnan(X), self.mean_, X)
        return {"nan": np.full_like(X, np.nan), "wide": np.c_[out, out],
                "list": list(out)}.get(self.fault, out)


@pytest.mark.parametrize("fault, error, match", [
    ("fit", RuntimeError, "_Faulty failed in fit: ArithmeticError: cannot fit"),
    ("transform", RuntimeError, "_Faulty failed in transform: KeyError"),
    ("nan", ValueError, "_Faulty left NaN or inf"),
    ("wide", ValueError, r"_Faulty returned shape \(20, 12\), expected \(20, 6\)"),
    ("list", TypeError, "_Faulty returned a list"),
])
def test_recoverer_faults_are_named(toy_data, fault, error, match):
    X, y, modalities = toy_data
    X_missing = drop_modalities(X[:20], modalities, rate=0.5, random_state=0)
    with pytest.raises(error, match=match):
        # Iterative selection recovers every row that misses something.
        clf = _clf(modalities, recoverer=_Faulty(fault), selection="iterative",
                   max_epochs=1).fit(X, y)
        clf.predict(X_missing)


def test_recoverer_without_fit_fails_at_fit(toy_data):
    X, y, modalities = toy_data

    class TransformOnly:
        def transform(self, X):
            return X

    with pytest.raises(TypeError, match="TransformOnly has no fit"):
        _clf(modalities, recoverer=TransformOnly()).fit(X, y)


# ------------------------------------------------------------------ numerics
def test_diverging_training_is_an_error(toy_data):
    X, y, modalities = toy_data

    class PoisonedSGD(torch.optim.SGD):
        """Writes NaN into the weights: the next epoch's loss is NaN."""

        @torch.no_grad()
        def step(self, closure=None):
            loss = super().step(closure)
            for group in self.param_groups:
                for p in group["params"]:
                    p.fill_(float("nan"))
            return loss

    with pytest.raises(RuntimeError, match="training diverged.*from epoch 1"):
        _clf(modalities, optimizer=PoisonedSGD, max_epochs=3).fit(X, y)
