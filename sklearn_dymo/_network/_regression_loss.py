"""Training loss of ``DyMoRegressor``: beta-NLL + prototype contrastive loss on target bins.

For every (sample, subset) pair the head predicts a Gaussian (mean and
variance of the standardised target). Its negative log-likelihood is
weighted by the detached predicted variance to the power ``beta``
(beta-NLL, Seitzer et al., ICLR 2022): plain NLL (``beta = 0``) lets the
network explain hard rows by a large variance and stop fitting their mean
(and, symmetrically, collapse the variance on easy rows); ``beta = 0.5``
trades the two, ``beta = 1`` weights the mean like a squared error.

The contrastive term of Eq. 11 is the classifier's (shared with
:class:`~._losses.DyMoLoss`): quantile bins of the target play the classes,
so the latent space clusters by target level and the intra-class
similarity calibration of the rewards carries over.
"""

from __future__ import annotations

import math

from .._tasks._gaussian import gaussian_params
from ._losses import DyMoLoss, weighted_mean


def beta_nll(logits, target, beta, weight=None):
    """Mean beta-weighted Gaussian NLL (nats) of ``target`` under the head outputs.

    ``weight``: per-output weights (a weighted mean), or None.
    """
    mean, var = gaussian_params(logits)
    nll = 0.5 * (math.log(2 * math.pi) + var.log() + (target - mean) ** 2 / var)
    if beta > 0:
        nll = nll * var.detach() ** beta
    return nll.mean() if weight is None else weighted_mean(nll, weight)


class GaussianPrototypeLoss(DyMoLoss):
    """beta-NLL + ``prototype_weight`` x contrastive loss over target bins.

    Parameters
    ----------
    n_bins : int
        Target bins (the prototype groups).
    latent_dim : int
    distance : {"cosine", "sqeuclidean"}
    temperature : float, default=0.1
    prototype_weight : float, default=1.0
    beta : float in [0, 1], default=0.5
        Exponent of the variance weighting (0 = plain Gaussian NLL).
    """

    def __init__(self, n_bins, latent_dim, distance="cosine", temperature=0.1,
                 prototype_weight=1.0, beta=0.5):
        super().__init__(n_bins, latent_dim, distance, temperature, prototype_weight)
        self.beta = beta

    def forward(self, logits, z, masks, y, accumulate=False, weight=None):
        """Mean loss over the (sample, subset) pairs with a non-empty mask.

        Parameters
        ----------
        logits : (B, A, 2)
            Mean and raw variance output of the head.
        z : (B, A, D)
        masks : bool (B, A, M)
        y : (B, 2)
            Standardised target and its bin.
        accumulate : bool
            Add ``z`` to the running per-bin sums (training batches only).
        weight : (B,) float, optional
            Row weights (weighted means, weighted prototype sums).
        """
        valid = masks.any(-1)
        if not valid.any():
            return logits.sum() * 0.0
        target = y[:, 0, None].expand_as(valid)[valid].to(logits.dtype)
        bins = y[:, 1, None].long().expand_as(valid)[valid]
        logits, z = logits[valid], z[valid]
        w_pairs = None if weight is None else weight[:, None].expand_as(valid)[valid]
        loss = self.with_prototype_term(beta_nll(logits, target, self.beta, w_pairs),
                                        z, bins, w_pairs)
        if accumulate:
            self.accumulate(z, bins, w_pairs)
        return loss
