"""Categorical columns: which they are, their categories, their one-hot blocks.

Three steps, each in the data path of ``_base.py``:

1. ``resolve_categorical_features`` reads the ``categorical_features``
   parameter against ``X`` in ``fit``: a boolean mask over the columns.
2. ``CategoricalEncoding`` learns the categories seen in ``fit`` and turns a
   categorical column into float codes (its position in ``categories``);
   NaN, None, ``pd.NA`` and a category unseen in ``fit`` all become NaN,
   exactly as a missing entry of a numeric column.
3. ``OneHotLayout`` expands each code column of the value matrix into a 0/1
   block with one column per category (NaN in the whole block where the
   entry is missing): what the recoverer, the scaler and the network see.
   After recovery, ``snap`` turns each recovered block into the one-hot of
   its largest entry (for ``KNNImputer``: the most frequent category among
   the neighbours).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_object_dtype, is_string_dtype

from ._modalities import ModalitySpec

#: Names of missingness indicator columns, never categorical.
_INDICATOR_PREFIXES = ("missing__", "missingindicator_")


def is_categorical_dtype(dtype):
    """``category``, ``object``, ``string`` and bool-like dtypes (``"from_dtype"``)."""
    return (isinstance(dtype, pd.CategoricalDtype) or is_object_dtype(dtype)
            or is_string_dtype(dtype) or is_bool_dtype(dtype))


def check_categorical_features(categorical_features):
    """Reject a ``categorical_features`` of the wrong kind before looking at ``X``."""
    if categorical_features is None or (
            isinstance(categorical_features, str) and categorical_features == "from_dtype"):
        return
    if isinstance(categorical_features, str):
        raise ValueError(
            "categorical_features must be 'from_dtype', None, or a list of column "
            f"names, indices or a boolean mask, got the string {categorical_features!r}; "
            f"to mark one column, pass [{categorical_features!r}]"
        )
    try:
        list(categorical_features)
    except TypeError:
        raise TypeError(
            "categorical_features must be 'from_dtype', None, or a list of column "
            f"names, indices or a boolean mask, got {type(categorical_features).__name__}"
        ) from None


def _n_columns(X):
    """Width of a 2-D ``X``; None otherwise (``validate_data`` names the fault)."""
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.shape(np.asarray(X, dtype=object))
        except ValueError:  # ragged rows
            return None
    return shape[1] if len(shape) == 2 else None


def resolve_categorical_features(categorical_features, X):
    """Boolean mask of the categorical columns of ``X`` (fit time).

    Parameters
    ----------
    categorical_features : "from_dtype", None, or array-like of str, int or bool
        ``"from_dtype"``: the ``category``, ``object``, ``string`` and bool
        columns of a DataFrame (none for an array). Names need a DataFrame;
        indices and masks work on arrays too. Missingness indicator columns
        (``missing__<col>``) are never categorical.
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of bool of shape (n_features,), or None
        None when no column can be categorical (``None``, ``"from_dtype"``
        on an array, or ``X`` that is not 2-D: validation will say so).
    """
    check_categorical_features(categorical_features)
    is_frame = isinstance(X, pd.DataFrame)
    if categorical_features is None or (isinstance(categorical_features, str)
                                        and not is_frame):
        return None
    n_features = _n_columns(X)
    if n_features is None:
        return None
    names = [str(c) for c in X.columns] if is_frame else None
    mask = np.zeros(n_features, dtype=bool)
    if isinstance(categorical_features, str):  # "from_dtype"
        if names is not None:
            mask[:] = [is_categorical_dtype(dtype) and not name.startswith(_INDICATOR_PREFIXES)
                       for dtype, name in zip(X.dtypes, names)]
        return mask

    items = list(categorical_features)
    if not items:
        return mask
    if all(isinstance(c, (bool, np.bool_)) for c in items):
        if len(items) != n_features:
            raise ValueError(
                f"categorical_features is a boolean mask of length {len(items)}, but X "
                f"has {n_features} columns"
            )
        mask[:] = items
    elif all(isinstance(c, Integral) and not isinstance(c, (bool, np.bool_)) for c in items):
        for c in items:
            if not -n_features <= c < n_features:
                raise ValueError(
                    f"categorical_features: column index {c} is out of range for X "
                    f"with {n_features} columns"
                )
            if mask[c]:
                raise ValueError(f"categorical_features lists column {c} twice")
            mask[c] = True
    elif all(isinstance(c, str) for c in items):
        if names is None:
            raise ValueError(
                f"categorical_features names columns {items[:5]}, but X has no column "
                "names; pass a pandas DataFrame or use integer indices"
            )
        position = {name: i for i, name in enumerate(names)}
        unknown = [c for c in items if c not in position]
        if unknown:
            raise ValueError(
                f"categorical_features: unknown columns {unknown[:10]}; X has no such "
                "column"
            )
        for c in items:
            if mask[position[c]]:
                raise ValueError(f"categorical_features lists column {c!r} twice")
            mask[position[c]] = True
    else:
        raise TypeError(
            "categorical_features must hold only column names (str), only indices "
            f"(int) or only booleans (a mask), got {items[:5]}"
        )
    if names is not None:
        indicators = [n for n, m in zip(names, mask) if m and n.startswith(_INDICATOR_PREFIXES)]
        if indicators:
            raise ValueError(
                f"categorical_features marks the missingness indicator columns "
                f"{indicators[:5]}; indicators are 0/1 flags, not categories"
            )
    return mask


def categorical_column_values(X, columns):
    """The categorical columns of ``X`` as 1-D object arrays (never a view)."""
    if isinstance(X, pd.DataFrame):
        return [X.iloc[:, j].to_numpy(dtype=object, copy=True) for j in columns]
    X = np.asarray(X, dtype=object)
    return [X[:, j].copy() for j in columns]


def _sorted_categories(values, column):
    try:
        seen = pd.unique(values[~pd.isna(values)])
    except TypeError as exc:
        raise ValueError(
            f"categorical column {column} holds values that cannot be categories "
            f"({exc}); a category must be a string, number or bool"
        ) from exc
    try:
        ordered = sorted(seen)
    except TypeError:  # mixed types: deterministic anyway
        ordered = sorted(seen, key=lambda v: (type(v).__name__, str(v)))
    return np.asarray(ordered, dtype=object)


def _warn_no_known_category(label, values, categories):
    """A column none of whose values is a fitted category: likely codes or a new
    spelling, and every entry is about to be read as missing."""
    seen = pd.unique(pd.Series(values, dtype=object))[:3].tolist()
    warnings.warn(
        f"categorical column {label!r}: none of its values (e.g. {seen}) is one of "
        f"the categories seen in fit (e.g. {categories[:3].tolist()}), so every entry "
        "is read as missing. Pass the same values as in fit (not their codes, and "
        "with the same dtype and spelling).",
        UserWarning, stacklevel=4,
    )


@dataclass
class CategoricalEncoding:
    """Categories seen in ``fit`` per categorical column of ``X``.

    Attributes
    ----------
    columns : ndarray of int
        Positions of the categorical columns in ``X``.
    labels : list
        Their names (or positions, for an array), for error messages.
    categories : list of ndarray of object
        The categories of each column, sorted.
    n_features : int
        Width of ``X``.
    """

    columns: np.ndarray
    labels: list
    categories: list
    n_features: int = 0

    @classmethod
    def fit_columns(cls, raw_columns, categorical, n_features, feature_names=None):
        """Fit on the ``raw_columns`` that the mask ``categorical`` (or None) marks."""
        columns = (np.zeros(0, dtype=np.intp) if categorical is None
                   else np.flatnonzero(categorical))
        labels = [str(feature_names[j]) if feature_names is not None else int(j)
                  for j in columns]
        return cls.fit(raw_columns, columns, labels, n_features)

    @property
    def mask(self):
        """``(n_features,)`` bool: the categorical columns of ``X``."""
        out = np.zeros(self.n_features, dtype=bool)
        out[self.columns] = True
        return out

    @classmethod
    def fit(cls, raw_columns, columns, labels, n_features=0):
        """Sorted categories of each raw column (``columns``: their positions in X)."""
        categories = [_sorted_categories(v, label) for v, label in zip(raw_columns, labels)]
        empty = [label for label, cats in zip(labels, categories) if cats.size == 0]
        if empty:
            raise ValueError(
                f"categorical columns {empty[:10]} have no value in the training data "
                "(every entry is missing), so they have no category to learn; drop "
                "them or leave them out of categorical_features"
            )
        return cls(np.asarray(columns, dtype=np.intp), list(labels), categories, n_features)

    def codes(self, raw_columns):
        """``(n_samples, n_categorical)`` float codes; NaN where missing or unseen."""
        n = raw_columns[0].shape[0] if raw_columns else 0
        out = np.full((n, len(self.categories)), np.nan)
        for j, (values, cats) in enumerate(zip(raw_columns, self.categories)):
            try:
                index = pd.Index(cats, dtype=object).get_indexer(
                    pd.Index(values, dtype=object))
            except TypeError as exc:
                raise ValueError(
                    f"categorical column {self.labels[j]} holds values that cannot be "
                    f"categories ({exc}); a category must be a string, number or bool"
                ) from exc
            present = ~pd.isna(values)
            known = (index >= 0) & present
            out[known, j] = index[known]
            if present.any() and not known.any():
                _warn_no_known_category(self.labels[j], values[present], cats)
        return out

    def layout(self, value_index, n_values):
        """The one-hot layout of the value columns (``value_index``: their positions in X)."""
        if value_index is None:
            value_index = np.arange(n_values)
        position = {int(c): j for j, c in enumerate(value_index)}
        blocks = {}
        for col, label, cats in zip(self.columns, self.labels, self.categories):
            if int(col) not in position:
                raise ValueError(
                    f"categorical column {label} is a missingness indicator column; "
                    "indicators are 0/1 flags, not categories"
                )
            blocks[position[int(col)]] = len(cats)
        return OneHotLayout.from_blocks(blocks, n_values)


@dataclass
class OneHotLayout:
    """Where each value column lands in the expanded (one-hot) matrix.

    Attributes
    ----------
    starts : ndarray of int of shape (n_values + 1,)
        Value column ``j`` occupies expanded columns ``starts[j]:starts[j+1]``.
    categorical : ndarray of bool of shape (n_values,)
        Which value columns hold category codes.
    """

    starts: np.ndarray
    categorical: np.ndarray

    @classmethod
    def from_blocks(cls, blocks, n_values):
        widths = np.ones(n_values, dtype=np.intp)
        categorical = np.zeros(n_values, dtype=bool)
        for j, width in blocks.items():
            widths[j] = width
            categorical[j] = True
        starts = np.concatenate([[0], np.cumsum(widths)]).astype(np.intp)
        return cls(starts=starts, categorical=categorical)

    @property
    def n_expanded(self):
        return int(self.starts[-1])

    @property
    def one_hot_columns(self):
        """``(n_expanded,)`` bool: expanded columns that are one-hot indicators."""
        out = np.zeros(self.n_expanded, dtype=bool)
        for j in np.flatnonzero(self.categorical):
            out[self.starts[j]:self.starts[j + 1]] = True
        return out

    def expand_spec(self, spec):
        """``spec`` over the value columns -> the same modalities over the expanded ones."""
        return ModalitySpec(names=spec.names,
                            columns=tuple(self.expand_columns(c) for c in spec.columns),
                            n_features=self.n_expanded)

    def expand_columns(self, columns):
        """Expanded positions of value columns ``columns`` (a modality)."""
        return np.concatenate(
            [np.arange(self.starts[j], self.starts[j + 1]) for j in columns]
        ).astype(np.intp)

    def expand(self, values):
        """Value matrix with codes -> expanded matrix with 0/1 (NaN) one-hot blocks."""
        n = values.shape[0]
        out = np.empty((n, self.n_expanded))
        numeric = ~self.categorical
        out[:, self.starts[:-1][numeric]] = values[:, numeric]
        for j in np.flatnonzero(self.categorical):
            start, stop = self.starts[j], self.starts[j + 1]
            codes = values[:, j]
            present = ~np.isnan(codes)
            block = np.zeros((n, stop - start))
            block[np.flatnonzero(present), codes[present].astype(np.intp)] = 1.0
            block[~present] = np.nan
            out[:, start:stop] = block
        return out

    def expand_missing(self, missing):
        """Missing mask of the value columns -> missing mask of the expanded ones."""
        return np.repeat(missing, np.diff(self.starts), axis=1)

    def snap(self, recovered, missing):
        """Each recovered categorical block -> one-hot of its largest entry.

        Observed blocks are left alone; ties go to the first category.
        """
        out = recovered
        for j in np.flatnonzero(self.categorical):
            start, stop = self.starts[j], self.starts[j + 1]
            rows = np.flatnonzero(missing[:, start])
            if rows.size:
                if out is recovered:
                    out = recovered.copy()
                block = np.zeros((rows.size, stop - start))
                block[np.arange(rows.size), np.argmax(recovered[rows, start:stop], axis=1)] = 1.0
                out[rows, start:stop] = block
        return out
