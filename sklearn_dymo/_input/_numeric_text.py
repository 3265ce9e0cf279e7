"""Object columns that hold numbers as text, read as numbers.

A CSV read without ``na_values`` gives an ``object`` (or, from pandas 3
on, ``str``) column of numbers and markers such as ``'?'``;
``.replace({np.nan: None})`` gives ``object`` columns of floats and
``None``. ``categorical_features="from_dtype"``
would take either for a categorical column with one category per value.
A column is read as numeric instead when every non-missing entry parses
as a number or is a common missing marker (:data:`MISSING_MARKERS`); the
markers become NaN. ``fit`` warns once, naming the columns; predict reads
the same columns the same way, and an entry that then parses as neither
is a missing entry, with a warning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

#: Strings read as a missing entry in a numeric-text column (after strip).
MISSING_MARKERS = frozenset({"", "?", "na", "n/a", "nan", "null", "none", "-", "--", "."})


def _parse(column):
    """(float values with NaN where missing or unparsed, mask of unparsed entries)."""
    values = column.to_numpy(dtype=object)
    text = np.array([str(v).strip().lower() if isinstance(v, str) else "" for v in values])
    is_str = np.array([isinstance(v, str) for v in values], dtype=bool)
    marker = is_str & np.isin(text, list(MISSING_MARKERS))
    numbers = pd.to_numeric(pd.Series(np.where(marker, None, values), dtype=object),
                            errors="coerce").to_numpy(dtype=np.float64)
    missing = pd.isna(pd.Series(values, dtype=object)).to_numpy() | marker
    unparsed = ~missing & np.isnan(numbers)
    return numbers, unparsed


def find_numeric_text_columns(X):
    """Positions of the object columns of a DataFrame that hold numbers as text."""
    if not isinstance(X, pd.DataFrame):
        return []
    found = []
    for j, dtype in enumerate(X.dtypes):
        # object, or pandas' string dtype (the default for text from pandas 3 on)
        if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
            continue
        column = X.iloc[:, j]
        if column.map(lambda v: isinstance(v, (bool, np.bool_))).any():
            continue  # booleans are categories, not numbers
        numbers, unparsed = _parse(column)
        if not unparsed.any() and np.isfinite(numbers).any():
            found.append(j)
    return found


def read_numeric_text(X, columns, *, at_fit):
    """``X`` with ``columns`` (positions) as float64 (a copy; ``X`` is not changed)."""
    if not columns or not isinstance(X, pd.DataFrame):
        return X  # an array at predict: validation names what it cannot read
    X = X.copy()
    unparsed_names = []
    for j in columns:
        numbers, unparsed = _parse(X.iloc[:, j])
        if unparsed.any():
            unparsed_names.append(str(X.columns[j]))
        X.isetitem(j, numbers)
    names = [str(X.columns[j]) for j in columns]
    if at_fit:
        warnings.warn(
            f"columns {names[:10]} have dtype object but hold numbers (and missing "
            f"markers such as '?'); they are read as numeric, markers as missing. Cast "
            "them to float (or read the file with na_values=...) to silence this.",
            UserWarning, stacklevel=5)
    elif unparsed_names:
        warnings.warn(
            f"columns {unparsed_names[:10]} were read as numeric in fit, but hold "
            "entries that are neither numbers nor missing markers; those entries are "
            "treated as missing", UserWarning, stacklevel=5)
    return X
