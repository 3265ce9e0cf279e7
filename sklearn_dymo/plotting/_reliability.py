"""Reliability diagram: how often the predicted class is right, against its probability."""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder

from ._matplotlib import axes_or_new


def reliability_bins(y_true, proba, n_bins=10, classes=None):
    """Per equal-width bin of the top probability: mean confidence, accuracy, count.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels, in ``classes`` (default: the sorted labels of ``y_true``).
    proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, columns in the order of ``classes``.
    n_bins : int, default=10
    classes : array-like of shape (n_classes,), default=None
        The labels of the columns of ``proba`` (``classes_`` of the model).

    Returns
    -------
    confidence, accuracy : float64 ndarray of shape (n_bins,)
        NaN in bins without a row.
    count : int ndarray of shape (n_bins,)
    ece : float
        Expected calibration error: ``sum(count * |accuracy - confidence|) / n``.
    """
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[0] != len(y_true):
        raise ValueError(
            f"proba must have one row per label, shape (n_samples, n_classes); got shape "
            f"{proba.shape} for {len(y_true)} labels")
    encoder = LabelEncoder().fit(np.asarray(classes) if classes is not None else y_true)
    unknown = np.setdiff1d(np.unique(y_true), encoder.classes_)
    if unknown.size:
        raise ValueError(f"labels {unknown.tolist()} are not among the classes "
                         f"{encoder.classes_.tolist()}")
    if len(encoder.classes_) != proba.shape[1]:
        raise ValueError(f"proba has {proba.shape[1]} columns for "
                         f"{len(encoder.classes_)} classes")
    y = encoder.transform(y_true)
    top = proba.max(1)
    correct = (proba.argmax(1) == y).astype(np.float64)
    bins = np.minimum((top * n_bins).astype(int), n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.bincount(bins, weights=top, minlength=n_bins) / count
        accuracy = np.bincount(bins, weights=correct, minlength=n_bins) / count
    seen = count > 0
    ece = float((count[seen] * np.abs(accuracy[seen] - confidence[seen])).sum()
                / max(count.sum(), 1))
    return confidence, accuracy, count, ece


class ReliabilityDisplay:
    """Reliability diagram of a classifier's top-class probability.

    Rows are binned by the probability of their predicted class; each
    point is a bin's mean probability against the share of its rows whose
    predicted class is right. A calibrated model lies on the diagonal;
    points below it are overconfident. Works for any number of classes
    (the top label), and ``ece`` is the expected calibration error.

    Create it with :meth:`from_estimator` or :meth:`from_predictions`.

    Parameters
    ----------
    confidence, accuracy : ndarray of shape (n_bins,)
        Per bin (NaN where empty).
    count : ndarray of shape (n_bins,)
    ece : float
    name : str or None
        Legend label.

    Attributes
    ----------
    line_ : matplotlib.lines.Line2D
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    See Also
    --------
    sklearn.calibration.CalibrationDisplay : The binary version (positive class).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_dymo.plotting import ReliabilityDisplay
    >>> y = np.array([0, 0, 1, 1])
    >>> proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.55, 0.45]])
    >>> display = ReliabilityDisplay.from_predictions(y, proba, n_bins=2)
    >>> display.count.tolist(), round(display.ece, 4)
    ([0, 4], 0.0375)
    """

    def __init__(self, confidence, accuracy, count, ece, name=None):
        self.confidence = confidence
        self.accuracy = accuracy
        self.count = count
        self.ece = ece
        self.name = name

    def plot(self, ax=None, *, name=None, **line_kw):
        """Draw the diagonal and the bins.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Legend label (the display's ``name`` when None).
        **line_kw
            Passed to ``ax.plot``.

        Returns
        -------
        display : ReliabilityDisplay
        """
        ax = axes_or_new(ax)
        name = self.name if name is None else name
        if not any(line.get_label() == "calibrated" for line in ax.get_lines()):
            ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8,
                    label="calibrated")
        seen = self.count > 0
        label = f"ECE {self.ece:.3f}" if name is None else f"{name} (ECE {self.ece:.3f})"
        self.line_, = ax.plot(self.confidence[seen], self.accuracy[seen], marker="o",
                              label=label, **line_kw)
        ax.set_xlim(0, 1.0)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("probability of the predicted class")
        ax.set_ylabel("share of rows predicted right")
        ax.legend(loc="upper left")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(cls, y_true, proba, *, classes=None, n_bins=10, name=None, ax=None,
                         **line_kw):
        """Draw from labels and predicted probabilities.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
        proba : array-like of shape (n_samples, n_classes)
            Columns in the order of ``classes`` (the sorted labels of
            ``y_true`` when None).
        classes : array-like, default=None
        n_bins : int, default=10
        name : str, default=None
        ax : matplotlib Axes, default=None
        **line_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : ReliabilityDisplay
        """
        return cls(*reliability_bins(y_true, proba, n_bins, classes), name=name).plot(
            ax=ax, **line_kw)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, n_bins=10, name=None, ax=None, **line_kw):
        """Predict ``X`` with a fitted classifier and draw its reliability.

        Parameters
        ----------
        estimator : fitted DyMoClassifier or Pipeline ending with one
            Any fitted classifier with ``predict_proba`` and ``classes_`` works.
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        n_bins : int, default=10
        name : str, default=None
            Legend label (the estimator's class name when None).
        ax : matplotlib Axes, default=None
        **line_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : ReliabilityDisplay
        """
        # The Pipeline transforms X once, in its own predict_proba.
        model = estimator[-1] if isinstance(estimator, Pipeline) else estimator
        proba = estimator.predict_proba(X)
        name = type(model).__name__ if name is None else name
        return cls.from_predictions(y, proba, classes=model.classes_, n_bins=n_bins,
                                    name=name, ax=ax, **line_kw)
