"""Gaps inside a partly observed modality: the Gaussian conditional mean.

A recoverer fills each missing entry from other rows (KNN: the mean of
five neighbours'). When a modality is partly observed, its own present
entries usually say more about the missing ones than any neighbour does:
the columns of one modality tend to be strongly related (a tumour's
radius, perimeter and area; polynomial features of the same pixels).
``fit`` therefore fits, per modality, a Gaussian to its numeric columns
over the training rows that observed all of them (mean and Ledoit-Wolf
shrunk covariance of the z-scored columns, so a modality with more columns
than rows still gets a well-conditioned precision ``P``), and predict fills the missing
entries ``U`` of a row that observed the entries ``O`` of the same
modality with ``E[x_U | x_O] = mu_U - P_UU^{-1} P_UO (x_O - mu_O)``.

Rows with the same number of gaps in a modality are solved together: each
row's ``P_UU`` is gathered at its own gap positions and one batched solve
serves them all (a row's answer does not depend on the rows beside it). Entire missing
modalities, categorical (one-hot) columns and modalities wider than
``MAX_COLUMNS`` numeric columns keep the recoverer's values.
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


def fit_modality_gaussians(values, missing, columns, skip=None):
    """One :class:`ModalityGaussian` per modality (None where it cannot be fitted).

    Parameters
    ----------
    values : float64 ndarray (n, F)
    missing : bool ndarray (n, F)
    columns : list of int ndarrays
        Each modality's columns.
    skip : bool ndarray (F,), optional
        Columns left to the recoverer (one-hot blocks of categorical columns).
    """
    from sklearn.covariance import LedoitWolf

    gaussians = []
    for cols in columns:
        cols = np.asarray(cols)
        if skip is not None:
            cols = cols[~skip[cols]]
        complete = ~missing[:, cols].any(1) if cols.size else np.zeros(0, bool)
        if not 2 <= cols.size <= MAX_COLUMNS or complete.sum() < MIN_ROWS:
            gaussians.append(None)  # nothing to condition on, too wide, or too few rows
            continue
        block = values[np.ix_(complete, cols)]
        with np.errstate(over="ignore", invalid="ignore"):
            finite = np.isfinite(block.std(0)).all()
        if not finite:  # values near the float64 limit: no Gaussian to fit
            gaussians.append(None)
            continue
        # Shrinkage pulls towards a multiple of the identity: on columns of
        # very different scales (an area next to a smoothness) it would
        # erase the small ones' relations, so it works on z-scores.
        scale = block.std(0)
        scale[scale <= 0] = 1.0
        model = LedoitWolf().fit(block / scale)
        precision = model.precision_ / np.outer(scale, scale)
        gaussians.append(ModalityGaussian(cols, model.location_ * scale, precision))
    return gaussians


def fill_partial_gaps(values, missing, recovered, gaussians):
    """``recovered`` with the gaps of partly observed modalities refilled.

    Parameters
    ----------
    values : float64 ndarray (n, F)
        The input; only its present entries are read.
    missing : bool ndarray (n, F)
    recovered : float64 ndarray (n, F)
        The recoverer's output (not modified).
    gaussians : list of ModalityGaussian or None

    Returns
    -------
    float64 ndarray (n, F)
    """
    out = None
    for gaussian in gaussians:
        if gaussian is None:
            continue
        cols = gaussian.columns
        gaps = missing[:, cols]
        rows = np.flatnonzero(gaps.any(1) & ~gaps.all(1))
        if not rows.size:
            continue
        if out is None:
            out = recovered.copy()
        precision = torch.as_tensor(gaussian.precision)
        # Rows with the same number of gaps share one batched solve of their
        # gaps' systems, each gathered from P at its own gap positions.
        n_gaps = gaps[rows].sum(1)
        for size in np.unique(n_gaps):
            group = rows[n_gaps == size]
            for start in range(0, group.size, SOLVE_ROWS):
                part = group[start:start + SOLVE_ROWS]
                gap = gaps[part]
                # Column positions of each row's gaps, in increasing order.
                where = torch.as_tensor(np.nonzero(gap)[1].reshape(part.size, size))
                centred = torch.as_tensor(
                    np.where(gap, 0.0, values[np.ix_(part, cols)] - gaussian.mean))
                system = precision[where[:, :, None], where[:, None, :]]
                rhs = -(precision[where] @ centred[:, :, None])
                shift = torch.linalg.solve(system, rhs)[:, :, 0].numpy()
                block = out[np.ix_(part, cols)]
                block[gap] = (gaussian.mean[where.numpy()] + shift).ravel()
                out[np.ix_(part, cols)] = block
    return recovered if out is None else out
