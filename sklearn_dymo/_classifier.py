"""``DyMoClassifier``: DyMo for classification, on the shared :class:`BaseDyMo`.

The public face: the constructor, the docstrings and ``predict`` /
``predict_proba`` / ``predict_log_proba``. The task (labels, head, loss,
scorer, tuning metric) is :class:`~._tasks.ClassificationTask`; the work
is in :class:`~._base.BaseDyMo`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin

from ._base import BaseDyMo
from ._docstrings import document_parameters
from ._tasks import ClassificationTask


@document_parameters("classifier")
class DyMoClassifier(ClassifierMixin, BaseDyMo):
    """Classifier with inference-time dynamic modality selection (DyMo).

    A *modality* is a group of columns of ``X``. One network is trained to
    predict from any subset of modalities (incomplete-subset sampling plus a
    prototype contrastive loss). At predict time, missing modalities are
    recovered with ``recoverer`` and, for each sample, the recovered
    modalities that raise the calibrated task-relevant information reward
    are added one by one (Algorithm 1 of the DyMo paper).

    Parameters
    ----------
    %(parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    %(fitted_attributes)s
    subset_statistics_ : SubsetStatistics
        Prototypes and spreads used by the rewards.
    probability_temperature_ : ndarray of shape (n_modalities,) or None
        Entry ``k - 1``: the temperature dividing the logits of predictions
        from ``k`` modalities (``probability_calibration``); ``None`` when
        off or when too few rows were held out.
    %(selection_attributes)s
    selection_tuning_ : DataFrame
        ``selection="auto"`` only: one row per policy tried, like
        ``cv_results_``: ``params``, ``param_*``, held-out ``accuracy``,
        ``log_loss``, ``mean_recovered_used`` and ``rank`` (1 = chosen).
    %(predict_attributes)s

    See Also
    --------
    ModalityRecoverer : Recover missing entries as a Pipeline step.

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
        categorical_features="from_dtype",
        selection="observed",
        calibrate=True,
        calibration_strength=1.0,
        reward_threshold=0.0,
        max_candidates=None,
        min_observed_fraction=0.5,
        partial_fill="auto",
        tuning_fraction=0.2,
        tuning_missingness="auto",
        tuning_scoring="log_loss",
        refit=True,
        probability_calibration=None,
        probability_holdout=0.15,
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
        label_smoothing=0.03,
        class_weight=None,
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
        self.probability_calibration = probability_calibration
        self.probability_holdout = probability_holdout
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
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.max_stat_subsets = max_stat_subsets
        self.callbacks = callbacks
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    _task_class = ClassificationTask


    # ---------------------------------------------------------------- public
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` (NaN marks missing entries) and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. A modality of a row is used for training only
            where all its columns are present.
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings).
        %(sample_weight)s

        Returns
        -------
        self : DyMoClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

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
        return self._predict_result(X).proba

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):  # predict_proba checks the fit
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict class labels after dynamic modality selection.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # checks the fit before classes_ is read
        return self.classes_[np.argmax(proba, axis=1)]
