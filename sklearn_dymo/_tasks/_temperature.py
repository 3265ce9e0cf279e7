"""Temperature scaling of the class probabilities, fitted on held-out rows.

A network trained to a low training loss is overconfident on new rows,
the more so on small tables (Guo et al. 2017, "On calibration of modern
neural networks"). ``probability_calibration="temperature"`` keeps
``probability_holdout`` of the training rows out of the network's
training, predicts them from all they observe and from random subsets
of it (as the regressor's variance factors are fitted), and divides the
logits by the temperature ``T_k >= 1`` that minimises the held-out
log-loss of predictions from ``k`` modalities. Dividing logits by a positive number
keeps their order, so labels, rewards and the selection do not change;
only ``predict_proba`` does.

This is not the reward calibration of the paper (Sec. 3.2, Eq. 12,
``calibrate``): that one scales the reward by the modality-set's
statistics; this one only rescales the reported probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import minimize_scalar

#: Fewest held-out predictions from ``k`` modalities behind their own
#: temperature; sizes with fewer take the pooled one (a temperature from a
#: handful of rows moves more with their noise than with ``k``).
MIN_PREDICTIONS_PER_SIZE = 50

#: Temperatures searched: ``log T`` in this interval. Only softening: a
#: hold-out of tens of rows that the network gets all right drives the
#: log-loss optimum to ``T -> 0`` (every probability to 0 or 1), and the
#: first wrong test row then costs many nats; a network is overconfident
#: on new rows far more often than underconfident (label smoothing already
#: keeps its training probabilities off 0 and 1).
LOG_TEMPERATURE_BOUNDS = (0.0, np.log(20.0))


def _weighted_log_loss(log_t, logits, y, weight):
    log_p = torch.log_softmax(logits / np.exp(log_t), dim=-1)
    return float(-(weight * log_p[torch.arange(len(y)), y]).sum() / weight.sum())


def fit_temperature(logits, y, weight):
    """The temperature minimising the weighted log-loss (a bounded 1-D search)."""
    if logits.shape[0] == 0:
        return 1.0
    result = minimize_scalar(_weighted_log_loss, bounds=LOG_TEMPERATURE_BOUNDS,
                             args=(logits, y, weight), method="bounded",
                             options={"xatol": 1e-4})
    return float(np.exp(result.x))


@dataclass
class ProbabilityTemperature:
    """Temperatures of the class logits per modality-set size.

    Attributes
    ----------
    by_size : float64 ndarray (M,)
        Entry ``k - 1``: the temperature of predictions from ``k`` modalities
        (the pooled one where fewer than ``MIN_PREDICTIONS_PER_SIZE`` held-out
        predictions had ``k``).
    """

    by_size: np.ndarray

    @classmethod
    def fit(cls, logits, y, masks, sample_weight=None):
        """From held-out ``logits`` (float64 Tensor), labels ``y``, bool ``masks``."""
        y = torch.as_tensor(y, dtype=torch.long)
        weight = torch.ones(len(y), dtype=torch.float64) if sample_weight is None else (
            torch.as_tensor(sample_weight, dtype=torch.float64))
        sizes = masks.sum(1)
        pooled = fit_temperature(logits, y, weight)
        by_size = np.full(masks.shape[1], pooled)
        for k in range(1, masks.shape[1] + 1):
            rows = np.flatnonzero(sizes == k)
            if rows.size >= MIN_PREDICTIONS_PER_SIZE and weight[rows].sum() > 0:
                by_size[k - 1] = fit_temperature(logits[rows], y[rows], weight[rows])
        return cls(by_size)

    @classmethod
    @torch.no_grad()
    def from_network(cls, module, x, masks, y, device, sample_weight=None):
        """Fit on the network's logits of rows ``x`` under ``masks``."""
        module.eval()
        logits, _ = module(x.to(device), torch.as_tensor(masks, device=device))
        return cls.fit(logits.double().cpu(), y, masks, sample_weight)

    def scale(self, logits, used):
        """``logits`` divided by the temperature of each row's set (bool Tensor (n, M))."""
        by_size = torch.as_tensor(self.by_size, dtype=logits.dtype, device=logits.device)
        return logits / by_size[used.sum(1).clamp(min=1) - 1][:, None]
