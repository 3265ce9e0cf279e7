"""Intra-class similarity (ICS, Eq. 8) and the calibration term (Eq. 9).

ICS treats the distance of a latent to its class prototype as half-normal
with scale ``sigma_{k,S}``: ``ICS = 2 (1 - Phi(d / sigma)) = 2 Phi(-d / sigma)``.
Everything is kept in log space with ``log_ndtr``: a far-away latent has an
ICS far below float precision, and the ratio of two such scores (Eq. 9)
would be 0/0 if computed directly.
"""

from __future__ import annotations

import math

import torch

from ._distances import rowwise_distance
from ._prototypes import MIN_SIGMA

LOG_2 = math.log(2.0)


def log_ics(z, classes, masks, stats, distance):
    """``log ICS(y = classes, z)`` under each sample's subset ``masks``.

    Parameters
    ----------
    z : Tensor (n, D)
    classes : long Tensor (n,)
        The class whose cluster ``z`` is compared with (the prediction).
    masks : bool Tensor (n, M)
        The modality subset behind each ``z``; selects ``c_{k,S}`` and
        ``sigma_{k,S}``.
    stats : SubsetStatistics
    distance : {"cosine", "sqeuclidean"}

    Returns
    -------
    Tensor (n,) of float64, at most 0.
    """
    keys = stats.keys(masks)
    d = rowwise_distance(z, stats.prototypes[keys, classes], distance).double().clamp(min=0)
    # The floor guards statistics built elsewhere than compute_subset_statistics
    # (which floors already): sigma = 0 would give 0/0 for a latent on its prototype.
    sigma = stats.sigma[keys, classes].clamp(min=MIN_SIGMA)
    return LOG_2 + torch.special.log_ndtr(-d / sigma)


def log_alpha(log_ics_candidate, log_ics_current):
    """``log alpha`` of Eq. 9: ``min(0, log ICS(z_u) - log ICS(z))``.

    alpha is 1 when the candidate's latent is more representative of its
    predicted class than the current one, and their ICS ratio otherwise.
    """
    return torch.clamp(log_ics_candidate - log_ics_current, max=0.0)
