"""Per-row selection results as data: one rectangular table and one long
reward table, both keyed by the rows of ``X``.

``selection_path_`` lives on the estimator and describes only the last
call, which means nothing when predictions run in parallel (dask-ml's
``ParallelPostFit``, threaded schedulers, ``CalibratedClassifierCV``). The
tables built here are returned, not stored, and each of their rows depends
only on its row of ``X``: built block by block and concatenated, they equal
the tables built on all rows at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class SelectionExplanation:
    """What :meth:`DyMoClassifier.explain_selection` returns.

    Attributes
    ----------
    table : DataFrame, one row per row of ``X``, same index
        Per modality ``m``: ``observed__m`` (bool: ``m`` started as observed,
        i.e. all its columns present, or at least ``min_observed_fraction``
        of them) and ``step__m`` (nullable ``Int64``: the selection step at which
        the recovered ``m`` was added, 0 first; ``<NA>`` when ``m`` was
        observed or not used). Then ``proba__<class>`` per class (float64,
        as ``predict_proba``) and ``prediction`` (as ``predict``).
        Strategies without rewards (``"all"``, and ``"observed"`` for a row
        that observed nothing) add their recovered modalities at step 0.
    rewards : DataFrame, one row per evaluated candidate
        Indexed by the row of ``X`` it belongs to (a label repeats once per
        candidate); columns ``step``, ``modality`` (categorical over the
        modality names), ``reward`` and ``accepted``. Sorted by row, step
        and modality. Empty for ``"observed"`` and ``"all"``.

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
    >>> explanation = clf.explain_selection(X_test)
    >>> list(explanation.table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['observed__mean', 'observed__se', 'observed__worst', 'step__mean', 'step__se',
     'step__worst', 'proba__0', 'proba__1', 'prediction']
    >>> explanation.table.index.equals(X_test.index)
    True
    >>> list(explanation.rewards.columns)
    ['step', 'modality', 'reward', 'accepted']
    >>> set(explanation.rewards.index) <= set(X_test.index)
    True
    """

    table: pd.DataFrame
    rewards: pd.DataFrame


def _steps(result, n_rows, n_modalities, names):
    """``(n, M)`` int array: step at which each recovered modality was
    added, -1 where it was not added."""
    steps = np.full((n_rows, n_modalities), -1, dtype=np.int64)
    position = {name: m for m, name in enumerate(names)}
    # Strategies without rewards ("all", "observed") add their whole path at once.
    for row, path in enumerate(result.path):
        for name in path:
            steps[row, position[name]] = 0
    accepted = result.rewards[result.rewards["accepted"].to_numpy(dtype=bool)]
    if len(accepted):
        steps[accepted["sample"].to_numpy(), accepted["modality"].cat.codes.to_numpy()] = (
            accepted["step"].to_numpy())
    return steps


def build_explanation(result, index, modality_names, outputs):
    """Tables of a :class:`SelectionResult` keyed by ``index``.

    Parameters
    ----------
    result : SelectionResult
        From the estimator's selection on the rows of ``index``.
    index : pandas Index of length n_samples
    modality_names : list of str
    outputs : dict of str -> array of length n_samples
        The task's columns after the modality columns, in order
        (``proba__<class>`` and ``prediction`` for a classifier; ``mean``,
        ``std`` and ``prediction`` for a regressor).

    Returns
    -------
    SelectionExplanation
    """
    n_rows, n_modalities = len(index), len(modality_names)
    steps = _steps(result, n_rows, n_modalities, modality_names)
    used = result.used.to_numpy(dtype=bool)
    # Observed = used but not added by selection (a row that observed
    # nothing and fell back to its recovered modalities added all of them).
    observed = used & (steps < 0)
    columns = {}
    for m, name in enumerate(modality_names):
        columns[f"observed__{name}"] = observed[:, m]
    for m, name in enumerate(modality_names):
        columns[f"step__{name}"] = pd.array(
            np.where(steps[:, m] >= 0, steps[:, m], 0), dtype="Int64")
        columns[f"step__{name}"][steps[:, m] < 0] = pd.NA
    columns.update(outputs)
    table = pd.DataFrame(columns, index=index)

    rewards = result.rewards
    order = np.lexsort((rewards["modality"].cat.codes.to_numpy(),
                        rewards["step"].to_numpy(), rewards["sample"].to_numpy()))
    rewards = rewards.iloc[order]
    rewards = pd.DataFrame(
        {
            "step": rewards["step"].to_numpy(),
            "modality": rewards["modality"].to_numpy(),
            "reward": rewards["reward"].to_numpy(),
            "accepted": rewards["accepted"].to_numpy(),
        },
        index=index[rewards["sample"].to_numpy()],
    )
    rewards["modality"] = pd.Categorical(rewards["modality"], categories=modality_names)
    return SelectionExplanation(table=table, rewards=rewards)
