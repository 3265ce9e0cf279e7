"""The donor rows ``ModalityKNNImputer`` keeps: all training rows, or a capped sample.

Every query row is compared with every donor, so predict cost grows with
the donors. Above ``max_donors`` training rows a sample is kept, drawn in
one random order of the rows (from the recoverer's ``random_state``) with
three levels of priority:

0. each set of columns observed by the same training rows (a modality,
   when whole modalities go missing) keeps ``n_neighbors`` of its
   observers, so no column loses its neighbours;
1. each training missingness pattern keeps up to ``MIN_PER_PATTERN`` rows,
   fewer when the patterns are too many to give each that much within
   half the cap, so rows that observe a rare combination stay;
2. the rest of the cap (at least half of it) is filled in the random
   order, so a common pattern keeps at least half its share.

The kept rows are returned in training order (ties between equally near
donors break as they would in the full set).
"""

from __future__ import annotations

import numpy as np

from ._patterns import donor_set_ids, pattern_ids

#: Rows each training missingness pattern keeps at least, where the cap allows.
MIN_PER_PATTERN = 50


def _first_in_order(member, order, count):
    """The first ``count`` rows of ``order`` where ``member`` is True."""
    hits = np.flatnonzero(member[order])[:count]
    return order[hits]


def capped_donors(missing, max_donors, n_neighbors, rng):
    """Sorted positions of the training rows kept as donors.

    Parameters
    ----------
    missing : bool ndarray of shape (n_train, n_features)
    max_donors : int or None
        None (or at least ``n_train``): every row.
    n_neighbors : int
    rng : numpy.random.RandomState
        Drawn from only when rows are dropped.

    Returns
    -------
    ndarray of int64, at most ``max_donors`` entries, increasing.
    """
    n = missing.shape[0]
    if max_donors is None or n <= max_donors:
        return np.arange(n)
    order = rng.permutation(n)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    priority = np.full(n, 2, dtype=np.int64)
    # 1. Each pattern's first rows in the random order.
    ids = pattern_ids(missing)
    floor = min(MIN_PER_PATTERN, (max_donors // 2) // (int(ids.max()) + 1))
    if floor:
        by_pattern = order[np.argsort(ids[order], kind="stable")]
        sorted_ids = ids[by_pattern]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
        position = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
        priority[by_pattern[position < floor]] = 1
    # 0. Each donor set's first observers (a column observed by every row
    # keeps them anyway; one never observed has none).
    observed = ~missing
    sets = donor_set_ids(missing)
    _, representative = np.unique(sets, return_index=True)
    for column in representative:
        member = observed[:, column]
        count = int(member.sum())
        if 0 < count < n:
            priority[_first_in_order(member, order, n_neighbors)] = 0
    key = priority * n + rank
    return np.sort(np.argpartition(key, max_donors - 1)[:max_donors])
