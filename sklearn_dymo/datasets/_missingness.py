"""Simulated missingness: drop whole modalities per sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from .._input._masks import blank_modalities, drop_mask
from .._input._modalities import resolve_modalities


def drop_modalities(X, modalities, rate, random_state=None):
    """Set ``round(rate * M)`` whole modalities of every sample to NaN.

    At least one modality of each sample is kept, as in the paper's
    missing-rate protocol. ``X`` is not modified.

    Parameters
    ----------
    X : ndarray or DataFrame of shape (n_samples, n_features)
    modalities : dict, list of lists or None
        As for :class:`~sklearn_dymo.DyMoClassifier`.
    rate : float in [0, 1]
        Fraction of modalities dropped per sample.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X_missing : ndarray or DataFrame
        A float copy of ``X`` with the dropped modalities set to NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dymo.datasets import drop_modalities
    >>> X = np.ones((2, 4))
    >>> drop_modalities(X, [[0, 1], [2, 3]], rate=0.5, random_state=0).tolist()
    [[nan, nan, 1.0, 1.0], [1.0, 1.0, nan, nan]]
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be in [0, 1], got {rate!r}")
    is_frame = isinstance(X, pd.DataFrame)
    names = list(X.columns) if is_frame else None
    values = np.array(X, dtype=np.float64, copy=True)
    if values.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {values.shape}")
    spec = resolve_modalities(modalities, values.shape[1], names, np.isnan(values))
    dropped = drop_mask(values.shape[0], spec.n_modalities, rate,
                        check_random_state(random_state))
    blank_modalities(values, dropped, spec.columns)
    if is_frame:
        return pd.DataFrame(values, columns=X.columns, index=X.index)
    return values
