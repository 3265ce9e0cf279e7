"""Selection statistics from the trained network (Appendix A.2, Eq. 8).

After training, every training sample is passed through the network under
each modality subset ``S`` (intersected with what the sample observed) to
get subset-specific class prototypes ``c_{k,S}`` (Eq. S15), their average
``c_bar_k`` (Eq. S16, used by the posterior of Eq. 5) and, per class and
subset, the spread ``sigma_{k,S}`` of the distances to ``c_{k,S}`` that the
intra-class similarity score (Eq. 8) needs.

Exact for all ``2**M - 1`` subsets while that count is at most
``max_subsets``. Beyond it the statistics are *bounded*: a fixed sample of
subsets, spread over all sizes, is evaluated, and the statistics are pooled
per subset size. A test-time subset then uses the prototypes and spread of
its size. Training rows are capped at ``MAX_ROWS`` (class-stratified), so
fit time and memory never grow with ``2**M`` or beyond that cap.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import comb

import numpy as np
import torch
from sklearn.utils import resample

from .._input._masks import all_subsets, subset_bits
from ._distances import rowwise_distance

#: Rows used for the statistics (class-stratified sample above this).
MAX_ROWS = 2000
#: Sequences per transformer call while computing the statistics.
CHUNK = 8192
#: Training rows that must observe every modality of a subset (or, when
#: pooled, a subset of that size) for selection to reach it; fewer rows
#: give prototypes and spreads that are noise. Capped at the row count.
MIN_SUPPORT = 10
#: Floor of sigma, so that a class whose training latents coincide
#: (zero spread) still gives a finite ICS.
MIN_SIGMA = 1e-6


@dataclass
class SubsetStatistics:
    """Prototypes and spreads per (subset key, class).

    Attributes
    ----------
    n_modalities : int
    exact : bool
        True when every subset has its own statistics; False when they are
        pooled per subset size.
    prototypes : Tensor of shape (n_keys, K, D)
        ``c_{k,S}`` (exact) or ``c_{k,|S|}`` (pooled by size).
    sigma : Tensor of shape (n_keys, K), float64
        Half-normal scale of the distances to ``prototypes``.
    mean_prototypes : Tensor of shape (K, D)
        ``c_bar_k``: prototypes averaged over the evaluated subsets.
    subsets : Tensor of shape (n_subsets, M), bool
        The subsets that were evaluated.
    supported : Tensor of shape (n_keys,), bool, or None
        Whether at least ``MIN_SUPPORT`` training rows observed every
        modality of the subset (exact) or some evaluated subset of that
        size (pooled). Selection never moves to an unsupported subset.
        ``None`` (every subset supported) in models pickled before it
        existed.
    modality_information : Tensor of shape (M,), float64, or None
        Per modality, ``log K`` minus the mean cross-entropy of the
        network given that modality alone (nats): how much it tells about
        the class on its own. Orders the candidates when selection bounds
        them (``max_candidates``). ``None`` in models pickled before it
        existed.
    """

    n_modalities: int
    exact: bool
    prototypes: torch.Tensor
    sigma: torch.Tensor
    mean_prototypes: torch.Tensor
    subsets: torch.Tensor
    modality_information: torch.Tensor = None
    supported: torch.Tensor = None

    def keys(self, masks):
        """Row of the statistics tables for each non-empty ``(n, M)`` mask."""
        if self.exact:
            return (masks.long() * subset_bits(self.n_modalities).to(masks.device)).sum(-1) - 1
        return masks.sum(-1) - 1

    def is_supported(self, masks):
        """Bool per non-empty ``(n, M)`` mask: may selection move there?"""
        if self.supported is None:
            return torch.ones(masks.shape[0], dtype=torch.bool, device=masks.device)
        return self.supported.to(masks.device)[self.keys(masks)]

    def to(self, device):
        """A copy with every tensor on ``device`` (this one is unchanged)."""
        return replace(
            self,
            prototypes=self.prototypes.to(device),
            sigma=self.sigma.to(device),
            mean_prototypes=self.mean_prototypes.to(device),
            subsets=self.subsets.to(device),
            modality_information=(None if self.modality_information is None
                                  else self.modality_information.to(device)),
            supported=None if self.supported is None else self.supported.to(device),
        )


def describe_unsupported(stats, names):
    """Words for the subsets selection cannot reach, or None when all can."""
    if stats.supported is None or bool(stats.supported.all()):
        return None
    unsupported = (~stats.supported).cpu()
    n_out, n_keys = int(unsupported.sum()), unsupported.shape[0]
    if stats.exact:
        subsets = stats.subsets.cpu()[unsupported]
        sizes = subsets.sum(1)
        smallest = subsets[sizes == sizes.min()][:3]
        combos = " or ".join(
            "+".join(repr(names[m]) for m in np.flatnonzero(row.numpy())) for row in smallest)
        what = f"fewer than {MIN_SUPPORT} training rows observe {combos} together"
    else:
        size = int(torch.arange(1, n_keys + 1)[unsupported].min())
        what = f"fewer than {MIN_SUPPORT} training rows observe {size} or more modalities"
    return (f"{what}, so selection will not add a recovered modality that leads to "
            f"such a combination ({n_out} of {n_keys} modality "
            f"{'subsets' if stats.exact else 'subset sizes'} are out of reach)")


def _sampled_subsets(n_modalities, max_subsets, generator):
    """Subsets spread evenly over sizes 1..M, at most ``max(M, max_subsets)``."""
    per_size = max(1, max_subsets // n_modalities)
    rows = []
    for size in range(1, n_modalities + 1):
        seen = set()
        for _ in range(min(per_size, comb(n_modalities, size))):
            for _try in range(20):  # a few redraws to avoid repeats
                order = torch.randperm(n_modalities, generator=generator)
                pick = tuple(sorted(order[:size].tolist()))
                if pick not in seen:
                    break
            seen.add(pick)
            mask = torch.zeros(n_modalities, dtype=torch.bool)
            mask[list(pick)] = True
            rows.append(mask)
    return torch.stack(rows)


@torch.no_grad()
def _latents(module, x, observed, subsets, device):
    """``z`` for every (subset, row): ``(S, n, D)`` and validity ``(S, n)``."""
    n, s = x.shape[0], subsets.shape[0]
    rows_per_chunk = max(1, CHUNK // s)
    zs = []
    for start in range(0, n, rows_per_chunk):
        xb = x[start:start + rows_per_chunk].to(device)
        ob = observed[start:start + rows_per_chunk].to(device)
        masks = ob[:, None, :] & subsets.to(device)[None, :, :]
        _, z = module.forward_subsets(xb, masks)
        zs.append(z.transpose(0, 1).cpu())
    # A row counts for subset S only where it observed all of S: a row that
    # saw part of S would describe a smaller subset under S's key.
    valid = ~(subsets[:, None, :] & ~observed[None, :, :]).any(-1)
    return torch.cat(zs, dim=1), valid


def class_log_likelihood(logits, target):
    """``log p(target | logits)`` of the class head (float64)."""
    return torch.log_softmax(logits.double(), -1).gather(1, target[:, None])[:, 0]


@torch.no_grad()
def modality_information(module, x, observed, y, n_classes, device, rows_per_chunk=256,
                         log_likelihood=class_log_likelihood, baseline=None,
                         sample_weight=None):
    """``log K`` minus the cross-entropy of each modality alone, ``(M,)`` float64.

    Every (row, observed modality) pair is one pass with that modality
    visible; only two tokens per pass are computed (``fuse_pairs`` packs
    the visible ones), so this costs about ``M`` cheap passes per row.
    A modality never observed gets ``-inf`` (considered last).

    Another task passes its own ``log_likelihood(logits, y) -> (N,)`` and
    ``baseline`` (the mean log-likelihood of knowing nothing, negated;
    ``log K`` for classes), e.g. a Gaussian one for regression.
    ``sample_weight`` (float64 Tensor (n,)) makes the means weighted.
    """
    n_modalities = observed.shape[1]
    total = torch.zeros(n_modalities, dtype=torch.float64)
    count = torch.zeros(n_modalities, dtype=torch.float64)
    for start in range(0, x.shape[0], rows_per_chunk):
        ob = observed[start:start + rows_per_chunk].to(device)
        cache = module.encode_cache(x[start:start + rows_per_chunk].to(device))
        rows, mods = ob.nonzero(as_tuple=True)
        if not rows.numel():
            continue
        masks = torch.zeros(rows.shape[0], n_modalities, dtype=torch.bool, device=device)
        masks[torch.arange(rows.shape[0], device=device), mods] = True
        logits, _ = module.pair_outputs(cache, rows, masks)
        target = y[start:start + rows_per_chunk].to(device)[rows]
        log_p = log_likelihood(logits, target).cpu()
        if sample_weight is None:
            weight = torch.ones_like(log_p)
        else:
            weight = sample_weight[start:start + rows_per_chunk][rows.cpu()].to(log_p.dtype)
        total.index_add_(0, mods.cpu(), log_p * weight)
        count.index_add_(0, mods.cpu(), weight)
    info = total / count.clamp(min=1) + (np.log(n_classes) if baseline is None else baseline)
    return torch.where(count > 0, info, torch.full_like(info, -np.inf))


def _class_means(z, valid, y, n_classes, weight=None):
    """Per subset and class: sum of ``z`` over valid rows, and the count.

    With ``weight`` (Tensor (n,)), weighted sums and the sum of the weights.

    A loop over subsets with ``index_add_`` keeps memory at ``O(S K D)``; a
    one-hot product would need ``O(S n K)``, too much with many classes.
    """
    n_subsets, _, dim = z.shape
    sums = torch.zeros(n_subsets, n_classes, dim, dtype=z.dtype)
    counts = torch.zeros(n_subsets, n_classes, dtype=z.dtype)
    for s in range(n_subsets):
        rows = valid[s]
        if weight is None:
            sums[s].index_add_(0, y[rows], z[s, rows])
            counts[s].index_add_(0, y[rows], torch.ones(int(rows.sum()), dtype=z.dtype))
        else:
            w = weight[rows].to(z.dtype)
            sums[s].index_add_(0, y[rows], z[s, rows] * w[:, None])
            counts[s].index_add_(0, y[rows], w)
    return sums, counts


def compute_subset_statistics(module, x, observed, y, n_classes, distance, *,
                              max_subsets=127, device="cpu", random_state=0,
                              targets=None, log_likelihood=class_log_likelihood,
                              baseline=None, sample_weight=None):
    """Compute :class:`SubsetStatistics` for a trained ``module``.

    Parameters
    ----------
    module : DyMoNetwork
    x : Tensor (n, n_features), standardised training values
    observed : bool Tensor (n, M)
    y : long Tensor (n,)
    n_classes : int
    distance : {"cosine", "sqeuclidean"}
    max_subsets : int
        Exact statistics when ``2**M - 1 <= max_subsets``.
    device : str
    random_state : int
        Seeds the row sample and the subset sample.
    targets : Tensor (n,), optional
        Targets of ``log_likelihood`` for ``modality_information`` (default:
        the classes ``y``); with ``log_likelihood`` and ``baseline``, the
        task's own information measure (regression: Gaussian, in nats).
    sample_weight : Tensor (n,), optional
        Row weights of the prototypes, spreads and modality information
        (weighted means); the support of a subset still counts rows.
    """
    n_modalities = observed.shape[1]
    if x.shape[0] > MAX_ROWS:
        idx = resample(np.arange(x.shape[0]), replace=False, n_samples=MAX_ROWS,
                       stratify=y.numpy(), random_state=random_state)
        idx = torch.as_tensor(np.sort(idx))
        x, observed, y = x[idx], observed[idx], y[idx]
        if targets is not None:
            targets = targets[idx]
        if sample_weight is not None:
            sample_weight = sample_weight[idx]
    generator = torch.Generator().manual_seed(int(random_state))
    exact = 2**n_modalities - 1 <= max_subsets
    subsets = all_subsets(n_modalities) if exact else _sampled_subsets(
        n_modalities, max_subsets, generator)

    was_training = module.training
    module.eval()
    try:
        z, valid = _latents(module, x, observed, subsets, device)
        information = modality_information(
            module, x, observed, y if targets is None else targets, n_classes, device,
            log_likelihood=log_likelihood, baseline=baseline,
            sample_weight=None if sample_weight is None else sample_weight.double())
    finally:
        module.train(was_training)

    # c_{k,S} for every evaluated subset, and their average c_bar_k (Eq. S16).
    sums, counts = _class_means(z, valid, y, n_classes, sample_weight)
    per_subset = sums / counts.clamp(min=1)[..., None]
    present = counts > 0
    n_present = present.sum(0)
    mean_prototypes = (per_subset * present[..., None]).sum(0) / n_present.clamp(min=1)[:, None]

    if exact:
        group_of = torch.arange(subsets.shape[0])
        n_keys = subsets.shape[0]
    else:
        group_of = subsets.sum(-1) - 1
        n_keys = n_modalities
    group_sums = torch.zeros(n_keys, n_classes, z.shape[-1], dtype=z.dtype).index_add_(
        0, group_of, sums)
    group_counts = torch.zeros(n_keys, n_classes, dtype=z.dtype).index_add_(0, group_of, counts)
    # Support counts rows, whatever they weigh.
    support = group_counts if sample_weight is None else torch.zeros(
        n_keys, dtype=z.dtype).index_add_(0, group_of, valid.sum(1).to(z.dtype))[:, None]
    supported = support.sum(1) >= min(MIN_SUPPORT, x.shape[0])
    prototypes = group_sums / group_counts.clamp(min=1)[..., None]
    # A class never seen under a key borrows the averaged prototype.
    seen = group_counts > 0
    prototypes = torch.where(seen[..., None], prototypes, mean_prototypes[None])

    # Half-normal scale: sigma^2 = E[d^2] of distances to the own prototype.
    sq = torch.zeros(n_keys, n_classes, dtype=torch.float64)
    for s in range(subsets.shape[0]):
        rows = valid[s]
        if not rows.any():
            continue
        key = group_of[s]
        d = rowwise_distance(z[s, rows], prototypes[key, y[rows]], distance).double()
        d2 = d.square() if sample_weight is None else d.square() * sample_weight[rows].double()
        sq[key].index_add_(0, y[rows], d2)
    group_counts = group_counts.double()
    pooled = (sq.sum(0) / group_counts.sum(0).clamp(min=1)).sqrt()
    sigma = torch.where(seen, (sq / group_counts.clamp(min=1)).sqrt(), pooled[None])
    sigma = sigma.clamp(min=MIN_SIGMA)
    return SubsetStatistics(
        n_modalities=n_modalities,
        exact=exact,
        prototypes=prototypes,
        sigma=sigma,
        mean_prototypes=mean_prototypes,
        subsets=subsets,
        modality_information=information,
        supported=supported,
    )
