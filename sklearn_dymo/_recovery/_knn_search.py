"""Neighbour search for :class:`~sklearn_dymo.ModalityKNNImputer`, one pattern at a time.

All query rows of one missingness *pattern* observe the same columns, so
their nan-Euclidean distances to the training rows come from two matrix
products over those columns (BLAS), in blocks of rows. The arithmetic is
scikit-learn's ``nan_euclidean_distances`` written for one pattern, and the
donors are picked and averaged exactly as ``KNNImputer`` does, so both give
the same values.

The ``"faiss"`` backend instead searches an HNSW graph built on the donors
for each pattern (an approximation, see the class docstring).
"""

from __future__ import annotations

import numpy as np

#: Values near the float64 limit overflow in squares and sums: they become
#: inf / NaN distances (NaN = no usable donor, like no shared column) and
#: the caller's checks report the column, instead of a warning per block.
_OVERFLOW_QUIET = dict(over="ignore", invalid="ignore")

#: Graph degree and search breadth of the faiss HNSW index.
HNSW_DEGREE = 32
HNSW_EF_SEARCH = 128


class PatternDistances:
    """nan-Euclidean distances from rows observing ``columns`` to the training rows.

    For a query ``x`` present on every column of ``columns`` and a training
    row ``y`` (NaN set to 0, ``o`` = 1 where present), the squared distance
    over the columns both observe is ``sum(x^2 o) - 2 x.y + sum(y^2)``,
    scaled by ``n_features / n_common`` like ``nan_euclidean_distances``;
    NaN where they share no column.

    Parameters
    ----------
    train_T : ndarray of shape (n_features, n_train)
        The training rows, transposed (a column is a contiguous row here).
    columns : ndarray of int
        The columns every query row observes.
    """

    @np.errstate(**_OVERFLOW_QUIET)
    def __init__(self, train_T, columns):
        train = train_T[columns]
        observed = ~np.isnan(train)
        self._complete = bool(observed.all())
        zeroed = train if self._complete else np.where(observed, train, 0.0)
        self._minus_2y = -2.0 * zeroed
        self._observed = None if self._complete else observed.astype(np.float64)
        self._train_sq = np.einsum("ij,ij->j", zeroed, zeroed)
        n_common = observed.sum(axis=0).astype(np.float64)
        self._no_common = n_common == 0
        #: Whether some training row shares no column with the queries.
        self.has_nan = bool(self._no_common.any())
        self._n_common = np.maximum(n_common, 1.0)
        self._n_features = train_T.shape[0]
        self._columns = columns

    @np.errstate(**_OVERFLOW_QUIET)
    def __call__(self, query):
        """Distances (n_query, n_train) for ``query`` rows (full width, float64)."""
        x = query[:, self._columns]
        dist = x @ self._minus_2y
        if self._complete:
            dist += np.einsum("ij,ij->i", x, x)[:, None]
        else:
            dist += (x * x) @ self._observed
        dist += self._train_sq
        np.maximum(dist, 0.0, out=dist)
        if self.has_nan:
            dist[:, self._no_common] = np.nan
        # Divide, then multiply, as nan_euclidean_distances does (same rounding).
        dist /= self._n_common
        dist *= self._n_features
        return np.sqrt(dist, out=dist)


class MaskedDistances:
    """nan-Euclidean distances from rows of any missingness to the training rows.

    For rows that share no pattern: ``x`` and ``y`` zero where missing,
    ``o`` and ``p`` their 0/1 presence, the squared distance over the
    common columns is ``x^2.p - 2 x.y + o.y^2`` (one product of stacked
    matrices), scaled like ``nan_euclidean_distances``.

    Parameters
    ----------
    train_T : ndarray of shape (n_features, n_train)
    columns : ndarray of int
        The columns that take part (those observed in training).
    """

    @np.errstate(**_OVERFLOW_QUIET)
    def __init__(self, train_T, columns):
        train = train_T[columns]
        observed = ~np.isnan(train)
        zeroed = np.where(observed, train, 0.0)
        self._present = observed.astype(np.float64)
        self._weights = np.vstack([self._present, -2.0 * zeroed, zeroed * zeroed])
        self._columns = columns
        self._n_features = train_T.shape[0]

    @np.errstate(**_OVERFLOW_QUIET)
    def __call__(self, query, observed):
        """Distances (n_query, n_train); ``observed`` is the queries' presence mask."""
        present = observed[:, self._columns]
        x = np.where(present, query[:, self._columns], 0.0)
        o = present.astype(np.float64)
        dist = np.hstack([x * x, x, o]) @ self._weights
        np.maximum(dist, 0.0, out=dist)
        n_common = o @ self._present
        dist[n_common == 0] = np.nan
        np.maximum(n_common, 1.0, out=n_common)
        dist /= n_common
        dist *= self._n_features
        return np.sqrt(dist, out=dist)


@np.errstate(**_OVERFLOW_QUIET)
def average_of_nearest(dist, donor_values, n_neighbors, may_be_nan=True):
    """Uniform mean of the ``n_neighbors`` nearest donors, as ``KNNImputer``.

    Parameters
    ----------
    dist : ndarray of shape (n_query, n_donors)
        Distances with at least one finite entry per row; NaN donors are
        sorted last by ``argpartition`` and weigh 0 when picked.
    donor_values : ndarray of shape (n_donors, n_columns)
        The donors' values on the columns to fill, C-contiguous.
    n_neighbors : int
    may_be_nan : bool
        False when ``dist`` is known to be finite (skips the weights).

    Returns
    -------
    ndarray of shape (n_query, n_columns)
    """
    k = min(n_neighbors, dist.shape[1])
    nearest = np.argpartition(dist, k - 1, axis=1)[:, :k]
    if may_be_nan:
        weight = ~np.isnan(np.take_along_axis(dist, nearest, axis=1))
        may_be_nan = not weight.all()
    if k >= 8:
        # numpy sums 8 or more contiguous terms pairwise: lay the k values of
        # each entry out contiguously and sum them, like KNNImputer's
        # masked average over an (n_query, k) array.
        picked = donor_values[nearest].transpose(0, 2, 1).copy()
        if may_be_nan:
            picked *= weight[:, None, :]
        total = picked.sum(axis=2)
    else:
        # Fewer terms are summed one after the other: add one neighbour at a
        # time in argpartition's order (same sums, no (n, k, columns) array).
        total = donor_values[nearest[:, 0]]
        if may_be_nan:
            total *= weight[:, :1]
        for j in range(1, k):
            if may_be_nan:
                total += donor_values[nearest[:, j]] * weight[:, j:j + 1]
            else:
                total += donor_values[nearest[:, j]]
    total /= weight.sum(axis=1, keepdims=True) if may_be_nan else float(k)
    return total


def faiss_index(train_X, columns, donors, column_means):
    """An HNSW index of the ``donors`` rows on ``columns`` (faiss, float32).

    The donors' missing entries on ``columns`` are set to the training
    column means (an HNSW index cannot skip coordinates).
    """
    import faiss

    points = train_X[np.ix_(donors, columns)]
    points = np.where(np.isnan(points), column_means[columns], points)
    index = faiss.IndexHNSWFlat(len(columns), HNSW_DEGREE)
    index.add(np.ascontiguousarray(points, dtype=np.float32))
    return index


def faiss_nearest(index, query, columns, n_neighbors):
    """Positions (in the indexed donors) of the approximate nearest donors.

    faiss pads with -1 when it finds fewer than ``n_neighbors``.
    """
    index.hnsw.efSearch = max(HNSW_EF_SEARCH, n_neighbors)
    k = min(n_neighbors, index.ntotal)
    _, nearest = index.search(np.ascontiguousarray(query[:, columns], dtype=np.float32), k)
    return nearest
