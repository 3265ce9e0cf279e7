"""How far recovering a modality moves the regressor's prediction.

The network learns from observed values only, so it takes a recovered
modality at face value: its predicted variance shrinks as if the modality
had been measured, and the reward ``0.5 log(var_S / var_{S+u})`` pays for
information the recovery does not carry. By the law of total variance, a
prediction from a recovered ``u`` has the network's variance plus the
spread of its mean over what ``u`` could have been. ``fit`` estimates that
spread per modality, out of fold:

1. the training rows are split in two; the recoverer is refitted on one
   half and recovers the other, so no row is recovered from itself;
2. for each training row that observes at least two modalities, a target
   ``u`` and a kept set ``S`` (1 to all of its other observed modalities,
   the size drawn uniformly) are drawn; every modality outside ``S`` is
   hidden and recovered from ``S`` alone, as at predict time;
3. the network predicts under ``S + u`` twice: with ``u``'s true values and
   with its recovered ones. ``v_u`` is the mean squared difference of the
   two predicted means (standardised units).

Selection and the reported standard deviation then use
``var + sum of v_u over the recovered modalities in the set``: a modality
the recoverer cannot reconstruct no longer looks informative.
"""

from __future__ import annotations

import numpy as np
import torch

from .._input._masks import blank_modalities
from .._network._subsets import random_observed_subsets, repeat_rows

#: Pairs drawn per training row are raised until about this many in all.
TARGET_PAIRS = 2000
#: At most this many pairs per training row.
MAX_DRAWS_PER_ROW = 4
#: Rows predicted together when comparing true and recovered inputs.
CHUNK = 4096


def draw_pairs(observed, rng):
    """Random (row, kept set ``S``, target ``u``) with ``u`` and ``S`` observed.

    Parameters
    ----------
    observed : bool ndarray (n, M)
    rng : numpy Generator

    Returns
    -------
    rows : int ndarray (P,)
    kept : bool ndarray (P, M)
        ``S``: nonempty, observed, without ``u``.
    target : int ndarray (P,)
    """
    eligible = np.flatnonzero(observed.sum(1) >= 2)
    if not eligible.size:
        return np.zeros(0, dtype=np.int64), np.zeros((0, observed.shape[1]), bool), \
            np.zeros(0, dtype=np.int64)
    rows, _ = repeat_rows(eligible, TARGET_PAIRS, MAX_DRAWS_PER_ROW)
    obs = observed[rows]
    n_pairs, n_mod = obs.shape
    # u: a uniform pick among the row's observed modalities.
    target = np.argmax(np.where(obs, rng.random((n_pairs, n_mod)), -1.0), axis=1)
    rest = obs.copy()
    rest[np.arange(n_pairs), target] = False
    return rows, random_observed_subsets(rest, rng), target


@torch.no_grad()
def _means(module, x, masks, mean_of):
    module.eval()
    device = next(module.parameters()).device  # x lives on the CPU
    parts = [mean_of(module(x[i:i + CHUNK].to(device), masks[i:i + CHUNK].to(device))[0])
             for i in range(0, x.shape[0], CHUNK)]
    return torch.cat(parts).double().cpu().numpy()


def recovery_variance(module, x, values, observed, columns, fit_recoverer, recover_rows,
                      mean_of, seed):
    """Out-of-fold ``v_u`` per modality (see the module docstring).

    Parameters
    ----------
    module : DyMoNetwork (trained)
    x : float32 Tensor (n, F)
        Network input of the training rows (missing entries 0).
    values : float64 ndarray (n, F)
        Training values in the network's column space, NaN where missing.
    observed : bool ndarray (n, M)
        Fully observed modalities of the training rows.
    columns : list of int ndarrays
        The columns of each modality in ``values`` and ``x``.
    fit_recoverer : callable ``(values) -> fitted recoverer``
    recover_rows : callable ``(recoverer, values with NaN) -> network input Tensor``
    mean_of : callable ``(logits) -> predicted mean``
    seed : int

    Returns
    -------
    float64 ndarray (M,)
        0 where nothing could be measured (no row observes two modalities).
    """
    n, n_mod = observed.shape
    rng = np.random.default_rng(seed)
    fold = rng.permutation(n) % 2
    owner = np.zeros((n_mod, x.shape[1]), dtype=bool)
    for m, cols in enumerate(columns):
        owner[m, cols] = True
    owner = torch.as_tensor(owner, device=x.device)
    squared, targets = [], []
    for part in (0, 1):
        inside = np.flatnonzero(fold == part)
        rows, kept, target = draw_pairs(observed[inside], rng)
        if not rows.size or inside.size == n:
            continue
        rows = inside[rows]
        recoverer = fit_recoverer(values[fold != part])
        # Everything outside S is hidden and recovered from S alone.
        x_recovered = recover_rows(recoverer, blank_modalities(values[rows], ~kept, columns))
        x_true = x[torch.as_tensor(rows, device=x.device)]
        target_t = torch.as_tensor(target, device=x.device)
        x_swapped = torch.where(owner[target_t], x_recovered.to(x.device), x_true)
        masks = torch.as_tensor(kept, device=x.device)
        masks[torch.arange(rows.size, device=x.device), target_t] = True
        shift = _means(module, x_swapped, masks, mean_of) - _means(module, x_true, masks,
                                                                  mean_of)
        squared.append(shift**2)
        targets.append(target)
    if not squared:
        return np.zeros(n_mod)
    squared, targets = np.concatenate(squared), np.concatenate(targets)
    count = np.bincount(targets, minlength=n_mod)
    total = np.bincount(targets, weights=squared, minlength=n_mod)
    # A modality never drawn as a target (observed by too few rows) gets the
    # pooled figure: its recovery is no better known than the others'.
    return np.where(count > 0, total / np.maximum(count, 1), squared.mean())
