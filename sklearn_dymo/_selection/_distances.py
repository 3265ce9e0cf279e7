"""Distances in the latent space and the prototype posterior (Eq. 5, S14).

Two distances, as in the paper: squared Euclidean (a Bregman divergence)
and cosine (``1 - cos``). Both are written so that a zero vector gives a
finite distance.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

DISTANCES = ("cosine", "sqeuclidean")


def distance_to_prototypes(z, prototypes, kind):
    """Distance of each ``z`` to each prototype.

    Parameters
    ----------
    z : Tensor of shape (n, D)
    prototypes : Tensor of shape (K, D)
    kind : {"cosine", "sqeuclidean"}

    Returns
    -------
    Tensor of shape (n, K)
    """
    if kind == "cosine":
        # normalize() divides by max(norm, eps): a zero vector stays zero and
        # ends at distance 1 from everything instead of NaN.
        return 1.0 - F.normalize(z, dim=-1) @ F.normalize(prototypes, dim=-1).T
    if kind == "sqeuclidean":
        return torch.cdist(z, prototypes).square()
    raise ValueError(f"unknown distance {kind!r}; use one of {DISTANCES}")


def rowwise_distance(z, c, kind):
    """Distance between matching rows of ``z`` and ``c`` (both ``(n, D)``)."""
    if kind == "cosine":
        return 1.0 - (F.normalize(z, dim=-1) * F.normalize(c, dim=-1)).sum(-1)
    if kind == "sqeuclidean":
        return (z - c).square().sum(-1)
    raise ValueError(f"unknown distance {kind!r}; use one of {DISTANCES}")


def prototype_log_posterior(z, prototypes, kind, temperature):
    """``log p(k | z)`` of Eq. 5 with the training temperature of Eq. 11.

    The paper writes Eq. 5 without a temperature; we keep the same ``t``
    that shaped the latent space in training, so that the posterior used
    for rewards is the one the network was trained to produce.
    """
    return torch.log_softmax(-distance_to_prototypes(z, prototypes, kind) / temperature, dim=-1)
