"""Regression targets, the Gaussian head and its selection statistics.

What ``DyMoRegressor`` needs beyond the shared data path:

- :class:`TargetEncoding`: ``y`` standardised (the network learns and
  predicts in these units; outputs go back to the user's units) and cut
  into quantile bins, the groups that play the classes in the prototype
  contrastive loss and in the intra-class similarity (ICS) statistics;
- :func:`gaussian_params`: the two head outputs as a mean and a variance;
- :class:`RegressionScorer`: the latent score of a modality set, with
  ``log_p = -0.5 log var`` (the negative entropy of the predictive Gaussian
  up to a constant) so that the reward difference of the shared rules is
  the information gained in nats, ``0.5 log(var_S / var_{S+u})``, and the
  ICS of the target bin of the predicted mean; the variance of a set with
  recovered modalities includes their recovery variance
  (``_recovery_error``);
- :func:`score_regression_policies` / :func:`rank_regression_policies`:
  ``selection="auto"`` scored by held-out Gaussian negative log-likelihood.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from sklearn.utils import check_array
from torch.nn import functional as F

from .._input._tensors import has_spread
from .._input._validation import check_target_rows
from .._selection._calibration import log_ics
from .._selection._rewards import LatentScore
from .._selection._tuning import policy_outputs, policy_row, rank_by
from ._holdout import MIN_HOLDOUT_ROWS

#: Floor of the predicted variance (standardised units: a std of 1e-3).
MIN_VARIANCE = 1e-6
#: Minus the mean log-likelihood of N(0, 1) on standardised ``y``: knowing nothing.
GAUSSIAN_BASELINE = 0.5 * math.log(2 * math.pi * math.e)
#: Values of ``tuning_scoring`` for regression.
REGRESSION_SCORINGS = ("nll", "rmse")


def check_targets(y, n_samples, name="DyMoRegressor"):
    """1-D finite float64 ``y`` of length ``n_samples``; errors name the fault."""
    y = check_target_rows(y, n_samples, name, "target")
    if y.dtype.kind not in "biuf":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"y must be numeric for regression, got dtype {y.dtype}; "
                "for class labels use DyMoClassifier"
            ) from None
    # Names the fault: "Input y contains NaN" / "... infinity".
    return check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")


def gaussian_params(logits):
    """Head outputs ``(..., 2)`` -> mean and variance (softplus, floored)."""
    return logits[..., 0], F.softplus(logits[..., 1]) + MIN_VARIANCE


def gaussian_log_likelihood(logits, target):
    """``log N(target | mean, var)`` per row, float64 (standardised units)."""
    mean, var = gaussian_params(logits.double())
    return -0.5 * (math.log(2 * math.pi) + torch.log(var) + (target.double() - mean) ** 2 / var)


@dataclass
class TargetEncoding:
    """Standardisation of ``y`` and its quantile bins.

    Attributes
    ----------
    offset, scale : float
        ``y_std = (y - offset) / scale`` (scale 1 for a constant ``y``).
    edges : ndarray of float64
        Interior bin edges in standardised units, increasing. A row is in
        bin ``k`` = the number of edges at or below its value, so every
        bin holds at least one training row (edges are data values above
        the minimum; ties merge bins).
    """

    offset: float
    scale: float
    edges: np.ndarray

    @classmethod
    def fit(cls, y, n_bins):
        offset = float(np.mean(y))
        scale = float(np.std(y))
        if not np.isfinite(offset) or not np.isfinite(scale):
            raise ValueError(
                "y has values too large to standardise in float64 (their mean or "
                "spread overflows); rescale y first, e.g. divide it by a constant"
            )
        if not has_spread(scale, offset):
            raise ValueError(
                f"y is constant (every target is {offset!r} up to float rounding): "
                "there is nothing for DyMoRegressor to learn. Predict the constant "
                "with sklearn.dummy.DummyRegressor, or check that y is the intended column."
            )
        quantiles = np.quantile(y, np.arange(1, n_bins) / n_bins, method="higher")
        edges = np.unique(quantiles)
        edges = edges[edges > y.min()]
        return cls(offset, scale, (edges - offset) / scale)

    @property
    def n_bins(self):
        return self.edges.shape[0] + 1

    def standardize(self, y):
        return (y - self.offset) / self.scale

    def bins(self, y_std):
        """Bin of each standardised value (ndarray)."""
        return np.searchsorted(self.edges, y_std, side="right")

    def bins_tensor(self, y_std):
        """Bin of each standardised value (tensor, same rule as :meth:`bins`)."""
        edges = torch.as_tensor(self.edges, dtype=y_std.dtype, device=y_std.device)
        return torch.bucketize(y_std.contiguous(), edges, right=True)

    def encode(self, y):
        """``(n, 2)`` float64: standardised ``y`` and its bin."""
        y_std = self.standardize(y)
        return np.column_stack([y_std, self.bins(y_std)])

    def to_user_units(self, mean, var):
        """Standardised mean and variance -> ``(n, 2)`` float64 ndarray of mean
        and std in ``y``'s units."""
        return torch.stack([mean * self.scale + self.offset,
                            var.sqrt() * self.scale], dim=1).cpu().numpy()


@dataclass
class RegressionScorer:
    """Latent score of a modality set for regression (see the module docstring)."""

    stats: object
    distance: str
    encoding: TargetEncoding
    #: Per modality, the variance its recovery adds to the predicted mean
    #: (float64 Tensor (M,), standardised units; ``_recovery_error``), or None.
    recovery_variance: torch.Tensor | None = None
    #: Factors on the head's variance per modality set (held out), or None.
    variance_calibration: VarianceCalibration | None = None
    #: The uninformative start of selection: the marginal, var 1 (standardised).
    prior_log_p = 0.0

    def predictive(self, logits, masks, recovered):
        """Mean and variance of the prediction, standardised units, float64.

        The variance is the head's, rescaled for the size of each row's set
        (``masks``, bool (n, M)), plus the recovery variance of the
        recovered modalities among them (``recovered``, bool (n, M)).
        """
        mean, var = gaussian_params(logits.double())
        if self.variance_calibration is not None:
            var = var * self.variance_calibration(masks)
        if self.recovery_variance is not None and recovered is not None:
            var = var + recovered.double() @ self.recovery_variance.to(recovered.device)
        return mean, var

    def __call__(self, logits, z, masks, recovered=None):
        mean, var = self.predictive(logits, masks, recovered)
        bins = self.encoding.bins_tensor(mean)
        return LatentScore(-0.5 * torch.log(var),
                           log_ics(z, bins, masks, self.stats, self.distance))


@dataclass
class VarianceCalibration:
    """Factors on the head's variance per set size, fitted on held-out predictions.

    The factor of size ``k`` is ``mean((y - mean)^2 / var)`` over held-out
    predictions from ``k`` modalities, the closed-form optimum of
    ``sum log N(y | mean, s * var)`` over ``s``; a size with fewer than
    ``MIN_HOLDOUT_ROWS`` predictions takes the pooled factor. (A factor per
    modality set was tried: with tens of predictions per set its noise,
    ``0.5 log`` of a ratio of two factors, entered every reward, and
    iterative selection fell below the better of observed and all.)

    Attributes
    ----------
    by_size : float64 ndarray (M,)
        Entry ``k - 1``: the factor of sets of ``k`` modalities.
    """

    by_size: np.ndarray

    @classmethod
    def fit(cls, mean, var, y_std, masks, sample_weight=None):
        """From held-out predictions: tensors ``mean``, ``var``, ``y_std``; bool ``masks``.

        ``sample_weight`` makes each factor a weighted mean; the minimum
        number of predictions behind a factor still counts predictions.
        """
        ratio = ((y_std - mean) ** 2 / var).numpy()
        weight = np.ones_like(ratio) if sample_weight is None else np.asarray(
            sample_weight, dtype=np.float64)
        sizes = masks.sum(1) - 1
        count = np.bincount(sizes, minlength=masks.shape[1])
        weights = np.bincount(sizes, weights=weight, minlength=masks.shape[1])
        total = np.bincount(sizes, weights=ratio * weight, minlength=masks.shape[1])
        pooled = np.average(ratio, weights=weight)
        return cls(np.where((count >= MIN_HOLDOUT_ROWS) & (weights > 0),
                            total / np.maximum(weights, np.finfo(float).tiny), pooled))

    @classmethod
    @torch.no_grad()
    def from_network(cls, module, x, masks, y_std, device, sample_weight=None):
        """Fit on the network's predictions of rows ``x`` under ``masks``."""
        module.eval()
        logits, _ = module(x.to(device), torch.as_tensor(masks, device=device))
        mean, var = gaussian_params(logits.double().cpu())
        return cls.fit(mean, var, torch.as_tensor(y_std, dtype=torch.float64), masks,
                       sample_weight)

    def __call__(self, masks):
        """Factor of each row's set (bool Tensor (n, M)), float64 Tensor (n,)."""
        by_size = torch.as_tensor(self.by_size, device=masks.device)
        return by_size[masks.sum(1).clamp(min=1) - 1]


def gaussian_nll(y, mean, std, sample_weight=None):
    """Mean Gaussian negative log-likelihood (nats) of ``y`` under ``N(mean, std**2)``."""
    var = std**2
    return float(np.average(0.5 * (np.log(2 * np.pi * var) + (y - mean) ** 2 / var),
                            weights=sample_weight))


def score_regression_policies(module, chunks, y, encoding, scorer, calibrate, policies,
                              device, sample_weight=None):
    """Held-out Gaussian NLL and RMSE (``y``'s units) of every policy (weighted means)."""
    outputs, steps = policy_outputs(
        module, chunks, scorer, calibrate, policies, device,
        lambda logits, used, recovered: encoding.to_user_units(
            *scorer.predictive(logits, used, recovered)))
    table = [
        policy_row(policy, added,
                   nll=gaussian_nll(y, out[:, 0], out[:, 1], sample_weight),
                   rmse=float(np.sqrt(np.average((y - out[:, 0]) ** 2,
                                                 weights=sample_weight))))
        for policy, out, added in zip(policies, outputs, steps)
    ]
    return pd.DataFrame(table)


def rank_regression_policies(table, scoring):
    """Add ``rank`` (1 = chosen): by NLL, or by RMSE with NLL breaking ties.

    Exact ties keep grid order (simpler policies first).
    """
    if scoring == "rmse":
        return rank_by(table, [table["rmse"].to_numpy(), table["nll"].to_numpy()])
    return rank_by(table, [table["nll"].to_numpy()])


def ridge_start(x, target, sample_weight=None):
    """Head start ``(2, F)`` weights and ``(2,)`` bias from a ridge regression on ``x``.

    The mean output starts at ``Ridge(alpha=1)`` on the network input ``x``
    (standardised target); the variance output at the ridge's residual
    variance, constant (its raw output is the inverse softplus of it).
    ``sample_weight`` weighs the rows of both.
    """
    from sklearn.linear_model import Ridge

    model = Ridge(alpha=1.0).fit(x, target, sample_weight=sample_weight)
    residual = float(np.average((target - model.predict(x)) ** 2, weights=sample_weight))
    variance = max(residual - MIN_VARIANCE, 1e-3)
    weight = np.zeros((2, x.shape[1]))
    weight[0] = model.coef_
    raw_variance = variance + np.log(-np.expm1(-variance))  # softplus^-1, stable
    return weight, np.array([model.intercept_, raw_variance])
