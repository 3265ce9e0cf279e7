"""Rows a task keeps out of the network's training, and their predictions.

The regressor's variance factors (``variance_holdout``) and the
classifier's probability temperatures (``probability_holdout``) are both
fitted on training rows the network never saw, predicted from all they
observe and from random subsets of it: the network's miscalibration may
differ with the number of modalities a prediction uses.
"""

from __future__ import annotations

import numpy as np

from .._network._subsets import random_observed_subsets, repeat_rows

#: Fewer held-out rows (or predictions of a set size) than this: no factor of its own.
MIN_HOLDOUT_ROWS = 10

#: Predictions of held-out rows (under random subsets) behind the factors.
HOLDOUT_PREDICTIONS = 2000
#: At most this many subsets per held-out row.
MAX_HOLDOUT_DRAWS = 8


def holdout_predictions(held, observed, seed):
    """Rows and modality sets of the held-out predictions behind a task's factors.

    Each held-out row (``held``: indices into ``observed``, rows observing
    something) is predicted from all it observes and from random subsets of
    it. Empty when fewer than ``MIN_HOLDOUT_ROWS`` rows are held out.
    """
    if held.size < MIN_HOLDOUT_ROWS:
        return np.zeros(0, dtype=np.int64), np.zeros((0, observed.shape[1]), dtype=bool)
    rows, draws = repeat_rows(held, HOLDOUT_PREDICTIONS, MAX_HOLDOUT_DRAWS)
    masks = random_observed_subsets(observed[rows], np.random.default_rng(seed))
    masks[::draws] = observed[held]
    return rows, masks


def holdout_inputs(fit):
    """Held-out predictions of a network fit: (rows, masks, network input of the rows).

    ``fit`` is a :class:`~._base.NetworkFit`; ``rows`` index ``fit.all_rows``
    (held-out rows that observe something, repeated under random subsets,
    see :func:`holdout_predictions`). ``(None, None, None)`` when nothing was
    held out or too few rows were.
    """
    if fit.held is None:
        return None, None, None
    all_rows, path = fit.all_rows, fit.data_path
    rows, masks = holdout_predictions(fit.held[all_rows.observed[fit.held].any(1)],
                                      all_rows.observed, fit.seed)
    if not rows.size:
        return None, None, None
    x = path.training_input(*path.one_hot(all_rows.values[rows], all_rows.missing[rows]))
    return rows, masks, x


def holdout_split(n_samples, fraction, seed, classes=None):
    """Sorted (fit, held-out) row indices for a hold-out ``fraction``; held-out None if off.

    With ``classes`` (encoded labels), each class keeps the same share out,
    rounded down, and at least one row of it in training: a rare class is
    never lost to the network.
    """
    n_held = int(round(fraction * n_samples))
    if n_held < MIN_HOLDOUT_ROWS:
        return np.arange(n_samples), None
    order = np.random.default_rng(seed).permutation(n_samples)
    if classes is None:
        held = order[:n_held]
    else:
        label = np.asarray(classes)[order]
        # Rank of each row within its class, in the shuffled order.
        by_class = np.argsort(label, kind="stable")
        counts = np.bincount(label)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        rank = np.empty(n_samples, dtype=np.int64)
        rank[by_class] = np.arange(n_samples) - np.repeat(starts, counts)
        quota = np.minimum(np.floor(fraction * counts).astype(np.int64), counts - 1)
        held = order[rank < quota[label]]
        if held.size < MIN_HOLDOUT_ROWS:
            return np.arange(n_samples), None
    fit = np.setdiff1d(np.arange(n_samples), held)
    return fit, np.sort(held)
