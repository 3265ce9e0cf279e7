"""``Task``: what a DyMo estimator's task decides, as one object.

The estimator's base (:class:`~sklearn_dymo._base.BaseDyMo`) owns the work:
the data path, training, statistics and selection. A task object, built
in ``fit`` from the estimator's parameters (as HistGradientBoosting builds
its loss), supplies everything that depends on the task: the targets and
their encoding, the network head's width, the loss, the groups the
prototypes are kept over (Eq. 11), the reward scorer (Sec. 3.2), the
outputs of the head, the tuning metric and the hold-out splits.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.utils.validation import _check_sample_weight


@dataclass
class TrainingRows:
    """Every row of one network fit's data, before any hold-out of the task."""

    values: np.ndarray
    missing: np.ndarray
    observed: np.ndarray
    y_enc: np.ndarray
    weight: np.ndarray | None = None


@dataclass
class NetworkFit:
    """One trained network and the rows it learnt from (``Task.after_training``).

    ``values`` and ``missing`` are one-hot (network columns), ``x`` is the
    network input of their observed entries; ``held`` indexes the rows of
    ``all_rows`` the task held out (``Task.network_rows``), or is None;
    ``weight``: the row weights of the network's rows, or None.
    """

    data_path: object
    module: torch.nn.Module
    device: str
    seed: int
    values: np.ndarray
    missing: np.ndarray
    observed: np.ndarray
    x: torch.Tensor
    held: np.ndarray | None
    all_rows: TrainingRows
    weight: np.ndarray | None = None


def check_row_weights(sample_weight, X):
    """``sample_weight`` checked as scikit-learn does (finite, >= 0, one per row).

    None stays None, so that an unweighted fit runs the unweighted code.
    """
    if sample_weight is None:
        return None
    return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)


class Task(ABC):
    """The task-dependent half of a DyMo estimator (abstract)."""

    #: Values of the estimator's ``tuning_scoring`` parameter.
    tuning_scorings = ()

    def __init__(self, params):
        # The estimator's parameters (get_params(deep=False)), read as needed.
        self.params = params

    # ------------------------------------------------------------- targets
    @abstractmethod
    def encode_targets(self, y, n_samples):
        """Check ``y``, learn its encoding and return the encoded targets."""

    @abstractmethod
    def fitted_attributes(self):
        """Public fitted attributes of the task (``classes_``, ...) as a dict."""

    @property
    @abstractmethod
    def n_outputs(self):
        """Width of the network head."""

    @property
    @abstractmethod
    def n_prototype_groups(self):
        """Number of groups (classes, target bins) the prototypes are kept over."""

    def weigh_rows(self, sample_weight, y_enc):
        """Row weights from the checked ``sample_weight`` (None: unweighted)."""
        return sample_weight

    def check_weighted_targets(self, y_enc):  # noqa: B027 - optional hook
        """Check the targets of the rows of positive weight (nothing here)."""

    def weigh_targets(self, y_enc, weight):  # noqa: B027 - optional hook
        """Update what the task learnt of the targets with the row weights."""

    @abstractmethod
    def target_tensor(self, y_enc):
        """Training target tensor of the skorch net."""

    @abstractmethod
    def prototype_labels(self, y_enc):
        """Group of each training row for the prototypes and statistics."""

    # --------------------------------------------------------------- training
    @abstractmethod
    def criterion_params(self):
        """The skorch ``criterion`` and its ``criterion__*`` parameters."""

    @abstractmethod
    def linear_start(self, x, y_enc, sample_weight=None):
        """Weights and bias of the linear model the head starts from."""

    @abstractmethod
    def validation_split(self, seed):
        """skorch ``train_split`` of ``early_stopping``."""

    @abstractmethod
    def tuning_split(self, y_enc, seed):
        """Sorted (train, held-out) row indices of ``selection="auto"``."""

    def information_params(self, y_enc):
        """Extra ``compute_subset_statistics`` arguments (none: class cross-entropy)."""
        return {}

    def network_rows(self, y_enc, seed):
        """(rows the network trains on, rows held out for the task's own use).

        ``y_enc``: the encoded targets of this network fit's rows.
        """
        return np.arange(len(y_enc)), None

    def after_training(self, fit):  # noqa: B027 - optional hook, nothing by default
        """What the task measures once the network is trained (nothing here).

        ``fit`` is a :class:`~sklearn_dymo._base.NetworkFit`: the data path,
        the trained module and the rows of this network fit.
        """

    # -------------------------------------------------------------- predict
    @abstractmethod
    def make_scorer(self, statistics):
        """The latent reward scorer over the selection ``statistics``."""

    @abstractmethod
    def outputs(self, logits, used, recovered, scorer):
        """float64 outputs of the head for the modalities ``used`` by each row."""

    @abstractmethod
    def explanation_columns(self, outputs):
        """The task's columns of ``explain_selection``, in order."""

    @abstractmethod
    def score_policies(self, module, chunks, y_enc, scorer, policies, device,
                       sample_weight=None):
        """Held-out metrics of each selection policy, ranked by ``tuning_scoring``."""
