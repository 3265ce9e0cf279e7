"""Prediction transitions: correct/incorrect before selection versus after (paper Fig. 5a)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._explain._pipeline import final_estimator
from ._matplotlib import axes_or_new

_STATES = ("correct", "incorrect")
_COLORS = {"correct": "#2ca02c", "incorrect": "#d62728"}


def transition_counts(y_true, y_before, y_after):
    """2 x 2 table of samples by correctness before (rows) and after (columns).

    Parameters
    ----------
    y_true, y_before, y_after : array-like of shape (n_samples,)
        True labels, predictions from the observed modalities only, and
        predictions after selection.

    Returns
    -------
    counts : DataFrame of int
        Index ``before`` and columns ``after``, both ``["correct", "incorrect"]``.

    Examples
    --------
    >>> from sklearn_dymo.plotting import transition_counts
    >>> counts = transition_counts(y_true=[0, 1, 1], y_before=[0, 0, 0],
    ...                            y_after=[0, 1, 0])
    >>> int(counts.loc["incorrect", "correct"])  # mispredictions that selection fixed
    1
    """
    y_true, y_before, y_after = (np.asarray(a) for a in (y_true, y_before, y_after))
    if not y_true.shape == y_before.shape == y_after.shape or y_true.ndim != 1:
        raise ValueError("y_true, y_before and y_after must be 1-D and of the same length")
    before = np.where(y_before == y_true, "correct", "incorrect")
    after = np.where(y_after == y_true, "correct", "incorrect")
    counts = pd.crosstab(pd.Categorical(before, categories=_STATES),
                         pd.Categorical(after, categories=_STATES), dropna=False)
    counts.index.name, counts.columns.name = "before", "after"
    return counts.astype(int)


def _ribbon_edges(x0, x1, n=50):
    """Smooth step (cosine) from 0 to 1 between x0 and x1, for Sankey ribbons."""
    x = np.linspace(x0, x1, n)
    return x, (1 - np.cos(np.linspace(0, np.pi, n))) / 2


class PredictionTransitionDisplay:
    """Sankey diagram of predictions before and after modality selection.

    The left bar splits the samples into correct and incorrect predictions
    from the observed modalities only; the right bar, after selection.
    Ribbons connect them, so mispredictions that selection corrected (and
    correct predictions it broke) are visible, as in Fig. 5a of the DyMo
    paper.

    Create it with :meth:`from_estimator` or :meth:`from_predictions`.

    Parameters
    ----------
    counts : DataFrame of int, shape (2, 2)
        From :func:`transition_counts`: rows ``before``, columns ``after``.

    Attributes
    ----------
    bars_ : dict
        ``(side, state) -> Rectangle`` with side ``"before"`` or ``"after"``;
        the height of a bar is its number of samples.
    ribbons_ : dict
        ``(before_state, after_state) -> PolyCollection`` for each non-empty
        transition.
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_dymo.plotting import PredictionTransitionDisplay
    >>> display = PredictionTransitionDisplay.from_predictions(
    ...     y_true=[0, 1, 1, 0], y_before=[0, 0, 0, 0], y_after=[0, 1, 0, 1])
    >>> display.counts  # doctest: +NORMALIZE_WHITESPACE
    after      correct  incorrect
    before
    correct          1          1
    incorrect        1          1
    """

    def __init__(self, counts):
        self.counts = counts

    def plot(self, ax=None, *, bar_width=0.12, labels=("observed only", "after selection")):
        """Draw the two stacked bars and the ribbons between them.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        bar_width : float, default=0.12
            Width of each bar (the bars stand at x = 0 and x = 1).
        labels : tuple of two str, default=("observed only", "after selection")
            Tick labels of the two bars.

        Returns
        -------
        display : PredictionTransitionDisplay
        """
        ax = axes_or_new(ax)
        counts = self.counts.loc[list(_STATES), list(_STATES)].to_numpy()
        half = bar_width / 2
        self.bars_, self.ribbons_ = {}, {}
        # Bars: correct at the bottom, incorrect on top.
        bottoms = {}
        for side, x, totals in (("before", 0.0, counts.sum(1)), ("after", 1.0, counts.sum(0))):
            bottom = 0.0
            for state, total in zip(_STATES, totals):
                (bar,) = ax.bar(x, total, width=bar_width, bottom=bottom,
                                color=_COLORS[state], edgecolor="black")
                if total:
                    ax.text(x + (-half - 0.02 if side == "before" else half + 0.02),
                            bottom + total / 2, f"{state}\n{total}", va="center",
                            ha="right" if side == "before" else "left")
                self.bars_[(side, state)] = bar
                bottoms[(side, state)] = bottom
                bottom += total
        # Ribbons: leave each left block in after-state order, enter each
        # right block in before-state order, so ribbons never overlap.
        left_offset = dict.fromkeys(_STATES, 0.0)
        right_offset = dict.fromkeys(_STATES, 0.0)
        xs, t = _ribbon_edges(half, 1 - half)
        for i, before in enumerate(_STATES):
            for j, after in enumerate(_STATES):
                size = counts[i, j]
                if size == 0:
                    continue
                y0 = bottoms[("before", before)] + left_offset[before]
                y1 = bottoms[("after", after)] + right_offset[after]
                lower = y0 + (y1 - y0) * t
                self.ribbons_[(before, after)] = ax.fill_between(
                    xs, lower, lower + size, color=_COLORS[after], alpha=0.35, linewidth=0)
                left_offset[before] += size
                right_offset[after] += size
        ax.set_xticks([0, 1], list(labels))
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylabel("samples")
        corrected, broken = counts[1, 0], counts[0, 1]
        ax.set_title(f"prediction transitions: {corrected} corrected, {broken} broken")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(cls, y_true, y_before, y_after, *, ax=None, **plot_kw):
        """Draw from true labels and the two sets of predictions.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
        y_before : array-like of shape (n_samples,)
            Predictions from the observed modalities only.
        y_after : array-like of shape (n_samples,)
            Predictions after selection.
        ax : matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : PredictionTransitionDisplay
        """
        return cls(transition_counts(y_true, y_before, y_after)).plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, selection=None, ax=None, **plot_kw):
        """Predict ``X`` from observed modalities only and after selection; draw both.

        Parameters
        ----------
        estimator : fitted DyMoClassifier or Pipeline ending with one
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries.
        y : array-like of shape (n_samples,)
            True labels.
        selection : str, default=None
            Strategy of the "after" predictions; None uses the estimator's own.
        ax : matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : PredictionTransitionDisplay
        """
        estimator, X = final_estimator(estimator, X)
        classes = estimator.classes_
        before = classes[estimator.select_modalities(X, selection="observed").proba.argmax(1)]
        after = classes[estimator.select_modalities(X, selection=selection).proba.argmax(1)]
        return cls.from_predictions(y, before, after, ax=ax, **plot_kw)
