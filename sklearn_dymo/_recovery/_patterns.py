"""Grouping rows by their missingness pattern (shared by the KNN recoverer's parts)."""

from __future__ import annotations

import numpy as np


def groups(labels):
    """Positions of each distinct label of a 1-D int array, smallest label first."""
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, bounds)


def pattern_ids(mask):
    """Id of each row's pattern of True entries (equal ids = equal rows).

    A 64-bit hash of the packed rows sorts much faster than the rows
    themselves; a collision (checked) falls back to comparing the rows.
    """
    packed = np.packbits(mask, axis=1)
    weights = np.random.default_rng(0).integers(1, 2**63, size=packed.shape[1],
                                                dtype=np.uint64)
    hashes = (packed.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)
    _, first, ids = np.unique(hashes, return_index=True, return_inverse=True)
    if not np.array_equal(packed, packed[first][ids]):
        _, ids = np.unique(packed, axis=0, return_inverse=True)
    return ids.ravel()


def donor_set_ids(missing):
    """Per column, the id of its set of observing rows (columns observed by the
    same rows share an id)."""
    _, ids = np.unique(np.packbits(missing, axis=0).T, axis=0, return_inverse=True)
    return ids.ravel()
