"""``DyMoClassifier``: the public estimator that ties the data path together.

fit:     X -> modalities -> masks -> recoverer (fitted) -> tensors
           -> skorch training on sampled subsets -> selection statistics
predict: X -> masks -> recovered values -> tensors -> encode once
           -> selection (rewards, calibration, path) -> probabilities
"""

from __future__ import annotations

import copy
import threading
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d
from skorch.callbacks import EarlyStopping, ProgressBar
from skorch.dataset import ValidSplit

from ._distances import DISTANCES
from ._explain import build_explanation
from ._losses import DyMoLoss, PrototypeUpdate
from ._masks import blank_modalities, missing_entries, observed_modalities
from ._modalities import resolve_modalities, split_indicator_columns
from ._network import DyMoNetwork
from ._persistence import VersionedPickleMixin
from ._prototypes import compute_subset_statistics
from ._recovery import check_recoverer, fit_recoverer, recover
from ._rewards import get_reward_rule
from ._selection import (
    STRATEGIES, LatentScorer, concat_records, encode_rows, paths_from_masks,
    paths_from_records, select,
)
from ._subsets import make_subset_sampler
from ._tensors import ColumnScaler, to_network_input
from ._training import SubsetTrainingNet
from ._tuning import (
    DEFAULT_RATES, MAX_TUNING_ROWS, SCORINGS, hidden_modalities, policy_grid, rank_policies,
    score_policies,
)
from ._validation import check_input_X

#: Rows encoded and selected together at predict time (bounds memory).
PREDICT_CHUNK = 2048
#: Values of the ``selection`` parameter.
SELECTIONS = (*STRATEGIES, "auto")

#: Held while a fit draws from torch's process-wide generator (see _fit_network).
_GLOBAL_RNG_LOCK = threading.Lock()

_OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
}


@dataclass
class SelectionResult:
    """What :meth:`DyMoClassifier.select_modalities` returns.

    Attributes
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Class probabilities from each sample's final modality set.
    path : list of tuple of str
        Per sample, the recovered modalities added, in order.
    rewards : DataFrame
        One row per evaluated candidate: ``sample``, ``step``,
        ``modality``, ``reward``, ``accepted``.
    used : DataFrame of bool, shape (n_samples, n_modalities)
        The final modality set of each sample (observed or selected).

    Examples
    --------
    >>> from sklearn_dymo import DyMoClassifier
    >>> from sklearn_dymo.datasets import load_breast_cancer_modalities, drop_modalities
    >>> data = load_breast_cancer_modalities()
    >>> clf = DyMoClassifier(modalities=data.modalities, max_epochs=3, random_state=0)
    >>> clf = clf.fit(data.data, data.target)
    >>> X_test = drop_modalities(data.data[:4], data.modalities, rate=0.6, random_state=0)
    >>> result = clf.select_modalities(X_test, selection="all")
    >>> result.proba.shape, list(result.used.columns)
    ((4, 2), ['mean', 'se', 'worst'])
    >>> bool(result.used.all(axis=None))
    True
    """

    proba: np.ndarray
    path: list
    rewards: pd.DataFrame
    used: pd.DataFrame


def _check_int(name, value, low):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def _check_real(name, value, low, high=None, low_open=False):
    ok = isinstance(value, Real) and not isinstance(value, bool)
    ok = ok and (value > low if low_open else value >= low)
    ok = ok and (high is None or value < high)
    if not ok:
        bound = f"> {low}" if low_open else f">= {low}"
        bound += "" if high is None else f" and < {high}"
        raise ValueError(f"{name} must be a number {bound}, got {value!r}")


def _check_targets(y, n_samples):
    """1-D class labels of length ``n_samples``, with errors that name the fault."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        raise ValueError(
            f"y has shape {y.shape}; DyMoClassifier predicts one label per row "
            "(multi-output is not supported), so pass a 1-D y"
        )
    y = column_or_1d(y, warn=True)  # an (n, 1) column warns, as in scikit-learn
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} rows but y has {y.shape[0]} labels")
    missing = pd.isna(y)
    if missing.any():
        rows = np.flatnonzero(missing)
        raise ValueError(
            f"y contains NaN or None at rows {rows[:10].tolist()}"
            f"{' and more' if rows.size > 10 else ''}; every training row needs a "
            "label: drop the unlabelled rows first"
        )
    check_classification_targets(y)
    return y


def _row_chunks(n_rows):
    """Slices of at most ``PREDICT_CHUNK`` rows covering ``range(n_rows)``."""
    return (slice(start, start + PREDICT_CHUNK) for start in range(0, n_rows, PREDICT_CHUNK))


def _check_stratified_holdout(y_enc, classes, n_held, purpose, fix_rare, fix_size):
    """Fail early, with the fix, where a stratified hold-out split cannot exist.

    Shared by ``early_stopping`` (validation rows) and ``selection="auto"``
    (tuning rows): every class needs 2 samples, and ``n_held`` must leave
    at least one row per class on both sides.
    """
    counts = np.bincount(y_enc, minlength=len(classes))
    if counts.min() < 2:
        rare = [classes[k] for k in np.flatnonzero(counts < 2)][:10]
        raise ValueError(
            f"{purpose} holds out stratified rows, but classes {rare} have a single "
            f"training sample (a stratified split needs at least 2 samples per "
            f"class). {fix_rare}"
        )
    n = y_enc.shape[0]
    if n_held < len(classes) or n - n_held < len(classes):
        raise ValueError(
            f"{purpose} holds out {n_held} of {n} rows, but a stratified split needs "
            f"at least one row per class ({len(classes)} classes) on both sides. "
            f"{fix_size}"
        )


class DyMoClassifier(VersionedPickleMixin, ClassifierMixin, BaseEstimator):
    """Classifier with inference-time dynamic modality selection (DyMo).

    A *modality* is a group of columns of ``X``. One network is trained to
    predict from any subset of modalities (incomplete-subset sampling plus a
    prototype contrastive loss). At predict time, missing modalities are
    recovered with ``recoverer`` and, for each sample, the recovered
    modalities that raise the calibrated task-relevant information reward
    are added one by one (Algorithm 1 of the DyMo paper).

    Parameters
    ----------
    modalities : dict, list of lists or None, default=None
        Column groups: ``dict`` name -> columns (names or integer
        positions), a list of column lists (named ``m0``, ``m1``, ...), or
        ``None`` for one modality per column. Every column must belong to
        exactly one modality. When ``X`` carries ``missing__<col>``
        indicator columns (from :class:`ModalityRecoverer`), columns refer
        to the value columns only.
    recoverer : object with ``fit`` and ``transform``, default=None
        Fills missing entries at predict time (``IterativeImputer``,
        ``KNNImputer``, your own). Cloned into ``recoverer_`` and fitted on
        the training ``X``. ``None`` uses ``KNNImputer(keep_empty_features=True)``,
        which recovers a missing modality from the rows nearest on the
        observed ones. It sees a float64 array of the
        value columns (a copy), in fit and predict alike. Ignored when ``X``
        carries indicator columns (the values are recovered already).
    selection : {"iterative", "simultaneous", "observed", "all", "auto"}, default="iterative"
        ``"iterative"`` is the paper's Algorithm 1; ``"simultaneous"`` adds
        every candidate with a reward above ``reward_threshold`` at once;
        ``"observed"`` uses no recovered modality; ``"all"`` uses every
        recovered modality. ``"auto"`` chooses among ``"observed"``,
        ``"all"`` and iterative selection with tuned
        ``calibration_strength`` and ``reward_threshold`` on held-out
        training rows (see ``tuning_fraction``; docs/tuning.md).
    calibrate : bool, "literal" or callable, default=True
        ``True``: calibrated reward (Eq. 7 with Eq. 9, alpha scaling the
        probability); ``False``: uncalibrated reward (Eq. 6); ``"literal"``:
        Eq. 7 as printed (alpha multiplies the log-probability); a callable
        ``rule(current, candidate) -> rewards`` for your own rule.
    calibration_strength : float >= 0, default=1.0
        ``gamma`` in the acceptance test of the calibrated reward
        (``calibrate=True``): accept a candidate when
        ``log p(y_u|z_u) - log p(y|z) + gamma * log alpha > tau``. 1 is the
        paper's calibration, 0 the uncalibrated reward.
    reward_threshold : float, default=0.0
        ``tau`` in that test (0 in the paper). Negative values accept
        recovered modalities more readily, positive values less.
    tuning_fraction : float in (0, 1), default=0.2
        ``selection="auto"`` only: fraction of the training rows held out,
        stratified, to tune the selection (at most 2,000 rows).
    tuning_missingness : "auto", "patterns", "rates" or list of float, default="auto"
        ``selection="auto"`` only: how modalities of the held-out rows are
        hidden. ``"patterns"`` imitates the training rows' own missingness
        patterns; ``"rates"`` hides whole modalities at rates 0.4, 0.6 and
        0.8 (or at the rates you list); ``"auto"`` uses patterns when some
        training modality is missing, rates otherwise.
    tuning_scoring : {"log_loss", "accuracy"}, default="log_loss"
        ``selection="auto"`` only: the policy with the lowest held-out
        log-loss wins; or the best held-out accuracy, log-loss breaking
        ties. Measured about equal (docs/tuning.md); log-loss uses the
        probabilities, so it ties less on small held-out sets.
    refit : bool, default=True
        ``selection="auto"`` only: after tuning, train the network again on
        all training rows (about twice the fit time). ``False`` keeps the
        network trained without the held-out rows: no extra time, but
        measured up to 1.1 accuracy points lower (mean of 3 seeds; up to 3
        in single runs on small datasets; docs/tuning.md).
    distance : {"cosine", "sqeuclidean"}, default="cosine"
        Latent distance for prototypes and rewards.
    d_model : int, default=64
        Token width of the transformer.
    tokens_per_modality : int, default=1
        Tokens each modality encoder emits.
    n_layers : int, default=2
        Transformer layers.
    n_heads : int, default=4
        Attention heads (must divide ``d_model``).
    encoder_hidden : int, default=128
        Hidden width of each modality's MLP encoder.
    latent_dim : int, default=32
        Width of the latent space of prototypes and rewards.
    dropout : float, default=0.1
    n_subsets : int, default=5
        Modality subsets sampled per batch (``A`` in Eq. 10).
    subset_sampler : "uniform", "moddrop" or callable, default="uniform"
        ``"uniform"``: the paper's sampling; ``"moddrop"``: independent
        per-modality dropout (a baseline); or ``sampler(observed,
        generator) -> masks`` returning a ``(B, A, M)`` bool tensor.
    temperature : float, default=0.1
        Temperature ``t`` of the prototype posterior (Eq. 11 and rewards).
    prototype_weight : float, default=1.0
        Weight of the prototype contrastive loss.
    prototype_warmup : int, default=1
        Epochs trained with cross-entropy only before the contrastive loss
        starts (at least the first, which has no prototypes yet).
    max_epochs : int, default=50
    batch_size : int, default=128
    lr : float, default=1e-3
    optimizer : {"adam", "adamw", "sgd"} or torch optimizer class, default="adam"
    weight_decay : float, default=0.0
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified)
        and stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the best epoch's weights are kept.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    max_stat_subsets : int, default=127
        Subset statistics are exact for all ``2**M - 1`` subsets while that
        count is at most this; beyond it, this many subsets (spread over all
        sizes) are evaluated and pooled per subset size.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (copied, never mutated).
    device : str, default="cpu"
        Torch device for training and prediction, e.g. ``"cuda"``.
    verbose : int, default=0
        1 prints skorch's epoch table, 2 adds a progress bar.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order, subset sampling, the
        recoverer (when its own ``random_state`` is None) and the statistics.
        The same seed gives identical ``predict_proba``, also when fits run
        in threads or processes (docs/scaling_out.md).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit`` (indicators included).
    feature_names_in_ : ndarray of str
        Column names, when ``X`` had them.
    modality_names_ : list of str
        Modality names in network order.
    modality_columns_ : list of ndarray
        Value-column positions of each modality.
    recoverer_ : object or None
        Fitted clone of ``recoverer``; ``None`` when ``X`` carried indicators.
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the :class:`DyMoNetwork`
        and ``net_.history`` the training history.
    n_iter_ : int
        Epochs trained.
    subset_statistics_ : SubsetStatistics
        Prototypes and spreads used by the rewards.
    selection_params_ : dict
        ``selection``, ``calibration_strength`` and ``reward_threshold``
        used at predict time: the constructor's, or the tuned ones with
        ``selection="auto"``.
    selection_tuning_ : DataFrame
        ``selection="auto"`` only: one row per policy tried, like
        ``cv_results_``: ``params``, ``param_*``, held-out ``accuracy``,
        ``log_loss``, ``mean_recovered_used`` and ``rank`` (1 = chosen).
    device_ : str
        The torch device the fitted model runs on (``"cpu"`` after loading
        a GPU-trained model on a machine without a GPU).
    selection_path_ : list of tuple of str
        After ``predict``/``predict_proba``: per sample, the recovered
        modalities added, in order. Describes the last call only; for
        parallel or partitioned prediction use :meth:`explain_selection`.
    selection_rewards_ : DataFrame
        After ``predict``/``predict_proba``: one row per evaluated candidate
        (``sample``, ``step``, ``modality``, ``reward``, ``accepted``).

    See Also
    --------
    ModalityRecoverer : recover missing entries as a Pipeline step.

    Notes
    -----
    DyMo: Dynamic modality selection at inference for incomplete multimodal
    classification (ICLR 2026). Two documented departures: the calibration
    term scales the probability, not the log-probability (see
    ``calibrate``), and the reward posterior uses the training temperature.

    Examples
    --------
    >>> from sklearn_dymo import DyMoClassifier
    >>> from sklearn_dymo.datasets import load_breast_cancer_modalities, drop_modalities
    >>> data = load_breast_cancer_modalities()
    >>> clf = DyMoClassifier(modalities=data.modalities, max_epochs=5, random_state=0)
    >>> clf = clf.fit(data.data, data.target)
    >>> X_test = drop_modalities(data.data[:5], data.modalities, rate=0.5, random_state=0)
    >>> clf.predict_proba(X_test).shape
    (5, 2)
    >>> len(clf.selection_path_)
    5
    """

    def __init__(
        self,
        modalities=None,
        recoverer=None,
        *,
        selection="iterative",
        calibrate=True,
        calibration_strength=1.0,
        reward_threshold=0.0,
        tuning_fraction=0.2,
        tuning_missingness="auto",
        tuning_scoring="log_loss",
        refit=True,
        distance="cosine",
        d_model=64,
        tokens_per_modality=1,
        n_layers=2,
        n_heads=4,
        encoder_hidden=128,
        latent_dim=32,
        dropout=0.1,
        n_subsets=5,
        subset_sampler="uniform",
        temperature=0.1,
        prototype_weight=1.0,
        prototype_warmup=1,
        max_epochs=50,
        batch_size=128,
        lr=1e-3,
        optimizer="adam",
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        max_stat_subsets=127,
        callbacks=None,
        device="cpu",
        verbose=0,
        random_state=None,
    ):
        self.modalities = modalities
        self.recoverer = recoverer
        self.selection = selection
        self.calibrate = calibrate
        self.calibration_strength = calibration_strength
        self.reward_threshold = reward_threshold
        self.tuning_fraction = tuning_fraction
        self.tuning_missingness = tuning_missingness
        self.tuning_scoring = tuning_scoring
        self.refit = refit
        self.distance = distance
        self.d_model = d_model
        self.tokens_per_modality = tokens_per_modality
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.encoder_hidden = encoder_hidden
        self.latent_dim = latent_dim
        self.dropout = dropout
        self.n_subsets = n_subsets
        self.subset_sampler = subset_sampler
        self.temperature = temperature
        self.prototype_weight = prototype_weight
        self.prototype_warmup = prototype_warmup
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.max_stat_subsets = max_stat_subsets
        self.callbacks = callbacks
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        if self.selection not in SELECTIONS:
            raise ValueError(f"selection must be one of {SELECTIONS}, got {self.selection!r}")
        _check_real("calibration_strength", self.calibration_strength, 0.0)
        _check_real("reward_threshold", self.reward_threshold, -np.inf)
        _check_real("tuning_fraction", self.tuning_fraction, 0.0, 1.0, low_open=True)
        if self.tuning_scoring not in SCORINGS:
            raise ValueError(
                f"tuning_scoring must be one of {SCORINGS}, got {self.tuning_scoring!r}")
        self._tuning_missingness()
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
            _check_int(name, getattr(self, name), 1)
        _check_int("prototype_warmup", self.prototype_warmup, 0)
        if self.d_model % self.n_heads:
            raise ValueError(
                f"n_heads={self.n_heads} must divide d_model={self.d_model}"
            )
        _check_real("dropout", self.dropout, 0.0, 1.0)
        _check_real("temperature", self.temperature, 0.0, low_open=True)
        _check_real("prototype_weight", self.prototype_weight, 0.0)
        _check_real("lr", self.lr, 0.0, low_open=True)
        _check_real("weight_decay", self.weight_decay, 0.0)
        _check_real("validation_fraction", self.validation_fraction, 0.0, 1.0, low_open=True)
        _check_real("tol", self.tol, 0.0)
        if self.recoverer is not None:
            check_recoverer(self.recoverer)
        make_subset_sampler(self.subset_sampler, self.n_subsets)
        self._optimizer_class()

    def _tuning_missingness(self, has_missing_modalities=False):
        """``tuning_missingness`` -> "patterns" or a tuple of rates."""
        value = self.tuning_missingness
        if isinstance(value, str):
            if value not in ("auto", "patterns", "rates"):
                raise ValueError(
                    "tuning_missingness must be 'auto', 'patterns', 'rates' or a list of "
                    f"missing rates in [0, 1), got {value!r}"
                )
            if value == "rates" or (value == "auto" and not has_missing_modalities):
                return DEFAULT_RATES
            return "patterns"
        try:
            rates = tuple(float(r) for r in value)
        except (TypeError, ValueError):
            rates = ()
        if not rates or not all(0.0 <= r < 1.0 for r in rates):
            raise ValueError(
                "tuning_missingness must be 'auto', 'patterns', 'rates' or a list of "
                f"missing rates in [0, 1), got {value!r}"
            )
        return rates

    def _optimizer_class(self):
        if isinstance(self.optimizer, str):
            if self.optimizer not in _OPTIMIZERS:
                raise ValueError(
                    f"optimizer must be one of {sorted(_OPTIMIZERS)} or a torch "
                    f"optimizer class, got {self.optimizer!r}"
                )
            return _OPTIMIZERS[self.optimizer]
        if isinstance(self.optimizer, type) and issubclass(self.optimizer, torch.optim.Optimizer):
            return self.optimizer
        raise ValueError(
            f"optimizer must be one of {sorted(_OPTIMIZERS)} or a torch optimizer "
            f"class, got {self.optimizer!r}"
        )

    # ------------------------------------------------------------- data path
    def _split_values(self, X):
        """Value columns and entry missingness of validated ``X``."""
        values = X[:, self._value_index] if self._indicator_of else X
        return values, missing_entries(values, self._indicator_of, X)

    def fit(self, X, y):
        """Train the network on ``X`` (NaN marks missing entries) and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. A modality of a row is used for training only
            where all its columns are present.
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings).

        Returns
        -------
        self : DyMoClassifier
            The fitted estimator.
        """
        self._check_params()
        self.__dict__.pop("selection_tuning_", None)  # a refit must not keep an old tuning
        X = check_input_X(self, X, reset=True, min_samples=2)
        y = _check_targets(y, X.shape[0])
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"y has only one class ({self.classes_[0]!r}); DyMoClassifier "
                "needs samples of at least 2 classes"
            )
        y_enc = encoder.transform(y)
        if self.early_stopping:
            _check_stratified_holdout(
                y_enc, self.classes_, int(np.ceil(self.validation_fraction * len(y_enc))),
                f"early_stopping with validation_fraction={self.validation_fraction}",
                "Use early_stopping=False, or drop or merge the rarest classes.",
                "Raise or lower validation_fraction, or use early_stopping=False.")

        names = getattr(self, "feature_names_in_", None)
        value_index, self._indicator_of = split_indicator_columns(names)
        self._value_index = value_index
        if value_index is not None:
            self._value_names = [str(names[i]) for i in value_index]
        else:
            self._value_names = None if names is None else [str(n) for n in names]
        values, missing = self._split_values(X)
        spec = resolve_modalities(self.modalities, values.shape[1], self._value_names)
        self._modality_spec = spec
        self.modality_names_ = list(spec.names)
        self.modality_columns_ = [c.copy() for c in spec.columns]
        observed = observed_modalities(missing, spec)
        if not observed.any():
            raise ValueError(
                "no training row has a fully observed modality; DyMoClassifier "
                "learns only from observed modalities"
            )
        for name in [n for n, seen in zip(spec.names, observed.any(axis=0)) if not seen]:
            warnings.warn(
                f"modality {name!r} is never fully observed in the training data; "
                "the network cannot learn from it, and at predict time it is only "
                "ever used as a recovered candidate",
                UserWarning,
                stacklevel=2,
            )

        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if self._indicator_of and self.recoverer is not None:
            warnings.warn(
                "X carries missingness indicator columns, so its values are "
                "recovered already; the recoverer parameter is ignored",
                UserWarning,
                stacklevel=2,
            )
        if self.selection != "auto":
            self._fit_network(values, missing, observed, y_enc, seed)
            self.selection_params_ = {
                "selection": self.selection,
                "calibration_strength": self.calibration_strength,
                "reward_threshold": self.reward_threshold,
            }
            return self

        if self._indicator_of:
            raise ValueError(
                "selection='auto' hides modalities of held-out rows and recovers them, "
                "so it needs the recoverer inside DyMoClassifier (recoverer=...), not "
                "a ModalityRecoverer step before it"
            )
        train, tune = self._tuning_split(y_enc, seed)
        self._fit_network(values[train], missing[train], observed[train], y_enc[train], seed)
        missingness = self._tuning_missingness(not observed.all())
        self.selection_tuning_ = self._tune_selection(
            values[tune], missing[tune], y_enc[tune], observed[train], missingness, seed)
        best = self.selection_tuning_.loc[self.selection_tuning_["rank"].idxmin()]
        self.selection_params_ = dict(best["params"])
        if self.refit:
            self._fit_network(values, missing, observed, y_enc, seed)
        return self

    def _tuning_split(self, y_enc, seed):
        """Stratified (train, held-out) row indices for ``selection="auto"``."""
        n = y_enc.shape[0]
        n_tune = int(min(np.ceil(self.tuning_fraction * n), MAX_TUNING_ROWS))
        fix = "Change tuning_fraction, or use another selection."
        _check_stratified_holdout(
            y_enc, self.classes_, n_tune,
            f"selection='auto' with tuning_fraction={self.tuning_fraction}", fix, fix)
        train, tune = train_test_split(np.arange(n), test_size=n_tune, stratify=y_enc,
                                       random_state=seed)
        return np.sort(train), np.sort(tune)

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
        scorer = LatentScorer(self.subset_statistics_, self.distance, self.temperature)
        table = score_policies(
            module, chunks, y_enc[rows], len(self.classes_), scorer, self.calibrate,
            policy_grid(self.calibration_strength, self.reward_threshold), self.device_)
        return rank_policies(table, self.tuning_scoring)

    def _fit_network(self, values, missing, observed, y_enc, seed):
        """Fit the recoverer, the scaler, the network and the selection statistics."""
        if self._indicator_of:
            self.recoverer_ = None
        else:
            self.recoverer_ = fit_recoverer(self.recoverer, values, default_seed=seed)

        self.scaler_ = ColumnScaler.fit(values, missing)
        # Only observed entries are ever unmasked in training; the rest is 0.
        x = to_network_input(self.scaler_.transform(np.where(missing, np.nan, values)))
        observed_t = torch.as_tensor(observed)
        y_t = torch.as_tensor(y_enc, dtype=torch.long)

        self.net_ = self._build_net(self._modality_spec, len(self.classes_), seed)
        device = torch.device(self.device)
        rng_devices = [device.index or 0] if device.type == "cuda" else []
        # Batch order, training subsets, the validation split and the
        # statistics draw from generators this fit owns. Weight
        # initialisation and dropout masks still come from torch's
        # process-wide generator, shared by all threads: seed it, and hold a
        # lock so that fits in concurrent threads do not interleave their
        # draws (fork_rng is not thread-safe either). Both go once the
        # network seeds its own initialisation and dropout.
        with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=rng_devices):
            torch.manual_seed(seed)
            self.net_.fit({"x": x, "observed": observed_t}, y_t)
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
            self.net_.module_, x, observed_t, y_t, len(self.classes_), self.distance,
            max_subsets=self.max_stat_subsets, device=self.device_, random_state=seed,
        ).to(self.device_)

    def _build_net(self, spec, n_classes, seed):
        # Independent streams for batch order and training subsets.
        batch_seed, subset_seed = (int(s) for s in
                                   np.random.SeedSequence(seed).generate_state(2))
        callbacks = [("prototypes", PrototypeUpdate(self.prototype_warmup))]
        train_split = None
        if self.early_stopping:
            train_split = ValidSplit(self.validation_fraction, stratified=True,
                                     random_state=seed)
            callbacks.append(("early_stopping", EarlyStopping(
                monitor="valid_loss", patience=self.n_iter_no_change,
                threshold=self.tol, threshold_mode="abs", load_best=True)))
        if self.verbose and self.verbose >= 2:
            callbacks.append(("progress", ProgressBar()))
        callbacks += list(copy.deepcopy(self.callbacks or []))
        return SubsetTrainingNet(
            module=DyMoNetwork,
            module__modality_columns=[c.tolist() for c in spec.columns],
            module__n_classes=n_classes,
            module__d_model=self.d_model,
            module__tokens_per_modality=self.tokens_per_modality,
            module__n_layers=self.n_layers,
            module__n_heads=self.n_heads,
            module__encoder_hidden=self.encoder_hidden,
            module__latent_dim=self.latent_dim,
            module__dropout=self.dropout,
            module__normalize_latent=self.distance == "cosine",
            criterion=DyMoLoss,
            criterion__n_classes=n_classes,
            criterion__latent_dim=self.latent_dim,
            criterion__distance=self.distance,
            criterion__temperature=self.temperature,
            criterion__prototype_weight=self.prototype_weight,
            optimizer=self._optimizer_class(),
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train__shuffle=True,
            # Batch order from a generator this net owns, not torch's global one.
            iterator_train__generator=torch.Generator().manual_seed(batch_seed),
            train_split=train_split,
            callbacks=callbacks,
            device=self.device,
            verbose=int(bool(self.verbose)),
            subset_sampler=make_subset_sampler(self.subset_sampler, self.n_subsets),
            subset_seed=subset_seed,
        )

    def _check_X(self, X):
        """Validated float64 ``X`` for prediction (0 rows allowed)."""
        return check_input_X(self, X, reset=False, min_samples=0)

    def _prepare_rows(self, X):
        """Validated rows -> (network input, observed mask), recovery included."""
        values, missing = self._split_values(X)
        if self.recoverer_ is None:
            if np.isnan(values).any():
                raise ValueError(
                    "X carries missingness indicator columns but its values still "
                    "contain NaN; recover them first (ModalityRecoverer does)"
                )
            recovered = values
        else:
            recovered = recover(self.recoverer_, values, missing)
        observed = observed_modalities(missing, self._modality_spec)
        x = to_network_input(self.scaler_.transform(recovered))
        return x, torch.as_tensor(observed)

    def _prepare(self, X):
        """``X`` -> (network input, observed mask) for all rows at once."""
        return self._prepare_rows(self._check_X(X))

    def _policy(self, selection):
        """``selection`` (or the fitted default) -> (strategy, gamma, tau)."""
        selection = self.selection if selection is None else selection
        if selection not in SELECTIONS:
            raise ValueError(f"selection must be one of {SELECTIONS}, got {selection!r}")
        if selection == "auto":
            if not hasattr(self, "selection_tuning_"):
                raise ValueError(
                    "selection='auto' needs the tuning done in fit: fit with "
                    "selection='auto' first"
                )
            params = self.selection_params_
            return (params["selection"], params["calibration_strength"],
                    params["reward_threshold"])
        return selection, self.calibration_strength, self.reward_threshold

    def _run_selection(self, X, selection):
        policy = self._policy(selection)
        X = self._check_X(X)
        # Recovery, tensors and selection run PREDICT_CHUNK rows at a time,
        # so memory stays bounded however many rows come in. Recoverers are
        # applied per chunk: they must treat rows independently (sklearn's
        # imputers do).
        chunks = (self._prepare_rows(X[rows]) for rows in _row_chunks(X.shape[0]))
        return self._select_chunks(chunks, *policy)

    def _select_prepared(self, x, observed, selection):
        """Selection on recovered, standardised rows (no recovery cost)."""
        chunks = ((x[rows], observed[rows]) for rows in _row_chunks(x.shape[0]))
        return self._select_chunks(chunks, *self._policy(selection))

    @torch.no_grad()
    def _select_chunks(self, chunks, strategy, strength, threshold):
        """Run selection over ``(x, observed)`` chunks and assemble the result."""
        module = self.net_.module_
        module.eval()
        scorer = LatentScorer(self.subset_statistics_, self.distance, self.temperature)
        rule = get_reward_rule(self.calibrate, strength)
        probas, used, observed_all, parts = [], [], [], []
        n = 0
        for x, observed in chunks:
            tokens = encode_rows(module, x.to(self.device_))
            out = select(module, tokens, observed.to(self.device_), scorer, rule, strategy,
                         threshold=threshold)
            logits = out.logits.double()
            if not torch.isfinite(logits).all():
                raise RuntimeError(
                    "the network produced non-finite outputs; its weights or the "
                    "input are broken (was the model trained with a diverging loss?)"
                )
            probas.append(torch.softmax(logits, dim=-1).cpu().numpy())
            used.append(out.final_mask.cpu().numpy())
            observed_all.append(observed.cpu().numpy())
            out.records["sample"] = out.records["sample"] + n
            parts.append(out.records)
            n += x.shape[0]
        n_mod = len(self.modality_names_)
        proba = np.concatenate(probas) if probas else np.zeros((0, len(self.classes_)))
        used = np.concatenate(used) if used else np.zeros((0, n_mod), dtype=bool)
        observed = (np.concatenate(observed_all) if observed_all
                    else np.zeros((0, n_mod), dtype=bool))
        records = concat_records(parts)
        if strategy in ("observed", "all"):
            # No rewards: the path is every recovered modality used, in order.
            path = paths_from_masks(used & ~observed, self.modality_names_)
        else:
            path = paths_from_records(records, n, self.modality_names_)
        rewards = pd.DataFrame({
            "sample": records["sample"],
            "step": records["step"],
            "modality": pd.Categorical.from_codes(records["modality"],
                                                  categories=self.modality_names_),
            "reward": records["reward"],
            "accepted": records["accepted"],
        })
        used = pd.DataFrame(used, columns=self.modality_names_)
        return SelectionResult(proba=proba, path=path, rewards=rewards, used=used)

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

    # ---------------------------------------------------------------- public
    def select_modalities(self, X, selection=None):
        """Run selection once and return probabilities, paths and rewards.

        Unlike ``predict_proba``, this does not store ``selection_path_``
        and lets you try another ``selection`` strategy on the same fitted
        model without refitting.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        selection : {"iterative", "simultaneous", "observed", "all", "auto"}, optional
            Overrides the ``selection`` parameter for this call, with this
            estimator's ``calibration_strength`` and ``reward_threshold``;
            ``"auto"`` uses the tuned ``selection_params_``.

        Returns
        -------
        result : SelectionResult
            ``proba``, ``path``, ``rewards`` and ``used``.
        """
        check_is_fitted(self)
        return self._run_selection(X, selection)

    def explain_selection(self, X, selection=None):
        """Per-row selection results as data: which modalities, when, and why.

        Stateless (stores nothing on the estimator) and row-aligned, so it
        is safe where ``selection_path_`` is not: parallel or threaded
        prediction, dask partitions, wrappers such as
        ``CalibratedClassifierCV``. Each row's entries depend only on that
        row: the explanation of a concatenation of row blocks is the
        concatenation of the blocks' explanations.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            NaN marks missing entries. A DataFrame's index labels the rows
            of both tables; otherwise they are numbered from 0.
        selection : {"iterative", "simultaneous", "observed", "all", "auto"}, optional
            As in :meth:`select_modalities`.

        Returns
        -------
        explanation : SelectionExplanation
            ``table`` (one row per row of ``X``: ``observed__<modality>``,
            ``step__<modality>``, ``proba__<class>``, ``prediction``) and
            ``rewards`` (one row per evaluated candidate, same index).

        Examples
        --------
        >>> from sklearn_dymo import DyMoClassifier
        >>> from sklearn_dymo.datasets import load_breast_cancer_modalities, drop_modalities
        >>> data = load_breast_cancer_modalities()
        >>> clf = DyMoClassifier(modalities=data.modalities, max_epochs=3, random_state=0)
        >>> clf = clf.fit(data.data, data.target)
        >>> X_test = drop_modalities(data.data[:5], data.modalities, rate=0.6, random_state=0)
        >>> table = clf.explain_selection(X_test).table
        >>> table.shape
        (5, 9)
        >>> bool((table["prediction"] == clf.predict(X_test)).all())
        True
        """
        check_is_fitted(self)
        result = self._run_selection(X, selection)
        index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(result.proba))
        return build_explanation(result, index, self.classes_, self.modality_names_)

    def predict_proba(self, X):
        """Class probabilities after dynamic modality selection.

        Also stores ``selection_path_`` and ``selection_rewards_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float64
            Rows sum to 1; columns follow ``classes_``.
        """
        check_is_fitted(self)
        result = self._run_selection(X, self.selection)
        self.selection_path_ = result.path
        self.selection_rewards_ = result.rewards
        return result.proba

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict class labels after dynamic modality selection.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
