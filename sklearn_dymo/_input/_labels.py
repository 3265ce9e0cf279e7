"""Column labels of a DataFrame: integer labels are names, not positions.

scikit-learn records ``feature_names_in_`` only when every column label is
a string. A DataFrame whose labels are integers (``pd.read_csv(header=None)``
after dropping a column, a transposed table, ``df.columns = [10, 11, ...]``)
would otherwise have its labels ignored: ``modalities={"a": [10, 11]}``
read as positions, and reordered columns taken by position at predict.
Here the labels of a DataFrame are kept in ``fit`` whatever their type,
integer entries of ``modalities`` and ``categorical_features`` are looked
up among them, and predict refuses columns that differ from ``fit``'s.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils.validation import _check_feature_names

from ._validation import _MAX_LISTED, _listed


def frame_labels(X):
    """A DataFrame's column labels as a list; None for anything else."""
    return list(X.columns) if isinstance(X, pd.DataFrame) else None


def integer_labels(X):
    """``X``'s column labels when ``X`` is a DataFrame labelled by integers
    other than its positions; None otherwise (positions and labels agree)."""
    labels = frame_labels(X)
    if not labels or not all(isinstance(c, Integral) and not isinstance(c, (bool, np.bool_))
                             for c in labels):
        return None
    if [int(c) for c in labels] == list(range(len(labels))):
        return None
    return [int(c) for c in labels]


def _position(label, position, what):
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, Integral):
        return label  # a name or a bad entry: the resolver names the fault
    if int(label) not in position:
        raise ValueError(
            f"{what}: unknown column {label!r}; X is a DataFrame with integer column "
            f"labels {_listed(position)}, and integer entries are read as those labels "
            "(names), not as positions"
        )
    return position[int(label)]


def modalities_by_label(modalities, labels):
    """``modalities`` with integer column labels replaced by positions."""
    if labels is None or modalities is None or isinstance(modalities, str):
        return modalities
    position = {label: i for i, label in enumerate(labels)}

    def group(name, columns):
        if isinstance(columns, (str, Integral)):
            columns = [columns]
        try:
            columns = list(columns)
        except TypeError:
            return columns  # the resolver names the fault
        return [_position(c, position, f"modality {name!r}") for c in columns]

    if isinstance(modalities, dict):
        return {name: group(name, cols) for name, cols in modalities.items()}
    if isinstance(modalities, (list, tuple)):
        return [group(f"m{i}", cols) for i, cols in enumerate(modalities)]
    return modalities


def categorical_by_label(categorical_features, labels):
    """``categorical_features`` with integer column labels replaced by positions."""
    if labels is None or categorical_features is None or isinstance(categorical_features, str):
        return categorical_features
    items = list(categorical_features)
    if not items or any(isinstance(c, (bool, np.bool_)) for c in items):
        return categorical_features  # a boolean mask is positional by nature
    position = {label: i for i, label in enumerate(labels)}
    return [_position(c, position, "categorical_features") for c in items]


def check_columns_as_in_fit(estimator, X, fitted_labels):
    """Refuse a DataFrame whose columns differ from ``fit``'s, for any label type.

    String names get scikit-learn's own message (its common checks match
    it); other labels the same facts. Runs before the categorical columns
    are read by position, so that a reordered table is named as such.
    """
    labels = frame_labels(X)
    if labels is None or fitted_labels is None or labels == list(fitted_labels):
        return
    fix = ("Select the columns in fit's order, e.g. X[list(estimator.feature_names_in_)], "
           "before predicting.")
    if all(isinstance(c, str) for c in labels) and all(isinstance(c, str)
                                                       for c in fitted_labels):
        try:
            _check_feature_names(estimator, X, reset=False)
        except ValueError as exc:
            raise ValueError(f"{exc}\n{fix}") from None
    unseen = [c for c in labels if c not in fitted_labels]
    missing = [c for c in fitted_labels if c not in labels]
    message = "X's columns should match those passed during fit.\n"
    if unseen:
        message += f"Columns unseen at fit time: {_listed(unseen)}.\n"
    if missing:
        message += f"Columns seen at fit time, yet now missing: {_listed(missing)}.\n"
    if not unseen and not missing:
        message += ("The columns are in a different order than in fit, which was "
                    f"{_listed(fitted_labels)}.\n")
    if len(labels) != len(set(labels)):
        message += "X has duplicated column labels.\n"
    raise ValueError(message + fix.replace("list(estimator.feature_names_in_)",
                                           str(list(fitted_labels))
                                           if len(fitted_labels) <= _MAX_LISTED
                                           else "<fit's columns>"))
