"""``DyMoRegressor``: DyMo for regression, on the shared :class:`BaseDyMo`.

The public face: the constructor, the docstrings and
``predict(X, return_std=...)``. The task (standardised targets and their
bins, the Gaussian head and loss, the variance ``fit`` measures, the
scorer, the tuning metric) is :class:`~._tasks.RegressionTask`; the work
is in :class:`~._base.BaseDyMo`.
"""

from __future__ import annotations

from sklearn.base import RegressorMixin

from ._base import BaseDyMo
from ._docstrings import document_parameters
from ._tasks import RegressionTask


@document_parameters("regressor")
class DyMoRegressor(RegressorMixin, BaseDyMo):
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
    %(parameters)s

    Attributes
    ----------
    n_bins_ : int
        Target bins kept (at most ``n_bins``).
    bin_edges_ : ndarray of shape (n_bins\\_ - 1,)
        Interior bin edges in ``y``'s units.
    %(fitted_attributes)s
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
    %(selection_attributes)s
    selection_tuning_ : DataFrame
        ``selection="auto"`` only: ``params``, ``param_*``, held-out
        ``nll`` and ``rmse`` (``y``'s units), ``mean_recovered_used``, ``rank``.
    %(predict_attributes)s

    See Also
    --------
    DyMoClassifier : The same for classification.

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
        n_iter_no_change=5,
        tol=1e-3,
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

    _task_class = RegressionTask


    # ---------------------------------------------------------------- public
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` (NaN marks missing entries) and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. A modality of a row is used for training only
            where all its columns are present.
        y : array-like of shape (n_samples,)
            Real-valued targets (finite).
        %(sample_weight)s

        Returns
        -------
        self : DyMoRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

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
        result = self._predict_result(X)
        mean, std = result.proba[:, 0].copy(), result.proba[:, 1].copy()
        return (mean, std) if return_std else mean
