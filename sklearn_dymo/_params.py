"""Every constructor parameter of the DyMo estimators, declared once.

Each entry of :data:`PARAMETERS` holds a parameter's constraints (the
``_parameter_constraints`` table scikit-learn validates in ``fit``) and its
numpydoc entry; an entry may differ per task (``"classifier"``,
``"regressor"``) where the parameter means something task-specific. The
estimators build their ``_parameter_constraints`` and the Parameters
section of their docstrings from it, so both estimators document and
check a shared parameter the same way. Checks across parameters
(``n_heads`` divides ``d_model``, ...) are in :func:`check_params`.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, field
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._selection._tuning import DEFAULT_RATES

#: Optimizers the ``optimizer`` parameter names.
OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
}
#: Values of the ``selection`` parameter (the strategies of ``_selection`` and "auto").
SELECTIONS = ("iterative", "simultaneous", "observed", "all", "auto")


def _positive_int():
    return [Interval(Integral, 1, None, closed="left")]


@dataclass
class Parameter:
    """Constraints and numpydoc entry of one constructor parameter.

    ``doc`` is the entry (``name : type, default=...`` line excluded);
    ``type`` is its type line; ``by_task`` overrides both per task.
    """

    constraints: list
    type: str
    doc: str
    by_task: dict = field(default_factory=dict)

    def entry(self, name, task):
        type_, doc = self.by_task.get(task, (self.type, self.doc))
        body = textwrap.indent(textwrap.fill(" ".join(doc.split()), 72, break_on_hyphens=False,
                                                 break_long_words=False), "    ")
        return f"{name} : {type_}\n{body}"

def check_int(name, value, low):
    """``value`` is an integer (not a bool) >= ``low``."""
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def check_real(name, value, low, high=None, low_open=False):
    """``value`` is a number (not a bool) in ``[low, high)`` (``(low, high)`` if ``low_open``)."""
    ok = isinstance(value, Real) and not isinstance(value, bool)
    ok = ok and (value > low if low_open else value >= low)
    ok = ok and (high is None or value < high)
    if not ok:
        bound = f"> {low}" if low_open else f">= {low}"
        bound += "" if high is None else f" and < {high}"
        raise ValueError(f"{name} must be a number {bound}, got {value!r}")


def resolve_optimizer(optimizer):
    """The ``optimizer`` parameter -> a torch optimizer class."""
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch "
                f"optimizer class, got {optimizer!r}"
            )
        return OPTIMIZERS[optimizer]
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        return optimizer
    raise ValueError(
        f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch optimizer "
        f"class, got {optimizer!r}"
    )


def check_optimizer_keywords(optimizer, weight_decay):
    """``optimizer`` takes the keywords the estimator gives it (``lr``, ``weight_decay``).

    Checked before training, so that a class with other keywords is named
    here rather than failing inside skorch. ``weight_decay=0`` is not passed
    to an optimizer that has no such keyword (see ``optimizer_params``).
    """
    import inspect

    try:
        accepted = inspect.signature(optimizer).parameters
    except (TypeError, ValueError):  # no signature to read: let torch decide
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        return
    needed = ["lr"] + (["weight_decay"] if weight_decay else [])
    absent = [k for k in needed if k not in accepted]
    if absent:
        raise ValueError(
            f"optimizer={optimizer.__name__} does not accept the keywords {absent} that "
            f"the estimator passes to it (lr, and weight_decay={weight_decay!r} when it "
            "is not 0); it accepts "
            f"{[k for k in accepted if k not in ('self', 'params')]}. Use an optimizer "
            "that takes them, or set weight_decay=0."
        )


def optimizer_params(optimizer, weight_decay):
    """The skorch ``optimizer__*`` keywords for ``optimizer``: ``weight_decay``
    unless it is 0 and the class does not take it."""
    import inspect

    try:
        accepted = inspect.signature(optimizer).parameters
    except (TypeError, ValueError):
        accepted = {"weight_decay": None}
    takes = "weight_decay" in accepted or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    return {"optimizer__weight_decay": weight_decay} if takes or weight_decay else {}


def resolve_tuning_missingness(value, has_missing_modalities=False):
    """The ``tuning_missingness`` parameter -> ``"patterns"`` or a tuple of rates.

    ``"auto"`` imitates the training patterns when some training modality
    is missing (``has_missing_modalities``), and hides modalities at
    :data:`~sklearn_dymo._selection._tuning.DEFAULT_RATES` otherwise.
    """
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

_C, _R = "classifier", "regressor"

_SELECTION_DOC = """``"iterative"`` is the paper's Algorithm 1; ``"simultaneous"`` adds
every candidate with a reward above ``reward_threshold`` at once; ``"observed"``
uses no recovered modality (a row that observes none uses all of them);
``"all"`` uses every recovered modality. ``"auto"`` chooses among
``"observed"``, ``"all"`` and iterative selection with tuned
``calibration_strength`` and ``reward_threshold`` on held-out training rows
(see ``tuning_fraction`` and ``tuning_scoring``; docs/tuning.md)."""

PARAMETERS = {
    "modalities": Parameter(
        [dict, list, StrOptions({"auto", "prefix"}), None],
        'dict, list of lists, "auto", "prefix" or None, default=None',
        """Column groups: ``dict`` name -> columns (names or positions), a list of
        column lists (named ``m0``, ``m1``, ...), ``None`` (one per column),
        ``"prefix"`` (one per ``<name>__`` column prefix) or ``"auto"`` (columns
        missing together in training, :func:`detect_modalities`; prefixes, with a
        warning, when nothing is missing). Every column belongs to exactly one
        modality (found: ``modality_names_``, ``modality_columns_``). With
        ``missing__<col>`` indicator columns (:class:`ModalityRecoverer`), columns
        are the value columns only."""),
    "recoverer": Parameter(
        # check_recoverer names the method a recoverer lacks.
        "no_validation",
        "object with ``fit`` and ``transform``, default=None",
        """Fills missing entries at predict time (``IterativeImputer``,
        ``KNNImputer``, your own); cloned into ``recoverer_``, fitted on the
        training ``X``. ``None``: ``ModalityKNNImputer()`` (KNNImputer's values).
        It sees float64 value columns, a categorical column as its one-hot block
        (NaN where missing), snapped back to one category after recovery
        (docs/recoverers.md). Ignored with indicator columns."""),
    "categorical_features": Parameter(
        # check_categorical_features names what is wrong with a spec.
        "no_validation",
        '"from_dtype", array-like of str, int or bool, or None, default="from_dtype"',
        """Columns holding categories rather than numbers. ``"from_dtype"``: the
        ``category``, ``object``, ``string`` and bool columns of a DataFrame (none
        for an array); or their names, their integer positions, or a boolean mask
        over the columns (an object array works with positions or a mask);
        ``None``: no categorical column. Categories are those seen in ``fit``
        (``categories_``). NaN, None and a category unseen in ``fit`` are missing
        entries, exactly like NaN in a numeric column. A modality names the
        original columns; inside the network each categorical column is a one-hot
        block of its modality's encoder input."""),
    "selection": Parameter(
        [StrOptions(set(SELECTIONS))],
        '{"iterative", "simultaneous", "observed", "all", "auto"}, default="observed"',
        _SELECTION_DOC + """ The default is ``"observed"``: on the benchmark suite,
        iterative selection with the default recoverer lost to observed-only
        from the same model more often than it won, in ROC AUC (38 wins, 55
        losses over 175 cells) and log-loss (35 wins, 65 losses), and it costs a
        recovery and several transformer passes per row (docs/when_to_use.md).
        Choose ``"iterative"`` (or ``"auto"``) with a recoverer that knows your
        data.""",
        {_R: ('{"iterative", "simultaneous", "observed", "all", "auto"}, '
              'default="iterative"',
              _SELECTION_DOC + """ The default is iterative selection: on the
              regression benchmarks it ties with observed-only in RMSE (8 wins,
              7 losses over 24 cells).""")}),
    "calibrate": Parameter(
        ["boolean", StrOptions({"literal"}), callable],
        'bool, "literal" or callable, default=True',
        """``True``: calibrated reward (Eq. 7 with Eq. 9, alpha scaling the
        probability); ``False``: uncalibrated reward (Eq. 6); ``"literal"``: Eq. 7
        as printed (alpha multiplies the log-probability); a callable
        ``rule(current, candidate) -> rewards`` for your own rule."""),
    "calibration_strength": Parameter(
        [Interval(Real, 0, None, closed="left")], "float >= 0, default=1.0",
        """``gamma`` in the acceptance test of the calibrated reward
        (``calibrate=True``): accept a candidate when ``log p(y_u|z_u) - log p(y|z)
        + gamma * log alpha > tau``. 1 is the paper's calibration, 0 the
        uncalibrated reward.""",
        {_R: ("float >= 0, default=1.0",
              """``gamma`` in the acceptance test of the calibrated reward
              (``calibrate=True``): accept a candidate when ``0.5 log(var_S /
              var_{S+u}) + gamma * log alpha > tau`` (the information gained, in
              nats). 1 is the paper's calibration, 0 the uncalibrated reward.""")}),
    "reward_threshold": Parameter(
        [Interval(Real, None, None, closed="neither")], "float, default=0.0",
        """``tau`` in that test (0 in the paper). Negative values accept recovered
        modalities more readily, positive values less."""),
    "max_candidates": Parameter(
        [Interval(Integral, 1, None, closed="left"), None], "int or None, default=None",
        """Iterative and simultaneous selection only: consider at most this many
        recovered modalities per sample, those that tell most about the target on
        their own in the training data
        (``subset_statistics_.modality_information``): at most ``1 + k (k + 1) /
        2`` transformer passes per sample instead of ``O(M**2)``. ``None``: every
        missing modality, as in the paper (speed and changed predictions:
        docs/performance.md)."""),
    "min_observed_fraction": Parameter(
        [Interval(Real, 0, 1, closed="right")], "float in (0, 1], default=0.5",
        """At predict time, a modality with at least this fraction of its entries
        present starts as observed (gaps recovered; not a candidate). 1.0 is the
        paper's rule; 0.5 measured best (docs/selection.md). Training uses fully
        present modalities only."""),
    "partial_fill": Parameter(
        [StrOptions({"auto", "gaussian", "recoverer"})],
        '{"auto", "gaussian", "recoverer"}, default="auto"',
        """Gaps in a partly observed modality: ``"gaussian"``, their mean given the
        row's present entries under a Gaussian of all numeric columns (one per
        modality past 64; docs/recoverers.md); ``"recoverer"``, the recoverer's
        values; ``"auto"`` (with the default recoverer): per modality, for its
        gaps and for when it is wholly missing, whichever of the two
        reconstructed hidden training entries better out of fold
        (``recovery_choice_``); with another recoverer, its values."""),
    "tuning_fraction": Parameter(
        [Interval(Real, 0, 1, closed="neither")], "float in (0, 1), default=0.2",
        """``selection="auto"`` only: fraction of the training rows held out
        (stratified for a classifier) to tune the selection (at most 2,000
        rows)."""),
    "tuning_missingness": Parameter(
        [StrOptions({"auto", "patterns", "rates"}), "array-like"],
        '"auto", "patterns", "rates" or list of float, default="auto"',
        """``selection="auto"`` only: how modalities of the held-out rows are
        hidden. ``"patterns"`` imitates the training rows' own missingness
        patterns; ``"rates"`` hides whole modalities at rates 0.4, 0.6 and 0.8 (or
        at the rates you list); ``"auto"`` uses patterns when some training
        modality is missing, rates otherwise."""),
    "tuning_scoring": Parameter(
        [StrOptions({"log_loss", "accuracy"})],
        '{"log_loss", "accuracy"}, default="log_loss"',
        """``selection="auto"`` only: the policy with the lowest held-out log-loss
        wins; or the best held-out accuracy, log-loss breaking ties (measured
        about equal: docs/tuning.md).""",
        {_R: ('{"nll", "rmse"}, default="nll"',
              """``selection="auto"`` only: the policy with the lowest held-out
              Gaussian negative log-likelihood wins; or the lowest RMSE, the NLL
              breaking ties.""")}),
    "refit": Parameter(
        ["boolean"], "bool, default=True",
        """``selection="auto"`` only: after tuning, train the network again on all
        training rows (about twice the fit time). ``False`` keeps the network
        trained without the held-out rows: no extra time, somewhat lower accuracy
        (docs/tuning.md)."""),
    "n_bins": Parameter(
        _positive_int(), "int >= 1, default=5",
        """Quantile bins of ``y`` used as the prototype groups (ties in ``y`` may
        merge bins; ``n_bins_`` is the number kept)."""),
    "recovery_variance": Parameter(
        ["boolean"], "bool, default=True",
        """Count what recovery does not know. ``fit`` measures, out of fold, how
        far recovering each modality moves the predicted mean (its
        ``recovery_std_``), and the variance of a prediction that uses recovered
        modalities includes theirs: in the rewards, so selection adds a recovered
        modality only when it tells more than its recovery costs, and in the
        reported standard deviation. ``False``: the network's variance alone,
        which treats recovered values as measured (the paper's reward, Appendix
        D). Ignored (0) when ``X`` carries indicator columns."""),
    "variance_holdout": Parameter(
        [Interval(Real, 0, 0.5, closed="left")], "float in [0, 0.5), default=0.15",
        """Fraction of the training rows kept out of the network's training to
        recalibrate its variance: the predicted variance is multiplied by the
        mean of ``(y - mean)^2 / var`` over them, the factor that maximises their
        likelihood (``variance_scale_``). A network fits its training rows closer
        than new ones, so its own variance is too small after long training and
        too large after short training. ``0`` (or fewer than 10 rows to hold
        out): every row trains, no rescaling."""),
    "probability_calibration": Parameter(
        [StrOptions({"temperature"}), None], '{"temperature"} or None, default=None',
        """Post-hoc calibration of ``predict_proba`` (not the reward calibration
        of ``calibrate``). ``"temperature"``: the network trains on all rows but
        ``probability_holdout`` of them; those are predicted from all they
        observe and from random subsets of it, and the logits of a prediction
        from ``k`` modalities are divided by the temperature that minimises
        their log-loss (``probability_temperature_``). A network is
        overconfident on rows it did not train on, most on small tables; the
        temperature keeps the order of the classes, so ``predict`` and the
        selection are those of the network. ``None``: every row trains and the
        probabilities are the network's softmax. Off by default: on the 19
        tables of the benchmark suite it lowered the log-loss in 49 % of the
        cells and left its mean unchanged, because the network is trained with
        label smoothing and is rarely overconfident there; turn it on when a
        reliability diagram (``plotting.ReliabilityDisplay``) shows points
        below the diagonal."""),
    "probability_holdout": Parameter(
        [Interval(Real, 0, 0.5, closed="left")], "float in [0, 0.5), default=0.15",
        """Fraction of the training rows ``probability_calibration`` keeps out of
        the network's training to fit its temperatures. ``0`` (or fewer than 10
        rows to hold out): every row trains, no temperature."""),
    "class_weight": Parameter(
        [StrOptions({"balanced"}), dict, None], 'dict, "balanced" or None, default=None',
        """Weights of the classes, as in scikit-learn: ``{label: weight}``, or
        ``"balanced"`` for ``n_samples / (n_classes * np.bincount(y))``; a class
        left out of the dict weighs 1. They multiply ``sample_weight`` of
        ``fit`` and weigh every row's part in the loss, the prototypes and the
        statistics of the selection, and the hold-out metrics. ``None``: every
        class weighs 1."""),
    "beta": Parameter(
        [Interval(Real, 0, 1, closed="both")], "float in [0, 1], default=0.5",
        """Variance weighting of the Gaussian NLL (beta-NLL, Seitzer et al. 2022):
        0 is the plain NLL, which can trade the fit of the mean for a larger
        variance; 0.5 balances mean and variance."""),
    "distance": Parameter(
        [StrOptions({"cosine", "sqeuclidean"})], '{"cosine", "sqeuclidean"}, default="cosine"',
        "Latent distance for prototypes and rewards."),
    "d_model": Parameter(_positive_int(), "int, default=64",
                         "Token width of the transformer."),
    "tokens_per_modality": Parameter(_positive_int(), "int, default=1",
                                     "Tokens each modality encoder emits."),
    "n_layers": Parameter(_positive_int(), "int, default=2", "Transformer layers."),
    "n_heads": Parameter(_positive_int(), "int, default=4",
                         "Attention heads (must divide ``d_model``)."),
    "encoder_hidden": Parameter(_positive_int(), "int, default=128",
                                "Hidden width of each modality's MLP encoder."),
    "latent_dim": Parameter(_positive_int(), "int, default=32",
                            "Width of the latent space of prototypes and rewards."),
    "dropout": Parameter(
        [Interval(Real, 0, 1, closed="left")], "float in [0, 1), default=0.1",
        "Transformer dropout, rounded to a multiple of 1/256."),
    "input_noise": Parameter(
        [Interval(Real, 0, None, closed="left")], "float >= 0, default=0.3",
        """Standard deviation of Gaussian noise added to the scaled inputs of every
        training batch (a smoothness regulariser, see docs/backbone.md; 0 turns it
        off, as in the paper)."""),
    "n_subsets": Parameter(
        _positive_int(), "int, default=4",
        "Modality subsets sampled per batch (``A`` in Eq. 10; see docs/performance.md)."),
    "subset_sampler": Parameter(
        [StrOptions({"uniform", "moddrop"}), callable],
        '"uniform", "moddrop" or callable, default="uniform"',
        """``"uniform"``: the paper's sampling; ``"moddrop"``: independent
        per-modality dropout (a baseline); or ``sampler(observed, generator) ->
        masks`` returning a ``(B, A, M)`` bool tensor."""),
    "temperature": Parameter(
        [Interval(Real, 0, None, closed="neither")], "float > 0, default=0.1",
        "Temperature ``t`` of the prototype posterior (Eq. 11 and rewards)."),
    "prototype_weight": Parameter(
        [Interval(Real, 0, None, closed="left")], "float >= 0, default=1.0",
        "Weight of the prototype contrastive loss (Eq. 10)."),
    "prototype_warmup": Parameter(
        [Interval(Integral, 0, None, closed="left")], "int >= 0, default=1",
        """Epochs trained with the task loss only before the contrastive loss
        starts (at least the first, which has no prototypes yet)."""),
    "max_epochs": Parameter(_positive_int(), "int, default=50",
                            "Training epochs (fewer with ``early_stopping``)."),
    "batch_size": Parameter(_positive_int(), "int, default=128",
                            "Training rows per batch."),
    "lr": Parameter([Interval(Real, 0, None, closed="neither")], "float > 0, default=1e-3",
                    "Learning rate of the optimizer."),
    "optimizer": Parameter(
        [StrOptions(set(OPTIMIZERS)), type],
        '{"adam", "adamw", "sgd"} or torch optimizer class, default="adam"',
        """The torch optimizer, by name or as a ``torch.optim.Optimizer``
        subclass (it is given ``lr`` and ``weight_decay``)."""),
    "weight_decay": Parameter([Interval(Real, 0, None, closed="left")],
                              "float >= 0, default=0.0", "Weight decay of the optimizer."),
    "lr_schedule": Parameter(
        [StrOptions({"cosine", "constant"})], '{"cosine", "constant"}, default="cosine"',
        """``"cosine"``: from ``lr`` down to ``lr / 100`` over ``max_epochs``
        (half a cosine); ``"constant"``: ``lr`` throughout (the paper's). A skorch
        ``LRScheduler`` in ``callbacks`` replaces it."""),
    "scaling": Parameter(
        [StrOptions({"robust", "standard"})], '{"robust", "standard"}, default="robust"',
        """How the network sees numeric columns (statistics of the observed
        training entries). ``"robust"``: minus the median, over the interquartile
        range, smoothly clipped to about +-3, so no value can saturate an encoder;
        ``"standard"``: z-scores (the paper's)."""),
    "linear_path": Parameter(
        ["boolean"], "bool, default=True",
        """Each visible modality also adds a linear function of its columns to the
        logits, starting from an L2 logistic regression fitted on the training
        rows; the network learns what lies beyond. ``False``: the paper's head.""",
        {_R: ("bool, default=True",
              """Each visible modality also adds a linear function of its columns
              to the head's output. The mean starts from a ridge regression
              (``alpha=1``) fitted on the training rows, the variance from its
              residual variance; the network learns what lies beyond. ``False``:
              the paper's head.""")}),
    "label_smoothing": Parameter(
        [Interval(Real, 0, 1, closed="left")], "float in [0, 1), default=0.03",
        """Label smoothing of the cross-entropy (0: the paper's); measured in
        docs/backbone.md."""),
    "early_stopping": Parameter(
        ["boolean"], "bool, default=False",
        """Hold out ``validation_fraction`` of the training rows (stratified for a
        classifier) and stop when their task loss (``valid_loss``: cross-entropy
        or beta-NLL, without the contrastive term) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the best epoch's weights are kept
        (docs/tuning.md)."""),
    "validation_fraction": Parameter(
        [Interval(Real, 0, 1, closed="neither")], "float in (0, 1), default=0.1",
        """Fraction of the training rows held out for validation, with
        ``early_stopping`` or a callback that reads ``valid_*`` scores."""),
    "n_iter_no_change": Parameter(
        _positive_int(), "int, default=5",
        "``early_stopping`` only: epochs without improvement before training stops."),
    "tol": Parameter([Interval(Real, 0, None, closed="left")], "float >= 0, default=1e-3",
                     "``early_stopping`` only: the improvement of ``valid_loss`` that counts."),
    "max_stat_subsets": Parameter(
        _positive_int(), "int, default=127",
        """Subset statistics are exact for all ``2**M - 1`` subsets while that
        count is at most this; beyond it, this many subsets (spread over all
        sizes) are evaluated and pooled per subset size."""),
    "callbacks": Parameter(
        [list, None], "list of skorch callbacks, default=None",
        """Extra skorch callbacks or ``(name, callback)`` pairs (copied, never
        mutated), run after the built-in ones. ``EpochScoring`` scores each row's
        mean prediction over its training subsets (class indices; a regressor's
        mean in ``y``'s units); an ``LRScheduler`` replaces ``lr_schedule``; one
        reading ``valid_*`` scores (``EarlyStopping``, ``Checkpoint``,
        ``EpochScoring``) holds out ``validation_fraction`` of the rows. History
        columns: docs/tuning.md."""),
    "device": Parameter([str, torch.device], 'str, default="cpu"',
                        'Torch device for training and prediction, e.g. ``"cuda"``.'),
    "verbose": Parameter(
        ["verbose"], "int, default=0",
        """0: silent. 1: skorch's epoch table in ``fit``, and a progress bar (tqdm,
        if installed, on a terminal) for predict, tuning and recovery of more than
        100,000 rows. 2 adds skorch's per-batch bar. Other messages go to the
        ``logging`` logger ``"sklearn_dymo"``."""),
    "random_state": Parameter(
        ["random_state"], "int, RandomState instance or None, default=None",
        """Seeds weight initialisation, dropout, batch order, subset sampling, the
        recoverer (when its own ``random_state`` is None) and the statistics. The
        same seed gives identical predictions, also when fits run in threads or
        processes (docs/scaling_out.md)."""),
}


def parameter_constraints(estimator_class, task):
    """The ``_parameter_constraints`` table of an estimator's constructor."""
    names = inspect.signature(estimator_class.__init__).parameters
    table = {name: PARAMETERS[name].constraints for name in names if name != "self"}
    if task == _R:
        table["tuning_scoring"] = [StrOptions({"nll", "rmse"})]
    return table


def check_params(estimator):
    """Checks across parameters and of values a constraint cannot express.

    Run in ``fit`` after ``_validate_params`` (the constraints table).
    """
    from ._input._categorical import check_categorical_features
    from ._network._subsets import make_subset_sampler
    from ._recovery._recoverer import check_recoverer
    from ._selection._rewards import get_reward_rule

    for name, constraints in estimator._parameter_constraints.items():
        value = getattr(estimator, name)
        numeric = isinstance(constraints, list) and any(
            isinstance(c, Interval) for c in constraints)
        if numeric and isinstance(value, bool):
            # Interval admits bools (bool is an int); a number parameter does not.
            raise ValueError(f"The {name!r} parameter of {type(estimator).__name__} must "
                             f"be a number, not a bool. Got {value!r} instead.")
    if round(estimator.dropout * 256) >= 256:
        raise ValueError(
            f"dropout={estimator.dropout!r} rounds to 1 (dropout is a multiple of 1/256) "
            "and would drop every unit; use a value below 255/256")
    try:
        device = torch.device(estimator.device)
    except RuntimeError as error:
        raise ValueError(f"device={estimator.device!r} is not a torch device: {error}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={estimator.device!r}, but CUDA is not available to torch here "
            f"(torch {torch.__version__}); use device='cpu' or a CUDA build of torch")
    if estimator.d_model % estimator.n_heads:
        raise ValueError(
            f"n_heads={estimator.n_heads} must divide d_model={estimator.d_model}")
    if estimator.selection == "auto" and estimator.calibrate is not True:
        raise ValueError(
            "selection='auto' tunes calibration_strength of the calibrated reward "
            "(0 is the uncalibrated one), so it needs calibrate=True, got "
            f"calibrate={estimator.calibrate!r}"
        )
    resolve_tuning_missingness(estimator.tuning_missingness)
    if estimator.recoverer is not None:
        check_recoverer(estimator.recoverer)
    get_reward_rule(estimator.calibrate)
    check_categorical_features(getattr(estimator, "categorical_features", None))
    make_subset_sampler(estimator.subset_sampler, estimator.n_subsets)
    check_optimizer_keywords(resolve_optimizer(estimator.optimizer), estimator.weight_decay)
