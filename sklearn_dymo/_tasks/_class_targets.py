"""Class targets: validation with errors that name the fault, stratified hold-outs.

The classification counterpart of ``_regression.py``: what
``DyMoClassifier`` checks about ``y`` before the shared data path runs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets

from .._input._validation import check_target_rows
from .._selection._tuning import MAX_TUNING_ROWS


def check_class_targets(y, n_samples):
    """1-D class labels of length ``n_samples``, with errors that name the fault."""
    y = check_target_rows(y, n_samples, "DyMoClassifier", "label")
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


def check_stratified_holdout(y_enc, classes, n_held, purpose, fix_rare, fix_size):
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


def stratified_tuning_split(y_enc, classes, fraction, seed):
    """Stratified (train, held-out) row indices for ``selection="auto"``.

    At most ``MAX_TUNING_ROWS`` rows are held out, so tuning cost stays
    bounded on large data.
    """
    n = y_enc.shape[0]
    n_tune = int(min(np.ceil(fraction * n), MAX_TUNING_ROWS))
    fix = "Change tuning_fraction, or use another selection."
    check_stratified_holdout(y_enc, classes, n_tune,
                             f"selection='auto' with tuning_fraction={fraction}", fix, fix)
    train, tune = train_test_split(np.arange(n), test_size=n_tune, stratify=y_enc,
                                   random_state=seed)
    return np.sort(train), np.sort(tune)


def logistic_start(x, y_enc, n_classes, sample_weight=None):
    """Weights ``(K, F)`` and bias ``(K,)`` of an L2 logistic regression on ``x``.

    The starting point of the network's linear path: ``x`` is the network
    input (scaled, 0 at the centre where an entry is missing). A binary
    model's single score ``s`` becomes the logits ``(-s / 2, s / 2)``, which
    give the same probabilities under a softmax. ``sample_weight`` weighs
    the rows of the fit.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    weight = np.zeros((n_classes, x.shape[1]))
    bias = np.zeros(n_classes)
    if np.unique(y_enc).size < 2:  # a subsample with one class: no start
        return weight, bias
    with warnings.catch_warnings():
        # A starting point: an unconverged solution is still a good one.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(C=1.0, max_iter=500).fit(x, y_enc,
                                                           sample_weight=sample_weight)
    present = model.classes_
    if present.size == 2:
        weight[present] = np.vstack([-model.coef_[0] / 2, model.coef_[0] / 2])
        bias[present] = [-model.intercept_[0] / 2, model.intercept_[0] / 2]
    else:
        weight[present], bias[present] = model.coef_, model.intercept_
    return weight, bias


def encode_class_targets(y, n_samples, validation_fraction=None):
    """Checked labels -> ``(classes, codes 0..K-1)``.

    At least two classes are needed; with ``validation_fraction`` (early
    stopping) the stratified hold-out must be possible too.
    """
    from sklearn.preprocessing import LabelEncoder

    y = check_class_targets(y, n_samples)
    encoder = LabelEncoder().fit(y)
    classes = encoder.classes_
    if len(classes) < 2:
        raise ValueError(f"y has only one class ({classes[0]!r}); DyMoClassifier "
                         "needs samples of at least 2 classes")
    y_enc = encoder.transform(y)
    if validation_fraction is not None:
        check_stratified_holdout(
            y_enc, classes, int(np.ceil(validation_fraction * len(y_enc))),
            f"early_stopping with validation_fraction={validation_fraction}",
            "Use early_stopping=False, or drop or merge the rarest classes.",
            "Raise or lower validation_fraction, or use early_stopping=False.")
    return classes, y_enc


def check_class_weight(class_weight, classes):
    """A ``class_weight`` dict -> weight per class ``(K,)``; a class left out weighs 1.

    Keys that are not classes of ``y`` and weights that are negative or not
    finite are errors that name them.
    """
    unknown = [key for key in class_weight if key not in set(classes.tolist())]
    if unknown:
        raise ValueError(f"class_weight names classes that are not in y: {unknown[:10]}; "
                         f"the classes are {classes.tolist()[:20]}")
    by_class = np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])
    bad = ~np.isfinite(by_class) | (by_class < 0)
    if bad.any():
        raise ValueError("class_weight must be finite and >= 0; got "
                         f"{ {c: class_weight[c] for c in classes[bad].tolist()} }")
    return by_class


def class_explanation_columns(classes, proba):
    """``proba__<class>`` columns and the ``prediction`` of ``explain_selection``."""
    columns = {f"proba__{c}": proba[:, k] for k, c in enumerate(classes)}
    columns["prediction"] = classes[np.argmax(proba, axis=1)]
    return columns
