"""``BaseDyMo``: the work shared by the DyMo estimators.

fit:     X -> DataPath.fit_columns (validation, codes, modalities, masks)
           -> DataPath.fit_recovery (recoverer, partial fill, scaler)
           -> skorch training on sampled subsets (Sec. 3.1, Eq. 10)
           -> selection statistics (Sec. 3.2: prototypes, ICS)
           -> what the task measures after training
predict: X -> DataPath.transform (recovered, scaled rows) -> encode once
           -> selection (Algorithm 1: rewards, calibration, path) -> outputs

The task (:mod:`._tasks`) is one object built in ``fit`` from the
parameters; the estimator classes set ``_task_class`` and hold the public
methods and docstrings of their task. ``BaseDyMo`` defines no
``__init__``, so ``get_params`` reads the task estimator's explicit
constructor.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator, is_classifier
from sklearn.utils import _safe_indexing, check_random_state

from ._drift import MissingnessPatterns
from ._inference import InferenceMixin, row_chunks
from ._input._data_path import DataPath
from ._input._masks import blank_modalities
from ._network._batches import TensorBatches
from ._network._callbacks import check_user_callbacks, fit_callbacks, needs_validation
from ._network._checks import (
    check_finite_module,
    check_network_size,
    check_subset_sampler,
    check_training_losses,
)
from ._network._module import DyMoNetwork
from ._network._subsets import make_subset_sampler
from ._network._training import (
    SubsetClassifierNet,
    SubsetRegressorNet,
    fused_optimizer_params,
)
from ._params import (
    check_params,
    optimizer_params,
    resolve_optimizer,
    resolve_tuning_missingness,
)
from ._persistence import VersionedPickleMixin
from ._progress import logger, progress_chunks
from ._selection import EVALUATING_STRATEGIES
from ._selection._prototypes import compute_subset_statistics, describe_unsupported
from ._selection._tuning import hidden_modalities, policy_grid
from ._tasks import NetworkFit, TrainingRows
from ._tasks._base import check_row_weights

#: Most rows the linear model of ``linear_path`` is fitted on (a random
#: subset beyond): a starting point, which need not cost like a full fit.
LINEAR_START_ROWS = 10_000

#: Values of the ``lr_schedule``, ``scaling`` and ``partial_fill`` parameters.
LR_SCHEDULES = ("cosine", "constant")
SCALINGS = ("robust", "standard")
PARTIAL_FILLS = ("auto", "gaussian", "recoverer")


class BaseDyMo(InferenceMixin, VersionedPickleMixin, BaseEstimator):
    """Fit orchestration, data path, selection and persistence of a DyMo estimator."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        # The constraints table (_params.PARAMETERS), then what it cannot say.
        self._validate_params()
        check_params(self)
        check_user_callbacks(self.callbacks)  # before any work: a callback that cannot work

    @property
    def recoverer_(self):
        """Fitted clone of ``recoverer``; ``None`` when ``X`` carried indicators."""
        try:
            return self._data_path.recoverer_
        except AttributeError:
            raise AttributeError("recoverer_ is set by fit") from None

    @property
    def recovery_choice_(self):
        """Per modality, how its missing entries are filled, and the errors behind it."""
        try:
            choice = self._data_path.recovery_choice
        except AttributeError:
            raise AttributeError("recovery_choice_ is set by fit") from None
        return None if choice is None else choice.table(self.modality_names_)

    @recoverer_.setter
    def recoverer_(self, recoverer):
        # Benchmarks and tests swap the fitted recoverer of a trained model.
        self._data_path.recoverer_ = recoverer

    # --------------------------------------------------------------- fit
    def _make_data_path(self):
        return DataPath(
            categorical_features=getattr(self, "categorical_features", None),
            modalities=self.modalities, recoverer=self.recoverer,
            partial_fill=self.partial_fill, scaling=self.scaling)

    def _fit(self, X, y, sample_weight=None):
        """``fit`` of every task: the task's ``fit`` documents it and calls this.

        Warnings use ``stacklevel=3`` so they point at the caller of ``fit``.
        """
        self._check_params()
        self.__dict__.pop("selection_tuning_", None)  # a refit must not keep an old tuning
        path = self._data_path = self._make_data_path()
        X, values, missing = path.fit_columns(self, X)
        self.is_categorical_ = path.is_categorical
        self.categories_ = [c.copy() for c in path.categories]
        task = self._task = self._task_class(self.get_params(deep=False))
        y_enc = task.encode_targets(y, X.shape[0])
        name = type(self).__name__
        values, missing, y_enc, weight = self._weigh_rows(values, missing, y, y_enc,
                                                         sample_weight)

        spec = path.spec
        self.modality_names_ = list(spec.names)
        self.modality_columns_ = [c.copy() for c in spec.columns]
        observed = path.observed(missing)
        # Predict warns about patterns no training row had (MissingnessDriftWarning).
        path.training_patterns = MissingnessPatterns.from_missing(~observed)
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
        if path.has_indicators and self.recoverer is not None:
            warnings.warn(
                "X carries missingness indicator columns, so its values are "
                "recovered already; the recoverer parameter is ignored",
                UserWarning,
                stacklevel=3,
            )
        if self.selection != "auto":
            self._fit_network(values, missing, observed, y_enc, seed, weight)
            self.selection_params_ = {
                "selection": self.selection,
                "calibration_strength": self.calibration_strength,
                "reward_threshold": self.reward_threshold,
            }
            self._warn_unsupported_subsets()
            return self

        if path.has_indicators:
            raise ValueError(
                "selection='auto' hides modalities of held-out rows and recovers them, "
                f"so it needs the recoverer inside {name} (recoverer=...), not "
                "a ModalityRecoverer step before it"
            )
        train, tune = task.tuning_split(y_enc, seed)
        self._fit_network(values[train], missing[train], observed[train], y_enc[train], seed,
                          None if weight is None else weight[train])
        missingness = resolve_tuning_missingness(self.tuning_missingness,
                                                 not observed.all())
        self.selection_tuning_ = self._tune_selection(
            values[tune], missing[tune], y_enc[tune], observed[train], missingness, seed,
            None if weight is None else weight[tune])
        best = self.selection_tuning_.loc[self.selection_tuning_["rank"].idxmin()]
        self.selection_params_ = dict(best["params"])
        logger.info("%s: selection='auto' chose %s", type(self).__name__, self.selection_params_)
        if self.refit:
            self._fit_network(values, missing, observed, y_enc, seed, weight)
        self._warn_unsupported_subsets()
        return self

    def _weigh_rows(self, values, missing, y, y_enc, sample_weight):
        """Row weights (``sample_weight`` times ``class_weight``), None if unweighted.

        A row of weight 0 is a row that is not there (scikit-learn's
        convention): it is dropped here, before recovery, training and the
        statistics, and the targets are encoded again without it. The
        weights are rescaled to mean 1: only their ratios count.
        """
        task = self._task
        given = check_row_weights(sample_weight, values)
        weight = task.weigh_rows(given, y_enc)
        if weight is None:
            return values, missing, y_enc, None
        kept = np.flatnonzero(weight > 0)
        if kept.size == 0:
            raise ValueError("every row has weight 0 (sample_weight times class_weight); "
                             "nothing is left to learn from")
        if kept.size < weight.size:
            task.check_weighted_targets(y_enc[kept])
            values, missing = values[kept], missing[kept]
            y_enc = task.encode_targets(_safe_indexing(y, kept), kept.size)
            weight = task.weigh_rows(None if given is None else given[kept], y_enc)
        weight = weight / weight.mean()
        task.weigh_targets(y_enc, weight)
        return values, missing, y_enc, weight

    def _warn_unsupported_subsets(self):
        """Say once, after fit, when the training data limit the selection."""
        words = describe_unsupported(self.subset_statistics_, self.modality_names_)
        if words is not None and self.selection_params_["selection"] in EVALUATING_STRATEGIES:
            warnings.warn(f"{type(self).__name__}: {words}.", UserWarning, stacklevel=4)

    def _tune_selection(self, values, missing, y_enc, train_observed, missingness, seed,
                        weight=None):
        """Score every selection policy on the held-out rows (``selection_tuning_``)."""
        rng = check_random_state(seed)
        path = self._data_path
        observed = path.observed(missing)
        rows, hide = hidden_modalities(observed, train_observed, missingness,
                                       len(self.modality_names_), rng)
        # values[rows] is a copy: the hidden modalities become NaN there only.
        values = blank_modalities(values[rows], hide, path.spec.columns)
        chunks = (self._transform_rows(values[chunk]) for chunk in row_chunks(values.shape[0]))
        chunks = progress_chunks(chunks, values.shape[0], self.verbose,
                                 f"{type(self).__name__} tuning")
        module = self.net_.module_
        module.eval()
        return self._task.score_policies(
            module, chunks, y_enc[rows], self._task.make_scorer(self.subset_statistics_),
            policy_grid(self.calibration_strength, self.reward_threshold), self.device_,
            sample_weight=None if weight is None else weight[rows])

    def _fit_network(self, values, missing, observed, y_enc, seed, weight=None):
        """Fit the recovery, the network, the selection statistics and the task's extras.

        ``values``, ``missing`` and ``observed`` are the rows this network
        learns from; the task may hold some of them out (``network_rows``).
        ``weight``: positive row weights, or None (every row weighs 1).
        """
        path, task = self._data_path, self._task
        all_rows = TrainingRows(values, missing, observed, y_enc, weight)
        fit_rows, held = task.network_rows(y_enc, seed)
        if held is not None:
            values, missing = values[fit_rows], missing[fit_rows]
            observed, y_enc = observed[fit_rows], y_enc[fit_rows]
            weight = None if weight is None else weight[fit_rows]
        values, missing = path.fit_recovery(values, missing, seed)
        x = path.training_input(values, missing)
        observed_t = torch.as_tensor(observed)
        y_t = task.target_tensor(y_enc)
        inputs = {"x": x, "observed": observed_t}
        if weight is not None:
            # Travels with its rows through batches and skorch's validation
            # split; the losses read it (SubsetTrainingNet.get_loss).
            inputs["weight"] = torch.as_tensor(weight, dtype=torch.float32)

        self.net_ = self._build_net(path.network_spec, task.n_outputs, seed)
        check_network_size(DyMoNetwork, self.net_.get_params_for("module"), self.device)
        if callable(self.subset_sampler):
            check_subset_sampler(self.subset_sampler, observed_t[:8],
                                 torch.Generator().manual_seed(seed))
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
                # The head starts at the task's linear model (see Task.linear_start).
                rows = np.random.default_rng(seed).permutation(x.shape[0])[:LINEAR_START_ROWS]
                rows.sort()
                coef, bias = task.linear_start(x.numpy()[rows].astype(np.float64),
                                               y_enc[rows],
                                               None if weight is None else weight[rows])
                self.net_.module_.start_from_linear(coef, bias)
            self.net_.partial_fit(inputs, y_t)
        self.n_iter_ = len(self.net_.history)
        logger.info("%s: trained %d of max_epochs=%d epochs on %d rows", type(self).__name__,
                    self.n_iter_, self.max_epochs, x.shape[0])
        history = self.net_.history
        check_training_losses(history[:, "train_loss"], self.lr,
                              initial=history[0, "batches", 0, "train_loss"]
                              if history and history[0, "batches"] else None)
        check_finite_module(self.net_.module_, self.lr)
        self.device_ = str(self.net_.device)
        self.subset_statistics_ = compute_subset_statistics(
            self.net_.module_, x, observed_t, task.prototype_labels(y_enc),
            task.n_prototype_groups, self.distance,
            max_subsets=self.max_stat_subsets, device=self.device_, random_state=seed,
            sample_weight=None if weight is None else torch.as_tensor(weight),
            **task.information_params(y_enc),
        ).to(self.device_)
        task.after_training(NetworkFit(
            data_path=path, module=self.net_.module_, device=self.device_, seed=seed,
            values=values, missing=missing, observed=observed, x=x,
            held=held, all_rows=all_rows, weight=weight))
        self.__dict__.update(task.fitted_attributes())

    def _build_net(self, spec, n_outputs, seed):
        # Independent streams for batch order and training subsets.
        batch_seed, subset_seed = (int(s) for s in
                                   np.random.SeedSequence(seed).generate_state(2))
        optimizer = resolve_optimizer(self.optimizer)
        if is_classifier(self):
            net_class, net_params, encoding = SubsetClassifierNet, {}, None
        else:
            # skorch scorers see the regressor's predictions in y's units.
            encoding = (self._task.encoding.offset, self._task.encoding.scale)
            net_class = SubsetRegressorNet
            net_params = dict(zip(("target_offset", "target_scale"), encoding))
        callbacks = fit_callbacks(self, target_encoding=encoding)
        # A user callback reading valid_* scores gets the split early stopping uses.
        validate = needs_validation(self.callbacks)
        if validate and not self.early_stopping:
            logger.info("callbacks read validation scores: %s holds out "
                        "validation_fraction=%g of the training rows",
                        type(self).__name__, self.validation_fraction)
        train_split = (self._task.validation_split(seed)
                       if self.early_stopping or validate else None)
        return net_class(
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
            **self._task.criterion_params(),
            optimizer=optimizer,
            **optimizer_params(optimizer, self.weight_decay),
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
            **net_params,
        )

    # ------------------------------------------------------------ persistence
    def __getstate__(self):
        state = super().__getstate__()
        if "subset_statistics_" in state:
            # Tensors travel on the CPU; __setstate__ moves them back.
            state["subset_statistics_"] = state["subset_statistics_"].to("cpu")
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "net_" in state:
            # skorch has already fallen back to the CPU (with a warning) when
            # the fitted device is missing here; follow it.
            self.device_ = str(self.net_.device)
            self.subset_statistics_ = self.subset_statistics_.to(self.device_)
