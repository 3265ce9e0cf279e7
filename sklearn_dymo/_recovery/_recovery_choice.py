"""Which recovery each modality gets, chosen by out-of-fold reconstruction error.

Two candidates fill a modality's missing entries: the recoverer (the
default KNN reads every entry the row observed, whatever the modality) and
the Gaussian conditional mean of ``_partial_fill`` (linear in the row's
present entries; the joint Gaussian's covers every modality, a
per-modality one only the modality's own). Which is better depends on the
table: on breast cancer a tumour's own measurements predict its gaps
linearly; on small, weakly correlated modalities the neighbours win. No
rule fixed on a few data sets holds, so ``fit`` measures it:

1. up to ``MAX_ROWS`` training rows are drawn and split into two folds;
   each row is given one modality it fully observed and, in turn, half of
   that modality's numeric columns (*gaps*) or all of them (*whole*) are
   hidden;
2. the recoverer and the Gaussians are fitted on the training rows outside
   a fold and recover the hidden entries of the fold's rows;
3. per modality and situation, the mean squared error in standard units
   (the column scaler's) decides: the Gaussian where it is lower, the
   recoverer otherwise, and the former rule (Gaussian for gaps, recoverer
   for a whole modality) where fewer than ``MIN_MEASURED`` rows were
   measured.

The errors and the choice are kept (``recovery_choice_``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._partial_fill import fill_partial_gaps, fit_modality_gaussians
from ._recoverer import fit_recoverer, recover

#: Training rows the measurement uses at most (two folds of half each).
MAX_ROWS = 2000
#: Fewest measured rows for a modality's situation to be decided by its errors.
MIN_MEASURED = 10

SITUATIONS = ("gaps", "whole")


@dataclass
class RecoveryChoice:
    """Per modality: take the Gaussian's values for its gaps / when wholly missing."""

    gaps: np.ndarray
    whole: np.ndarray
    errors: np.ndarray  # (M, 2 situations, 2 candidates [recoverer, gaussian]); NaN: unmeasured
    counts: np.ndarray  # (M, 2 situations): rows measured

    def table(self, names):
        """The choice as a DataFrame indexed by modality."""
        out = pd.DataFrame(index=pd.Index(list(names), name="modality"))
        for s, situation in enumerate(SITUATIONS):
            chosen = self.gaps if situation == "gaps" else self.whole
            out[situation] = np.where(chosen, "gaussian", "recoverer")
            out[f"{situation}_error_recoverer"] = self.errors[:, s, 0]
            out[f"{situation}_error_gaussian"] = self.errors[:, s, 1]
            out[f"{situation}_rows"] = self.counts[:, s]
        return out


def _hidden_entries(missing, columns, numeric, rng):
    """One hidden set per evaluation row: (mask to hide, modality, situation)."""
    n = missing.shape[0]
    n_mod = len(columns)
    full = np.stack([~missing[:, c].any(1) for c in columns], axis=1)
    # A row must keep something observed besides the hidden modality.
    eligible = full & np.array([c.size > 0 for c in numeric])[None, :]
    total = (~missing).sum(1)
    sizes = np.array([c.size for c in columns])
    eligible &= (total[:, None] - sizes[None, :]) > 0
    keys = np.where(eligible, rng.random((n, n_mod)), -1.0)
    modality = keys.argmax(1)
    has = keys.max(1) >= 0
    situation = rng.integers(0, 2, size=n)  # 0: gaps, 1: whole
    # A one-column modality has no gaps to leave beside present entries.
    n_numeric = np.array([c.size for c in numeric])
    situation[n_numeric[modality] < 2] = 1
    hide = np.zeros_like(missing)
    for m in range(n_mod):
        rows = np.flatnonzero(has & (modality == m))
        if not rows.size:
            continue
        whole_rows = rows[situation[rows] == 1]
        hide[np.ix_(whole_rows, columns[m])] = True
        gap_rows = rows[situation[rows] == 0]
        if gap_rows.size:
            k = numeric[m].size
            # Half of the numeric columns, a random half per row (1 to k - 1).
            order = rng.random((gap_rows.size, k)).argsort(1)
            chosen = order < max(1, k // 2)
            block = np.zeros((gap_rows.size, missing.shape[1]), bool)
            block[:, numeric[m]] = chosen
            hide[gap_rows] |= block
    return hide, modality, situation, has


def choose_recovery(values, missing, columns, skip, recoverer, scale, seed):
    """Measure both candidates out of fold and choose per modality and situation.

    Parameters
    ----------
    values : float64 ndarray (n, F)
        Training values (one-hot blocks for categorical columns), NaN where missing.
    missing : bool ndarray (n, F)
    columns : list of int ndarrays
        Each modality's columns in ``values``.
    skip : bool ndarray (F,) or None
        Columns only the recoverer fills (one-hot blocks).
    recoverer : the ``recoverer`` parameter (None: the default)
    scale : float64 ndarray (F,)
        The column scaler's scales: errors are in standard units.
    seed : int

    Returns
    -------
    RecoveryChoice or None
        None when no row could be measured.
    """
    rng = np.random.default_rng(seed)
    n_mod = len(columns)
    numeric = [c if skip is None else c[~skip[c]] for c in columns]
    rows = np.sort(rng.permutation(values.shape[0])[:MAX_ROWS])
    hide, modality, situation, has = _hidden_entries(missing[rows], columns, numeric, rng)
    if not has.any():
        return None
    fold = rng.permutation(rows.size) % 2
    sq = np.zeros((n_mod, 2, 2))
    entries = np.zeros((n_mod, 2))
    counts = np.zeros((n_mod, 2), dtype=np.int64)
    for f in (0, 1):
        held = rows[(fold == f) & has]
        if not held.size:
            continue
        train = np.ones(values.shape[0], bool)
        train[held] = False
        fitted = fit_recoverer(recoverer, np.where(missing[train], np.nan, values[train]),
                               default_seed=seed)
        gaussians = fit_modality_gaussians(np.where(missing[train], np.nan, values[train]),
                                           missing[train], columns, skip=skip)
        local = (fold == f) & has
        hidden = hide[local]
        masked_missing = missing[held] | hidden
        masked = np.where(masked_missing, np.nan, values[held])
        by_recoverer = recover(fitted, masked, masked_missing)
        everything = np.ones(n_mod, bool)
        by_gaussian = fill_partial_gaps(masked, masked_missing, by_recoverer, gaussians,
                                        gaps=everything, whole=everything)
        truth = values[held]
        scored = hidden.copy()
        if skip is not None:
            scored[:, skip] = False
        for c, guess in enumerate((by_recoverer, by_gaussian)):
            err = np.where(scored, ((guess - truth) / scale) ** 2, 0.0).sum(1)
            np.add.at(sq[:, :, c], (modality[local], situation[local]), err)
        np.add.at(entries, (modality[local], situation[local]), scored.sum(1))
        np.add.at(counts, (modality[local], situation[local]), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        errors = sq / entries[:, :, None]
    errors[entries == 0] = np.nan
    measured = counts >= MIN_MEASURED
    gaussian_better = errors[:, :, 1] < errors[:, :, 0]
    gaps = np.where(measured[:, 0], gaussian_better[:, 0], True)
    whole = np.where(measured[:, 1], gaussian_better[:, 1], False)
    return RecoveryChoice(gaps=gaps, whole=whole, errors=errors, counts=counts)
