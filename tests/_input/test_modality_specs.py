"""Modalities read off the data: "prefix", "auto", detect_modalities, indicators."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import FeatureUnion

from sklearn_dymo import DyMoClassifier, ModalityRecoverer, detect_modalities
from sklearn_dymo._input._modalities import resolve_modalities, split_indicator_columns
from sklearn_dymo.datasets import drop_modalities, load_breast_cancer_modalities

PREFIXED = ["labs__ldl", "labs__hdl", "ecg__qt", "ecg__pr", "ecg__hr", "history__age"]


def _half_missing(X, modalities):
    """Every other row misses one modality, the others are complete: the blocks
    still go missing together, and every combination is observed somewhere."""
    out = np.array(X, dtype=float)
    rows = np.arange(len(out)) % 2 == 0
    out[rows] = drop_modalities(out[rows], modalities, rate=0.4, random_state=0)
    return out


def _labels(groups, n_features):
    labels = np.empty(n_features, dtype=int)
    for m, cols in enumerate(groups):
        labels[list(cols)] = m
    return labels


# ------------------------------------------------------------------ prefix
def test_prefix_spec_groups_by_column_transformer_prefix():
    spec = resolve_modalities("prefix", 6, PREFIXED)
    assert spec.names == ("labs", "ecg", "history")
    assert [c.tolist() for c in spec.columns] == [[0, 1], [2, 3, 4], [5]]


def test_prefix_spec_keeps_double_underscores_after_the_first():
    spec = resolve_modalities("prefix", 2, ["num__a__b", "cat__c"])
    assert spec.names == ("num", "cat")


def test_prefix_spec_names_the_columns_without_prefix():
    with pytest.raises(ValueError, match=r"\['age', '__x'\] have no '<name>__' prefix"):
        resolve_modalities("prefix", 4, ["labs__ldl", "age", "__x", "ecg__qt"])


def test_prefix_spec_needs_column_names():
    with pytest.raises(ValueError, match="X has no column names"):
        resolve_modalities("prefix", 3, None)


def test_unknown_spec_string_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"modalities='columns' is not a known spec.*'auto'"):
        resolve_modalities("columns", 3)


def test_auto_spec_without_missing_mask_is_an_error():
    with pytest.raises(ValueError, match="not available here"):
        resolve_modalities("auto", 3)


# ------------------------------------------------------------------ auto
@pytest.mark.parametrize("rate", [0.4, 0.8])
@pytest.mark.parametrize("partial", [0.0, 0.1])
def test_detect_modalities_finds_dropped_blocks(rate, partial):
    data = load_breast_cancer_modalities()
    X = drop_modalities(data.data, data.modalities, rate=rate, random_state=1)
    X[np.random.default_rng(1).random(X.shape) < partial] = np.nan
    found = detect_modalities(X)
    truth = _labels(data.modalities.values(), X.shape[1])
    assert adjusted_rand_score(truth, _labels(found.values(), X.shape[1])) == 1.0
    assert found == {f"m{i}": list(cols) for i, cols in enumerate(data.modalities.values())}


def test_detect_modalities_result_pastes_back_as_a_spec():
    data = load_breast_cancer_modalities(as_frame=True)
    X = drop_modalities(data.data, data.modalities, rate=0.4, random_state=0)
    found = detect_modalities(X)
    assert list(found.values()) == list(data.modalities.values())  # column names
    spec = resolve_modalities(found, X.shape[1], X.columns)
    assert spec.names == ("m0", "m1", "m2")


def test_never_missing_columns_form_one_block_and_prefixes_name_blocks():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 6)), columns=PREFIXED)
    rows = rng.random(200) < 0.5
    X.loc[rows, ["labs__ldl", "labs__hdl"]] = np.nan
    X.loc[~rows, ["ecg__qt", "history__age"]] = np.nan
    found = detect_modalities(X)
    assert found == {"labs": ["labs__ldl", "labs__hdl"], "m1": ["ecg__qt", "history__age"],
                     "never_missing": ["ecg__pr", "ecg__hr"]}


def test_independently_missing_columns_are_one_modality_each():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    X[rng.random(X.shape) < 0.2] = np.nan
    assert detect_modalities(X) == {"m0": [0], "m1": [1], "m2": [2], "m3": [3]}


def test_one_block_with_partial_missingness_stays_one_block():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 8))
    X[rng.random(400) < 0.3] = np.nan
    X[rng.random(X.shape) < 0.05] = np.nan
    assert detect_modalities(X) == {"m0": list(range(8))}


def test_detect_on_complete_data_falls_back_to_prefixes_and_says_so():
    X = pd.DataFrame(np.ones((5, 6)), columns=PREFIXED)
    with pytest.warns(UserWarning, match="no missing entry.*prefixes"):
        found = detect_modalities(X)
    assert list(found) == ["labs", "ecg", "history"]


def test_detect_on_complete_data_without_prefixes_is_an_error():
    with pytest.raises(ValueError, match="no missing entry.*no '<name>__' column prefixes"):
        detect_modalities(np.ones((5, 3)))


def test_detect_reads_only_missingness_so_text_columns_are_fine():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"city": rng.choice(["a", "b"], 100).astype(object),
                      "zip": rng.integers(0, 9, 100).astype(float),
                      "age": rng.normal(size=100)})
    rows = rng.random(100) < 0.4
    X.loc[rows, "city"] = None
    X.loc[rows, "zip"] = np.nan
    assert detect_modalities(X) == {"m0": ["city", "zip"], "never_missing": ["age"]}


def test_detect_rejects_non_2d():
    with pytest.raises(ValueError, match="2-D"):
        detect_modalities(np.ones(3))


def test_classifier_auto_shows_the_blocks_it_found(toy_data, fast_params):
    X, y, modalities = toy_data
    X_train = drop_modalities(X, modalities, rate=0.4, random_state=0)
    clf = DyMoClassifier(modalities="auto", random_state=0, **fast_params).fit(X_train, y)
    assert clf.modality_names_ == ["m0", "m1", "m2"]
    assert [c.tolist() for c in clf.modality_columns_] == list(modalities.values())
    assert clf.predict(X_train).shape == (len(y),)


def test_classifier_auto_on_complete_prefixed_data_warns_and_uses_prefixes(
        toy_data, fast_params):
    X, y, _ = toy_data
    df = pd.DataFrame(X, columns=["a__1", "a__2", "b__1", "b__2", "c__1", "c__2"])
    clf = DyMoClassifier(modalities="auto", random_state=0, **fast_params)
    with pytest.warns(UserWarning, match="used the '<name>__' column prefixes"):
        clf.fit(df, y)
    assert clf.modality_names_ == ["a", "b", "c"]


def test_classifier_prefix_spec(toy_data, fast_params):
    X, y, _ = toy_data
    df = pd.DataFrame(X, columns=["a__1", "a__2", "b__1", "b__2", "c__1", "c__2"])
    clf = DyMoClassifier(modalities="prefix", random_state=0, **fast_params).fit(df, y)
    assert clf.modality_names_ == ["a", "b", "c"]
    assert [c.tolist() for c in clf.modality_columns_] == [[0, 1], [2, 3], [4, 5]]


def test_classifier_auto_reads_missingness_from_indicator_columns(toy_data, fast_params):
    X, y, modalities = toy_data
    X_train = pd.DataFrame(_half_missing(X, modalities),
                           columns=[f"x{i}" for i in range(6)])
    recovered = ModalityRecoverer().fit_transform(X_train)
    clf = DyMoClassifier(modalities="auto", random_state=0, **fast_params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the values are complete, yet no fallback
        clf.fit(recovered, y)
    assert clf.modality_names_ == ["m0", "m1", "m2"]


# ------------------------------------------------------------------ indicators
def test_partial_indicator_columns_are_an_error_that_names_the_fix():
    names = ["a", "b", "c", "missingindicator_a"]
    with pytest.raises(ValueError, match=r"columns \['b', 'c'\] have none") as err:
        split_indicator_columns(names)
    for fix in ("ModalityRecoverer", "MissingIndicator(features='all')", "recoverer="):
        assert fix in str(err.value)


def test_add_indicator_on_partly_missing_training_data_is_refused(toy_data, fast_params):
    X, y, _ = toy_data
    # A copy: on pandas 2 the frame writes through to the shared fixture.
    df = pd.DataFrame(X.copy(), columns=[f"x{i}" for i in range(6)])
    df.iloc[:40, :2] = np.nan  # only the first modality is ever missing
    imputed = SimpleImputer(add_indicator=True).set_output(transform="pandas").fit_transform(df)
    assert [c for c in imputed.columns if c.startswith("missingindicator_")] == [
        "missingindicator_x0", "missingindicator_x1"]
    clf = DyMoClassifier(modalities=[[0, 1], [2, 3], [4, 5]], **fast_params)
    with pytest.raises(ValueError, match="for some columns only"):
        clf.fit(imputed, y)


def test_feature_union_with_missing_indicator_all_is_accepted(toy_data, fast_params):
    X, y, modalities = toy_data
    df = pd.DataFrame(_half_missing(X, modalities),
                      columns=[f"x{i}" for i in range(6)])
    union = FeatureUnion([("values", SimpleImputer()),
                          ("missing", MissingIndicator(features="all"))],
                         verbose_feature_names_out=False).set_output(transform="pandas")
    recovered = union.fit_transform(df)
    clf = DyMoClassifier(modalities=list(modalities.values()), selection="iterative",
                         random_state=0, **fast_params)
    clf.fit(recovered, y)
    assert clf.recoverer_ is None
    clf.predict(recovered)
    # Candidates are exactly the modalities that were missing before imputation.
    was_missing = {(i, f"m{m}") for m, cols in enumerate(modalities.values())
                   for i in np.flatnonzero(df.iloc[:, cols].isna().any(axis=1).to_numpy())}
    rewards = clf.selection_rewards_
    assert set(zip(rewards.index, rewards["modality"])) <= was_missing
    assert {(i, m) for i, path in enumerate(clf.selection_path_) for m in path} <= was_missing
    assert len(rewards) > 0
