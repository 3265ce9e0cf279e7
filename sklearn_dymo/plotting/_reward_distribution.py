"""Reward distribution per modality, accepted versus rejected candidates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._explain._pipeline import final_estimator
from .._selection import EVALUATING_STRATEGIES
from ._matplotlib import axes_or_new

_COLORS = {True: "#1f77b4", False: "#bbbbbb"}
_REQUIRED = ("modality", "reward", "accepted")


def check_rewards(rewards):
    """Raise a clear error unless ``rewards`` is a non-empty rewards table."""
    if not isinstance(rewards, pd.DataFrame) or not set(_REQUIRED) <= set(rewards.columns):
        raise ValueError(
            "rewards must be a DataFrame with columns 'modality', 'reward' and "
            "'accepted' (selection_rewards_ or SelectionResult.rewards)"
        )
    if rewards.empty:
        raise ValueError(
            "rewards is empty: no candidate was evaluated (selection 'observed' or "
            "'all' computes no rewards, and fully observed samples have no candidates)"
        )


class RewardDistributionDisplay:
    """Box plots of the rewards of each modality, accepted versus rejected.

    Every evaluated candidate (one row of ``selection_rewards_``) lands in
    the accepted or the rejected box of its modality. Rewards above 0 are
    what Algorithm 1 can accept; the dashed line marks 0.

    Create it with :meth:`from_estimator` or :meth:`from_rewards`.

    Parameters
    ----------
    rewards : DataFrame
        Columns ``modality``, ``reward``, ``accepted``.
    modality_names : list of str, default=None
        Order of the modalities; the categories of ``rewards["modality"]``
        (or its sorted values) when None.

    Attributes
    ----------
    boxes_ : dict
        ``(modality, accepted) -> dict`` of the artists that
        :meth:`matplotlib.axes.Axes.boxplot` returned, for each non-empty group.
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sklearn_dymo.plotting import RewardDistributionDisplay
    >>> rewards = pd.DataFrame({"modality": ["a", "a", "b"],
    ...                         "reward": [0.4, -0.2, -1.0],
    ...                         "accepted": [True, False, False]})
    >>> display = RewardDistributionDisplay.from_rewards(rewards)
    >>> sorted(display.boxes_)
    [('a', False), ('a', True), ('b', False)]
    """

    def __init__(self, rewards, modality_names=None):
        check_rewards(rewards)
        self.rewards = rewards
        if modality_names is None:
            column = rewards["modality"]
            if isinstance(column.dtype, pd.CategoricalDtype):
                modality_names = list(column.cat.categories)
            else:
                modality_names = sorted(column.unique())
        self.modality_names = [str(name) for name in modality_names]

    def plot(self, ax=None, *, width=0.35, yscale="symlog", linthresh=None):
        """Draw the box plots.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        width : float, default=0.35
            Width of each box (two boxes per modality).
        yscale : str, default="symlog"
            Scale of the reward axis. Rejected rewards can reach -100 while
            accepted ones are often below 0.001; the symmetric log scale
            keeps both readable. ``"linear"`` draws them as they are.
        linthresh : float, default=None
            Half-width of the linear region around 0 of the symlog scale.
            None takes the 10th percentile of the non-zero absolute
            rewards, so that most rewards fall on the logarithmic part.

        Returns
        -------
        display : RewardDistributionDisplay
        """
        ax = axes_or_new(ax)
        modality = self.rewards["modality"].astype(str).to_numpy()
        reward = self.rewards["reward"].to_numpy(dtype=float)
        accepted = self.rewards["accepted"].to_numpy(dtype=bool)
        self.boxes_ = {}
        for j, name in enumerate(self.modality_names):
            for is_accepted, shift in ((False, -width / 2), (True, width / 2)):
                values = reward[(modality == name) & (accepted == is_accepted)]
                # -inf marks a rule that returned NaN (always rejected): no box position.
                values = values[np.isfinite(values)]
                if values.size == 0:
                    continue
                color = _COLORS[is_accepted]
                self.boxes_[(name, is_accepted)] = ax.boxplot(
                    values, positions=[j + shift], widths=width * 0.9,
                    patch_artist=True, manage_ticks=False,
                    boxprops={"facecolor": color}, medianprops={"color": "black"},
                )
        ax.axhline(0.0, color="black", linestyle="--", linewidth=1)
        if yscale == "symlog":
            if linthresh is None:
                magnitude = np.abs(reward[np.isfinite(reward) & (reward != 0)])
                linthresh = np.quantile(magnitude, 0.1) if magnitude.size else 1.0
            ax.set_yscale("symlog", linthresh=max(float(linthresh), 1e-12))
        else:
            ax.set_yscale(yscale)
        ax.set_xticks(range(len(self.modality_names)), self.modality_names)
        ax.set_xlim(-0.6, len(self.modality_names) - 0.4)
        ax.set_xlabel("recovered modality")
        ax.set_ylabel("reward")
        ax.set_title("rewards of evaluated candidates")
        from matplotlib.patches import Patch

        handles = [Patch(facecolor=_COLORS[True], edgecolor="black"),
                   Patch(facecolor=_COLORS[False], edgecolor="black")]
        ax.legend(handles, ["accepted", "rejected"], loc="center left",
                  bbox_to_anchor=(1.0, 0.5))
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_rewards(cls, rewards, modality_names=None, *, ax=None, **plot_kw):
        """Draw from a rewards table.

        Parameters
        ----------
        rewards : DataFrame
            ``selection_rewards_`` or ``SelectionResult.rewards``.
        modality_names : list of str, default=None
            Order of the modalities on the x axis.
        ax : matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : RewardDistributionDisplay
        """
        return cls(rewards, modality_names).plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(cls, estimator, X, *, selection=None, ax=None, **plot_kw):
        """Run selection on ``X`` with a fitted classifier and draw its rewards.

        Parameters
        ----------
        estimator : fitted DyMoClassifier or Pipeline ending with one
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries.
        selection : {"iterative", "simultaneous"}, default=None
            Strategy; None uses the estimator's own, or ``"iterative"`` where
            its own evaluates no candidate (``"observed"``, the classifier's
            default, and ``"all"``).
        ax : matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : RewardDistributionDisplay
        """
        estimator, X = final_estimator(estimator, X)
        if (selection is None
                and estimator.selection_params_["selection"] not in EVALUATING_STRATEGIES):
            selection = "iterative"  # the only rewards there are to draw
        result = estimator.select_modalities(X, selection=selection)
        return cls.from_rewards(result.rewards, estimator.modality_names_, ax=ax, **plot_kw)

