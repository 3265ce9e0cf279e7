"""Modality specification: which columns of ``X`` form which modality.

This is the first stop of the data path. ``resolve_modalities`` turns the
user's ``modalities`` parameter into a :class:`ModalitySpec` of column
indices, and ``split_indicator_columns`` recognises the missingness
indicator columns that :class:`~sklearn_dymo.ModalityRecoverer` (or a
scikit-learn imputer with ``add_indicator=True``) appends to ``X``.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np

from ._detect import modalities_from_missing, prefix_modalities

#: Prefix of the indicator columns written by ``ModalityRecoverer``.
MISSING_PREFIX = "missing__"
#: Prefix of scikit-learn's ``MissingIndicator`` columns (``add_indicator=True``).
SKLEARN_INDICATOR_PREFIX = "missingindicator_"


@dataclass(frozen=True)
class ModalitySpec:
    """Resolved modalities: a name and the column indices of each group.

    Attributes
    ----------
    names : tuple of str
        Modality names, in the order used by the network.
    columns : tuple of ndarray of int
        For each modality, the indices of its columns in the value matrix.
    n_features : int
        Width of the value matrix the indices refer to.
    """

    names: tuple
    columns: tuple
    n_features: int

    @property
    def n_modalities(self):
        return len(self.names)

    @property
    def sizes(self):
        return tuple(len(c) for c in self.columns)


def _as_column_list(group):
    """A group may be one column (name or index) or a sequence of them."""
    if isinstance(group, (str, Integral)):
        return [group]
    try:
        return list(group)
    except TypeError:
        raise TypeError(
            f"a modality must be a list of column names or indices, got {group!r}"
        ) from None


#: The ``modalities`` strings: read the groups off the data.
SPEC_STRINGS = ("auto", "prefix")


def resolve_modalities(modalities, n_features, feature_names=None, missing=None):
    """Resolve the ``modalities`` parameter against the columns of ``X``.

    Parameters
    ----------
    modalities : dict, list of lists, "auto", "prefix" or None
        ``dict`` name -> columns, a list of column lists (named ``m0``,
        ``m1``, ...) or ``None`` for one modality per column. Columns are
        names (when ``X`` has feature names) or integer positions.
        ``"prefix"``: one modality per ``<name>__`` column prefix;
        ``"auto"``: groups of columns missing together in ``missing``
        (see :func:`~sklearn_dymo.detect_modalities`).
    n_features : int
        Number of value columns of ``X``.
    feature_names : array-like of str or None
        Names of the value columns, if ``X`` had them.
    missing : ndarray of bool of shape (n_samples, n_features) or None
        Missing entries of the training values; needed by ``"auto"``.

    Returns
    -------
    spec : ModalitySpec

    Raises
    ------
    ValueError
        On an empty, duplicated, overlapping or unknown column group, or when
        some columns belong to no modality.
    """
    names_list = None if feature_names is None else [str(n) for n in feature_names]
    if isinstance(modalities, str):
        modalities = _spec_from_data(modalities, names_list, missing)
    if modalities is None:
        names = names_list if names_list is not None else [f"x{i}" for i in range(n_features)]
        return ModalitySpec(
            names=tuple(names),
            columns=tuple(np.array([i]) for i in range(n_features)),
            n_features=n_features,
        )

    if isinstance(modalities, dict):
        items = [(str(k), _as_column_list(v)) for k, v in modalities.items()]
    elif isinstance(modalities, (list, tuple)):
        items = [(f"m{i}", _as_column_list(v)) for i, v in enumerate(modalities)]
    else:
        raise TypeError(
            "modalities must be a dict name -> columns, a list of column lists, "
            f"'auto', 'prefix' or None, got {type(modalities).__name__}"
        )
    if not items:
        raise ValueError("modalities is empty: give at least one group of columns")

    position = {name: i for i, name in enumerate(names_list or [])}
    owner = {}
    columns = []
    for name, group in items:
        if not group:
            raise ValueError(f"modality {name!r} has no columns")
        idx = []
        for col in group:
            if isinstance(col, (bool, np.bool_)):
                raise TypeError(f"modality {name!r}: column {col!r} is a bool, not a column")
            if isinstance(col, Integral):
                if not -n_features <= col < n_features:
                    raise ValueError(
                        f"modality {name!r}: column index {col} is out of range for "
                        f"X with {n_features} columns"
                    )
                i = int(col) % n_features
            elif isinstance(col, str):
                if names_list is None:
                    raise ValueError(
                        f"modality {name!r} names column {col!r}, but X has no column "
                        "names; pass a pandas DataFrame or use integer indices"
                    )
                if col not in position:
                    raise ValueError(
                        f"modality {name!r}: unknown column {col!r}; X has no such column"
                    )
                i = position[col]
            else:
                raise TypeError(
                    f"modality {name!r}: column {col!r} is neither a name nor an index"
                )
            if i in idx:
                raise ValueError(f"modality {name!r} lists column {col!r} twice")
            if i in owner:
                raise ValueError(
                    f"column {col!r} is in both modality {owner[i]!r} and {name!r}; "
                    "modalities must not overlap"
                )
            owner[i] = name
            idx.append(i)
        columns.append(np.asarray(idx, dtype=np.intp))

    left_out = sorted(set(range(n_features)) - set(owner))
    if left_out:
        shown = [names_list[i] if names_list else i for i in left_out[:10]]
        more = "" if len(left_out) <= 10 else f" and {len(left_out) - 10} more"
        raise ValueError(
            f"columns {shown}{more} belong to no modality; add them to a modality "
            "or drop them before the classifier (e.g. with a ColumnTransformer)"
        )
    names = [n for n, _ in items]
    if len(set(names)) != len(names):
        raise ValueError("modality names must be unique")
    return ModalitySpec(names=tuple(names), columns=tuple(columns), n_features=n_features)


def _spec_from_data(spec, feature_names, missing):
    """The dict that ``"auto"`` or ``"prefix"`` stands for."""
    if spec == "prefix":
        return prefix_modalities(feature_names)
    if spec == "auto":
        if missing is None:
            raise ValueError(
                "modalities='auto' groups columns by their missingness in the training "
                "data, which is not available here; give modalities explicitly"
            )
        return modalities_from_missing(missing, feature_names)
    raise ValueError(
        f"modalities={spec!r} is not a known spec; use one of {list(SPEC_STRINGS)}, "
        "a dict name -> columns, a list of column lists or None"
    )


def split_indicator_columns(feature_names):
    """Find missingness indicator columns among ``feature_names``.

    Parameters
    ----------
    feature_names : array-like of str or None

    Returns
    -------
    value_index : ndarray of int
        Positions of the value (non-indicator) columns.
    indicator_of : dict
        Maps a position in ``value_index`` to the position of its indicator
        column in ``feature_names``. Empty when ``X`` carries no indicators.

    Raises
    ------
    ValueError
        When an indicator names no column, or when indicators cover only
        some value columns (as ``add_indicator=True`` of a scikit-learn
        imputer does with its default ``features="missing-only"``).
    """
    if feature_names is None:
        return None, {}
    names = [str(n) for n in feature_names]
    indicators = {}
    values = []
    for i, name in enumerate(names):
        for prefix in (MISSING_PREFIX, SKLEARN_INDICATOR_PREFIX):
            if name.startswith(prefix):
                indicators[name[len(prefix):]] = i
                break
        else:
            values.append(i)
    if not indicators:
        return None, {}
    value_names = [names[i] for i in values]
    pos = {n: j for j, n in enumerate(value_names)}
    unknown = [f for f in indicators if f not in pos]
    if unknown:
        raise ValueError(
            f"indicator columns for {unknown[:5]} name no column of X; an indicator "
            f"'{MISSING_PREFIX}<feature>' must sit beside the column '<feature>'"
        )
    uncovered = [n for n in value_names if n not in indicators]
    if uncovered:
        # A value column without an indicator would be read as always
        # observed: its recovered entries would pass for measurements and
        # selection would silently do nothing for it.
        shown = uncovered[:5] + ([f"... {len(uncovered) - 5} more"] if len(uncovered) > 5 else [])
        raise ValueError(
            f"X carries missingness indicator columns for some columns only; columns "
            f"{shown} have none, so DyMoClassifier cannot tell which of their values "
            "were recovered. A scikit-learn imputer's add_indicator=True marks only the "
            "columns that had missing values in fit (features='missing-only'). Use "
            "sklearn_dymo.ModalityRecoverer(imputer), which marks every column, or "
            "FeatureUnion([('values', imputer), ('missing', MissingIndicator("
            "features='all'))], verbose_feature_names_out=False), or leave the imputer "
            "out and pass it as DyMoClassifier(recoverer=imputer)"
        )
    return np.asarray(values, dtype=np.intp), {pos[f]: i for f, i in indicators.items()}
