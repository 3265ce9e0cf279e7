"""Dynamic modality selection at predict time (Algorithm 1), vectorised.

Every sample starts from its observed modalities; its candidates are its
missing modalities, recovered. Each step evaluates *all* (sample,
candidate) pairs of the batch in one transformer call (the encodings are
computed once; a candidate only changes the mask), scores them with a
reward rule, adds each sample's best candidate when its reward is above
the threshold (0 in the paper) and drops every candidate whose reward is
not. The loop runs over steps (at most ``M``), never over samples.

Strategies (the ``selection`` parameter):

- ``"iterative"``: Algorithm 1.
- ``"simultaneous"``: one round of rewards from the observed set; every
  candidate with a reward above the threshold is added at once.
- ``"observed"``: no recovered modality is used.
- ``"all"``: every recovered modality is used.

A sample with **no observed modality** has no prediction to start from. For
``"iterative"`` and ``"simultaneous"`` its starting point is the
uninformative prediction (``log p = -log K``, or the scorer's ``prior_log_p``;
``ICS = 1``) and its first step
accepts the best candidate even when that reward is below the threshold, so every
prediction rests on data. For ``"observed"`` it falls back to all recovered
modalities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .._network._fusion import pad_rows
from ._calibration import log_ics
from ._distances import prototype_log_posterior
from ._rewards import LatentScore

STRATEGIES = ("iterative", "simultaneous", "observed", "all")
#: The strategies that evaluate recovered candidates (and so have rewards).
EVALUATING_STRATEGIES = ("iterative", "simultaneous")
#: Sequences per transformer call (bounds memory for large batches).
CHUNK = 8192


@dataclass
class LatentScorer:
    """Turns network outputs for a modality set into a :class:`LatentScore`."""

    stats: object
    distance: str
    temperature: float

    def __call__(self, logits, z, masks, recovered=None):
        """Score of each row's set ``masks``; ``recovered`` (which of its
        modalities are recovered) is unused: the class posterior has no
        recovery term."""
        pred = logits.argmax(-1)
        # float64: the (n, D) x (D, K) product would otherwise round
        # differently with the number of candidates scored together, and the
        # rewards of a row would depend on the rows predicted with it.
        z = z.double()
        log_post = prototype_log_posterior(
            z, self.stats.mean_prototypes.double(), self.distance, self.temperature
        )
        log_p = log_post.gather(1, pred[:, None])[:, 0].double()
        return LatentScore(log_p, log_ics(z, pred, masks, self.stats, self.distance))


@dataclass
class SelectionOutcome:
    """Result of selection on one batch of rows.

    Attributes
    ----------
    logits : Tensor (n, K)
        Classifier logits of each sample's final modality set.
    final_mask : bool Tensor (n, M)
    records : dict of ndarray
        One entry per evaluated (sample, step, candidate): ``sample``,
        ``step``, ``modality`` (index), ``reward`` and ``accepted``.
    """

    logits: torch.Tensor
    final_mask: torch.Tensor
    records: dict


def _forward(network, cache, rows, masks):
    """Logits and latents of cached rows ``rows`` under ``masks``, chunked."""
    logits, zs = [], []
    for start in range(0, rows.shape[0], CHUNK):
        chunk = slice(start, start + CHUNK)
        h = network.fuse_pairs(cache, rows[chunk], masks[chunk])
        linear = network.pair_linear(cache, rows[chunk], masks[chunk])
        # Padded like every call at evaluation (see _fusion.fuse_pairs).
        chunk_logits, z = network.heads(pad_rows(h), None if linear is None
                                        else pad_rows(linear))
        logits.append(chunk_logits[:h.shape[0]])
        zs.append(z[:h.shape[0]])
    if not logits:
        n_classes = network.classifier.out_features
        latent = network.projection[-1].out_features
        return network.cls_token.new_zeros(0, n_classes), network.cls_token.new_zeros(0, latent)
    return torch.cat(logits), torch.cat(zs)


def _empty_records():
    return {
        "sample": np.zeros(0, dtype=np.int64),
        "step": np.zeros(0, dtype=np.int64),
        "modality": np.zeros(0, dtype=np.int64),
        "reward": np.zeros(0, dtype=np.float64),
        "accepted": np.zeros(0, dtype=bool),
    }


def concat_records(parts):
    """Concatenate per-step (or per-chunk) record dicts."""
    if not parts:
        return _empty_records()
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _checked(reward, rule, n_pairs):
    """The rule's rewards as float64, or an error naming a faulty rule.

    A NaN or infinite reward cannot be compared honestly with the others;
    the built-in rules never produce one (everything is in log space), so
    one here is a bug in a custom rule, not a case to paper over.
    """
    reward = torch.as_tensor(reward).double()
    if reward.shape != (n_pairs,):
        raise ValueError(
            f"reward rule {getattr(rule, '__name__', rule)!r} returned shape "
            f"{tuple(reward.shape)}, expected ({n_pairs},): one reward per candidate"
        )
    bad = ~torch.isfinite(reward)
    if bad.any():
        raise ValueError(
            f"reward rule {getattr(rule, '__name__', rule)!r} returned NaN or inf for "
            f"{int(bad.sum())} of {n_pairs} candidates; rewards must be finite"
        )
    return reward


def _first_best(sample, reward, n):
    """Index of each sample's highest-reward pair (lowest index on ties).

    Returns the pair indices of the samples that have at least one pair.
    """
    n_pairs = reward.shape[0]
    best = torch.full((n,), -math.inf, dtype=reward.dtype, device=reward.device)
    best = best.scatter_reduce(0, sample, reward, "amax")
    is_best = reward == best[sample]
    pair = torch.arange(n_pairs, device=reward.device)
    first = torch.full((n,), n_pairs, dtype=torch.long, device=reward.device)
    first = first.scatter_reduce(0, sample[is_best], pair[is_best], "amin")
    return first[first < n_pairs]


def first_round_candidates(observed, max_candidates, priority):
    """Each sample's candidates: its missing modalities, at most ``max_candidates``.

    The bound keeps the missing modalities of highest ``priority`` (ties:
    lower index), so iterative selection costs at most
    ``1 + k (k + 1) / 2`` transformer passes per sample instead of
    ``1 + m (m + 1) / 2`` with ``m`` missing modalities.
    """
    candidates = ~observed
    if max_candidates is None or not candidates.numel():
        return candidates
    if int(candidates.sum(1).max()) <= max_candidates:
        return candidates
    # Rank by priority (descending), ties by index: a stable sort of -priority.
    order = torch.sort(-priority.double(), stable=True).indices.to(observed.device)
    ranked = candidates[:, order]
    keep = ranked & (ranked.long().cumsum(1) <= max_candidates)
    bounded = torch.zeros_like(candidates)
    bounded[:, order] = keep
    return bounded


def select(network, tokens, observed, scorer, reward_rule, strategy="iterative",
           threshold=0.0, max_candidates=None, priority=None, linear=None):
    """Run selection for one batch of encoded rows.

    Parameters
    ----------
    network : DyMoNetwork
    tokens : Tensor (n, M, L, d_model)
        ``network.encode`` of the recovered rows.
    observed : bool Tensor (n, M)
        Fully observed modalities; every other modality is a candidate.
    scorer : LatentScorer
    reward_rule : callable ``(current, candidate) -> rewards``
    strategy : {"iterative", "simultaneous", "observed", "all"}
    threshold : float
        A candidate is accepted when its reward is above this (``tau``; the
        paper's Algorithm 1 uses 0) and dropped otherwise.
    max_candidates : int, optional
        At most this many candidates per sample, chosen by ``priority``
        (``first_round_candidates``); ``None`` considers every missing
        modality, as the paper does.
    priority : Tensor (M,), optional
        Higher first; required with ``max_candidates``.
    linear : Tensor (n, M, K), optional
        ``network.linear_terms`` of the recovered rows (networks with a
        linear path).

    Returns
    -------
    SelectionOutcome
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"selection must be one of {STRATEGIES}, got {strategy!r}")
    if linear is None and getattr(network, "linear", None) is not None:
        # Without its terms the head would silently drop the linear path.
        raise ValueError("this network has a linear path: pass "
                         "linear=network.linear_terms(x) of the same rows")
    n, _ = observed.shape
    device = tokens.device
    has_observed = observed.any(1)
    # The first layer's per-token work is shared by every candidate of a row
    # (padded rows keep its shapes fixed; no pair refers to them).
    cache = network.first_layer_cache(pad_rows(tokens),
                                      None if linear is None else pad_rows(linear))
    if strategy in ("observed", "all"):
        final = observed.clone()
        if strategy == "all":
            final[:] = True
        else:
            final[~has_observed] = True  # nothing observed: use everything recovered
        rows = torch.arange(n, device=device)
        logits, _ = _forward(network, cache, rows, final)
        return SelectionOutcome(logits, final, _empty_records())

    n_classes = network.classifier.out_features
    current = observed.clone()
    logits = tokens.new_zeros(n, n_classes)
    # The uninformative start: -log K for classes; a scorer may define its own.
    prior = getattr(scorer, "prior_log_p", -math.log(n_classes))
    cur_log_p = torch.full((n,), prior, dtype=torch.float64, device=device)
    cur_log_ics = torch.zeros(n, dtype=torch.float64, device=device)
    base_rows = has_observed.nonzero()[:, 0]
    if base_rows.numel():
        base_logits, base_z = _forward(network, cache, base_rows, current[base_rows])
        score = scorer(base_logits, base_z, current[base_rows],
                       torch.zeros_like(current[base_rows]))
        logits[base_rows] = base_logits
        cur_log_p[base_rows] = score.log_p
        cur_log_ics[base_rows] = score.log_ics

    candidates = first_round_candidates(observed, max_candidates, priority)
    forced = ~has_observed  # must take one candidate on its first step
    parts = []
    step = 0
    while candidates.any():
        sample, modality = candidates.nonzero(as_tuple=True)
        masks = current[sample]
        masks[torch.arange(sample.shape[0], device=device), modality] = True
        # Never move to a subset the training data did not support: its
        # prototypes and spreads would be noise.
        # (A row with nothing observed may still take any first modality.)
        reachable = scorer.stats.is_supported(masks) | forced[sample]
        if not reachable.all():
            candidates[sample[~reachable], modality[~reachable]] = False
            sample, modality, masks = sample[reachable], modality[reachable], masks[reachable]
            if not sample.numel():
                break
        pair_logits, pair_z = _forward(network, cache, sample, masks)
        score = scorer(pair_logits, pair_z, masks, masks & ~observed[sample])
        reward = _checked(reward_rule(LatentScore(cur_log_p[sample], cur_log_ics[sample]),
                                      score), reward_rule, sample.shape[0])

        if strategy == "iterative":
            best = _first_best(sample, reward, n)
            take = best[(reward[best] > threshold) | forced[sample[best]]]
        else:  # simultaneous: every candidate above the threshold, else the forced best
            take = (reward > threshold).nonzero()[:, 0]
            need = forced.clone()
            need[sample[take]] = False
            if need.any():
                best = _first_best(sample, reward, n)
                take = torch.cat([take, best[need[sample[best]]]])
        accepted = torch.zeros_like(reward, dtype=torch.bool)
        accepted[take] = True
        parts.append({
            "sample": sample.cpu().numpy(),
            "step": np.full(sample.shape[0], step, dtype=np.int64),
            "modality": modality.cpu().numpy(),
            "reward": reward.cpu().numpy(),
            "accepted": accepted.cpu().numpy(),
        })
        if strategy == "simultaneous":
            current[sample[take], modality[take]] = True
            break
        s, m = sample[take], modality[take]
        current[s, m] = True
        logits[s] = pair_logits[take]
        cur_log_p[s] = score.log_p[take]
        cur_log_ics[s] = score.log_ics[take]
        forced[s] = False
        rejected = reward <= threshold
        candidates[sample[rejected], modality[rejected]] = False
        candidates[s, m] = False
        step += 1

    if strategy == "simultaneous":
        changed = (current != observed).any(1)
        rows = changed.nonzero()[:, 0]
        if rows.numel():
            logits[rows], _ = _forward(network, cache, rows, current[rows])
    records = concat_records(parts)
    return SelectionOutcome(logits, current, records)


def _group_paths(sample, modality, n_samples, names):
    """Tuples of names per sample from (sample, modality) pairs in path order."""
    paths = [()] * n_samples
    if sample.size:
        names = np.asarray(names, dtype=object)
        cuts = np.flatnonzero(np.diff(sample)) + 1
        for s, mods in zip(sample[np.r_[0, cuts]], np.split(modality, cuts)):
            paths[s] = tuple(names[mods])
    return paths


def paths_from_records(records, n_samples, names):
    """Per sample, the tuple of modality names added, in order.

    For iterative selection the order is the step; for simultaneous
    selection (one step) it is decreasing reward.
    """
    acc = records["accepted"]
    sample = records["sample"][acc]
    modality = records["modality"][acc]
    order = np.lexsort((-records["reward"][acc], records["step"][acc], sample))
    return _group_paths(sample[order], modality[order], n_samples, names)


def paths_from_masks(added, names):
    """Per sample, the modalities set in ``added`` (bool ``(n, M)``), in order."""
    sample, modality = np.nonzero(added)
    return _group_paths(sample, modality, added.shape[0], names)
