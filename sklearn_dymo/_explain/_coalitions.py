"""Coalitions of modalities and the Shapley arithmetic over them.

Nothing here knows the network: a row's *players* are the modalities its
prediction used, a coalition is a subset of them, and its value comes
from one batched network call elsewhere (:mod:`._shapley`).

- Exact: a row with ``m`` players has ``2**m`` coalitions; with their
  values ``v`` as a ``(rows, 2**m)`` matrix, the Shapley values are one
  product ``v @ W`` with ``W[S, i] = w(|S| - 1)`` when ``i`` is in ``S``
  and ``-w(|S|)`` otherwise, ``w(s) = s! (m - s - 1)! / m!``.
- Sampled: every row is explained with the same permutations of all
  ``M`` modalities, restricted to its players (a uniform permutation of
  them), so a row's values depend only on that row and the seed. Each
  permutation and its reverse are used (antithetic pairs). Every
  permutation's marginal contributions sum to ``v(all) - v(empty)``, so the
  average does too: efficiency holds exactly on the sampled path as well.
"""

from __future__ import annotations

from functools import lru_cache
from math import factorial

import numpy as np
import torch
from sklearn.utils import check_random_state


@lru_cache(maxsize=32)
def _subset_table(m):
    """``(2**m, m)`` bool: bit ``j`` of coalition ``s`` (row 0 is the empty set)."""
    s = np.arange(1 << m)[:, None]
    return (s >> np.arange(m)[None, :]) & 1 == 1


@lru_cache(maxsize=32)
def shapley_weights(m):
    """``(2**m, m)`` float64 ``W`` with ``phi = v @ W`` for ``m`` players."""
    table = _subset_table(m)
    size = table.sum(1)
    weight = np.array([factorial(s) * factorial(m - s - 1) / factorial(m)
                       for s in range(m)] + [0.0])
    # In S: +w(|S| - 1) (S is "T + i"); not in S: -w(|S|) (S is "T").
    return np.where(table, weight[np.maximum(size - 1, 0)][:, None],
                    -weight[size][:, None])


def player_positions(used):
    """Modality indices of each row's players: ``(n, m)`` for rows with ``m`` each."""
    return used.nonzero()[:, 1].view(used.shape[0], -1)


def exact_masks(used):
    """All coalitions of rows that have the same number ``m`` of players.

    Parameters
    ----------
    used : bool Tensor (n, M), every row with ``m`` modalities set.

    Returns
    -------
    masks : bool Tensor (n, 2**m, M)
        Coalition ``s`` of row ``i`` holds bit ``j`` of ``s`` for its
        ``j``-th player (in modality order); ``masks[:, 0]`` is empty.
    """
    n, n_mod = used.shape
    positions = player_positions(used)
    m = positions.shape[1]
    table = torch.as_tensor(_subset_table(m), device=used.device)
    masks = torch.zeros(n, 1 << m, n_mod, dtype=torch.bool, device=used.device)
    # Scatter each player's column of the table to its modality.
    index = positions[:, None, :].expand(n, 1 << m, m)
    return masks.scatter_(2, index, table[None].expand(n, -1, -1))


def exact_values(values, used):
    """Shapley values ``(n, M)`` float64 from coalition values ``(n, 2**m)``.

    Modalities that are not players get 0.
    """
    positions = player_positions(used)
    weights = torch.as_tensor(shapley_weights(positions.shape[1]), device=values.device)
    phi = torch.zeros(used.shape, dtype=torch.float64, device=values.device)
    return phi.scatter_(1, positions, values @ weights)


def draw_permutations(n_modalities, n_permutations, random_state):
    """``(n_permutations, M)`` permutations: half drawn, half their reverses."""
    rng = check_random_state(random_state)
    n_drawn = -(-n_permutations // 2)
    drawn = np.argsort(rng.random_sample((n_drawn, n_modalities)), axis=1)
    both = np.stack([drawn, drawn[:, ::-1]], axis=1).reshape(-1, n_modalities)
    return both[:n_permutations]


def permutation_masks(used, permutations):
    """Prefix coalitions of each row's players along each permutation.

    Parameters
    ----------
    used : bool Tensor (n, M), every row with ``m`` players.
    permutations : long Tensor (P, M) of all ``M`` modalities.

    Returns
    -------
    masks : bool Tensor (n, P, m + 1, M)
        ``masks[i, p, k]``: the first ``k`` players of row ``i`` in
        permutation ``p`` (``k = 0`` empty, ``k = m`` all players).
    order : long Tensor (n, P, m)
        The players of row ``i`` in the order of permutation ``p``.
    """
    n, n_mod = used.shape
    m = int(used[0].sum()) if n else 0
    n_perm = permutations.shape[0]
    # A player's rank in the permutation; non-players sort last.
    rank = torch.empty_like(permutations)
    rank.scatter_(1, permutations, torch.arange(n_mod, device=used.device).expand(n_perm, -1))
    key = torch.where(used[:, None, :], rank[None], n_mod + rank[None])
    order = key.argsort(dim=2)[:, :, :m]
    steps = torch.zeros(n, n_perm, m + 1, n_mod, dtype=torch.bool, device=used.device)
    added = torch.nn.functional.one_hot(order, n_mod).bool()  # (n, P, m, M)
    steps[:, :, 1:] = added.cumsum(2) > 0
    return steps, order


def permutation_values(values, order, n_modalities):
    """Mean marginal contributions ``(n, M)`` from prefix values ``(n, P, m + 1)``."""
    n, n_perm, _ = values.shape
    gains = values[:, :, 1:] - values[:, :, :-1]  # (n, P, m)
    phi = torch.zeros(n, n_perm, n_modalities, dtype=torch.float64, device=values.device)
    phi.scatter_(2, order, gains)
    return phi.mean(1)
