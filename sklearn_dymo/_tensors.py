"""Tensors: standardised values and modality masks as torch inputs.

The network sees z-scored columns (statistics from the observed training
entries, Appendix B.2) and a boolean ``(n_samples, n_modalities)`` mask.
Entries that will be masked out are set to 0 so that no NaN reaches the
encoders: a NaN under a masked key would still poison attention (0 * NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class ColumnScaler:
    """Per-column mean and scale computed on observed training entries.

    Columns flagged ``unscaled`` (the one-hot blocks of categorical
    columns) keep mean 0 and scale 1, so their 0/1 values reach the
    network as they are.
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X, missing, unscaled=None):
        observed = np.where(missing, np.nan, X)
        counts = (~missing).sum(axis=0)
        mean = np.zeros(X.shape[1])
        scale = np.ones(X.shape[1])
        seen = counts > 0  # an all-missing training column keeps mean 0, scale 1
        if unscaled is not None:
            seen &= ~unscaled
        if seen.any():
            with np.errstate(over="ignore", invalid="ignore"):
                mean[seen] = np.nanmean(observed[:, seen], axis=0)
                std = np.nanstd(observed[:, seen], axis=0)
            scale[seen] = np.where(std > 1e-12, std, 1.0)
        too_large = np.flatnonzero(~(np.isfinite(mean) & np.isfinite(scale)))
        if too_large.size:
            raise ValueError(
                f"columns {too_large[:10].tolist()} hold values too large to "
                "standardise in float64 (their mean or spread overflows); rescale "
                "them first, e.g. with a log or by dividing by a constant"
            )
        return cls(mean=mean, scale=scale)

    def transform(self, X):
        return (X - self.mean) / self.scale


def to_network_input(X_scaled, dtype=torch.float32):
    """Standardised values as a tensor, NaN entries replaced by 0.

    Raises a ``ValueError`` when a value lies beyond the range of ``dtype``
    (an extreme outlier, many orders of magnitude outside the training
    spread): it would become inf inside the network and NaN after it.
    """
    np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    with np.errstate(over="ignore"):
        x = np.nan_to_num(X_scaled, nan=0.0).astype(np_dtype)
    if np.isinf(x).any():
        cols = np.flatnonzero(np.isinf(x).any(axis=0))[:10].tolist()
        raise ValueError(
            f"X has values in columns {cols} that lie more than {np.finfo(np_dtype).max:.1e} "
            "training standard deviations from the training mean; the network "
            "cannot represent them. Check these columns for unit errors or "
            "sentinel values, or clip them."
        )
    return torch.from_numpy(x)
