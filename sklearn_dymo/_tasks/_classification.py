"""``ClassificationTask``: classes, cross-entropy + prototype loss, softmax outputs.

With ``probability_calibration="temperature"`` the network trains on all
rows but ``probability_holdout`` of them, and the softmax outputs divide
the logits by the temperature fitted on those (:mod:`._temperature`).
"""

from __future__ import annotations

import numpy as np
import torch
from skorch.dataset import ValidSplit

from .._network._losses import DyMoLoss
from .._selection._algorithm import LatentScorer
from .._selection._tuning import SCORINGS, rank_policies, score_policies
from ._base import Task
from ._class_targets import (
    check_class_weight,
    class_explanation_columns,
    encode_class_targets,
    logistic_start,
    stratified_tuning_split,
)
from ._holdout import holdout_inputs, holdout_split
from ._temperature import ProbabilityTemperature


class ClassificationTask(Task):
    """Class labels, one logit per class, prototypes per class (Eq. 10-11)."""

    tuning_scorings = SCORINGS

    def encode_targets(self, y, n_samples):
        """Check the labels, learn ``classes`` and return them encoded as 0..K-1."""
        params = self.params
        self.classes, y_enc = encode_class_targets(
            y, n_samples, params["validation_fraction"] if params["early_stopping"] else None)
        # What knowing no modality says: explain_modalities' empty coalition.
        self.class_prior = np.bincount(y_enc, minlength=len(self.classes)) / len(y_enc)
        self.temperature = None
        return y_enc

    def weigh_rows(self, sample_weight, y_enc):
        """``sample_weight`` times the weight of each row's class (``class_weight``)."""
        class_weight = self.params.get("class_weight")
        if class_weight is None:
            return sample_weight
        if class_weight == "balanced":
            # n_samples / (n_classes * count), as scikit-learn's "balanced".
            counts = np.bincount(y_enc, minlength=len(self.classes))
            by_class = len(y_enc) / (len(self.classes) * np.maximum(counts, 1))
        else:
            by_class = check_class_weight(class_weight, self.classes)
        by_class = by_class[y_enc]
        return by_class if sample_weight is None else sample_weight * by_class

    def check_weighted_targets(self, y_enc):
        """The rows of positive weight must hold two classes."""
        present = np.unique(y_enc)
        if present.size < 2:
            raise ValueError(
                "only the rows of class "
                f"{self.classes[present].tolist()[0]!r} have a positive weight "
                "(sample_weight times class_weight); DyMoClassifier needs rows of at "
                "least 2 classes")

    def weigh_targets(self, y_enc, weight):
        """The class prior (``explain_modalities``' empty coalition) with the weights."""
        prior = np.bincount(y_enc, weights=weight, minlength=len(self.classes))
        self.class_prior = prior / prior.sum()

    def fitted_attributes(self):
        by_size = None if self.temperature is None else self.temperature.by_size.copy()
        return {"classes_": self.classes, "probability_temperature_": by_size}

    @property
    def n_outputs(self):
        return len(self.classes)

    n_prototype_groups = n_outputs

    def target_tensor(self, y_enc):
        return torch.as_tensor(y_enc, dtype=torch.long)

    prototype_labels = target_tensor  # prototypes are kept per class

    def criterion_params(self):
        """Cross-entropy plus the prototype contrastive loss over the classes."""
        shared = ("latent_dim", "distance", "temperature", "prototype_weight",
                  "label_smoothing")
        return {"criterion": DyMoLoss, "criterion__n_classes": len(self.classes),
                **{f"criterion__{name}": self.params[name] for name in shared}}

    def linear_start(self, x, y_enc, sample_weight=None):
        return logistic_start(x, y_enc, len(self.classes), sample_weight)

    def validation_split(self, seed):
        """``early_stopping`` holds out stratified rows (checked in ``encode_targets``)."""
        return ValidSplit(self.params["validation_fraction"], stratified=True,
                          random_state=seed)

    def tuning_split(self, y_enc, seed):
        return stratified_tuning_split(y_enc, self.classes, self.params["tuning_fraction"],
                                       seed)

    # ------------------------------------------------ what fit measures
    def network_rows(self, y_enc, seed):
        """All rows but those the temperature is fitted on (``probability_holdout``).

        The hold-out is stratified by class and keeps every class in training.
        """
        if self.params.get("probability_calibration") is None:
            return np.arange(len(y_enc)), None
        return holdout_split(len(y_enc), self.params["probability_holdout"], seed,
                             classes=y_enc)

    def after_training(self, fit):
        """The temperatures of the class logits, from the held-out rows' predictions."""
        self.temperature = None
        rows, masks, x = holdout_inputs(fit)
        if rows is not None:
            weight = fit.all_rows.weight
            self.temperature = ProbabilityTemperature.from_network(
                fit.module, x, masks, fit.all_rows.y_enc[rows], fit.device,
                None if weight is None else weight[rows])

    def calibrated_logits(self, logits, used):
        """``logits`` over the probability temperature of each row's set ``used``."""
        temperature = getattr(self, "temperature", None)
        return logits if temperature is None else temperature.scale(logits, used)

    def make_scorer(self, statistics):
        """Class posterior from the prototypes of the selection statistics."""
        return LatentScorer(statistics, self.params["distance"], self.params["temperature"])

    def outputs(self, logits, used, recovered, scorer):
        return torch.softmax(self.calibrated_logits(logits, used), dim=-1).cpu().numpy()

    def explanation_columns(self, outputs):
        """``proba__<class>`` columns and the ``prediction``."""
        return class_explanation_columns(self.classes, outputs)

    def score_policies(self, module, chunks, y_enc, scorer, policies, device,
                       sample_weight=None):
        """Held-out accuracy and log-loss of each policy, ranked by ``tuning_scoring``."""
        table = score_policies(
            module, chunks, y_enc, len(self.classes), scorer, self.params["calibrate"],
            policies, device, outputs=lambda logits, used, recovered: self.outputs(
                logits.double(), used, recovered, scorer), sample_weight=sample_weight)
        return rank_policies(table, self.params["tuning_scoring"])
