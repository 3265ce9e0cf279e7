"""``BaseDyMo``: the task-independent data path shared by the DyMo estimators.

fit:     X -> categories -> modalities -> masks -> one-hot blocks
           -> recoverer (fitted) -> tensors
           -> skorch training on sampled subsets -> selection statistics
predict: X -> category codes -> masks -> one-hot blocks -> recovered values
           (categorical blocks snapped to one category) -> tensors
           -> encode once -> selection (rewards, calibration, path) -> outputs

A task (classification now, regression next) plugs in through a few
hooks, each named for the one thing that depends on the task:

- ``_encode_targets(y, n_samples)`` -> encoded ``y``; validates the targets
  and sets the task's fitted attributes (``classes_``);
- ``_n_outputs``: width of the network head;
- ``_target_tensor(y_enc)``: the training target tensor;
- ``_criterion_params()``: the skorch ``criterion`` and its ``criterion__*``;
- ``_n_prototype_classes`` and ``_prototype_labels(y_enc)``: the groups the
  selection statistics (prototypes) are computed over;
- ``_validation_split(seed)``: skorch ``train_split`` of ``early_stopping``;
- ``_tuning_split(y_enc, seed)``: the rows ``selection="auto"`` holds out;
- ``_tuning_scorings`` and ``_score_policies(...)``: how tuning ranks policies;
- ``_make_scorer()``: the latent reward scorer;
- ``_outputs_from_logits(logits, used, recovered)``: float64 outputs of
  the network head (``used``: the modalities each row's output is from;
  ``recovered``: those of them that were recovered);
- ``_fit_recovery_error(...)`` (optional): what ``fit`` measures about the
  recoverer after training (the regressor's recovery variance);
- ``_linear_start(x, y_enc)``: weights and bias of the linear model the
  head starts from (``linear_path``), fitted on the network input;
- ``_information_params(y_enc)`` (optional): how ``modality_information``
  measures what a modality tells on its own (default: class cross-entropy).

Not a public class: it defines no ``__init__``, so ``get_params`` reads the
task estimator's explicit constructor.
"""

from __future__ import annotations

import copy
import warnings
from numbers import Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from skorch.callbacks import EarlyStopping, LRScheduler, ProgressBar

from ._batches import TensorBatches
from ._categorical import (
    CategoricalEncoding,
    check_categorical_features,
    resolve_categorical_features,
)
from ._distances import DISTANCES
from ._inference import SELECTIONS, InferenceMixin, _row_chunks
from ._losses import PrototypeUpdate
from ._masks import blank_modalities, missing_entries, observed_modalities
from ._modalities import resolve_modalities, split_indicator_columns
from ._network import DyMoNetwork
from ._params import (
    check_int,
    check_real,
    resolve_optimizer,
    resolve_tuning_missingness,
)
from ._partial_fill import fit_modality_gaussians
from ._persistence import VersionedPickleMixin
from ._prototypes import compute_subset_statistics, describe_unsupported
from ._recovery import check_recoverer, fit_recoverer
from ._rewards import get_reward_rule
from ._subsets import make_subset_sampler
from ._tensors import ColumnScaler, to_network_input
from ._training import SubsetTrainingNet, fused_optimizer_params
from ._tuning import hidden_modalities, policy_grid
from ._validation import check_mixed_X

#: Most rows the linear model of ``linear_path`` is fitted on (a random
#: subset beyond): a starting point, which need not cost like a full fit.
LINEAR_START_ROWS = 10_000

#: Parameters that came with the backbone of docs/backbone.md, at the values
#: that reproduce the network before them (for older pickles).
PARAMETERS_BEFORE_BACKBONE = {"linear_path": False, "scaling": "standard",
                              "lr_schedule": "constant", "partial_fill": "recoverer",
                              "input_noise": 0.0}

#: Values of the ``lr_schedule``, ``scaling`` and ``partial_fill`` parameters.
LR_SCHEDULES = ("cosine", "constant")
SCALINGS = ("robust", "standard")
PARTIAL_FILLS = ("auto", "gaussian", "recoverer")


class BaseDyMo(InferenceMixin, VersionedPickleMixin, BaseEstimator):
    """Fit orchestration, data path, selection and persistence of a DyMo estimator."""

    #: Values of later parameters that reproduce an older pickle (``__setstate__``).
    _parameters_before_backbone = PARAMETERS_BEFORE_BACKBONE

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        if self.selection not in SELECTIONS:
            raise ValueError(f"selection must be one of {SELECTIONS}, got {self.selection!r}")
        check_real("calibration_strength", self.calibration_strength, 0.0)
        check_real("reward_threshold", self.reward_threshold, -np.inf)
        if self.max_candidates is not None:
            check_int("max_candidates", self.max_candidates, 1)
        fraction = self.min_observed_fraction
        if (not isinstance(fraction, Real) or isinstance(fraction, bool)
                or not 0.0 < fraction <= 1.0):
            raise ValueError(
                f"min_observed_fraction must be a number > 0 and <= 1, got {fraction!r}")
        check_real("tuning_fraction", self.tuning_fraction, 0.0, 1.0, low_open=True)
        if self.tuning_scoring not in self._tuning_scorings:
            raise ValueError(f"tuning_scoring must be one of {self._tuning_scorings}, "
                             f"got {self.tuning_scoring!r}")
        resolve_tuning_missingness(self.tuning_missingness)
        if self.selection == "auto" and self.calibrate is not True:
            raise ValueError(
                "selection='auto' tunes calibration_strength of the calibrated reward "
                "(0 is the uncalibrated one), so it needs calibrate=True, got "
                f"calibrate={self.calibrate!r}"
            )
        if self.distance not in DISTANCES:
            raise ValueError(f"distance must be one of {DISTANCES}, got {self.distance!r}")
        get_reward_rule(self.calibrate)
        for name in ("d_model", "tokens_per_modality", "n_layers", "n_heads",
                     "encoder_hidden", "latent_dim", "n_subsets", "max_epochs",
                     "batch_size", "n_iter_no_change", "max_stat_subsets"):
            check_int(name, getattr(self, name), 1)
        check_int("prototype_warmup", self.prototype_warmup, 0)
        if self.d_model % self.n_heads:
            raise ValueError(
                f"n_heads={self.n_heads} must divide d_model={self.d_model}"
            )
        check_real("dropout", self.dropout, 0.0, 1.0)
        check_real("input_noise", self.input_noise, 0.0)
        check_real("temperature", self.temperature, 0.0, low_open=True)
        check_real("prototype_weight", self.prototype_weight, 0.0)
        check_real("lr", self.lr, 0.0, low_open=True)
        check_real("weight_decay", self.weight_decay, 0.0)
        for name, allowed in (("lr_schedule", LR_SCHEDULES), ("scaling", SCALINGS),
                              ("partial_fill", PARTIAL_FILLS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got "
                                 f"{getattr(self, name)!r}")
        if not isinstance(self.linear_path, (bool, np.bool_)):
            raise ValueError(f"linear_path must be True or False, got {self.linear_path!r}")
        check_real("validation_fraction", self.validation_fraction, 0.0, 1.0, low_open=True)
        check_real("tol", self.tol, 0.0)
        if self.recoverer is not None:
            check_recoverer(self.recoverer)
        check_categorical_features(self._categorical_features)
        make_subset_sampler(self.subset_sampler, self.n_subsets)
        resolve_optimizer(self.optimizer)

    # ------------------------------------------------------------- data path
    @property
    def _categorical_features(self):
        # A task estimator without the parameter reads no column as categorical.
        return getattr(self, "categorical_features", None)

    def _validate_X(self, X, *, reset, min_samples):
        """Validated float64 ``X``: categorical columns hold category codes.

        In ``fit`` (``reset``) the categorical columns are found and their
        categories learnt (``is_categorical_``, ``categories_``); a code is
        the position in ``categories_``, NaN for a missing entry or a
        category unseen in ``fit``.
        """
        if reset:
            categorical = resolve_categorical_features(self._categorical_features, X)
        else:
            categorical = getattr(self, "is_categorical_", None)
        X_float, raw = check_mixed_X(self, X, reset=reset, categorical=categorical,
                                     min_samples=min_samples)
        if reset:
            encoding = CategoricalEncoding.fit_columns(
                raw, categorical, X_float.shape[1], getattr(self, "feature_names_in_", None))
            self._categorical_encoding = encoding if raw else None
            self.is_categorical_ = encoding.mask
            self.categories_ = [c.copy() for c in encoding.categories]
        encoding = getattr(self, "_categorical_encoding", None)
        if raw and encoding is not None:
            X_float[:, encoding.columns] = encoding.codes(raw)
        return X_float

    def _split_values(self, X):
        """Value columns (category codes included) and their missing entries."""
        values = X[:, self._value_index] if self._indicator_of else X
        return values, missing_entries(values, self._indicator_of, X)

    def _one_hot(self, values, missing):
        """Codes -> one-hot blocks (NaN where missing), and the missing mask to match."""
        layout = getattr(self, "_one_hot_layout", None)
        if layout is None:
            return values, missing
        return layout.expand(values), layout.expand_missing(missing)

    def _fit(self, X, y):
        """``fit`` of every task: the task's ``fit`` documents it and calls this.

        Warnings use ``stacklevel=3`` so they point at the caller of ``fit``.
        """
        self._check_params()
        self.__dict__.pop("selection_tuning_", None)  # a refit must not keep an old tuning
        X = self._validate_X(X, reset=True, min_samples=2)
        y_enc = self._encode_targets(y, X.shape[0])
        name = type(self).__name__

        names = getattr(self, "feature_names_in_", None)
        value_index, self._indicator_of = split_indicator_columns(names)
        self._value_index = value_index
        if value_index is not None:
            self._value_names = [str(names[i]) for i in value_index]
        else:
            self._value_names = None if names is None else [str(n) for n in names]
        values, missing = self._split_values(X)
        spec = resolve_modalities(self.modalities, values.shape[1], self._value_names, missing)
        self._modality_spec = spec
        # The network reads each categorical column as a one-hot block.
        encoding = self._categorical_encoding
        self._one_hot_layout = (None if encoding is None
                                else encoding.layout(value_index, values.shape[1]))
        self._network_spec = spec if encoding is None else self._one_hot_layout.expand_spec(spec)
        self.modality_names_ = list(spec.names)
        self.modality_columns_ = [c.copy() for c in spec.columns]
        observed = observed_modalities(missing, spec)
        if not observed.any():
            raise ValueError(
                f"no training row has a fully observed modality; {name} "
                "learns only from observed modalities"
            )
        for modality in [n for n, seen in zip(spec.names, observed.any(axis=0)) if not seen]:
            warnings.warn(
                f"modality {modality!r} is never fully observed in the training data; "
                "the network cannot learn from it, so selection never adds it (only "
                "selection='all' uses its recovered values)",
                UserWarning,
                stacklevel=3,
            )

        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if self._indicator_of and self.recoverer is not None:
            warnings.warn(
                "X carries missingness indicator columns, so its values are "
                "recovered already; the recoverer parameter is ignored",
                UserWarning,
                stacklevel=3,
            )
        if self.selection != "auto":
            self._fit_network(values, missing, observed, y_enc, seed)
            self.selection_params_ = {
                "selection": self.selection,
                "calibration_strength": self.calibration_strength,
                "reward_threshold": self.reward_threshold,
            }
            self._warn_unsupported_subsets()
            return self

        if self._indicator_of:
            raise ValueError(
                "selection='auto' hides modalities of held-out rows and recovers them, "
                f"so it needs the recoverer inside {name} (recoverer=...), not "
                "a ModalityRecoverer step before it"
            )
        train, tune = self._tuning_split(y_enc, seed)
        self._fit_network(values[train], missing[train], observed[train], y_enc[train], seed)
        missingness = resolve_tuning_missingness(self.tuning_missingness,
                                                 not observed.all())
        self.selection_tuning_ = self._tune_selection(
            values[tune], missing[tune], y_enc[tune], observed[train], missingness, seed)
        best = self.selection_tuning_.loc[self.selection_tuning_["rank"].idxmin()]
        self.selection_params_ = dict(best["params"])
        if self.refit:
            self._fit_network(values, missing, observed, y_enc, seed)
        self._warn_unsupported_subsets()
        return self

    def _warn_unsupported_subsets(self):
        """Say once, after fit, when the training data limit the selection."""
        words = describe_unsupported(self.subset_statistics_, self.modality_names_)
        if words is not None and self.selection_params_["selection"] in (
                "iterative", "simultaneous"):
            warnings.warn(f"{type(self).__name__}: {words}.", UserWarning, stacklevel=4)

    def _tune_selection(self, values, missing, y_enc, train_observed, missingness, seed):
        """Score every selection policy on the held-out rows (``selection_tuning_``)."""
        rng = check_random_state(seed)
        observed = observed_modalities(missing, self._modality_spec)
        rows, hide = hidden_modalities(observed, train_observed, missingness,
                                       len(self.modality_names_), rng)
        # values[rows] is a copy: the hidden modalities become NaN there only.
        values = blank_modalities(values[rows], hide, self._modality_spec.columns)
        chunks = (self._prepare_rows(values[chunk]) for chunk in _row_chunks(values.shape[0]))
        module = self.net_.module_
        module.eval()
        return self._score_policies(
            module, chunks, y_enc[rows], self._make_scorer(),
            policy_grid(self.calibration_strength, self.reward_threshold))

    def _uses_partial_gaussians(self):
        """``partial_fill`` resolved: "auto" means the Gaussians with the default recoverer."""
        fill = self.partial_fill
        return fill == "gaussian" or (fill == "auto" and self.recoverer is None)

    def _fit_network(self, values, missing, observed, y_enc, seed):
        """Fit the recoverer, the scaler, the network and the selection statistics."""
        values, missing = self._one_hot(values, missing)
        layout = self._one_hot_layout
        if self._indicator_of:
            self.recoverer_ = None
        else:
            self.recoverer_ = fit_recoverer(self.recoverer, values, default_seed=seed)

        # The scaler first: it names columns whose values overflow.
        self.scaler_ = ColumnScaler.fit(
            values, missing, unscaled=None if layout is None else layout.one_hot_columns,
            method=self.scaling)
        present_only = np.where(missing, np.nan, values)
        self._partial_gaussians = None
        if self.recoverer_ is not None and self._uses_partial_gaussians():
            self._partial_gaussians = fit_modality_gaussians(
                present_only, missing, self._network_spec.columns,
                skip=None if layout is None else layout.one_hot_columns)
        # Only observed entries are ever unmasked in training; the rest is 0.
        x = to_network_input(self.scaler_.transform(present_only))
        observed_t = torch.as_tensor(observed)
        y_t = self._target_tensor(y_enc)

        self.net_ = self._build_net(self._network_spec, self._n_outputs, seed)
        device = torch.device(self.device)
        rng_devices = [device.index or 0] if device.type == "cuda" else []
        # Weights, dropout masks (module__seed), batch order and training
        # subsets (_build_net), the validation split and the statistics all
        # draw from generators this fit owns, never from torch's process-wide
        # one, which threads share: fits in threads are reproducible. Only
        # the default initialisation nn.Linear runs in its constructor, before
        # the seeded one replaces it, still draws from the global generator;
        # fork_rng keeps that from advancing the caller's stream.
        with torch.random.fork_rng(devices=rng_devices):
            self.net_.initialize()
            if self.linear_path:
                # The head starts at the task's linear model (see _linear_start).
                rows = np.random.default_rng(seed).permutation(x.shape[0])[:LINEAR_START_ROWS]
                rows.sort()
                weight, bias = self._linear_start(x.numpy()[rows].astype(np.float64),
                                                  y_enc[rows])
                self.net_.module_.start_from_linear(weight, bias)
            self.net_.partial_fit({"x": x, "observed": observed_t}, y_t)
        self.n_iter_ = len(self.net_.history)
        losses = np.asarray(self.net_.history[:, "train_loss"], dtype=np.float64)
        if not np.isfinite(losses).all():
            epoch = int(np.flatnonzero(~np.isfinite(losses))[0]) + 1
            raise RuntimeError(
                f"training diverged: the training loss is not finite from epoch {epoch} "
                f"on (lr={self.lr}). Lower lr, or check X for extreme values."
            )
        self.device_ = str(self.net_.device)
        self.subset_statistics_ = compute_subset_statistics(
            self.net_.module_, x, observed_t, self._prototype_labels(y_enc),
            self._n_prototype_classes, self.distance,
            max_subsets=self.max_stat_subsets, device=self.device_, random_state=seed,
            **self._information_params(y_enc),
        ).to(self.device_)
        self._fit_recovery_error(values, missing, observed, x, seed)

    def _fit_recovery_error(self, values, missing, observed, x, seed):
        """Task hook run after training: what fit measures about recovery (nothing here)."""

    def _information_params(self, y_enc):
        """Extra ``compute_subset_statistics`` arguments; none for classes."""
        return {}

    def _build_net(self, spec, n_outputs, seed):
        # Independent streams for batch order and training subsets.
        batch_seed, subset_seed = (int(s) for s in
                                   np.random.SeedSequence(seed).generate_state(2))
        optimizer = resolve_optimizer(self.optimizer)
        callbacks = [("prototypes", PrototypeUpdate(self.prototype_warmup))]
        if self.lr_schedule == "cosine":
            callbacks.append(("lr_schedule", LRScheduler(
                policy=torch.optim.lr_scheduler.CosineAnnealingLR,
                T_max=self.max_epochs, eta_min=self.lr / 100)))
        train_split = None
        if self.early_stopping:
            train_split = self._validation_split(seed)
            callbacks.append(("early_stopping", EarlyStopping(
                monitor="valid_loss", patience=self.n_iter_no_change,
                threshold=self.tol, threshold_mode="abs", load_best=True)))
        if self.verbose and self.verbose >= 2:
            callbacks.append(("progress", ProgressBar()))
        callbacks += list(copy.deepcopy(self.callbacks or []))
        return SubsetTrainingNet(
            module=DyMoNetwork,
            module__modality_columns=[c.tolist() for c in spec.columns],
            module__n_classes=n_outputs,
            module__d_model=self.d_model,
            module__tokens_per_modality=self.tokens_per_modality,
            module__n_layers=self.n_layers,
            module__n_heads=self.n_heads,
            module__encoder_hidden=self.encoder_hidden,
            module__latent_dim=self.latent_dim,
            module__dropout=self.dropout,
            module__input_noise=self.input_noise,
            module__normalize_latent=self.distance == "cosine",
            module__seed=seed,
            module__linear_path=bool(self.linear_path),
            **self._criterion_params(),
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            **fused_optimizer_params(optimizer, self.device),
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=TensorBatches,
            iterator_train__shuffle=True,
            # Batch order from a generator this net owns, not torch's global one.
            iterator_train__generator=torch.Generator().manual_seed(batch_seed),
            iterator_valid=TensorBatches,
            train_split=train_split,
            callbacks=callbacks,
            device=self.device,
            verbose=int(bool(self.verbose)),
            subset_sampler=make_subset_sampler(self.subset_sampler, self.n_subsets),
            subset_seed=subset_seed,
        )

    # ------------------------------------------------------------ persistence
    def __getstate__(self):
        state = super().__getstate__()
        if "subset_statistics_" in state:
            # Tensors travel on the CPU; __setstate__ moves them back.
            state["subset_statistics_"] = state["subset_statistics_"].to("cpu")
        return state

    def __setstate__(self, state):
        # Parameters added since a model was pickled take the values it was
        # trained under (the previous network), so it predicts as it did.
        for name, value in self._parameters_before_backbone.items():
            state.setdefault(name, value)
        super().__setstate__(state)
        if "net_" in state:
            # skorch has already fallen back to the CPU (with a warning) when
            # the fitted device is missing here; follow it.
            self.device_ = str(self.net_.device)
            self.subset_statistics_ = self.subset_statistics_.to(self.device_)
