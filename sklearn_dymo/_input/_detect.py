"""Modalities from the data: joint missingness, or ColumnTransformer prefixes.

``detect_modalities`` backs ``modalities="auto"`` and ``prefix_modalities``
backs ``modalities="prefix"``. Both return a plain ``dict`` name -> columns
that can be pasted back as an explicit ``modalities`` spec.

Why missingness: a modality is a group of columns measured together (one
lab panel, one scan), so in the training data its columns go missing
together. Columns are clustered on one minus the correlation of their
missing masks (average linkage) and the dendrogram is cut in its largest
gap. Columns never missing carry no such signal and form one block.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

#: Separator that ``ColumnTransformer`` writes between a transformer's name
#: and its output column (``verbose_feature_names_out=True``).
PREFIX_SEPARATOR = "__"
#: Columns are split into single-column blocks (when no gap says otherwise)
#: only when even the closest two have a missingness correlation <= 0.5.
SEPARATE_DISTANCE = 0.5
#: Narrowest gap in the merge heights taken as a boundary between modalities
#: (in 1 - correlation; the sampling noise of a correlation over a few
#: hundred rows is a few hundredths).
MIN_GAP = 0.1
#: A gap this many times wider than every other gap is a boundary even when
#: the heights below it spread widely (wide, noisily missing modalities).
OUTLIER_GAP_RATIO = 3.0


def prefix_modalities(feature_names):
    """One modality per ``<name>__`` prefix of the column names.

    Parameters
    ----------
    feature_names : sequence of str or None
        Column names, e.g. the output names of a ``ColumnTransformer``.

    Returns
    -------
    modalities : dict
        Prefix -> list of column names, in column order.

    Raises
    ------
    ValueError
        When there are no column names, or some column has no prefix (the
        error names them).
    """
    if feature_names is None:
        raise ValueError(
            "modalities='prefix' reads '<name>__' prefixes of the column names, but X "
            "has no column names; pass a pandas DataFrame (e.g. a ColumnTransformer "
            "with .set_output(transform='pandas')) or give modalities explicitly"
        )
    names = [str(n) for n in feature_names]
    bare = [n for n in names if not _prefix(n)]
    if bare:
        shown = bare[:10] + ([f"... {len(bare) - 10} more"] if len(bare) > 10 else [])
        raise ValueError(
            f"columns {shown} have no '<name>__' prefix, so modalities='prefix' cannot "
            "place them; build X with a ColumnTransformer (its output names are "
            "'<transformer>__<column>'), rename these columns, or give modalities as "
            "a dict name -> columns"
        )
    groups = {}
    for name in names:
        groups.setdefault(_prefix(name), []).append(name)
    return groups


def _prefix(name):
    """The part before the first ``__``; ``''`` when there is none."""
    head, sep, tail = name.partition(PREFIX_SEPARATOR)
    return head if sep and head and tail else ""


def _missingness_distances(missing):
    """Pairwise ``1 - correlation`` of the columns' missing masks, in [0, 2].

    Columns of one modality go missing together (correlation near 1, even
    when a few entries also go missing on their own); columns of
    unrelated modalities are uncorrelated (1) or, when a fixed number of
    modalities is dropped per row, negatively correlated (above 1).
    A column missing in every row has no variance: it is at 0 from the
    other such columns and at 1 from the rest.
    """
    m = missing.astype(np.float64)
    m -= m.mean(axis=0)
    scale = np.sqrt((m * m).mean(axis=0))
    constant = scale == 0
    scale[constant] = 1.0
    corr = (m.T @ m) / len(m) / np.outer(scale, scale)
    corr[constant, :] = 0.0
    corr[:, constant] = 0.0
    corr[np.ix_(constant, constant)] = 1.0
    return np.clip(1.0 - corr, 0.0, 2.0)


def _cut_height(heights):
    """Where to cut a dendrogram with sorted merge ``heights``; None: one block.

    The cut sits in the middle of the largest gap between successive
    heights above the first, when that gap is wider than ``MIN_GAP`` and
    either wider than the spread of the heights below it or
    ``OUTLIER_GAP_RATIO`` times wider than any other gap: the merges inside
    partly missing modalities rise steadily in small steps, and a jump that
    stands out from those steps is a boundary between modalities. Failing that, every column
    is its own block when even the closest two are barely related
    (distance >= ``SEPARATE_DISTANCE``), and all are one block otherwise.
    """
    gaps = np.diff(np.concatenate([[0.0], heights]))
    if len(heights) > 1:
        k = 1 + int(np.argmax(gaps[1:]))
        below = heights[k - 1]
        others = np.delete(gaps[1:], k - 1)
        runner_up = others.max() if len(others) else 0.0
        if gaps[k] > MIN_GAP and (gaps[k] > below - heights[0]
                                  or gaps[k] >= OUTLIER_GAP_RATIO * runner_up):
            return below + gaps[k] / 2
    if heights[0] >= SEPARATE_DISTANCE:
        return heights[0] / 2
    return None


def _cluster_missing(missing):
    """Block label per column that goes missing (0, 1, ...), in column order."""
    n_cols = missing.shape[1]
    if n_cols == 1:
        return np.zeros(1, dtype=int)
    distances = _missingness_distances(missing)
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="average")
    heights = np.sort(tree[:, 2])
    cut = _cut_height(heights)
    if cut is None:
        return np.zeros(n_cols, dtype=int)
    labels = fcluster(tree, t=cut, criterion="distance")
    # Renumber in order of first column so that names follow the columns.
    _, first = np.unique(labels, return_index=True)
    order = {labels[i]: r for r, i in enumerate(sorted(first))}
    return np.array([order[lab] for lab in labels])


def detect_modalities(X):
    """Group the columns of ``X`` into modalities by their joint missingness.

    Columns that go missing together in the training data (a lab panel
    not ordered, a scan not taken) form one modality. Columns are
    clustered on one minus the correlation of their missing masks (average
    linkage) and the tree is cut in its largest gap; columns that are
    never missing form one block together. When ``X`` has no missing
    entry at all, the ``<name>__`` prefixes that a ``ColumnTransformer``
    writes are used instead, with a warning saying so.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Training data, NaN (or None, NaT, pd.NA) where missing; columns of
        any dtype, since only the missing mask is read. A DataFrame's
        column names are used in the result.

    Returns
    -------
    modalities : dict
        Modality name -> list of column names (DataFrame) or positions
        (array), a valid ``modalities`` spec for
        :class:`~sklearn_dymo.DyMoClassifier`. A block named ``m<i>`` is
        numbered in column order; when all its columns share one
        ``<name>__`` prefix, the block is named after it, and the block of
        never-missing columns is called ``"never_missing"``.

    Raises
    ------
    ValueError
        When ``X`` has no missing entry and its columns carry no
        ``<name>__`` prefix, so there is nothing to group them by.

    Warns
    -----
    UserWarning
        When ``X`` has no missing entry and the prefixes are used.

    Notes
    -----
    Modalities that are never missing in the training data cannot be told
    apart and end up in one block; independently missing single columns
    end up as one modality each. See :doc:`/detect_modalities` for how
    often the true blocks are found on the bundled datasets.

    Examples
    --------
    >>> from sklearn_dymo import detect_modalities
    >>> from sklearn_dymo.datasets import drop_modalities, load_breast_cancer_modalities
    >>> data = load_breast_cancer_modalities(as_frame=True)
    >>> X = drop_modalities(data.data, data.modalities, rate=0.4, random_state=0)
    >>> found = detect_modalities(X)
    >>> [len(columns) for columns in found.values()]
    [10, 10, 10]
    >>> found["m0"] == data.modalities["mean"]
    True
    """
    names = list(map(str, X.columns)) if isinstance(X, pd.DataFrame) else None
    # pd.isna, not np.isnan: only the missing mask matters, so text and
    # categorical columns (before any encoding) are fine too.
    frame = X if isinstance(X, pd.DataFrame) else np.asarray(X)
    missing = np.asarray(pd.isna(frame), dtype=bool)
    if missing.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {missing.shape}")
    if missing.shape[1] == 0:
        raise ValueError("X has no columns to group into modalities")
    return modalities_from_missing(missing, names)


def modalities_from_missing(missing, feature_names=None):
    """:func:`detect_modalities` on a boolean missing mask.

    ``DyMoClassifier`` calls this with the missingness it read from NaN or
    from indicator columns.
    """
    missing = np.asarray(missing, dtype=bool)
    names = None if feature_names is None else [str(n) for n in feature_names]
    if not missing.any():
        if names is None or not any(_prefix(n) for n in names):
            raise ValueError(
                "cannot detect modalities: X has no missing entry to group columns by "
                "and no '<name>__' column prefixes (as a ColumnTransformer writes) to "
                "fall back on; give modalities explicitly (a dict name -> columns), or "
                "None for one modality per column"
            )
        warnings.warn(
            "X has no missing entry, so modalities='auto' cannot group columns by "
            "missingness; it used the '<name>__' column prefixes instead "
            "(as modalities='prefix')",
            UserWarning,
            stacklevel=3,
        )
        return prefix_modalities(names)

    ever = missing.any(axis=0)
    labels = np.full(missing.shape[1], -1)
    labels[ever] = _cluster_missing(missing[:, ever])
    blocks = [np.flatnonzero(labels == lab) for lab in range(labels.max() + 1)]
    if not ever.all():
        blocks.append(np.flatnonzero(~ever))
    # Name order follows the first column of each block.
    blocks.sort(key=lambda cols: cols[0])
    result = {}
    for i, cols in enumerate(blocks):
        key = f"m{i}"
        if not ever[cols[0]]:
            key = "never_missing"
        elif names:
            prefixes = {_prefix(names[c]) for c in cols}
            if len(prefixes) == 1 and "" not in prefixes:
                key = prefixes.pop()
        if key in result:  # one prefix split over two blocks: keep names unique
            key = f"{key}_m{i}"
        result[key] = [names[c] for c in cols] if names else [int(c) for c in cols]
    return result
