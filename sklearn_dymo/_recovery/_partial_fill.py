"""Gaps inside a partly observed modality: the Gaussian conditional mean.

A recoverer fills each missing entry from other rows (KNN: the mean of
five neighbours'). When a modality is partly observed, the row's own
present entries usually say more about the missing ones than any
neighbour does: the columns of one modality tend to be strongly related
(a tumour's radius, perimeter and area; polynomial features of the same
pixels), and so are columns of different modalities (a tumour's mean
radius and its worst radius). ``fit`` therefore fits a Gaussian (mean and
Ledoit-Wolf shrunk covariance of the z-scored columns, so that more
columns than rows still give a well-conditioned precision ``P``) over the
training rows that observed all of its columns: one **joint** Gaussian of
every modality's numeric columns when they are at most ``MAX_COLUMNS`` in
all, else one per modality. Predict fills the missing entries ``U`` of a
row whose present entries in the Gaussian's columns are ``O`` with
``E[x_U | x_O] = mu_U - P_UU^{-1} P_UO (x_O - mu_O)``, and keeps it for
the gaps of partly observed modalities only: the entries of a wholly
missing modality are in ``U`` (they are integrated out, not conditioned
on) but keep the recoverer's values.

Rows with the same number of missing entries are solved together: each
row's ``P_UU`` is gathered at its own positions and one batched solve
serves them all (a row's answer does not depend on the rows beside it).
Categorical (one-hot) columns, and modalities wider than ``MAX_COLUMNS``
numeric columns, keep the recoverer's values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

#: Fewer training rows with the whole modality observed: no Gaussian for it.
MIN_ROWS = 10
#: Rows whose systems are solved in one batched call (memory: rows * gaps^2).
SOLVE_ROWS = 256
#: Wider modalities keep the recoverer's values: each row's solve costs the
#: cube of its gaps (every mfeat modality refilled, 240-column ones included:
#: predict at about 1,400 rows/s instead of 4,800).
MAX_COLUMNS = 64


@dataclass
class ModalityGaussian:
    """The Gaussian of one modality's numeric columns."""

    columns: np.ndarray  # positions in the value matrix
    mean: np.ndarray
    precision: np.ndarray
    #: The modality (0, 1, ...) of each column in a joint Gaussian; None: one.
    owner: np.ndarray = None


def _fit_gaussian(values, missing, cols, owner=None):
    """The Gaussian of columns ``cols`` over the rows that observed them all, or None."""
    from sklearn.covariance import LedoitWolf

    complete = ~missing[:, cols].any(1)
    if not 2 <= cols.size <= MAX_COLUMNS or complete.sum() < MIN_ROWS:
        return None  # nothing to condition on, too wide, or too few rows
    block = values[np.ix_(complete, cols)]
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.isfinite(block.std(0)).all()
    if not finite:  # values near the float64 limit: no Gaussian to fit
        return None
    # Shrinkage pulls towards a multiple of the identity: on columns of very
    # different scales (an area next to a smoothness) it would erase the
    # small ones' relations, so it works on z-scores.
    scale = block.std(0)
    scale[scale <= 0] = 1.0
    model = LedoitWolf().fit(block / scale)
    precision = model.precision_ / np.outer(scale, scale)
    return ModalityGaussian(cols, model.location_ * scale, precision, owner)


#: Shrinkage of the pairwise correlation towards the identity (keeps the
#: precision well conditioned where pairs were seen together by few rows).
PAIRWISE_SHRINKAGE = 0.1


def _fit_pairwise_gaussian(values, missing, cols, owner):
    """A joint Gaussian from pairwise-complete moments, for training rows that each
    observe only some modalities (no row observes every column).

    Means and spreads come from each column's present entries, each
    correlation from the rows that observed both columns (0 where fewer than
    ``MIN_ROWS`` did); the matrix is made positive definite (eigenvalues
    clipped) and shrunk towards the identity by ``PAIRWISE_SHRINKAGE``.
    """
    present = ~missing[:, cols]
    counts = present.sum(0)
    if cols.size < 2 or cols.size > MAX_COLUMNS or (counts < MIN_ROWS).any():
        return None
    block = np.where(present, values[:, cols], np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = np.nanmean(block, axis=0)
        scale = np.nanstd(block, axis=0)
    if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
        return None
    scale[scale <= 0] = 1.0
    z = np.where(present, (block - mean) / scale, 0.0)
    both = present.T.astype(np.float64) @ present
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (z.T @ z) / both
    corr[both < MIN_ROWS] = 0.0
    np.fill_diagonal(corr, 1.0)
    eigval, eigvec = np.linalg.eigh((corr + corr.T) / 2)
    corr = (eigvec * np.clip(eigval, 1e-3, None)) @ eigvec.T
    corr = (1 - PAIRWISE_SHRINKAGE) * corr + PAIRWISE_SHRINKAGE * np.eye(cols.size)
    precision = np.linalg.inv(corr) / np.outer(scale, scale)
    return ModalityGaussian(cols, mean, precision, owner)


def fit_modality_gaussians(values, missing, columns, skip=None):
    """The Gaussians of the partial fill: ``[joint]``, or one per modality (None where
    it cannot be fitted).

    Parameters
    ----------
    values : float64 ndarray (n, F)
    missing : bool ndarray (n, F)
    columns : list of int ndarrays
        Each modality's columns.
    skip : bool ndarray (F,), optional
        Columns left to the recoverer (one-hot blocks of categorical columns).
    """
    numeric = [np.asarray(c, dtype=np.intp) for c in columns]
    if skip is not None:
        numeric = [c[~skip[c]] for c in numeric]
    if len(numeric) > 1 and sum(c.size for c in numeric) <= MAX_COLUMNS:
        # Few columns in all: one Gaussian lets a gap draw on every modality
        # the row observed. Training rows that saw every modality are needed.
        owner = np.concatenate([np.full(c.size, m) for m, c in enumerate(numeric)])
        joint = _fit_gaussian(values, missing, np.concatenate(numeric), owner)
        if joint is None:
            # Too few rows observed every modality: pairwise moments instead.
            joint = _fit_pairwise_gaussian(values, missing, np.concatenate(numeric), owner)
        if joint is not None:
            return [joint]
    return [_fit_gaussian(values, missing, c) for c in numeric]


def fill_partial_gaps(values, missing, recovered, gaussians, gaps=None, whole=None):
    """``recovered`` with the gaps of partly observed modalities refilled.

    Parameters
    ----------
    values : float64 ndarray (n, F)
        The input; only its present entries are read.
    missing : bool ndarray (n, F)
    recovered : float64 ndarray (n, F)
        The recoverer's output (not modified).
    gaussians : list of ModalityGaussian or None
        ``[joint]``, or one per modality (its position is the modality).
    gaps, whole : bool ndarray (n_modalities,), optional
        Which modalities take the Gaussian's values for the gaps of a partly
        observed modality (default: all) and for a wholly missing one
        (default: none, they keep the recoverer's); see ``_recovery_choice``.

    Returns
    -------
    float64 ndarray (n, F)
    """
    out = None
    n_mod = len(gaussians) if len(gaussians) != 1 or gaussians[0] is None or \
        gaussians[0].owner is None else int(gaussians[0].owner.max()) + 1
    gaps_from = np.ones(n_mod, bool) if gaps is None else np.asarray(gaps, bool)
    whole_from = np.zeros(n_mod, bool) if whole is None else np.asarray(whole, bool)
    for position, gaussian in enumerate(gaussians):
        if gaussian is None:
            continue
        cols = gaussian.columns
        # Modality of each column: the joint Gaussian's owners, else its position.
        owner = (gaussian.owner if gaussian.owner is not None
                 else np.full(cols.size, position))
        local = np.unique(owner, return_inverse=True)[1]
        gaps = missing[:, cols]
        # Per row and modality: does the row observe some of its entries?
        present = (~gaps).astype(np.int64) @ (local[:, None] == np.arange(local.max() + 1))
        partly = present[:, local] > 0
        # Gaps of partly observed modalities, and the entries of wholly missing
        # ones, refilled where the choice says so; the rest keep the recoverer's
        # values (they are still integrated out).
        refill = gaps & np.where(partly, gaps_from[owner], whole_from[owner])
        rows = np.flatnonzero(refill.any(1))
        if not rows.size:
            continue
        if out is None:
            out = recovered.copy()
        precision = torch.as_tensor(gaussian.precision)
        # Rows with the same number of missing entries share one batched solve
        # of their systems, each gathered from P at its own positions.
        n_gaps = gaps[rows].sum(1)
        for size in np.unique(n_gaps):
            group = rows[n_gaps == size]
            for start in range(0, group.size, SOLVE_ROWS):
                part = group[start:start + SOLVE_ROWS]
                gap = gaps[part]
                # Column positions of each row's missing entries, in increasing order.
                where = torch.as_tensor(np.nonzero(gap)[1].reshape(part.size, size))
                centred = torch.as_tensor(
                    np.where(gap, 0.0, values[np.ix_(part, cols)] - gaussian.mean))
                system = precision[where[:, :, None], where[:, None, :]]
                rhs = -(precision[where] @ centred[:, :, None])
                try:
                    shift = torch.linalg.solve(system, rhs)[:, :, 0].numpy()
                except torch.linalg.LinAlgError:
                    # A degenerate column (constant in a fold, a 0/1 flag) can
                    # make a row's system singular: the least-squares answer.
                    shift = torch.linalg.lstsq(system, rhs,
                                               driver="gelsd").solution[:, :, 0].numpy()
                conditional = np.empty(gap.shape)
                conditional[gap] = (gaussian.mean[where.numpy()] + shift).ravel()
                block = out[np.ix_(part, cols)]
                block[refill[part]] = conditional[refill[part]]
                out[np.ix_(part, cols)] = block
    return recovered if out is None else out
