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
    """Per-column mean and scale computed on observed training entries."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X, missing):
        observed = np.where(missing, np.nan, X)
        counts = (~missing).sum(axis=0)
        mean = np.zeros(X.shape[1])
        scale = np.ones(X.shape[1])
        seen = counts > 0  # an all-missing training column keeps mean 0, scale 1
        if seen.any():
            mean[seen] = np.nanmean(observed[:, seen], axis=0)
            std = np.nanstd(observed[:, seen], axis=0)
            scale[seen] = np.where(std > 1e-12, std, 1.0)
        return cls(mean=mean, scale=scale)

    def transform(self, X):
        return (X - self.mean) / self.scale


def to_network_input(X_scaled, dtype=torch.float32):
    """Standardised values as a tensor, NaN entries replaced by 0."""
    return torch.as_tensor(np.nan_to_num(X_scaled, nan=0.0), dtype=dtype)
