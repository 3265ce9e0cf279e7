"""``DyMoRegressor``: DyMo for regression, on the shared :class:`BaseDyMo`.

Only what depends on the task lives here: the target checks and encoding
(standardised ``y`` and its quantile bins, ``_regression.py``), the
Gaussian head and its loss (``_regression_loss.py``), the statistics and
reward scorer over target bins, tuning by held-out Gaussian NLL, and
``predict(X, return_std=...)``. The data path is in ``_base.py``.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted
from skorch.dataset import ValidSplit

from ._base import BaseDyMo
from ._params import check_int, check_real
from ._regression import (
    GAUSSIAN_BASELINE,
    REGRESSION_SCORINGS,
    RegressionScorer,
    TargetEncoding,
    check_targets,
    gaussian_log_likelihood,
    rank_regression_policies,
    ridge_start,
    score_regression_policies,
)
from ._regression_loss import GaussianPrototypeLoss
from ._regression_variance import RegressionVarianceMixin
from ._tuning import MAX_TUNING_ROWS


class DyMoRegressor(RegressorMixin, RegressionVarianceMixin, BaseDyMo):
    """Regressor with inference-time dynamic modality selection (DyMo).

    A *modality* is a group of columns of ``X``. One network is trained to
    predict a Gaussian (mean and variance) of the target from any subset of
    modalities. At predict time, missing modalities are recovered with
    ``recoverer`` and, for each sample, the recovered modalities that
    shrink the predicted variance enough, after calibration, are added one
    by one (Algorithm 1 of the DyMo paper, with the information gained on
    the target in place of the class probability).

    The reward of adding modality ``u`` to the set ``S`` is, in nats,
    ``0.5 * log(var_S / var_{S+u}) + gamma * log alpha``: the entropy
    reduction of the predictive Gaussian plus the classifier's calibration
    term. For the calibration, quantile bins of ``y`` (``n_bins``) play the
    classes: the network's latent space is trained to cluster by bin (the
    prototype contrastive loss), and ``alpha`` compares how typical the
    candidate's latent is of the bin of its predicted mean with how typical
    the current one is of its own. So ``calibration_strength``,
    ``reward_threshold`` and the selection strategies mean what they mean
    for :class:`DyMoClassifier`. ``y`` is standardised internally;
    predictions are in its units.

    Parameters
    ----------
    modalities : dict, list of lists or None, default=None
        Column groups: ``dict`` name -> columns (names or integer
        positions), a list of column lists (named ``m0``, ``m1``, ...), or
        ``None`` for one modality per column.
    recoverer : object with ``fit`` and ``transform``, default=None
        Fills missing entries at predict time; ``None`` uses
        ``ModalityKNNImputer()`` (KNNImputer's values). Cloned into
        ``recoverer_``; ignored when ``X`` carries indicator columns.
        Categorical columns reach it as one-hot blocks, as for
        :class:`DyMoClassifier`.
    categorical_features : "from_dtype", array-like of str, int or bool, or None, \
            default="from_dtype"
        Columns holding categories, as for :class:`DyMoClassifier`: NaN,
        None and categories unseen in ``fit`` are missing entries.
    selection : {"iterative", "simultaneous", "observed", "all", "auto"}, default="iterative"
        As for :class:`DyMoClassifier`; ``"auto"`` tunes the policy on
        held-out rows by Gaussian negative log-likelihood.
    calibrate : bool, "literal" or callable, default=True
        Reward rule, as for :class:`DyMoClassifier`.
    calibration_strength : float >= 0, default=1.0
        ``gamma``: accept a candidate when
        ``0.5 log(var_S / var_{S+u}) + gamma * log alpha > tau``.
    reward_threshold : float, default=0.0
        ``tau`` in that test, in nats.
    max_candidates : int or None, default=None
        At most this many recovered modalities per sample, those that tell
        most about the target on their own (Gaussian information, nats).
    min_observed_fraction : float in (0, 1], default=0.5
        At predict time, a modality with at least this fraction of its
        entries present starts as observed (gaps recovered; not a candidate);
        the classifier's default, measured there. 1.0 is the paper's rule.
        Training uses fully present modalities only.
    partial_fill : {"auto", "gaussian", "recoverer"}, default="auto"
        Gaps in a partly observed modality: ``"gaussian"``, their mean given
        the row's present entries under a Gaussian of all numeric columns
        (one per modality past 64; docs/recoverers.md); ``"recoverer"``, the
        recoverer's values; ``"auto"``: ``"gaussian"`` with the default one.
    tuning_fraction : float in (0, 1), default=0.2
        ``selection="auto"`` only: fraction of rows held out (at most 2,000).
    tuning_missingness : "auto", "patterns", "rates" or list of float, default="auto"
        ``selection="auto"`` only: how held-out modalities are hidden.
    tuning_scoring : {"nll", "rmse"}, default="nll"
        ``selection="auto"`` only: the policy with the lowest held-out
        Gaussian NLL wins; or the lowest RMSE, NLL breaking ties.
    refit : bool, default=True
        ``selection="auto"`` only: train again on all rows after tuning.
    n_bins : int >= 1, default=5
        Quantile bins of ``y`` used as the prototype groups (ties in ``y``
        may merge bins; ``n_bins_`` is the number kept).
    recovery_variance : bool, default=True
        Count what recovery does not know. ``fit`` measures, out of fold,
        how far recovering each modality moves the predicted mean (its
        ``recovery_std_``), and the variance of a prediction that uses
        recovered modalities includes theirs: in the rewards, so selection
        adds a recovered modality only when it tells more than its recovery
        costs, and in the reported standard deviation. ``False``: the
        network's variance alone, which treats recovered values as measured
        (the paper's reward, Appendix D). Ignored (0) when ``X`` carries
        indicator columns.
    variance_holdout : float in [0, 0.5], default=0.15
        Fraction of the training rows kept out of the network's training
        to recalibrate its variance: the predicted variance is multiplied
        by the mean of ``(y - mean)^2 / var`` over them, the factor that
        maximises their likelihood (``variance_scale_``). A network fits
        its training rows closer than new ones, so its own variance is too
        small after long training and too large after short training.
        ``0`` (or fewer than 10 rows to hold out): every row trains, no
        rescaling.
    beta : float in [0, 1], default=0.5
        Variance weighting of the Gaussian NLL (beta-NLL, Seitzer et al.
        2022): 0 is the plain NLL, which can trade the fit of the mean for
        a larger variance; 0.5 balances mean and variance.
    distance : {"cosine", "sqeuclidean"}, default="cosine"
    d_model : int, default=64
    tokens_per_modality : int, default=1
    n_layers : int, default=2
    n_heads : int, default=4
    encoder_hidden : int, default=128
    latent_dim : int, default=32
    dropout : float, default=0.1
        Transformer dropout, rounded to a multiple of 1/256.
    input_noise : float, default=0.3
        Standard deviation of Gaussian noise added to the scaled inputs of
        every training batch (a smoothness regulariser, see
        docs/backbone.md; 0 turns it off).
    n_subsets : int, default=4
    subset_sampler : "uniform", "moddrop" or callable, default="uniform"
    temperature : float, default=0.1
    prototype_weight : float, default=1.0
    prototype_warmup : int, default=1
    max_epochs : int, default=50
    batch_size : int, default=128
    lr : float, default=1e-3
    optimizer : {"adam", "adamw", "sgd"} or torch optimizer class, default="adam"
    weight_decay : float, default=0.0
    lr_schedule : {"cosine", "constant"}, default="cosine"
        ``"cosine"``: from ``lr`` down to ``lr / 100`` over ``max_epochs``
        (half a cosine); ``"constant"``: ``lr`` throughout.
    scaling : {"robust", "standard"}, default="robust"
        How the network sees numeric columns (statistics of the observed
        training entries). ``"robust"``: minus the median, over the
        interquartile range, smoothly clipped to about +-3, so no value can
        saturate an encoder; ``"standard"``: z-scores (the paper's).
    linear_path : bool, default=True
        Each visible modality also adds a linear function of its columns to
        the head's output. The mean starts from a ridge regression
        (``alpha=1``) fitted on the training rows, the variance from its
        residual variance; the network learns what lies beyond.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (not stratified) and
        stop when the validation loss stalls; the best epoch is kept.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    max_stat_subsets : int, default=127
    callbacks : list of skorch callbacks, default=None
    device : str, default="cpu"
    verbose : int, default=0
    random_state : int, RandomState instance or None, default=None
        The same seed gives identical predictions.

    The network, training and statistics parameters are those of
    :class:`DyMoClassifier`; see it for details.

    Attributes
    ----------
    n_bins_ : int
        Target bins kept (at most ``n_bins``).
    bin_edges_ : ndarray of shape (n_bins\\_ - 1,)
        Interior bin edges in ``y``'s units.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    is_categorical_ : ndarray of bool of shape ``(n_features_in_,)``
    categories_ : list of ndarray
        Categories seen in ``fit`` of each categorical column.
    modality_names_ : list of str
    modality_columns_ : list of ndarray
    recoverer_ : object or None
    net_ : skorch.NeuralNet
    n_iter_ : int
    subset_statistics_ : SubsetStatistics
        Prototypes and spreads per target bin.
    variance_scale_ : ndarray of shape (n_modalities,)
        Factor on the network's variance of a prediction from ``k``
        modalities (entry ``k - 1``), from the ``variance_holdout`` rows
        under random subsets of what they observe (ones without them).
    recovery_std_ : ndarray of shape (n_modalities,)
        Per modality, the root mean square shift of the predicted mean
        when it is recovered instead of observed (``y``'s units; out of
        fold on training rows); zeros with ``recovery_variance=False``.
    selection_params_ : dict
    selection_tuning_ : DataFrame
        ``selection="auto"`` only: ``params``, ``param_*``, held-out
        ``nll`` and ``rmse`` (``y``'s units), ``mean_recovered_used``, ``rank``.
    device_ : str
    selection_path_ : list of tuple of str
        After ``predict``: per sample, the recovered modalities added.
    selection_rewards_ : DataFrame
        After ``predict``: one row per evaluated candidate.

    See Also
    --------
    DyMoClassifier : the same for classification.

    Notes
    -----
    :meth:`select_modalities` returns a :class:`SelectionResult` whose
    ``proba`` holds the predicted mean (column 0) and standard deviation
    (column 1) in ``y``'s units.

    The network learns from observed values and takes a recovered one at
    face value; without ``recovery_variance`` its reward overrated
    recovered modalities and iterative selection fell below predicting
    from the observed ones (docs/benchmarks.md, "Regression").

    Examples
    --------
    >>> from sklearn_dymo import DyMoRegressor
    >>> from sklearn_dymo.datasets import load_diabetes_modalities, drop_modalities
    >>> data = load_diabetes_modalities()
    >>> reg = DyMoRegressor(modalities=data.modalities, max_epochs=5, random_state=0)
    >>> reg = reg.fit(data.data, data.target)
    >>> X_test = drop_modalities(data.data[:5], data.modalities, rate=0.5, random_state=0)
    >>> mean, std = reg.predict(X_test, return_std=True)
    >>> mean.shape, bool((std > 0).all())
    ((5,), True)
    >>> len(reg.selection_path_)
    5
    """

    def __init__(
        self,
        modalities=None,
        recoverer=None,
        *,
        categorical_features="from_dtype",
        selection="iterative",
        calibrate=True,
        calibration_strength=1.0,
        reward_threshold=0.0,
        max_candidates=None,
        min_observed_fraction=0.5,
        partial_fill="auto",
        tuning_fraction=0.2,
        tuning_missingness="auto",
        tuning_scoring="nll",
        refit=True,
        n_bins=5,
        recovery_variance=True,
        variance_holdout=0.15,
        beta=0.5,
        distance="cosine",
        d_model=64,
        tokens_per_modality=1,
        n_layers=2,
        n_heads=4,
        encoder_hidden=128,
        latent_dim=32,
        dropout=0.1,
        input_noise=0.3,
        n_subsets=4,
        subset_sampler="uniform",
        temperature=0.1,
        prototype_weight=1.0,
        prototype_warmup=1,
        max_epochs=50,
        batch_size=128,
        lr=1e-3,
        optimizer="adam",
        weight_decay=0.0,
        lr_schedule="cosine",
        scaling="robust",
        linear_path=True,
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
        self.categorical_features = categorical_features
        self.selection = selection
        self.calibrate = calibrate
        self.calibration_strength = calibration_strength
        self.reward_threshold = reward_threshold
        self.max_candidates = max_candidates
        self.min_observed_fraction = min_observed_fraction
        self.partial_fill = partial_fill
        self.tuning_fraction = tuning_fraction
        self.tuning_missingness = tuning_missingness
        self.tuning_scoring = tuning_scoring
        self.refit = refit
        self.n_bins = n_bins
        self.recovery_variance = recovery_variance
        self.variance_holdout = variance_holdout
        self.beta = beta
        self.distance = distance
        self.d_model = d_model
        self.tokens_per_modality = tokens_per_modality
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.encoder_hidden = encoder_hidden
        self.latent_dim = latent_dim
        self.dropout = dropout
        self.input_noise = input_noise
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
        self.lr_schedule = lr_schedule
        self.scaling = scaling
        self.linear_path = linear_path
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.max_stat_subsets = max_stat_subsets
        self.callbacks = callbacks
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    # Pickles from before recovery_variance load with the network's variance alone.
    _parameters_before_backbone = {**BaseDyMo._parameters_before_backbone,
                                   "recovery_variance": False, "variance_holdout": 0.0}

    def _check_params(self):
        super()._check_params()
        check_int("n_bins", self.n_bins, 1)
        if not isinstance(self.recovery_variance, (bool, np.bool_)):
            raise ValueError("recovery_variance must be True or False, got "
                             f"{self.recovery_variance!r}")
        check_real("variance_holdout", self.variance_holdout, 0.0, 0.5)
        check_real("beta", self.beta, 0.0)
        if self.beta > 1:
            raise ValueError(f"beta must be a number in [0, 1], got {self.beta!r}")

    # ------------------------------------------------------------ task hooks
    #: Values of ``tuning_scoring``.
    _tuning_scorings = REGRESSION_SCORINGS
    #: Mean and raw variance.
    _n_outputs = 2

    def _encode_targets(self, y, n_samples):
        """Check ``y``, fit its standardisation and bins; ``(n, 2)`` [y_std, bin]."""
        y = check_targets(y, n_samples, type(self).__name__)
        encoding = TargetEncoding.fit(y, self.n_bins)
        self._target_encoding = encoding
        self.n_bins_ = encoding.n_bins
        self.bin_edges_ = encoding.edges * encoding.scale + encoding.offset
        return encoding.encode(y)

    @property
    def _n_prototype_classes(self):
        """Prototypes and statistics are kept per target bin."""
        return self._target_encoding.n_bins

    def _linear_start(self, x, y_enc):
        return ridge_start(x, y_enc[:, 0])

    def _target_tensor(self, y_enc):
        return torch.as_tensor(y_enc, dtype=torch.float32)

    def _prototype_labels(self, y_enc):
        return torch.as_tensor(y_enc[:, 1], dtype=torch.long)

    def _information_params(self, y_enc):
        """A modality's information: Gaussian log-likelihood gained over the marginal."""
        return {"targets": torch.as_tensor(y_enc[:, 0], dtype=torch.float64),
                "log_likelihood": gaussian_log_likelihood,
                "baseline": GAUSSIAN_BASELINE}

    def _criterion_params(self):
        """beta-NLL plus the prototype contrastive loss over the target bins."""
        return {
            "criterion": GaussianPrototypeLoss,
            "criterion__n_bins": self._target_encoding.n_bins,
            "criterion__latent_dim": self.latent_dim,
            "criterion__distance": self.distance,
            "criterion__temperature": self.temperature,
            "criterion__prototype_weight": self.prototype_weight,
            "criterion__beta": self.beta,
        }

    def _validation_split(self, seed):
        """``early_stopping`` holds out random rows (targets are continuous)."""
        return ValidSplit(self.validation_fraction, stratified=False, random_state=seed)

    def _tuning_split(self, y_enc, seed):
        """Random (train, held-out) row indices for ``selection="auto"``."""
        n = y_enc.shape[0]
        n_tune = int(min(np.ceil(self.tuning_fraction * n), MAX_TUNING_ROWS))
        if n - n_tune < 2:
            raise ValueError(
                f"selection='auto' with tuning_fraction={self.tuning_fraction} holds out "
                f"{n_tune} of {n} rows and leaves fewer than 2 to train on. Lower "
                "tuning_fraction, or use another selection."
            )
        train, tune = train_test_split(np.arange(n), test_size=n_tune, random_state=seed)
        return np.sort(train), np.sort(tune)

    def _score_policies(self, module, chunks, y_enc, scorer, policies):
        """Held-out Gaussian NLL and RMSE of each policy, ranked by ``tuning_scoring``."""
        encoding = self._target_encoding
        y = y_enc[:, 0] * encoding.scale + encoding.offset
        table = score_regression_policies(module, chunks, y, encoding, scorer,
                                          self.calibrate, policies, self.device_)
        return rank_regression_policies(table, self.tuning_scoring)

    def _make_scorer(self):
        """Information gain (nats, recovery variance included) and the ICS of the
        predicted mean's bin."""
        # None for models pickled before these existed: the head's variance alone.
        variance = getattr(self, "_recovery_variance", None)
        return RegressionScorer(
            self.subset_statistics_, self.distance, self._target_encoding,
            None if variance is None else torch.as_tensor(variance, dtype=torch.float64),
            getattr(self, "_variance_calibration", None))

    def _outputs_from_logits(self, logits, used, recovered):
        """Mean and standard deviation in ``y``'s units, ``(n, 2)`` float64."""
        return self._target_encoding.to_user_units(
            *self._make_scorer().predictive(logits, used, recovered))

    # ---------------------------------------------------------------- public
    def fit(self, X, y):
        """Train the network on ``X`` (NaN marks missing entries) and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. A modality of a row is used for training only
            where all its columns are present.
        y : array-like of shape (n_samples,)
            Real-valued targets (finite).

        Returns
        -------
        self : DyMoRegressor
            The fitted estimator.
        """
        return self._fit(X, y)

    def _explanation_outputs(self, result):
        mean, std = result.proba[:, 0], result.proba[:, 1]
        return {"mean": mean, "std": std, "prediction": mean}

    def predict(self, X, return_std=False):
        """Predict the target after dynamic modality selection.

        Also stores ``selection_path_`` and ``selection_rewards_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries.
        return_std : bool, default=False
            Also return the predicted standard deviation.

        Returns
        -------
        mean : ndarray of shape (n_samples,), float64
        std : ndarray of shape (n_samples,), float64
            Only with ``return_std=True``; ``mean +/- 1.96 std`` is the
            model's 95% interval.
        """
        check_is_fitted(self)
        result = self._run_selection(X, self.selection)
        self.selection_path_ = result.path
        self.selection_rewards_ = result.rewards
        mean, std = result.proba[:, 0].copy(), result.proba[:, 1].copy()
        return (mean, std) if return_std else mean
