"""Categorical columns read natively (``categorical_features``)."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import KNNImputer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from sklearn_dymo import DyMoClassifier, ModalityRecoverer
from sklearn_dymo._input._categorical import CategoricalEncoding, resolve_categorical_features

from ..conftest import FAST

COLORS = np.array(["red", "green", "blue"], dtype=object)
MODALITIES = {"num": ["x1", "x2"], "cat": ["color", "size"]}


def _frame(n=150, seed=0):
    """Two numeric columns (weak) and two categorical ones (color tells the class)."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 3, size=n)
    color = COLORS[np.where(rng.rand(n) < 0.9, y, rng.randint(0, 3, size=n))]
    df = pd.DataFrame({
        "x1": rng.normal(size=n) + 0.3 * y,
        "x2": rng.normal(size=n),
        "color": color,  # object strings
        "size": pd.Categorical(rng.choice(["S", "M", "L"], size=n)),
    })
    df.loc[::6, ["x1", "x2"]] = np.nan  # whole numeric modality missing
    df.loc[1::9, "color"] = np.nan  # single categorical entries missing
    return df, np.array(["a", "b", "c"], dtype=object)[y]


def _clf(**params):
    return DyMoClassifier(modalities=MODALITIES, random_state=0, **{**FAST, **params})


@pytest.fixture(scope="module")
def data():
    return _frame()


@pytest.fixture(scope="module")
def fitted(data):
    df, y = data
    return _clf().fit(df, y)


class RecordingKNN(TransformerMixin, BaseEstimator):
    """KNNImputer that keeps what it was given: the numeric form of X."""

    def fit(self, X, y=None):
        self.fit_input_ = X.copy()
        self.knn_ = KNNImputer(n_neighbors=5, keep_empty_features=True).fit(X)
        return self

    def transform(self, X):
        self.transform_input_ = X.copy()
        return self.knn_.transform(X)


# ------------------------------------------------------------------ units
def test_codes_and_one_hot_blocks_mark_missing_and_unseen_as_nan():
    raw = [np.array(["b", "a", None, "b", np.nan], dtype=object)]
    encoding = CategoricalEncoding.fit(raw, [1], ["c"])
    assert encoding.categories[0].tolist() == ["a", "b"]
    codes = encoding.codes([np.array(["a", "b", "zzz", None, pd.NA], dtype=object)])
    np.testing.assert_array_equal(codes[:, 0], [0, 1, np.nan, np.nan, np.nan])
    values = np.column_stack([[1.0, 2.0, 3.0, 4.0, 5.0], codes[:, 0]])
    layout = encoding.layout(None, 2)
    expanded = layout.expand(values)
    np.testing.assert_array_equal(expanded, [[1, 1, 0], [2, 0, 1], [3, np.nan, np.nan],
                                             [4, np.nan, np.nan], [5, np.nan, np.nan]])
    np.testing.assert_array_equal(layout.expand_missing(np.isnan(values)),
                                  np.isnan(expanded))
    np.testing.assert_array_equal(layout.one_hot_columns, [False, True, True])
    # Recovered frequencies snap to the most frequent category; observed rows stay.
    recovered = np.nan_to_num(expanded, nan=0.0)
    recovered[2:, 1:] = [[0.4, 0.6], [0.8, 0.2], [0.5, 0.5]]
    snapped = layout.snap(recovered, np.isnan(expanded))
    np.testing.assert_array_equal(snapped[:, 1:], [[1, 0], [0, 1], [0, 1], [1, 0], [1, 0]])


def test_from_dtype_takes_category_object_string_and_bool_columns():
    df = pd.DataFrame({
        "num": [1.0, 2.0], "int": [1, 2], "obj": ["a", "b"],
        "cat": pd.Categorical(["u", "v"]), "str": pd.array(["p", None], dtype="string"),
        "flag": [True, False], "nullable": pd.array([True, None], dtype="boolean"),
        "missing__num": [False, True],  # an indicator, never a category
    })
    mask = resolve_categorical_features("from_dtype", df)
    assert df.columns[mask].tolist() == ["obj", "cat", "str", "flag", "nullable"]
    assert resolve_categorical_features("from_dtype", np.zeros((2, 3))) is None
    assert resolve_categorical_features(None, df) is None


# ----------------------------------------------------------- classifier
def test_category_and_object_columns_are_learnt_and_reported(data, fitted):
    df, y = data
    assert fitted.is_categorical_.tolist() == [False, False, True, True]
    assert [c.tolist() for c in fitted.categories_] == [["blue", "green", "red"],
                                                        ["L", "M", "S"]]
    assert fitted.feature_names_in_.tolist() == df.columns.tolist()
    assert fitted.n_features_in_ == 4
    # The user's columns, not the one-hot positions.
    assert [c.tolist() for c in fitted.modality_columns_] == [[0, 1], [2, 3]]
    # The colour carries the class: the network must read the one-hot block.
    assert fitted.score(df, y) > 0.8
    blind = df.assign(color=None)
    assert fitted.score(blind, y) < fitted.score(df, y) - 0.2


def test_recoverer_sees_one_hot_blocks_and_categorical_modality_is_recovered(data):
    df, y = data
    clf = _clf(recoverer=RecordingKNN()).fit(df, y)
    seen = clf.recoverer_.fit_input_
    assert seen.shape == (len(df), 2 + 3 + 3)
    color_block = seen[:, 2:5]
    missing_color = df["color"].isna().to_numpy()
    assert np.isnan(color_block[missing_color]).all()
    observed_block = color_block[~missing_color]
    assert set(np.unique(observed_block)) == {0.0, 1.0}
    np.testing.assert_array_equal(observed_block.sum(axis=1), 1.0)
    expected = np.asarray(clf.categories_[0])[observed_block.argmax(axis=1)]
    np.testing.assert_array_equal(expected, df["color"][~missing_color].to_numpy())

    # At predict, the whole categorical modality goes missing for some rows.
    test = df.iloc[:40].copy()
    test.loc[test.index[::2], ["color", "size"]] = None
    clf.predict(test)
    observed_cat = test[["color", "size"]].notna().all(axis=1).to_numpy()
    assert any("cat" in path for path in clf.selection_path_[::2])
    assert not any("cat" in path for path, seen in zip(clf.selection_path_, observed_cat)
                   if seen)
    # The network gets a real category (one-hot, unscaled), never a blend.
    x, observed = clf._prepare(test)
    block = x.numpy()[:, 2:5]
    assert set(np.unique(block)) <= {0.0, 1.0}
    np.testing.assert_array_equal(block.sum(axis=1), 1.0)
    assert not observed.numpy()[::2, 1].any()


def test_snapped_category_is_the_most_frequent_among_neighbours():
    rng = np.random.RandomState(1)
    n = 60
    x = np.repeat([0.0, 10.0], n // 2) + rng.normal(scale=0.1, size=n)
    color = np.where(x < 5, "u", "v").astype(object)
    # Near 0, 3 of the 5 nearest rows are "u", while "v" is the most frequent
    # overall: a snapped mean would say "v", the neighbours say "u".
    color[np.argsort(np.abs(x))[:2]] = "v"
    df = pd.DataFrame({"x": x, "c": color})
    y = (x > 5).astype(int)
    clf = DyMoClassifier(random_state=0, **{**FAST, "max_epochs": 2}).fit(df, y)
    query = pd.DataFrame({"x": [0.0, 10.0], "c": [None, None]})
    assert (color == "v").sum() > (color == "u").sum()
    block = clf._prepare(query)[0].numpy()[:, 1:3]
    assert clf.categories_[0].tolist() == ["u", "v"]
    np.testing.assert_array_equal(block, [[1, 0], [0, 1]])


def test_unseen_category_none_nan_and_pd_na_are_all_missing(data, fitted):
    df, _ = data
    test = df.iloc[:30].copy()
    rows = test.index[:10]
    as_nan = test.copy()
    as_nan.loc[rows, "color"] = np.nan
    proba_nan = fitted.predict_proba(as_nan)
    path_nan = fitted.selection_path_
    for value in (None, pd.NA, "purple"):
        other = test.copy()
        other["color"] = other["color"].astype(object)
        other.loc[rows, "color"] = value
        np.testing.assert_array_equal(fitted.predict_proba(other), proba_nan)
        assert fitted.selection_path_ == path_nan
    # An unseen category of a category dtype column is missing too.
    sized = test.copy()
    sized["size"] = pd.Categorical(["XL"] * 10 + list(test["size"][10:]))
    expected = test.copy()
    expected.loc[rows, "size"] = None
    np.testing.assert_array_equal(fitted.predict_proba(sized), fitted.predict_proba(expected))
    # Missing categoricals make their modality a candidate.
    fitted.predict(as_nan)
    observed_cat = as_nan[["color", "size"]].notna().all(axis=1).to_numpy()
    for path, seen in zip(fitted.selection_path_, observed_cat):
        assert not (seen and "cat" in path)


def test_input_is_not_modified(data):
    df, y = data
    before = df.copy()
    _clf(max_epochs=1).fit(df, y).predict(df)
    pd.testing.assert_frame_equal(df, before)


def test_one_modality_per_column_and_bool_columns():
    df, y = _frame(n=90, seed=3)
    df["flag"] = df["x2"].fillna(0).to_numpy() > 0
    clf = DyMoClassifier(random_state=0, **{**FAST, "max_epochs": 2}).fit(df, y)
    assert clf.modality_names_ == ["x1", "x2", "color", "size", "flag"]
    assert [c.tolist() for c in clf.categories_[-1:]] == [[False, True]]
    assert clf.predict(df).shape == (90,)


def test_names_indices_mask_and_object_array_agree(data):
    df, y = data
    plain = df.astype({"size": object})
    reference = _clf(max_epochs=2, categorical_features=["color", "size"]).fit(plain, y)
    proba = reference.predict_proba(plain)
    for spec in ([2, 3], [-2, -1], [False, False, True, True]):
        clf = _clf(max_epochs=2, categorical_features=spec).fit(plain, y)
        assert clf.is_categorical_.tolist() == [False, False, True, True]
        np.testing.assert_allclose(clf.predict_proba(plain), proba)
    array = plain.to_numpy(dtype=object)
    clf = DyMoClassifier(modalities={"num": [0, 1], "cat": [2, 3]}, random_state=0,
                         categorical_features=[2, 3], **{**FAST, "max_epochs": 2})
    clf.fit(array, y)
    np.testing.assert_allclose(clf.predict_proba(array), proba, rtol=1e-5, atol=1e-6)
    # "from_dtype" on a numeric array: no categorical column.
    numeric = DyMoClassifier(**{**FAST, "max_epochs": 1}).fit(
        np.nan_to_num(df[["x1", "x2"]].to_numpy()), y)
    assert numeric.is_categorical_.tolist() == [False, False]
    assert numeric.categories_ == []


@pytest.mark.parametrize("spec, match", [
    (["colour"], r"unknown columns \['colour'\]"),
    ("color", r"got the string 'color'.*\['color'\]"),
    ([7], "index 7 is out of range"),
    ([2, 2], "lists column 2 twice"),
    ([True, False], "mask of length 2, but X has 4 columns"),
    (["color", 3], "only column names"),
    (3, "categorical_features must be"),
])
def test_bad_categorical_features_are_named(data, spec, match):
    df, y = data
    with pytest.raises((ValueError, TypeError), match=match):
        _clf(categorical_features=spec).fit(df, y)


def test_bad_categorical_columns_are_named(data):
    df, y = data
    with pytest.raises(ValueError, match=r"names columns \['color'\].*no column names"):
        _clf(categorical_features=["color"]).fit(df.to_numpy(dtype=object), y)
    with pytest.raises(ValueError, match=r"\['color'\] have no value in the training data"):
        _clf().fit(df.assign(color=None), y)
    odd = df.assign(color=[["r"]] * len(df))
    with pytest.raises(ValueError, match="color holds values that cannot be categories"):
        _clf().fit(odd, y)
    with pytest.raises(ValueError, match="indicator columns"):
        _clf(categorical_features=["missing__x1"]).fit(df.assign(missing__x1=0.0), y)


def test_modality_recoverer_points_to_ordinal_encoder_and_categorical_features(data):
    df, _ = data
    with pytest.raises(ValueError, match=r"non-numeric columns \['color', 'size'\].*"
                                         r"unknown_value=np.nan.*categorical_features"):
        ModalityRecoverer().fit(df)


def test_ordinal_encoder_recipe_keeps_missing_entries(data):
    df, y = data
    encode = ColumnTransformer(
        [("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
          ["color", "size"])],
        remainder="passthrough", verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    # min_observed_fraction=1.0: one missing entry makes the modality unobserved.
    pipe = Pipeline([("encode", encode), ("clf", _clf(
        max_epochs=2, categorical_features=["color", "size"], min_observed_fraction=1.0))]
    ).fit(df, y)
    clf = pipe[-1]
    assert [c.tolist() for c in clf.categories_] == [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]]
    test = df.iloc[:20].copy()
    test.loc[test.index[:5], "color"] = "purple"  # unknown -> NaN -> missing
    encoded = pipe[0].transform(test)
    assert np.isnan(encoded["color"].to_numpy()[:5]).all()
    np.testing.assert_array_equal(pipe.predict_proba(test), clf.predict_proba(encoded))
    # The unknown colours are missing entries: their modality is not observed.
    assert not clf._prepare(encoded)[1].numpy()[:5, 1].any()


def test_pickle_keeps_string_categories_and_predictions(data, fitted):
    df, _ = data
    loaded = pickle.loads(pickle.dumps(fitted))
    assert [c.tolist() for c in loaded.categories_] == [c.tolist() for c in fitted.categories_]
    np.testing.assert_array_equal(loaded.predict_proba(df), fitted.predict_proba(df))
    np.testing.assert_array_equal(loaded.predict(df), fitted.predict(df))


def test_grid_search_in_parallel_on_a_frame_with_categoricals(data):
    df, y = data
    grid = GridSearchCV(_clf(max_epochs=2), {"distance": ["cosine", "sqeuclidean"]},
                        cv=2, n_jobs=2).fit(df, y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    best = grid.best_estimator_
    assert [c.tolist() for c in best.categories_[:1]] == [["blue", "green", "red"]]
    assert set(grid.predict(df)) <= {"a", "b", "c"}


def test_self_tuned_selection_hides_and_recovers_categorical_modalities(data):
    df, y = data
    clf = _clf(max_epochs=2, selection="auto").fit(df, y)
    assert clf.selection_tuning_["log_loss"].notna().all()
    test = df.iloc[:20].assign(color=None, size=None)
    assert clf.predict_proba(test).shape == (20, 3)


def test_min_observed_fraction_counts_a_categorical_column_once(data):
    df, y = data
    # One numeric and one categorical column (3 categories) per modality:
    # with the colour missing, half of the user's columns are present.
    modalities = {"m": ["x1", "color"], "n": ["x2", "size"]}
    clf = DyMoClassifier(modalities=modalities, min_observed_fraction=0.5, random_state=0,
                         **{**FAST, "max_epochs": 1}).fit(df, y)
    test = df.dropna().iloc[:5].assign(color=None)
    observed = clf._prepare(test)[1].numpy()
    assert observed[:, 0].all()
    clf.set_params(min_observed_fraction=1.0)
    assert not clf._prepare(test)[1].numpy()[:, 0].any()


def test_indicator_columns_cover_categorical_columns(data):
    df, y = data
    values = df.assign(x1=df["x1"].fillna(0.0), x2=df["x2"].fillna(0.0),
                       color=df["color"].fillna("red"))
    indicators = df.isna().astype(float).add_prefix("missing__")
    frame = pd.concat([values, indicators], axis=1)
    clf = _clf(max_epochs=2, min_observed_fraction=1.0).fit(frame, y)
    assert clf.recoverer_ is None
    assert clf.is_categorical_.tolist() == [False, False, True, True] + [False] * 4
    # The indicator, not the (filled-in) colour, says the entry was missing.
    observed = clf._prepare(frame)[1].numpy()
    np.testing.assert_array_equal(observed[:, 1], df[["color", "size"]].notna().all(axis=1))


def test_regressor_reads_categorical_columns_too(data):
    from sklearn_dymo import DyMoRegressor

    df, _ = data
    target = (df["color"] == "red").astype(float).to_numpy() + df["x2"].fillna(0).to_numpy()
    reg = DyMoRegressor(modalities=MODALITIES, random_state=0,
                        **{**FAST, "max_epochs": 2}).fit(df, target)
    assert [c.tolist() for c in reg.categories_] == [["blue", "green", "red"], ["L", "M", "S"]]
    test = df.iloc[:10].copy()
    unseen = test.assign(color="purple")
    np.testing.assert_array_equal(reg.predict(unseen), reg.predict(test.assign(color=None)))
