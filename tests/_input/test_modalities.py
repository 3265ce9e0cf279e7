import numpy as np
import pytest

from sklearn_dymo._input._modalities import resolve_modalities, split_indicator_columns


def test_none_gives_one_modality_per_column():
    spec = resolve_modalities(None, 3)
    assert spec.names == ("x0", "x1", "x2")
    assert [c.tolist() for c in spec.columns] == [[0], [1], [2]]
    named = resolve_modalities(None, 2, ["age", "bmi"])
    assert named.names == ("age", "bmi")


def test_dict_of_names_and_indices():
    spec = resolve_modalities({"a": ["u", "w"], "b": [1]}, 3, ["u", "v", "w"])
    assert spec.names == ("a", "b")
    assert [c.tolist() for c in spec.columns] == [[0, 2], [1]]
    assert spec.sizes == (2, 1)


def test_list_of_lists_is_named_m0_m1():
    spec = resolve_modalities([[0, 1], [2]], 3)
    assert spec.names == ("m0", "m1")


def test_negative_index_and_single_column_group():
    spec = resolve_modalities({"a": [0, 1], "b": -1}, 3)
    assert spec.columns[1].tolist() == [2]


@pytest.mark.parametrize("modalities, match", [
    ({"a": [0, 1], "b": [1, 2]}, "both modality 'a' and 'b'"),
    ({"a": [0, 1, 2], "b": []}, "modality 'b' has no columns"),
    ({"a": [0, 0], "b": [1, 2]}, "lists column 0 twice"),
    ({"a": [0, 1], "b": [5]}, "out of range"),
    ({"a": [0, 1]}, r"belong to no modality"),
    ({}, "empty"),
])
def test_bad_specs_name_the_problem(modalities, match):
    with pytest.raises(ValueError, match=match):
        resolve_modalities(modalities, 3)


def test_unknown_column_name():
    with pytest.raises(ValueError, match="unknown column 'zzz'"):
        resolve_modalities({"a": ["u", "zzz"]}, 2, ["u", "v"])


def test_names_without_feature_names():
    with pytest.raises(ValueError, match="X has no column names"):
        resolve_modalities({"a": ["u"]}, 1)


def test_wrong_type():
    with pytest.raises(TypeError, match="modalities must be"):
        resolve_modalities(3.5, 3)
    with pytest.raises(ValueError, match="not a known spec"):
        resolve_modalities("abc", 3)


def test_split_indicator_columns_both_prefixes():
    names = ["a", "b", "c", "missing__a", "missingindicator_c", "missing__b"]
    values, indicator_of = split_indicator_columns(np.array(names, dtype=object))
    assert values.tolist() == [0, 1, 2]
    assert indicator_of == {0: 3, 1: 5, 2: 4}
    assert split_indicator_columns(["a", "b"]) == (None, {})
    with pytest.raises(ValueError, match="name no column"):
        split_indicator_columns(["a", "missing__zz"])
