"""DataFrame columns are read by label, whatever the labels' type."""

import numpy as np
import pandas as pd
import pytest

from sklearn_dymo import DyMoClassifier

from ..conftest import FAST


@pytest.fixture(scope="module")
def frames(toy_data):
    X, y, _ = toy_data
    # Labels 5..0: the column labelled 0 is the last one.
    labelled = pd.DataFrame(X[:, ::-1], columns=[5, 4, 3, 2, 1, 0])
    in_order = pd.DataFrame(X, columns=[0, 1, 2, 3, 4, 5])
    return labelled, in_order, y


MODALITIES = {"a": [0, 1], "b": [2, 3], "c": [4, 5]}


@pytest.fixture(scope="module")
def labelled_model(frames):
    labelled, _, y = frames
    return DyMoClassifier(modalities=MODALITIES, random_state=0, **FAST).fit(labelled, y)


def test_integer_labels_are_names_not_positions(frames, labelled_model):
    labelled, in_order, y = frames
    reference = DyMoClassifier(modalities=MODALITIES, random_state=0, **FAST).fit(in_order, y)
    # Same columns in each modality (in another order inside it): same groups.
    groups = [sorted(labelled.columns[c]) for c in labelled_model._data_path.spec.columns]
    assert groups == [[0, 1], [2, 3], [4, 5]]
    assert (labelled_model.predict(labelled) == reference.predict(in_order)).mean() > 0.95


def test_integer_labels_name_modalities_of_one_column_each(frames):
    labelled, _, y = frames
    clf = DyMoClassifier(random_state=0, **FAST).fit(labelled.iloc[:, :3], y)
    assert clf.modality_names_ == ["5", "4", "3"]


def test_unknown_integer_label_is_named(frames):
    labelled, _, y = frames
    with pytest.raises(ValueError, match="unknown column 7.*integer column labels"):
        DyMoClassifier(modalities={"a": [7], "b": [0, 1, 2, 3, 4, 5]}, **FAST).fit(labelled, y)


def test_reordered_integer_labels_are_refused(frames, labelled_model):
    labelled, _, _ = frames
    with pytest.raises(ValueError, match="different order.*\\[5, 4, 3, 2, 1, 0\\]"):
        labelled_model.predict(labelled[[0, 1, 2, 3, 4, 5]])
    with pytest.raises(ValueError, match="unseen at fit time: \\[9\\]"):
        labelled_model.predict(labelled.rename(columns={5: 9}))


def _mixed_frame(toy_data):
    X, y, _ = toy_data
    frame = pd.DataFrame(X[:, :4], columns=["a0", "a1", "b0", "b1"])
    frame["colour"] = np.where(y == 0, "red", np.where(y == 1, "green", "blue"))
    return frame, y


@pytest.fixture(scope="module")
def mixed_model(toy_data):
    frame, y = _mixed_frame(toy_data)
    clf = DyMoClassifier(modalities={"a": ["a0", "a1"], "b": ["b0", "b1", "colour"]},
                         random_state=0, **FAST)
    return clf.fit(frame, y)


def test_reordered_columns_with_categoricals_name_the_order(toy_data, mixed_model):
    frame, _ = _mixed_frame(toy_data)
    with pytest.raises(ValueError, match="same order as they were in fit"):
        mixed_model.predict(frame[["colour", "a0", "a1", "b0", "b1"]])
    with pytest.raises(ValueError, match="yet now missing:\n- colour"):
        mixed_model.predict(frame.drop(columns="colour"))


def test_categorical_codes_at_predict_warn(toy_data, mixed_model):
    frame, _ = _mixed_frame(toy_data)
    coded = frame.assign(colour=frame["colour"].astype("category").cat.codes)
    with pytest.warns(UserWarning, match="'colour': none of its values"):
        mixed_model.predict(coded)


def test_known_categories_do_not_warn(toy_data, mixed_model):
    import warnings

    frame, _ = _mixed_frame(toy_data)
    partly_new = frame.assign(colour=frame["colour"].where(frame.index % 2 == 0, "purple"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mixed_model.predict(partly_new)
    assert not [w for w in caught if "none of its values" in str(w.message)]


def test_categorical_features_by_integer_label(toy_data):
    X, y, _ = toy_data
    frame = pd.DataFrame(X[:, :4], columns=[13, 12, 11, 10])
    frame[20] = np.where(y == 0, "red", "other")
    clf = DyMoClassifier(modalities={"a": [13, 12], "b": [11, 10, 20]},
                         categorical_features=[20], random_state=0, **FAST).fit(frame, y)
    assert clf._data_path.is_categorical.tolist() == [False] * 4 + [True]
