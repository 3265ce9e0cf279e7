"""Synthetic multimodal regression with known informative and noise modalities."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .._params import check_int, check_real


def make_multimodal_regression(n_samples=500, n_modalities=4, *, informative=2,
                               features_per_modality=5, correlation=0.5, noise=0.5,
                               random_state=None):
    """Regression data whose first ``informative`` modalities carry the target.

    Each informative modality ``m`` measures a latent factor
    ``u_m = sqrt(correlation) c + sqrt(1 - correlation) e_m`` (``c`` shared,
    ``e_m`` its own) through ``features_per_modality`` noisy linear
    features, and ``y = sum_m w_m u_m + noise * eps``. The shared part
    makes a missing informative modality partly recoverable from the others,
    its own part makes it worth adding. The remaining modalities are pure
    noise, independent of ``y``.

    Parameters
    ----------
    n_samples : int, default=500
    n_modalities : int, default=4
    informative : int, default=2
        Informative modalities (the first ones), from 1 to ``n_modalities``.
    features_per_modality : int, default=5
    correlation : float in [0, 1], default=0.5
        Share of the latent factors' variance that is common to all.
    noise : float >= 0, default=0.5
        Standard deviation of the noise on ``y``.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    data : Bunch
        ``data`` (n_samples, n_modalities * features_per_modality),
        ``target`` (n_samples,), ``modalities`` (dict ``"m0"`` ... -> column
        positions), ``informative`` (names of the informative modalities),
        ``coef`` (the weights ``w_m``).

    Examples
    --------
    >>> from sklearn_dymo.datasets import make_multimodal_regression
    >>> data = make_multimodal_regression(100, 3, informative=1, random_state=0)
    >>> data.data.shape, data.informative
    ((100, 15), ['m0'])
    """
    check_int("n_samples", n_samples, 1)
    check_int("n_modalities", n_modalities, 1)
    check_int("informative", informative, 1)
    if informative > n_modalities:
        raise ValueError(f"informative={informative} must be at most "
                         f"n_modalities={n_modalities}")
    check_int("features_per_modality", features_per_modality, 1)
    check_real("correlation", correlation, 0.0)
    if correlation > 1:
        raise ValueError(f"correlation must be a number in [0, 1], got {correlation!r}")
    check_real("noise", noise, 0.0)
    rng = check_random_state(random_state)
    shared = rng.standard_normal(n_samples)
    own = rng.standard_normal((n_samples, informative))
    factors = np.sqrt(correlation) * shared[:, None] + np.sqrt(1 - correlation) * own
    coef = rng.uniform(1.0, 2.0, size=informative)
    y = factors @ coef + noise * rng.standard_normal(n_samples)

    blocks = []
    for m in range(n_modalities):
        if m < informative:
            loadings = rng.uniform(0.5, 1.5, size=features_per_modality)
            signal = factors[:, m, None] * loadings
        else:
            signal = np.zeros((n_samples, features_per_modality))
        blocks.append(signal + 0.3 * rng.standard_normal((n_samples, features_per_modality)))
    names = [f"m{m}" for m in range(n_modalities)]
    modalities = {name: list(range(m * features_per_modality, (m + 1) * features_per_modality))
                  for m, name in enumerate(names)}
    return Bunch(data=np.hstack(blocks), target=y, modalities=modalities,
                 informative=names[:informative], coef=coef)
