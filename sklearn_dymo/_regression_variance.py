"""What ``DyMoRegressor``'s ``fit`` measures about its own variance.

Two hooks of the shared :class:`~._base.BaseDyMo` data path, as a mixin so
that ``_regressor.py`` keeps the task's targets, head and outputs:

- ``_fit_network``: the shared fit on all rows but ``variance_holdout`` of
  them, which then fit the factors on the network's variance
  (:class:`~._regression.VarianceCalibration`);
- ``_fit_recovery_error``: the out-of-fold variance that recovering each
  modality adds to the predicted mean (:mod:`._recovery_error`).
"""

from __future__ import annotations

import numpy as np

from ._recovery import fit_recoverer, recover
from ._recovery_error import recovery_variance
from ._regression import (
    VarianceCalibration,
    gaussian_params,
    holdout_predictions,
    variance_holdout_split,
)
from ._tensors import to_network_input


class RegressionVarianceMixin:
    """``variance_holdout`` and ``recovery_variance`` of ``DyMoRegressor``."""

    def _fit_network(self, values, missing, observed, y_enc, seed):
        """The shared fit, on all rows but those that recalibrate the variance."""
        fit_rows, held = variance_holdout_split(values.shape[0], self.variance_holdout, seed)
        self.variance_scale_ = np.ones(observed.shape[1])
        self._variance_calibration = None
        if held is None:
            return super()._fit_network(values, missing, observed, y_enc, seed)
        super()._fit_network(values[fit_rows], missing[fit_rows], observed[fit_rows],
                             y_enc[fit_rows], seed)
        rows, masks = holdout_predictions(held[observed[held].any(1)], observed, seed)
        if rows.size:
            values, missing = self._one_hot(values[rows], missing[rows])
            x = to_network_input(self.scaler_.transform(np.where(missing, np.nan, values)))
            self._variance_calibration = VarianceCalibration.from_network(
                self.net_.module_, x, masks, y_enc[rows, 0], self.device_)
            self.variance_scale_ = self._variance_calibration.by_size
        return None

    def _fit_recovery_error(self, values, missing, observed, x, seed):
        """Out-of-fold recovery variance per modality (``_recovery_error``)."""
        n_mod = len(self.modality_names_)
        variance = np.zeros(n_mod)
        if self.recovery_variance and self.recoverer_ is not None:
            layout = self._one_hot_layout

            def recover_rows(recoverer, blanked):
                missing_b = np.isnan(blanked)
                filled = recover(recoverer, blanked, missing_b)
                if layout is not None:
                    filled = layout.snap(filled, missing_b)
                return to_network_input(self.scaler_.transform(filled))

            variance = recovery_variance(
                self.net_.module_, x, np.where(missing, np.nan, values), observed,
                self._network_spec.columns,
                lambda rows: fit_recoverer(self.recoverer, rows, default_seed=seed),
                recover_rows, lambda logits: gaussian_params(logits)[0], seed)
        self._recovery_variance = variance
        self.recovery_std_ = np.sqrt(variance) * self._target_encoding.scale

