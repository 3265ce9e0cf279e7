"""Input validation with errors that name the problem and the fix.

Wraps scikit-learn's ``validate_data`` (feature counts and names, dtype
conversion) and adds what DyMo needs on top: NaN is the *only* marker of a
missing entry, so sparse input (absent entries mean 0), infinities,
complex numbers and non-numeric columns are refused with a message saying
which columns are at fault and what to do instead. ``check_mixed_X`` sets
the categorical columns aside first (``_categorical.py`` reads them), so
only the numeric ones are held to these rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.utils.validation import column_or_1d, validate_data

from ._categorical import categorical_column_values

#: Column names or positions listed in an error message.
_MAX_LISTED = 10


def _listed(labels):
    labels = list(labels)
    more = f" and {len(labels) - _MAX_LISTED} more" if len(labels) > _MAX_LISTED else ""
    return f"{labels[:_MAX_LISTED]}{more}"


def _non_numeric_fix(estimator):
    """What to do about a non-numeric column, for the estimator at hand."""
    if hasattr(estimator, "categorical_features"):
        return (
            "Mark categorical columns in categorical_features (their names, indices "
            "or a boolean mask; 'from_dtype' takes a DataFrame's category, object, "
            "string and bool columns), or encode them first with "
            "OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=np.nan), "
            "which keeps NaN for missing entries."
        )
    return (
        "Encode categorical columns first with OrdinalEncoder(handle_unknown="
        "'use_encoded_value', unknown_value=np.nan), which keeps NaN for missing "
        "entries, or pass them straight to DyMoClassifier or DyMoRegressor, which "
        "read categorical columns themselves (categorical_features)."
    )


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
                f"numbers there (NaN for missing). {_non_numeric_fix(estimator)}"
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
                "numbers, with NaN for missing entries, in the columns that are not "
                f"categorical. {_non_numeric_fix(estimator)}"
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


def check_mixed_X(estimator, X, *, reset, categorical, min_samples=1):
    """Validate ``X`` whose ``categorical`` columns may hold any categories.

    The categorical columns are read out as object arrays; in the copy that
    scikit-learn's ``validate_data`` checks (width, feature names, float64)
    they are NaN, so the numeric columns are held to ``check_input_X``'s
    rules and the categorical ones to none.

    Parameters
    ----------
    estimator : BaseEstimator
    X : array-like of shape (n_samples, n_features)
        Never modified.
    reset : bool
    categorical : ndarray of bool of shape (n_features,) or None
        The categorical columns (``None`` or all False: none).
    min_samples : int

    Returns
    -------
    X_float : ndarray of float64, shape (n_samples, n_features)
        NaN in the categorical columns; the caller's own array (never a
        view of ``X``) whenever some column is categorical.
    raw : list of ndarray of object
        The categorical columns, in column order.
    """
    if categorical is None or not np.any(categorical) or sp.issparse(X):
        return check_input_X(estimator, X, reset=reset, min_samples=min_samples), []
    columns = np.flatnonzero(categorical)
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != categorical.size:  # validate_data names the width error
            return check_input_X(estimator, X, reset=reset, min_samples=min_samples), []
        raw = categorical_column_values(X, columns)
        numeric = X.copy(deep=False)
        for j in columns:
            numeric.isetitem(int(j), np.full(X.shape[0], np.nan))
    else:
        array = np.asarray(X, dtype=object) if not hasattr(X, "dtype") else np.asarray(X)
        if array.ndim != 2 or array.shape[1] != categorical.size:
            return check_input_X(estimator, X, reset=reset, min_samples=min_samples), []
        raw = categorical_column_values(array, columns)
        numeric = np.array(array, dtype=object, copy=True)
        numeric[:, columns] = np.nan
    X_float = check_input_X(estimator, numeric, reset=reset, min_samples=min_samples)
    if X_float.base is not None:  # may be a view of a DataFrame block shared with X
        X_float = X_float.copy()
    return X_float, raw


def check_target_rows(y, n_samples, estimator, noun):
    """``y`` as a 1-D array of ``n_samples`` entries; errors name the fault.

    Shared by both estimators' target checks: ``estimator`` and ``noun``
    ("label", "target") only change the words.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        raise ValueError(
            f"y has shape {y.shape}; {estimator} predicts one {noun} per row "
            "(multi-output is not supported), so pass a 1-D y"
        )
    y = column_or_1d(y, warn=True)  # an (n, 1) column warns, as in scikit-learn
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} rows but y has {y.shape[0]} {noun}s")
    return y
