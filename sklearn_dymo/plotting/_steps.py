"""Histogram of selection steps per sample (paper Fig. S3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._explain._pipeline import final_estimator
from ._matplotlib import axes_or_new
from ._reward_distribution import check_rewards


def steps_per_sample(rewards, rows):
    """Number of selection steps (reward rounds) each sample went through.

    A step is one round of Algorithm 1 in which the sample's remaining
    candidates were scored. A sample without candidates (everything
    observed) takes 0 steps; a sample whose first round rejects every
    candidate takes 1.

    Parameters
    ----------
    rewards : DataFrame
        ``selection_rewards_`` or ``SelectionResult.rewards``: indexed by
        the row each candidate belongs to, with a ``step`` column.
    rows : int or pandas Index
        The predicted rows' labels (``SelectionResult.used.index``), or
        their number when they are numbered from 0. Rows absent from
        ``rewards`` took 0 steps.

    Returns
    -------
    steps : ndarray of int, shape (n_samples,)

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_dymo.plotting import steps_per_sample
    >>> rewards = pd.DataFrame({"step": [0, 0, 1, 0]}, index=[0, 0, 0, 2])
    >>> steps_per_sample(rewards, 3).tolist()
    [2, 0, 1]
    """
    rows = pd.RangeIndex(rows) if isinstance(rows, (int, np.integer)) else pd.Index(rows)
    if not len(rewards):
        return np.zeros(len(rows), dtype=int)
    per_row = rewards.groupby(level=0)["step"].nunique()
    return per_row.reindex(rows, fill_value=0).to_numpy(dtype=int)


class StepsHistogramDisplay:
    """Bar chart of how many selection steps each sample needed.

    Create it with :meth:`from_estimator` or :meth:`from_rewards`.

    Parameters
    ----------
    steps : array-like of int, shape (n_samples,)
        Steps per sample, from :func:`steps_per_sample`.

    Attributes
    ----------
    bars_ : matplotlib.container.BarContainer
        One bar per number of steps from 0 to the maximum.
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sklearn_dymo.plotting import StepsHistogramDisplay
    >>> rewards = pd.DataFrame({"step": [0, 0, 1, 0],
    ...                         "modality": ["a", "b", "b", "a"],
    ...                         "reward": [0.3, 0.1, -0.2, -0.5],
    ...                         "accepted": [True, False, False, False]},
    ...                        index=[0, 0, 0, 2])
    >>> display = StepsHistogramDisplay.from_rewards(rewards, 3)
    >>> display.steps.tolist()
    [2, 0, 1]
    >>> [int(bar.get_height()) for bar in display.bars_]
    [1, 1, 1]
    """

    def __init__(self, steps):
        self.steps = np.asarray(steps, dtype=int)

    def plot(self, ax=None, *, color="#1f77b4"):
        """Draw one bar per number of steps.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        color : color, default="#1f77b4"

        Returns
        -------
        display : StepsHistogramDisplay
        """
        ax = axes_or_new(ax)
        counts = np.bincount(self.steps, minlength=1)
        self.bars_ = ax.bar(np.arange(counts.size), counts, color=color, edgecolor="black")
        ax.bar_label(self.bars_)
        ax.set_xticks(np.arange(counts.size))
        ax.set_xlabel("selection steps")
        ax.set_ylabel("samples")
        mean = self.steps.mean() if self.steps.size else 0.0
        ax.set_title(f"steps per sample (mean {mean:.2f})")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_rewards(cls, rewards, rows, *, ax=None, **plot_kw):
        """Draw from a rewards table.

        Parameters
        ----------
        rewards : DataFrame
            ``selection_rewards_`` or ``SelectionResult.rewards``.
        rows : int or pandas Index
            The predicted rows' labels, or their number (see
            :func:`steps_per_sample`).
        ax : matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : StepsHistogramDisplay
        """
        if len(rewards):
            check_rewards(rewards)
        return cls(steps_per_sample(rewards, rows)).plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(cls, estimator, X, *, selection=None, ax=None, **plot_kw):
        """Run selection on ``X`` with a fitted classifier and draw its steps.

        Parameters
        ----------
        estimator : fitted DyMoClassifier or Pipeline ending with one
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries.
        selection : {"iterative", "simultaneous"}, default=None
            Strategy; None uses the estimator's own.
        ax : matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : StepsHistogramDisplay
        """
        estimator, X = final_estimator(estimator, X)
        result = estimator.select_modalities(X, selection=selection)
        return cls.from_rewards(result.rewards, result.used.index, ax=ax, **plot_kw)
