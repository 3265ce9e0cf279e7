"""``RegressionTask``: standardised targets and their bins, beta-NLL + prototype
loss, Gaussian outputs with the variance ``fit`` measures about itself.

Beyond the head, ``fit`` measures two things about the predicted variance
(:meth:`RegressionTask.after_training`):

- ``variance_holdout``: the network is trained on all rows but a held-out
  part, which then fits per-size factors on the network's variance
  (:class:`~sklearn_dymo._tasks._gaussian.VarianceCalibration`);
- ``recovery_variance``: the out-of-fold variance that recovering each
  modality adds to the predicted mean (:mod:`sklearn_dymo._recovery._recovery_error`).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from skorch.dataset import ValidSplit

from .._network._regression_loss import GaussianPrototypeLoss
from .._recovery._recoverer import fit_recoverer
from .._recovery._recovery_error import recovery_variance
from .._selection._tuning import MAX_TUNING_ROWS
from ._base import Task
from ._gaussian import (
    GAUSSIAN_BASELINE,
    REGRESSION_SCORINGS,
    RegressionScorer,
    TargetEncoding,
    VarianceCalibration,
    check_targets,
    gaussian_log_likelihood,
    gaussian_params,
    rank_regression_policies,
    ridge_start,
    score_regression_policies,
)
from ._holdout import holdout_inputs, holdout_split


class RegressionTask(Task):
    """Real targets, a Gaussian head (mean, variance), prototypes per target bin."""

    tuning_scorings = REGRESSION_SCORINGS
    n_outputs = 2  # mean and raw variance

    def encode_targets(self, y, n_samples):
        """Check ``y``, fit its standardisation and bins; ``(n, 2)`` [y_std, bin]."""
        y = check_targets(y, n_samples, "DyMoRegressor")
        self.encoding = TargetEncoding.fit(y, self.params["n_bins"])
        self.variance_scale = None
        self.variance_calibration = None
        self.recovery_variance = None
        return self.encoding.encode(y)

    def fitted_attributes(self):
        encoding = self.encoding
        return {
            "n_bins_": encoding.n_bins,
            "bin_edges_": encoding.edges * encoding.scale + encoding.offset,
            "variance_scale_": self.variance_scale,
            "recovery_std_": np.sqrt(self.recovery_variance) * encoding.scale,
        }

    @property
    def n_prototype_groups(self):
        return self.encoding.n_bins

    def target_tensor(self, y_enc):
        return torch.as_tensor(y_enc, dtype=torch.float32)

    def prototype_labels(self, y_enc):
        return torch.as_tensor(y_enc[:, 1], dtype=torch.long)

    def information_params(self, y_enc):
        """A modality's information: Gaussian log-likelihood gained over the marginal."""
        return {"targets": torch.as_tensor(y_enc[:, 0], dtype=torch.float64),
                "log_likelihood": gaussian_log_likelihood,
                "baseline": GAUSSIAN_BASELINE}

    def criterion_params(self):
        """beta-NLL plus the prototype contrastive loss over the target bins."""
        shared = ("latent_dim", "distance", "temperature", "prototype_weight", "beta")
        return {"criterion": GaussianPrototypeLoss,
                "criterion__n_bins": self.encoding.n_bins,
                **{f"criterion__{name}": self.params[name] for name in shared}}

    def linear_start(self, x, y_enc, sample_weight=None):
        return ridge_start(x, y_enc[:, 0], sample_weight)

    def validation_split(self, seed):
        """``early_stopping`` holds out random rows (targets are continuous)."""
        return ValidSplit(self.params["validation_fraction"], stratified=False,
                          random_state=seed)

    def tuning_split(self, y_enc, seed):
        """Random (train, held-out) row indices for ``selection="auto"``."""
        n = y_enc.shape[0]
        fraction = self.params["tuning_fraction"]
        n_tune = int(min(np.ceil(fraction * n), MAX_TUNING_ROWS))
        if n - n_tune < 2:
            raise ValueError(
                f"selection='auto' with tuning_fraction={fraction} holds out "
                f"{n_tune} of {n} rows and leaves fewer than 2 to train on. Lower "
                "tuning_fraction, or use another selection."
            )
        train, tune = train_test_split(np.arange(n), test_size=n_tune, random_state=seed)
        return np.sort(train), np.sort(tune)

    # ------------------------------------------------ what fit measures
    def network_rows(self, y_enc, seed):
        """All rows but those that recalibrate the variance (``variance_holdout``)."""
        return holdout_split(len(y_enc), self.params["variance_holdout"], seed)

    def after_training(self, fit):
        """Recovery variance on the training rows, then the held-out variance factors."""
        n_mod = fit.observed.shape[1]
        path = fit.data_path
        variance = np.zeros(n_mod)
        if self.params["recovery_variance"] and path.recoverer_ is not None:
            def recover_rows(recoverer, blanked):
                missing = np.isnan(blanked)
                return path.to_input(path.recover(blanked, missing, recoverer=recoverer,
                                                  partial_fill=False))

            variance = recovery_variance(
                fit.module, fit.x, np.where(fit.missing, np.nan, fit.values), fit.observed,
                path.network_spec.columns,
                lambda rows: fit_recoverer(path.recoverer, rows, default_seed=fit.seed),
                recover_rows, lambda logits: gaussian_params(logits)[0], fit.seed)
        self.recovery_variance = variance

        self.variance_scale = np.ones(n_mod)
        self.variance_calibration = None
        rows, masks, x = holdout_inputs(fit)
        if rows is not None:
            weight = fit.all_rows.weight
            self.variance_calibration = VarianceCalibration.from_network(
                fit.module, x, masks, fit.all_rows.y_enc[rows, 0], fit.device,
                None if weight is None else weight[rows])
            self.variance_scale = self.variance_calibration.by_size

    # ------------------------------------------------------------ predict
    def make_scorer(self, statistics):
        """Information gain (nats, recovery variance included) and the ICS of the
        predicted mean's bin."""
        return RegressionScorer(
            statistics, self.params["distance"], self.encoding,
            torch.as_tensor(self.recovery_variance, dtype=torch.float64),
            self.variance_calibration)

    def outputs(self, logits, used, recovered, scorer):
        """Mean and standard deviation in ``y``'s units, ``(n, 2)`` float64."""
        return self.encoding.to_user_units(*scorer.predictive(logits, used, recovered))

    def explanation_columns(self, outputs):
        mean, std = outputs[:, 0], outputs[:, 1]
        return {"mean": mean, "std": std, "prediction": mean}

    def score_policies(self, module, chunks, y_enc, scorer, policies, device,
                       sample_weight=None):
        """Held-out Gaussian NLL and RMSE of each policy, ranked by ``tuning_scoring``."""
        encoding = self.encoding
        y = y_enc[:, 0] * encoding.scale + encoding.offset
        table = score_regression_policies(module, chunks, y, encoding, scorer,
                                          self.params["calibrate"], policies, device,
                                          sample_weight)
        return rank_regression_policies(table, self.params["tuning_scoring"])
