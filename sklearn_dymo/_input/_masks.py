"""Masks: from missing entries to observed modalities and subset keys.

A modality is *observed* for a sample when every one of its columns is
present, and *missing* otherwise. A partly missing modality keeps its
observed values; only its NaN entries are recovered, and it becomes a
candidate for selection like a wholly missing one.
"""

from __future__ import annotations

import numpy as np
import torch


def missing_entries(X_values, indicator_of=None, X_full=None):
    """Boolean matrix of the entries of ``X_values`` that were missing.

    Parameters
    ----------
    X_values : ndarray of shape (n_samples, n_features)
        The value columns.
    indicator_of : dict, optional
        Value-column position -> position of its indicator column in
        ``X_full``. When given, missingness is read from the indicators
        (the values have been recovered already).
    X_full : ndarray, optional
        The whole input, indicators included.
    """
    if not indicator_of:
        return np.isnan(X_values)
    missing = np.zeros(X_values.shape, dtype=bool)
    for j, i in indicator_of.items():
        flags = X_full[:, i]
        if not np.all(np.isin(flags[~np.isnan(flags)], (0.0, 1.0))):
            raise ValueError(
                f"indicator column {i} holds values other than 0 and 1; "
                "missingness indicators must be boolean"
            )
        missing[:, j] = flags == 1
    # A value still NaN is missing whatever its indicator says.
    return missing | np.isnan(X_values)


def observed_modalities(missing, spec, min_fraction=1.0):
    """``(n_samples, n_modalities)`` bool: modality present per sample.

    Present means at least ``min_fraction`` of its entries are (1.0, the
    default: all of them).
    """
    out = np.empty((missing.shape[0], spec.n_modalities), dtype=bool)
    for m, cols in enumerate(spec.columns):
        if min_fraction >= 1.0:
            out[:, m] = ~missing[:, cols].any(axis=1)
        else:
            # Integer counts avoid float ties: present >= ceil(f * n_cols).
            needed = max(1, int(np.ceil(min_fraction * len(cols) - 1e-9)))
            out[:, m] = (~missing[:, cols]).sum(axis=1) >= needed
    return out


def subset_bits(n_modalities):
    """Powers of two that turn a boolean modality mask into an integer key."""
    if n_modalities > 62:
        raise ValueError("integer subset keys hold at most 62 modalities")
    return torch.tensor([1 << m for m in range(n_modalities)], dtype=torch.long)


def all_subsets(n_modalities):
    """Every non-empty subset as a ``(2**M - 1, M)`` bool tensor, key order."""
    keys = torch.arange(1, 2**n_modalities, dtype=torch.long)
    return (keys[:, None] & subset_bits(n_modalities)[None, :]) != 0


def drop_mask(n_samples, n_modalities, rate, rng):
    """Whole modalities to drop: ``round(rate * M)`` per sample, at most ``M - 1``.

    The paper's missing-rate protocol, shared by
    :func:`~sklearn_dymo.datasets.drop_modalities` and the held-out rows of
    ``selection="auto"``. Draws from ``rng`` only when something is dropped.

    Returns
    -------
    bool ndarray of shape (n_samples, n_modalities)
    """
    k = min(int(round(rate * n_modalities)), n_modalities - 1)
    dropped = np.zeros((n_samples, n_modalities), dtype=bool)
    if k > 0:
        order = np.argsort(rng.random_sample((n_samples, n_modalities)), axis=1)
        np.put_along_axis(dropped, order[:, :k], True, axis=1)
    return dropped


def blank_modalities(values, dropped, columns):
    """Set the columns of each sample's ``dropped`` modalities to NaN, in place."""
    for j, cols in enumerate(columns):
        values[np.ix_(dropped[:, j], cols)] = np.nan
    return values
