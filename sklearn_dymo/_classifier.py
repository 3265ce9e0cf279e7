"""``DyMoClassifier``: DyMo for classification, on the shared :class:`BaseDyMo`.

Only what depends on the task lives here: class labels (validation,
encoding, ``classes_``, stratified hold-out checks), the network head and
loss over classes, the prototype statistics per class, the reward scorer,
the tuning metrics and ``predict`` / ``predict_proba`` /
``predict_log_proba``. The data path is in ``_base.py``.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from skorch.dataset import ValidSplit

from ._base import BaseDyMo
from ._classification import (
    class_explanation_columns,
    encode_class_targets,
    logistic_start,
    stratified_tuning_split,
)
from ._losses import DyMoLoss
from ._params import check_real
from ._selection import LatentScorer
from ._tuning import SCORINGS, rank_policies, score_policies


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
    modalities : dict, list of lists, "auto", "prefix" or None, default=None
        Column groups: ``dict`` name -> columns (names or positions), a
        list of column lists (named ``m0``, ``m1``, ...), ``None`` (one per
        column), ``"prefix"`` (one per ``<name>__`` column prefix) or
        ``"auto"`` (columns missing together in training,
        :func:`detect_modalities`; prefixes, with a warning, when nothing is
        missing). Every column belongs to exactly one modality (found:
        ``modality_names_``, ``modality_columns_``). With ``missing__<col>``
        indicator columns (:class:`ModalityRecoverer`), columns are the
        value columns only.
    recoverer : object with ``fit`` and ``transform``, default=None
        Fills missing entries at predict time (``IterativeImputer``,
        ``KNNImputer``, your own); cloned into ``recoverer_``, fitted on the
        training ``X``. ``None``: ``ModalityKNNImputer()`` (KNNImputer's
        values). It sees float64 value columns, a categorical column as its
        one-hot block (NaN where missing), snapped back to one category
        after recovery (docs/recoverers.md). Ignored with indicator columns.
    categorical_features : "from_dtype", array-like of str, int or bool, or None, \
            default="from_dtype"
        Columns holding categories rather than numbers. ``"from_dtype"``:
        the ``category``, ``object``, ``string`` and bool columns of a
        DataFrame (none for an array); or their names, their integer
        positions, or a boolean mask over the columns (an object array
        works with positions or a mask); ``None``: no categorical column.
        Categories are those seen in ``fit`` (``categories_``). NaN, None
        and a category unseen in ``fit`` are missing entries, exactly like
        NaN in a numeric column. A modality names the original columns;
        inside the network each categorical column is a one-hot block of
        its modality's encoder input.
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
    max_candidates : int or None, default=None
        Iterative and simultaneous selection only: consider at most this
        many recovered modalities per sample, those that tell most about
        the class on their own in the training data
        (``subset_statistics_.modality_information``): at most
        ``1 + k (k + 1) / 2`` transformer passes per sample instead of
        ``O(M**2)``. ``None``: every missing modality, as in the paper
        (speed and changed predictions: docs/performance.md).
    min_observed_fraction : float in (0, 1], default=0.5
        At predict time, a modality with at least this fraction of its
        entries present starts as observed (gaps recovered; not a candidate).
        1.0 is the paper's rule; 0.5 measured best (docs/selection.md: 1.0
        fell up to 8 points behind). Training uses full modalities only.
    partial_fill : {"auto", "gaussian", "recoverer"}, default="auto"
        Gaps in a partly observed modality: ``"gaussian"``, their mean given
        the row's present entries under a Gaussian of all numeric columns
        (one per modality past 64; docs/recoverers.md); ``"recoverer"``, the
        recoverer's values; ``"auto"``: ``"gaussian"`` with the default one.
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
        ties (measured about equal: docs/tuning.md).
    refit : bool, default=True
        ``selection="auto"`` only: after tuning, train the network again on
        all training rows (about twice the fit time). ``False`` keeps the
        network trained without the held-out rows: no extra time, up to
        1.1 accuracy points lower (mean of 3 seeds; docs/tuning.md).
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
        Transformer dropout, rounded to a multiple of 1/256.
    input_noise : float, default=0.3
        Standard deviation of Gaussian noise added to the scaled inputs of
        every training batch (a smoothness regulariser, see
        docs/backbone.md; 0 turns it off).
    n_subsets : int, default=4
        Modality subsets sampled per batch (``A`` in Eq. 10; see
        docs/performance.md).
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
        the logits, starting from an L2 logistic regression fitted on the
        training rows; the network learns what lies beyond.
    label_smoothing : float in [0, 1), default=0.03
        Label smoothing of the cross-entropy (0: the paper's); measured with
        the three above in docs/backbone.md.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified)
        and stop when the validation loss (the task loss, without the
        contrastive term) has not improved by ``tol`` for
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
        Seeds weight initialisation, dropout, batch order, subset sampling,
        the recoverer (when its own ``random_state`` is None) and the
        statistics. The same seed gives identical ``predict_proba``, also
        when fits run in threads or processes (docs/scaling_out.md).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit`` (indicators included).
    feature_names_in_ : ndarray of str
        Column names, when ``X`` had them.
    is_categorical_ : ndarray of bool of shape ``(n_features_in_,)``
        Which columns were read as categorical.
    categories_ : list of ndarray
        The categories seen in ``fit`` of each categorical column, in column
        order (sorted): the order of the one-hot block a recoverer sees.
    modality_names_ : list of str
        Modality names in network order.
    modality_columns_ : list of ndarray
        Value-column positions of each modality (the user's columns: a
        categorical column is one position, however many categories it has).
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
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.max_stat_subsets = max_stat_subsets
        self.callbacks = callbacks
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    _parameters_before_backbone = {**BaseDyMo._parameters_before_backbone,
                                   "label_smoothing": 0.0}

    def _check_params(self):
        super()._check_params()
        check_real("label_smoothing", self.label_smoothing, 0.0, 1.0)

    # ------------------------------------------------------------ task hooks
    _tuning_scorings = SCORINGS  # the values of tuning_scoring

    def _encode_targets(self, y, n_samples):
        """Check the labels, set ``classes_`` and return them encoded as 0..K-1."""
        self.classes_, y_enc = encode_class_targets(
            y, n_samples, self.validation_fraction if self.early_stopping else None)
        return y_enc

    @property
    def _n_outputs(self):
        """One logit per class."""
        return len(self.classes_)

    @property
    def _n_prototype_classes(self):
        """Prototypes and statistics are kept per class."""
        return len(self.classes_)

    def _linear_start(self, x, y_enc):
        return logistic_start(x, y_enc, len(self.classes_))

    def _target_tensor(self, y_enc):
        return torch.as_tensor(y_enc, dtype=torch.long)

    _prototype_labels = _target_tensor  # prototypes are kept per class

    def _criterion_params(self):
        """Cross-entropy plus the prototype contrastive loss over the classes."""
        shared = ("latent_dim", "distance", "temperature", "prototype_weight",
                  "label_smoothing")
        return {"criterion": DyMoLoss, "criterion__n_classes": len(self.classes_),
                **{f"criterion__{name}": getattr(self, name) for name in shared}}

    def _validation_split(self, seed):
        """``early_stopping`` holds out stratified rows (checked in ``_encode_targets``)."""
        return ValidSplit(self.validation_fraction, stratified=True, random_state=seed)

    def _tuning_split(self, y_enc, seed):
        """Stratified (train, held-out) row indices for ``selection="auto"``."""
        return stratified_tuning_split(y_enc, self.classes_, self.tuning_fraction, seed)

    def _score_policies(self, module, chunks, y_enc, scorer, policies):
        """Held-out accuracy and log-loss of each policy, ranked by ``tuning_scoring``."""
        table = score_policies(module, chunks, y_enc, len(self.classes_), scorer,
                               self.calibrate, policies, self.device_)
        return rank_policies(table, self.tuning_scoring)

    def _make_scorer(self):
        """Class posterior from the prototypes of the selection statistics."""
        return LatentScorer(self.subset_statistics_, self.distance, self.temperature)

    def _outputs_from_logits(self, logits, used, recovered):
        return torch.softmax(logits, dim=-1).cpu().numpy()

    def _explanation_outputs(self, result):
        """``proba__<class>`` columns and the ``prediction`` for ``explain_selection``."""
        return class_explanation_columns(self.classes_, result.proba)

    # ---------------------------------------------------------------- public
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
        return self._fit(X, y)

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
        with np.errstate(divide="ignore"):  # predict_proba checks the fit
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
        proba = self.predict_proba(X)  # checks the fit before classes_ is read
        return self.classes_[np.argmax(proba, axis=1)]
