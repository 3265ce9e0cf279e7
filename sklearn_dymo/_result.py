"""``SelectionResult``: what one run of modality selection returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class SelectionResult:
    """What :meth:`DyMoClassifier.select_modalities` returns.

    Attributes
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Class probabilities from each sample's final modality set. For
        :class:`DyMoRegressor`, shape (n_samples, 2): the predicted mean
        and standard deviation, in the target's units.
    path : list of tuple of str
        Per sample, the recovered modalities added, in order.
    rewards : DataFrame
        One row per evaluated candidate: ``sample``, ``step``,
        ``modality``, ``reward``, ``accepted``.
    used : DataFrame of bool, shape (n_samples, n_modalities)
        The final modality set of each sample (observed or selected).

    Examples
    --------
    >>> from sklearn_dymo import DyMoClassifier
    >>> from sklearn_dymo.datasets import load_breast_cancer_modalities, drop_modalities
    >>> data = load_breast_cancer_modalities()
    >>> clf = DyMoClassifier(modalities=data.modalities, max_epochs=3, random_state=0)
    >>> clf = clf.fit(data.data, data.target)
    >>> X_test = drop_modalities(data.data[:4], data.modalities, rate=0.6, random_state=0)
    >>> result = clf.select_modalities(X_test, selection="all")
    >>> result.proba.shape, list(result.used.columns)
    ((4, 2), ['mean', 'se', 'worst'])
    >>> bool(result.used.all(axis=None))
    True
    """

    proba: np.ndarray
    path: list
    rewards: pd.DataFrame
    used: pd.DataFrame
