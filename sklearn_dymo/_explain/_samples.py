"""Plausible values of a missing modality: a row's nearest training donors.

For a row and a modality it did not observe, the samples are the values
of that modality in the ``k`` training rows nearest to the row on the
entries the row has (nan-Euclidean, as ``KNNImputer`` measures), among
the training rows that observed every column of the modality: with the
default recoverer, exactly the neighbours whose mean it recovers. A row
that shares no column with any donor gets ``k`` donors spread evenly over
them (it has nothing to be near to). Entries of a partly observed modality
that the row has are kept; the samples fill its gaps.
"""

from __future__ import annotations

import numpy as np
from sklearn import get_config
from sklearn.metrics.pairwise import nan_euclidean_distances

from .._recovery._donors import donor_matrix

#: Default number of samples when the recoverer has no ``n_neighbors``.
DEFAULT_SAMPLES = 5


def n_samples_of(recoverer, n_samples):
    """Samples per missing modality: ``n_samples``, else the recoverer's ``k``."""
    if n_samples is not None:
        return n_samples
    k = getattr(recoverer, "n_neighbors", None)
    return int(k) if isinstance(k, (int, np.integer)) and k > 0 else DEFAULT_SAMPLES


def _k_nearest(dist, k):
    """``(n, k)`` positions of the ``k`` smallest entries per row, nearest first.

    Equal distances keep donor order; a row with no finite distance (it
    shares no entry with any donor) gets ``k`` donors spread evenly.
    """
    n, n_donors = dist.shape
    if k < n_donors:
        part = np.argpartition(dist, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(k), (n, k)).copy()
    order = np.lexsort((part, np.take_along_axis(dist, part, axis=1)), axis=1)
    chosen = np.take_along_axis(part, order, axis=1)
    lost = ~np.isfinite(dist).any(axis=1)
    chosen[lost] = np.linspace(0, n_donors - 1, k).round().astype(np.int64)
    return chosen


class DonorSamples:
    """Nearest donors of rows, per modality, from the training rows of a fit.

    Parameters
    ----------
    data_path : DataPath
        The fitted path (its recoverer's rows, or its kept sample).
    k : int
        Samples per (row, modality).
    """

    def __init__(self, data_path, k):
        self.donors = donor_matrix(data_path)
        self.columns = data_path.network_spec.columns
        self.k = k
        present = ~np.isnan(self.donors)
        # Donors of a modality: the training rows that observed all of it.
        self.donor_rows = [np.flatnonzero(present[:, cols].all(axis=1))
                           for cols in self.columns]

    def nearest(self, rows, needs):
        """Nearest donors of ``rows`` for each modality a row ``needs``.

        Parameters
        ----------
        rows : ndarray (n, n_columns)
            One-hot values, NaN where missing.
        needs : bool ndarray (n, M)

        Returns
        -------
        list, per modality, of ``(positions, donors)``: the rows that need
        it and their ``(len(positions), k_u)`` donor indices, nearest
        first (``k_u = min(k, number of donors)``); None for a modality no
        row needs or no training row observed.
        """
        n_train = self.donors.shape[0]
        found = [([], []) for _ in self.columns]
        # Distance blocks bounded by scikit-learn's working_memory, like KNNImputer.
        step = max(1, int(get_config()["working_memory"] * 2**20 // (24 * max(n_train, 1))))
        for start in range(0, rows.shape[0], step):
            block = slice(start, start + step)
            wanted = needs[block]
            if not wanted.any():
                continue
            dist = nan_euclidean_distances(rows[block], self.donors)
            dist[np.isnan(dist)] = np.inf
            for m, donors in enumerate(self.donor_rows):
                positions = np.flatnonzero(wanted[:, m])
                if positions.size and donors.size:
                    found[m][0].append(positions + start)
                    found[m][1].append(donors[_k_nearest(dist[np.ix_(positions, donors)],
                                                         min(self.k, donors.size))])
        return [(np.concatenate(p), np.concatenate(d)) if p else None for p, d in found]

    def values(self, rows, modality, donors):
        """``(len(rows), k_u, n_cols)``: the modality's columns of ``rows`` with
        their gaps filled from each of the row's ``donors``."""
        cols = self.columns[modality]
        own = rows[:, cols][:, None, :]
        return np.where(np.isnan(own), self.donors[donors][:, :, cols], own)
