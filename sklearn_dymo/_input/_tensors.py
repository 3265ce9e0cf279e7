"""Tensors: scaled values and modality masks as torch inputs.

The network sees scaled columns (statistics from the observed training
entries) and a boolean ``(n_samples, n_modalities)`` mask. ``"standard"``
scaling is the paper's z-score (Appendix B.2); ``"robust"`` centres on the
median, divides by the interquartile range (as a normal's std, falling back
to the std for columns with a zero IQR) and then clips smoothly to about
+-3, so that a heavy tail or an outlier cannot saturate the encoders
(RealMLP's robust scaling with smooth clipping, Holzmüller et al. 2024).
Entries that will be masked out are set to 0 so that no NaN reaches the
encoders: a NaN under a masked key would still poison attention (0 * NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

#: Bound of the smooth clipping of robust scaling: ``x / sqrt(1 + (x / C)^2)``.
CLIP = 3.0

#: The interquartile range of a normal distribution, in standard deviations.
_NORMAL_IQR = 1.3489795

#: A spread at or below this fraction of the column's centre is float rounding
#: of a constant column, not a spread: relative, so that a column in any unit
#: (1e-13 or 1e13) is scaled the same way.
RELATIVE_SPREAD = 1e-12


def has_spread(spread, centre):
    """``spread`` is a real spread of values around ``centre`` (elementwise).

    Relative to the centre, not an absolute floor: values of 1e-13 with a
    spread of 1e-14 are as spread out as values of 1 with a spread of 0.1.
    """
    spread = np.asarray(spread, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        floor = np.maximum(RELATIVE_SPREAD * np.abs(centre), np.finfo(np.float64).tiny)
        # An overflowing (inf) spread is a spread: the scaler names its columns.
        return (spread > floor) | np.isposinf(spread)


def smooth_clip(z):
    """``z / sqrt(1 + (z / CLIP)^2)``: the identity near 0, bounded by +-CLIP.

    ``hypot`` keeps it finite for any finite ``z`` (no overflow of ``z**2``);
    an infinite ``z`` (an entry so far out that scaling overflowed) maps to
    +-CLIP, the limit, not to NaN.
    """
    with np.errstate(invalid="ignore"):
        out = z / np.hypot(1.0, z / CLIP)
    return np.where(np.isinf(z), np.sign(z) * CLIP, out)


@dataclass
class ColumnScaler:
    """Per-column centre and scale computed on observed training entries.

    Columns flagged ``unscaled`` (the one-hot blocks of categorical
    columns) keep centre 0 and scale 1, so their 0/1 values reach the
    network as they are; ``clipped`` flags the columns that are smoothly
    clipped after scaling (the scaled ones, with ``method="robust"``).
    """

    mean: np.ndarray
    scale: np.ndarray
    # Default for scalers pickled before robust scaling existed.
    clipped: np.ndarray = None

    @classmethod
    def fit(cls, X, missing, unscaled=None, method="standard"):
        observed = np.where(missing, np.nan, X)
        counts = (~missing).sum(axis=0)
        mean = np.zeros(X.shape[1])
        scale = np.ones(X.shape[1])
        seen = counts > 0  # an all-missing training column keeps mean 0, scale 1
        if unscaled is not None:
            seen &= ~unscaled
        if seen.any():
            with np.errstate(over="ignore", invalid="ignore"):
                std = np.nanstd(observed[:, seen], axis=0)
                average = np.nanmean(observed[:, seen], axis=0)
                if method == "robust":
                    q25, q50, q75 = np.nanpercentile(observed[:, seen], [25, 50, 75], axis=0)
                    mean[seen] = q50
                    iqr = (q75 - q25) / _NORMAL_IQR
                    # A column mostly at one value (binary, sparse) has IQR 0.
                    std = np.where(has_spread(iqr, q50), iqr, std)
                else:
                    mean[seen] = average
            # A constant column keeps scale 1 (it becomes 0 after centring).
            scale[seen] = np.where(has_spread(std, average), std, 1.0)
        too_large = np.flatnonzero(~(np.isfinite(mean) & np.isfinite(scale)))
        if too_large.size:
            raise ValueError(
                f"columns {too_large[:10].tolist()} hold values too large to "
                "standardise in float64 (their mean or spread overflows); rescale "
                "them first, e.g. with a log or by dividing by a constant"
            )
        return cls(mean=mean, scale=scale, clipped=seen if method == "robust" else None)

    def transform(self, X):
        with np.errstate(over="ignore"):
            z = (X - self.mean) / self.scale
        if self.clipped is not None and self.clipped.any():
            z[:, self.clipped] = smooth_clip(z[:, self.clipped])
        return z


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
