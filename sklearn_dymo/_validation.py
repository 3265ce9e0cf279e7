"""Input validation with errors that name the problem and the fix.

Wraps scikit-learn's ``validate_data`` (feature counts and names, dtype
conversion) and adds what DyMo needs on top: NaN is the *only* marker of a
missing entry, so sparse input (absent entries mean 0), infinities,
complex numbers and non-numeric columns are refused with a message saying
which columns are at fault and what to do instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.utils.validation import validate_data

#: Column names or positions listed in an error message.
_MAX_LISTED = 10


def _listed(labels):
    labels = list(labels)
    more = f" and {len(labels) - _MAX_LISTED} more" if len(labels) > _MAX_LISTED else ""
    return f"{labels[:_MAX_LISTED]}{more}"


def _column_labels(columns, original):
    names = getattr(original, "columns", None)
    if names is not None:
        return [str(names[c]) for c in columns]
    return [int(c) for c in columns]


def check_input_X(estimator, X, *, reset, min_samples=1):
    """Validate ``X`` for a DyMo estimator and return a float64 ndarray.

    Parameters
    ----------
    estimator : BaseEstimator
        Receives ``n_features_in_`` / ``feature_names_in_`` when ``reset``.
    X : array-like of shape (n_samples, n_features)
        NaN marks a missing entry; never modified.
    reset : bool
        True in ``fit``; False checks the width and the feature names
        against what ``fit`` saw (scikit-learn's rules).
    min_samples : int
        Fewest rows accepted (0 lets ``predict`` return empty arrays).

    Returns
    -------
    ndarray of float64, shape (n_samples, n_features)
        May share memory with ``X``: callers must not write into it.
    """
    name = type(estimator).__name__
    if sp.issparse(X):
        raise TypeError(
            f"{name} does not accept sparse X: in a sparse matrix an absent entry "
            "means 0, while DyMo marks a missing entry with NaN. Convert with "
            "X.toarray() and put NaN where values are missing."
        )
    if isinstance(X, pd.DataFrame):
        bad = [c for c, dtype in X.dtypes.items()
               if not (is_numeric_dtype(dtype) or is_bool_dtype(dtype))]
        if bad:
            raise ValueError(
                f"X has non-numeric columns {_listed(map(str, bad))}; {name} needs "
                "numbers (NaN for missing). Encode categorical columns first, e.g. "
                "with OneHotEncoder or OrdinalEncoder in a Pipeline."
            )
    if hasattr(X, "dtype") and np.iscomplexobj(X):
        raise ValueError(
            f"Complex data not supported: X has complex values and {name} needs "
            "real numbers. Split them into "
            "real and imaginary columns (np.real, np.imag) if both matter."
        )
    try:
        X_checked = validate_data(
            estimator, X, reset=reset, ensure_all_finite=False, dtype=np.float64,
            ensure_min_samples=min_samples,
        )
    except ValueError as exc:
        if "could not convert" in str(exc) or "Complex data" in str(exc):
            raise ValueError(
                f"X has values that are not real numbers ({exc}); {name} needs "
                "numbers, with NaN for missing entries. Encode categorical columns "
                "first, e.g. with OneHotEncoder in a Pipeline."
            ) from exc
        raise
    inf_columns = np.flatnonzero(np.isinf(X_checked).any(axis=0))
    if inf_columns.size:
        raise ValueError(
            f"X contains inf or -inf in columns {_listed(_column_labels(inf_columns, X))}; "
            f"{name} reads only NaN as missing. Replace infinities with NaN if they "
            "mean 'missing', or with finite values."
        )
    return X_checked
