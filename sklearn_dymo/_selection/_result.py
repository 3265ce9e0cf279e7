"""``SelectionResult``: what one run of modality selection returns.

One type for every way of asking (``select_modalities``,
``explain_selection``, and the ``selection_path_`` / ``selection_rewards_``
that ``predict`` records from it). Everything in it is keyed by the rows of
``X`` (a DataFrame's index, else positions) and each of its rows depends
only on its row of ``X``: results of row blocks, concatenated, equal the
result of all rows at once. That is what makes it safe where
``selection_path_`` is not (parallel or threaded prediction, dask
partitions, wrappers such as ``CalibratedClassifierCV``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd


@dataclass
class SelectionResult:
    """Outputs, paths and rewards of one run of selection, keyed by the rows of ``X``.

    Attributes
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Class probabilities from each sample's final modality set. For
        :class:`DyMoRegressor`, shape (n_samples, 2): the predicted mean
        and standard deviation, in the target's units.
    path : list of tuple of str
        Per sample, the recovered modalities added, in order.
    rewards : DataFrame, one row per evaluated candidate
        Indexed by the row of ``X`` it belongs to (a label repeats once per
        candidate); columns ``step``, ``modality`` (categorical over the
        modality names), ``reward`` and ``accepted``. Sorted by row, step
        and modality. Empty for ``"observed"`` and ``"all"``.
    used : DataFrame of bool, shape (n_samples, n_modalities)
        The final modality set of each sample (observed or selected), same
        index as ``X``.
    table : DataFrame, one row per row of ``X``, same index
        Per modality ``m``: ``observed__m`` (bool: ``m`` started as
        observed, i.e. all its columns present, or at least
        ``min_observed_fraction`` of them) and ``step__m`` (nullable
        ``Int64``: the selection step at which the recovered ``m`` was
        added, 0 first; ``<NA>`` when ``m`` was observed or not used). Then
        ``proba__<class>`` per class (float64, as ``predict_proba``) and
        ``prediction`` (as ``predict``) for a classifier; ``mean``, ``std``
        and ``prediction`` for a regressor. Strategies without rewards
        (``"all"``, and ``"observed"`` for a row that observed nothing) add
        their recovered modalities at step 0.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_dymo import DyMoClassifier
    >>> from sklearn_dymo.datasets import load_breast_cancer_modalities, drop_modalities
    >>> data = load_breast_cancer_modalities()
    >>> clf = DyMoClassifier(modalities=data.modalities, max_epochs=3, random_state=0)
    >>> clf = clf.fit(data.data, data.target)
    >>> X_test = drop_modalities(data.data[:6], data.modalities, rate=0.6, random_state=0)
    >>> X_test = pd.DataFrame(X_test, index=[f"patient{i}" for i in range(6)])
    >>> result = clf.select_modalities(X_test, selection="all")
    >>> result.proba.shape, list(result.used.columns)
    ((6, 2), ['mean', 'se', 'worst'])
    >>> list(result.table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['observed__mean', 'observed__se', 'observed__worst', 'step__mean', 'step__se',
     'step__worst', 'proba__0', 'proba__1', 'prediction']
    >>> result.table.index.equals(X_test.index)
    True
    >>> list(result.rewards.columns)
    ['step', 'modality', 'reward', 'accepted']
    """

    proba: np.ndarray
    path: list
    rewards: pd.DataFrame
    used: pd.DataFrame
    #: The task's columns of ``table`` (``proba__<class>``, ``prediction``, ...).
    outputs: dict = field(repr=False, default_factory=dict)
    #: Row position of each row of ``rewards`` (labels of ``X`` may repeat).
    reward_rows: np.ndarray = field(repr=False, default=None)

    @cached_property
    def table(self):
        """The row-aligned table (see the class docstring)."""
        names = list(self.used.columns)
        steps = _steps(self, names)
        used = self.used.to_numpy(dtype=bool)
        # Observed = used but not added by selection (a row that observed
        # nothing and fell back to its recovered modalities added all of them).
        observed = used & (steps < 0)
        columns = {f"observed__{name}": observed[:, m] for m, name in enumerate(names)}
        for m, name in enumerate(names):
            step = pd.array(np.where(steps[:, m] >= 0, steps[:, m], 0), dtype="Int64")
            step[steps[:, m] < 0] = pd.NA
            columns[f"step__{name}"] = step
        columns.update(self.outputs)
        return pd.DataFrame(columns, index=self.used.index)


def _steps(result, names):
    """``(n, M)`` int array: step at which each recovered modality was
    added, -1 where it was not added."""
    steps = np.full((len(result.used), len(names)), -1, dtype=np.int64)
    position = {name: m for m, name in enumerate(names)}
    # Strategies without rewards ("all", "observed") add their whole path at once.
    for row, path in enumerate(result.path):
        for name in path:
            steps[row, position[name]] = 0
    accepted = result.rewards["accepted"].to_numpy(dtype=bool)
    if accepted.any():
        rows = result.reward_rows[accepted]
        steps[rows, result.rewards["modality"].cat.codes.to_numpy()[accepted]] = (
            result.rewards["step"].to_numpy()[accepted])
    return steps


def reward_table(sample, step, modality, reward, accepted, index, modality_names):
    """Selection records -> (rewards table keyed by ``index`` and sorted, row positions)."""
    order = np.lexsort((modality, step, sample))
    return sample[order], pd.DataFrame(
        {
            "step": step[order],
            "modality": pd.Categorical.from_codes(modality[order],
                                                  categories=modality_names),
            "reward": reward[order],
            "accepted": accepted[order],
        },
        index=index[sample[order]],
    )
