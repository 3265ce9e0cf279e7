"""``ModalityKNNImputer``: KNNImputer's answer, computed once per missingness pattern.

In DyMo data a whole modality is missing at once, so the rows that need
recovery fall into few missingness patterns, and every missing column of
a row has the same nearest neighbours (those of the same donor rows).
scikit-learn's ``KNNImputer`` finds them again for every column; here they
are found once per (pattern, donor set) with matrix products.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._input._validation import check_input_X
from .._persistence import VersionedPickleMixin
from ._donor_cap import capped_donors
from ._knn_search import (
    MaskedDistances,
    PatternDistances,
    average_of_nearest,
    faiss_index,
    faiss_nearest,
)
from ._patterns import donor_set_ids, groups, pattern_ids

BACKENDS = ("exact", "faiss")
#: Patterns with fewer rows in a call are pooled: below this, sharing their
#: distances did not pay for the per-pattern set-up (mfeat, 30% of entries
#: missing: the pooled path was faster up to 16 rows per pattern, slower at 32).
MIN_SHARED_ROWS = 16
#: Donors kept by default: see ``max_donors`` in the class docstring.
DEFAULT_MAX_DONORS = 5000


def _rows_per_chunk(chunk_size, n_train, n_features, n_neighbors):
    if chunk_size is not None:
        return chunk_size
    # Distances (and two working copies) plus the gathered donor values per row.
    row_bytes = 8 * (3 * n_train + n_neighbors * n_features)
    return max(1, int(get_config()["working_memory"] * 2**20 // row_bytes))


class ModalityKNNImputer(VersionedPickleMixin, OneToOneFeatureMixin, TransformerMixin,
                         BaseEstimator):
    """Nearest-neighbour recovery that handles rows one missingness pattern at a time.

    Fills each missing entry with the mean of that column over the
    ``n_neighbors`` training rows nearest in nan-Euclidean distance among
    the training rows that observed the column: the same values as
    scikit-learn's ``KNNImputer(n_neighbors=n_neighbors)`` (uniform
    weights), found much faster when whole modalities are missing. That
    holds up to ``max_donors`` training rows (5,000 by default); beyond,
    the donors are a sample of that size chosen in ``fit``, so that the
    cost of a query row stops growing with the training size.

    The query rows are grouped by their exact set of missing columns (no
    modality specification is needed). For each group, the distances to
    all training rows come from matrix products on the columns the group
    observes, in blocks of ``chunk_size`` rows; the missing columns are then
    grouped by the set of training rows that observed them (the columns of
    one modality share it), and each such set of columns is filled from one
    choice of neighbours. With 5 of 6 modalities missing, this recovered
    138 to 170 times (three runs) as many rows per second as ``KNNImputer``
    on mfeat (2,000 x 649 training rows), and 111 times on poly digits with
    4 of 5 missing (one thread).

    Partly observed modalities are handled the same way: it stays a
    nan-Euclidean nearest-neighbour search, so it still gives
    ``KNNImputer``'s values, only with less to share when the patterns are
    many. Rows whose pattern has fewer than 16 rows in a ``transform``
    call are pooled and handled in blocks, with ``KNNImputer``'s own
    masked distance formula and one neighbour search per set of donors:
    when every row has its own pattern (mfeat, 30% of the entries missing
    at random) that is 10 to 13 times ``KNNImputer``'s rows/s (the
    benchmarks page gives the figures).

    Like ``KNNImputer``: a row that shares no observed column with any
    donor of a column gets that column's training mean; with fewer donors
    than ``n_neighbors`` all are used; ties are broken as ``np.argpartition``
    breaks them on the same distances. Unlike it, a column never observed in
    training is kept (its missing entries become 0, its observed ones stay),
    so the width never changes, and observed entries are never modified.
    Distances are summed in another order than in ``KNNImputer``, so on
    non-integer data they can differ in the last bit: two donors at exactly
    the same distance (duplicate training rows) may then be picked the
    other way round, and a mean may differ in its last bit. For the same
    reason a row of a rare pattern (pooled) and of a common one may break
    such a tie differently.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours averaged for each missing entry.
    chunk_size : int or None, default=None
        Query rows per distance block; the block takes about
        ``24 * chunk_size * n_training_rows`` bytes. ``None`` sizes it from
        scikit-learn's ``working_memory`` setting. It does not change the
        result.
    backend : {"exact", "faiss"}, default="exact"
        ``"faiss"`` searches an approximate HNSW index (degree 32,
        ``efSearch`` 128) of the donors on the columns a pattern observes,
        their missing entries set to the column means. An index is built
        the first time ``transform`` meets a pattern and kept for later
        calls (not pickled: rebuilt after loading). It pays off with very
        many training rows (see the benchmarks page); it needs
        ``faiss-cpu`` (``pip install sklearn-dymo[ann]``).
    max_donors : int or None, default=5000
        Most training rows kept as donors. Every query row is compared with
        every donor, so this bounds the cost of ``transform`` whatever the
        training size. Above it, a sample is kept (see ``donor_indices_``):
        for each set of columns observed by the same training rows (a
        modality, when whole modalities go missing) ``n_neighbors`` of its
        observers, then up to 50 rows of each training missingness pattern
        (within half the cap), then rows in a random order until the cap
        is reached. ``None`` keeps every training row (exactly
        ``KNNImputer``'s donors).
    random_state : int, RandomState instance or None, default=None
        Draws the donor sample when the training rows exceed
        ``max_donors``; unused otherwise. Inside a DyMo estimator it
        defaults to the estimator's ``random_state``.

    Attributes
    ----------
    train_X_ : ndarray of shape (n_donors, n_features)
        The donor rows, NaN where missing (a copy): every training row, or
        the ``max_donors`` kept.
    donor_indices_ : ndarray of int64, shape (n_donors,)
        Positions of the donors among the training rows, increasing.
    column_means_ : ndarray of shape (n_features,)
        Mean of each column over its observed training entries, of all
        training rows, kept or not (0 for a column never observed).
    empty_features_ : ndarray of bool, shape (n_features,)
        Columns never observed in training.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had them.

    See Also
    --------
    sklearn.impute.KNNImputer : The column-by-column imputer it reproduces.
    ModalityRecoverer : The Pipeline step that uses it by default.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dymo import ModalityKNNImputer
    >>> X = np.array([[1.0, 2.0, 10.0], [2.0, 3.0, 20.0], [9.0, 9.0, 90.0],
    ...               [1.5, 2.5, np.nan]])
    >>> ModalityKNNImputer(n_neighbors=2).fit(X).transform(X)[3]
    array([ 1.5,  2.5, 15. ])
    """

    def __init__(self, n_neighbors=5, chunk_size=None, backend="exact",
                 max_donors=DEFAULT_MAX_DONORS, random_state=None):
        self.n_neighbors = n_neighbors
        self.chunk_size = chunk_size
        self.backend = backend
        self.max_donors = max_donors
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _check_params(self):
        for name, value, allow_none in (("n_neighbors", self.n_neighbors, False),
                                        ("chunk_size", self.chunk_size, True),
                                        ("max_donors", self.max_donors, True)):
            if value is None and allow_none:
                continue
            if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.backend == "faiss":
            try:
                import faiss  # noqa: F401
            except ImportError as exc:
                raise ImportError(
                    "backend='faiss' needs the faiss-cpu package: pip install "
                    "sklearn-dymo[ann] (or pip install faiss-cpu), or use "
                    "backend='exact'"
                ) from exc

    def fit(self, X, y=None):
        """Store the training rows (NaN marks missing entries).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, NaN where missing; copied, never modified.
        y : ignored
            Not used.

        Returns
        -------
        self : ModalityKNNImputer
        """
        self._check_params()
        # Column-major: a column (or a block of them) is one contiguous read,
        # and column sums add up in np.ma's order.
        X = np.array(check_input_X(self, X, reset=True), dtype=np.float64, order="F",
                     copy=True)
        missing = np.isnan(X)
        # Means and empty columns over all training rows, the kept ones or not.
        self.empty_features_ = missing.all(axis=0)
        # KNNImputer's fallback, the masked mean of each column: sums of
        # contiguous columns, as np.ma sums them.
        # Values near the float64 limit overflow to an infinite mean, as in
        # np.ma; DyMoClassifier rejects such columns with a clear error.
        with np.errstate(over="ignore", invalid="ignore"):
            sums = np.where(missing, 0.0, X).sum(axis=0)
            counts = (~missing).sum(axis=0)
            self.column_means_ = np.where(self.empty_features_, 0.0,
                                          sums / np.maximum(counts, 1))
        self.donor_indices_ = capped_donors(missing, self.max_donors, self.n_neighbors,
                                            check_random_state(self.random_state))
        kept = self.donor_indices_.size < X.shape[0]
        self.train_X_ = np.asfortranarray(X[self.donor_indices_]) if kept else X
        # Columns observed by the same donors share them.
        self._donor_set_of_column = donor_set_ids(missing[self.donor_indices_] if kept
                                               else missing)
        # backend="faiss": one index per (observed columns, donor set), built
        # on first use in transform and kept for the next calls.
        self._faiss_indexes = {}
        return self

    def transform(self, X):
        """Fill the missing entries of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to recover, NaN where missing; never modified.

        Returns
        -------
        Xt : ndarray of float64, shape (n_samples, n_features)
            ``X`` with every NaN filled; observed entries unchanged.
        """
        check_is_fitted(self)
        X = check_input_X(self, X, reset=False, min_samples=0)
        out = np.array(X, dtype=np.float64, copy=True)
        missing = np.isnan(out)
        out[missing & self.empty_features_] = 0.0
        usable = ~self.empty_features_
        to_fill = missing & usable
        rows = np.flatnonzero(to_fill.any(axis=1))
        if rows.size == 0:
            return out
        pooled = []
        for members in groups(pattern_ids(to_fill[rows])):
            if members.size < MIN_SHARED_ROWS and self.backend == "exact":
                pooled.append(members)
                continue
            pattern_rows = rows[members]
            pattern = to_fill[pattern_rows[0]]
            self._fill_pattern(out, pattern_rows, np.flatnonzero(usable & ~pattern),
                               np.flatnonzero(pattern))
        if pooled:
            self._fill_pooled(out, np.sort(rows[np.concatenate(pooled)]), to_fill, ~missing)
        return out

    def _fill_pattern(self, out, rows, observed_columns, missing_columns):
        """Fill ``missing_columns`` of ``rows``, which all observe ``observed_columns``."""
        train = self.train_X_
        donor_sets = [missing_columns[i] for i in
                      groups(self._donor_set_of_column[missing_columns])]
        if self.backend == "faiss":
            self._fill_approximate(out, rows, observed_columns, donor_sets)
            return
        train_T = train.T  # C-contiguous view of the column-major copy
        distances = PatternDistances(train_T, observed_columns)
        donors = [np.flatnonzero(~np.isnan(train_T[cols[0]])) for cols in donor_sets]
        everyone = [d.size == train.shape[0] for d in donors]
        # Row-major values of each donor set: picking a neighbour is one row copy.
        values = [np.ascontiguousarray(train[np.ix_(d, cols)]) for d, cols in
                  zip(donors, donor_sets)]
        step = _rows_per_chunk(self.chunk_size, train.shape[0], self.n_features_in_,
                               self.n_neighbors)
        for start in range(0, rows.size, step):
            block = rows[start:start + step]
            dist = distances(out[block])
            for cols, donor_rows, all_rows, donor_values in zip(
                    donor_sets, donors, everyone, values):
                self._fill_from_donors(out, block, cols,
                                       dist if all_rows else dist[:, donor_rows],
                                       donor_values, distances.has_nan)

    def _fill_pooled(self, out, rows, to_fill, observed):
        """Fill rows whose patterns are too rare to share: distances per block."""
        train = self.train_X_
        distances = MaskedDistances(train.T, np.flatnonzero(~self.empty_features_))
        step = _rows_per_chunk(self.chunk_size, train.shape[0], self.n_features_in_,
                               self.n_neighbors)
        for start in range(0, rows.size, step):
            block = rows[start:start + step]
            dist = distances(out[block], observed[block])
            need = to_fill[block]
            needed_columns = np.flatnonzero(need.any(axis=0))
            # One neighbour search per donor set, for the rows that miss some
            # of its columns; only their missing entries are written.
            for members in groups(self._donor_set_of_column[needed_columns]):
                cols = needed_columns[members]
                local = np.flatnonzero(need[:, cols].any(axis=1))
                donor_rows = np.flatnonzero(~np.isnan(train[:, cols[0]]))
                self._fill_from_donors(
                    out, block[local], cols, dist[np.ix_(local, donor_rows)],
                    np.ascontiguousarray(train[np.ix_(donor_rows, cols)]), True,
                    write=need[np.ix_(local, cols)])

    def _fill_from_donors(self, out, rows, cols, dist, donor_values, may_be_nan,
                          write=None):
        """Set ``out[rows, cols]`` (where ``write``) to the mean of the nearest donors.

        Rows at NaN distance from every donor get the column means, and so
        do all rows when no kept donor observed ``cols`` (a ``max_donors``
        below the number of donor sets).
        """
        if dist.shape[1] == 0:
            filled = np.broadcast_to(self.column_means_[cols], (rows.size, cols.size))
        elif may_be_nan:
            no_donor = np.isnan(dist).all(axis=1)
            if no_donor.any():
                filled = np.empty((rows.size, cols.size))
                filled[no_donor] = self.column_means_[cols]
                if not no_donor.all():
                    filled[~no_donor] = average_of_nearest(
                        dist[~no_donor], donor_values, self.n_neighbors)
            else:
                filled = average_of_nearest(dist, donor_values, self.n_neighbors)
        else:
            filled = average_of_nearest(dist, donor_values, self.n_neighbors,
                                        may_be_nan=False)
        target = np.ix_(rows, cols)
        out[target] = filled if write is None else np.where(write, filled, out[target])

    def _fill_approximate(self, out, rows, observed_columns, donor_sets):
        train = self.train_X_
        for cols in donor_sets:
            if observed_columns.size == 0:
                out[np.ix_(rows, cols)] = self.column_means_[cols]
                continue
            donors = np.flatnonzero(~np.isnan(train[:, cols[0]]))
            if donors.size == 0:
                out[np.ix_(rows, cols)] = self.column_means_[cols]
                continue
            key = (observed_columns.tobytes(), int(self._donor_set_of_column[cols[0]]))
            if key not in self._faiss_indexes:
                self._faiss_indexes[key] = faiss_index(train, observed_columns, donors,
                                                       self.column_means_)
            nearest = faiss_nearest(self._faiss_indexes[key], out[rows], observed_columns,
                                    self.n_neighbors)
            found = nearest >= 0
            donor_values = train[np.ix_(donors, cols)]
            picked = donor_values[np.where(found, nearest, 0)] * found[..., None]
            n_found = found.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                filled = picked.sum(axis=1) / n_found[:, None]
            filled[n_found == 0] = self.column_means_[cols]
            out[np.ix_(rows, cols)] = filled

    def __getstate__(self):
        state = super().__getstate__()
        # faiss indexes do not pickle; they are rebuilt on first use.
        if "_faiss_indexes" in state:
            state["_faiss_indexes"] = {}
        return state
