"""Modality attributions: mean |Shapley value| per modality, or every row's value."""

from __future__ import annotations

import numpy as np

from .._explain._pipeline import final_estimator
from ._matplotlib import axes_or_new

KINDS = ("bar", "beeswarm")
PREFIX = "shapley__"


def _split_table(table):
    """``explain_modalities`` table -> (values, used) DataFrames over the modalities."""
    names = [c[len(PREFIX):] for c in table.columns if str(c).startswith(PREFIX)]
    if not names:
        raise ValueError(
            "the table has no shapley__<modality> columns; pass the DataFrame that "
            "explain_modalities returns")
    values = table[[PREFIX + n for n in names]].set_axis(names, axis=1)
    used_columns = [f"used__{n}" for n in names]
    if all(c in table.columns for c in used_columns):
        used = table[used_columns].set_axis(names, axis=1).astype(bool)
    else:
        used = values != 0
    return values.astype(float), used


class ModalityAttributionDisplay:
    """Which modalities drove the predictions: Shapley values per modality.

    ``kind="bar"``: one bar per modality, the mean absolute value over the
    rows (0 where a row did not use the modality), largest on top.
    ``kind="beeswarm"``: one dot per row that used the modality at its
    value, modalities in the same order; dots are spread vertically so
    that they do not hide each other.

    Create it with :meth:`from_estimator` or :meth:`from_attributions`.

    Parameters
    ----------
    values : DataFrame of shape (n_samples, n_modalities)
        Shapley values, one column per modality.
    used : DataFrame of bool, same shape
        Whether each row's prediction used the modality.

    Attributes
    ----------
    importances : Series
        Mean absolute value per modality, in drawing order (largest first).
    bars_ : matplotlib.container.BarContainer or None
        The bars (``kind="bar"``).
    collections_ : list of matplotlib.collections.PathCollection or None
        One scatter per modality, in drawing order (``kind="beeswarm"``).
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    See Also
    --------
    sklearn_dymo.inspection.explain_modalities : The values drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sklearn_dymo.plotting import ModalityAttributionDisplay
    >>> table = pd.DataFrame({"shapley__a": [0.5, -0.1], "shapley__b": [0.0, 0.3],
    ...                       "used__a": [True, True], "used__b": [False, True]})
    >>> display = ModalityAttributionDisplay.from_attributions(table)
    >>> display.importances.round(2).to_dict()
    {'a': 0.3, 'b': 0.15}
    >>> [round(float(bar.get_width()), 2) for bar in display.bars_]
    [0.3, 0.15]
    """

    def __init__(self, values, used):
        self.values = values
        self.used = used
        importance = values.where(used, 0.0).abs().mean(axis=0)
        # Largest first; ties in column order.
        order = np.lexsort((np.arange(importance.size), -importance.to_numpy()))
        self.importances = importance.iloc[order]

    def plot(self, ax=None, *, kind="bar", color="#1f77b4"):
        """Draw the bars or the dots.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        kind : {"bar", "beeswarm"}, default="bar"
        color : color, default="#1f77b4"

        Returns
        -------
        display : ModalityAttributionDisplay
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        ax = axes_or_new(ax)
        names = list(self.importances.index)
        positions = np.arange(len(names))[::-1]  # largest at the top
        self.bars_, self.collections_ = None, None
        if kind == "bar":
            self.bars_ = ax.barh(positions, self.importances.to_numpy(), color=color)
            ax.set_xlabel("mean |Shapley value|")
        else:
            self.collections_ = []
            for name, y in zip(names, positions):
                v = self.values.loc[self.used[name].to_numpy(), name].to_numpy()
                self.collections_.append(ax.scatter(v, y + _spread(v), s=10, color=color,
                                                    alpha=0.6, linewidths=0))
            ax.axvline(0.0, color="grey", linewidth=0.8)
            ax.set_xlabel("Shapley value")
        ax.set_yticks(positions, names)
        ax.set_ylabel("modality")
        ax.set_title("what each modality added to the prediction")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_attributions(cls, table, *, ax=None, **plot_kw):
        """Draw from the table of ``explain_modalities``.

        Parameters
        ----------
        table : DataFrame
            With ``shapley__<modality>`` columns (and ``used__<modality>``;
            without them, a value of 0 counts as not used).
        ax : matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : ModalityAttributionDisplay
        """
        return cls(*_split_table(table)).plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(cls, estimator, X, *, output=None, selection=None, max_exact=10,
                       n_permutations=64, random_state=None, ax=None, **plot_kw):
        """Explain the predictions of ``X`` and draw them.

        Parameters
        ----------
        estimator : fitted DyMoClassifier, DyMoRegressor or Pipeline ending with one
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries.
        output, selection, max_exact, n_permutations, random_state
            As in :func:`~sklearn_dymo.inspection.explain_modalities`.
        ax : matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : ModalityAttributionDisplay
        """
        estimator, X = final_estimator(estimator, X)
        table = estimator.explain_modalities(
            X, output=output, selection=selection, max_exact=max_exact,
            n_permutations=n_permutations, random_state=random_state)
        return cls.from_attributions(table, ax=ax, **plot_kw)


def _spread(values, width=0.7, n_bins=20):
    """Vertical offsets that spread dots of similar value (deterministic).

    Values fall into ``n_bins`` bins; a dot gets a uniform offset (from a
    fixed seed) whose range grows with its bin's count, up to ``width / 2``
    either side for the fullest bin, so dense regions are drawn wide.
    """
    if not values.size:
        return np.zeros(0)
    span = np.ptp(values) or 1.0
    bins = np.minimum(((values - values.min()) / span * n_bins).astype(int), n_bins - 1)
    counts = np.bincount(bins)
    spread = width * counts[bins] / counts.max()
    return (np.random.default_rng(0).random(values.size) - 0.5) * spread
