"""Modality subset samplers for incomplete-subset training (Sec. 3.3, Eq. 10).

A sampler is any callable ``sampler(observed, generator) -> masks`` with
``observed`` a bool tensor ``(B, M)`` and ``masks`` a bool tensor
``(B, A, M)``. Every mask is intersected with ``observed``: a training
sample contributes only what it actually observed, never a recovered
modality. A mask that ends up empty is skipped by the loss.
"""

from __future__ import annotations

import numpy as np
import torch

from .._input._masks import subset_bits


def repeat_rows(rows, total, most):
    """Each of ``rows`` repeated alike, about ``total`` in all, 1 to ``most`` times.

    For the statistics ``fit`` measures on random subsets of rows: enough
    draws on small data, bounded work on large. Returns the repeated rows
    (each row's copies adjacent) and the number of copies.
    """
    copies = int(np.clip(np.ceil(total / max(rows.size, 1)), 1, most))
    return np.repeat(rows, copies), copies


def random_observed_subsets(observed, rng):
    """Per row, a random nonempty subset of its ``observed`` modalities.

    The size is uniform in 1..(modalities observed), then the members
    uniform among them (numpy; for the statistics ``fit`` measures after
    training). Every row must observe at least one modality.
    """
    n, m = observed.shape
    size = rng.integers(1, observed.sum(1) + 1)
    order = np.where(observed, rng.random((n, m)), np.inf).argsort(1).argsort(1)
    return observed & (order < size[:, None])


class UniformSubsetSampler:
    """The paper's sampler: ``A`` distinct non-empty subsets per batch.

    The same ``A`` subsets, drawn uniformly without replacement from the
    ``2**M - 1`` non-empty subsets, are applied to the whole batch.

    Parameters
    ----------
    n_subsets : int, default=4
        ``A`` in Eq. 10; capped at ``2**M - 1``.
    """

    def __init__(self, n_subsets=4):
        self.n_subsets = n_subsets

    def draw(self, n_modalities, generator=None):
        """``(A, M)`` bool tensor of distinct non-empty subsets."""
        if n_modalities <= 16:
            n_total = 2**n_modalities - 1
            a = min(self.n_subsets, n_total)
            keys = torch.randperm(n_total, generator=generator)[:a] + 1
            return (keys[:, None] & subset_bits(n_modalities)[None, :]) != 0
        # 2**M is too large to enumerate: draw each modality with p=1/2
        # (uniform over all subsets), reject empty and repeated ones.
        chosen = []
        seen = set()
        while len(chosen) < self.n_subsets:
            mask = torch.rand(n_modalities, generator=generator) < 0.5
            key = tuple(mask.tolist())
            if mask.any() and key not in seen:
                seen.add(key)
                chosen.append(mask)
        return torch.stack(chosen)

    def __call__(self, observed, generator=None):
        subsets = self.draw(observed.shape[1], generator).to(observed.device)
        return observed[:, None, :] & subsets[None, :, :]


class ModDropSampler:
    """ModDrop-style sampler: each modality of each sample dropped with ``p``.

    A baseline for comparison (independent per-modality dropout instead of
    the paper's subset sampling). ``n_subsets`` independent draws per sample.

    Parameters
    ----------
    n_subsets : int, default=1
    p : float, default=0.5
        Drop probability of each modality.
    """

    def __init__(self, n_subsets=1, p=0.5):
        self.n_subsets = n_subsets
        self.p = p

    def __call__(self, observed, generator=None):
        b, m = observed.shape
        keep = torch.rand(b, self.n_subsets, m, generator=generator) >= self.p
        return observed[:, None, :] & keep.to(observed.device)


def make_subset_sampler(subset_sampler, n_subsets):
    """Resolve the ``subset_sampler`` parameter of the estimator."""
    if subset_sampler == "uniform":
        return UniformSubsetSampler(n_subsets)
    if subset_sampler == "moddrop":
        return ModDropSampler(n_subsets)
    if callable(subset_sampler):
        return subset_sampler
    raise ValueError(
        f"subset_sampler must be 'uniform', 'moddrop' or a callable "
        f"sampler(observed, generator) -> masks, got {subset_sampler!r}"
    )
