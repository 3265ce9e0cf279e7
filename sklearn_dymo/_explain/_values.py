"""What a coalition of modalities is worth: the explained output of each task.

The value of a coalition ``S`` of a row is the network's output from the
modalities in ``S`` (the values the prediction used: observed, or
recovered for the selected ones). The network is trained on non-empty
subsets only, so its output from no modality means nothing; the empty
coalition is worth what the training data say without any modality:

- classifier: the predicted class's log-probability (``"log_proba"``) or
  probability (``"proba"``); empty: its training frequency;
- regressor: the predicted mean (``"mean"``) or the log of the predictive
  variance (``"log_variance"``), in ``y``'s units; empty: the training
  mean of ``y``, or the log of its variance.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.base import is_classifier

CLASSIFIER_OUTPUTS = ("log_proba", "proba")
REGRESSOR_OUTPUTS = ("mean", "log_variance")


class ClassValue:
    """The predicted class's (log-)probability under a coalition."""

    def __init__(self, estimator, output):
        self.output = output
        prior = getattr(estimator._task, "class_prior", None)
        if prior is None:  # fitted before the prior was kept: uniform
            prior = np.full(len(estimator.classes_), 1.0 / len(estimator.classes_))
        self.prior = torch.as_tensor(prior, dtype=torch.float64)
        # predict_proba's temperature: a coalition is valued as predict_proba would.
        self.task = estimator._task

    def target(self, logits):
        """The class each row explains: its prediction from all it used."""
        return logits.argmax(-1)

    def empty(self, target):
        prior = self.prior.to(target.device)[target]
        return prior.log() if self.output == "log_proba" else prior

    def __call__(self, logits, masks, recovered, target):
        logits = self.task.calibrated_logits(logits.double(), masks)
        log_p = torch.log_softmax(logits, dim=-1).gather(1, target[:, None])[:, 0]
        return log_p if self.output == "log_proba" else log_p.exp()


class GaussianValue:
    """The predicted mean, or the log predictive variance, in ``y``'s units."""

    def __init__(self, estimator, output):
        self.output = output
        task = estimator._task
        self.encoding = task.encoding
        self.scorer = task.make_scorer(estimator.subset_statistics_)

    def target(self, logits):
        return torch.zeros(logits.shape[0], dtype=torch.long, device=logits.device)

    def empty(self, target):
        n = target.shape[0]
        if self.output == "mean":
            value = self.encoding.offset
        else:  # the marginal: variance 1 in standardised units
            value = 2.0 * math.log(self.encoding.scale)
        return torch.full((n,), value, dtype=torch.float64, device=target.device)

    def __call__(self, logits, masks, recovered, target):
        mean, var = self.scorer.predictive(logits, masks, recovered)
        if self.output == "mean":
            return mean * self.encoding.scale + self.encoding.offset
        return var.log() + 2.0 * math.log(self.encoding.scale)


def value_function(estimator, output):
    """The task's value of a coalition; ``output=None``: the task's default."""
    classifier = is_classifier(estimator)
    allowed = CLASSIFIER_OUTPUTS if classifier else REGRESSOR_OUTPUTS
    output = allowed[0] if output is None else output
    if output not in allowed:
        raise ValueError(
            f"output must be one of {allowed} for {type(estimator).__name__}, "
            f"got {output!r}")
    return (ClassValue if classifier else GaussianValue)(estimator, output)
