"""Training loss: cross-entropy over subsets + prototype contrastive loss.

``DyMoLoss`` is the skorch criterion. For every (sample, subset) pair it
adds the cross-entropy of Eq. 10 and, weighted, the missing-agnostic
contrastive loss of Eq. 11 against the class prototypes. The prototypes
are the running means of ``z`` over the *previous* epoch (Appendix A.2):
the loss accumulates per-class sums during an epoch and
:class:`PrototypeUpdate` turns them into prototypes at its end.
"""

from __future__ import annotations

import torch
from skorch.callbacks import Callback
from torch import nn
from torch.nn import functional as F

from .._selection._distances import distance_to_prototypes


def weighted_mean(values, weight):
    """``sum(weight * values) / sum(weight)`` (0 where every weight is 0)."""
    weight = weight.to(values.dtype)
    return (values * weight).sum() / weight.sum().clamp_min(torch.finfo(values.dtype).tiny)


class DyMoLoss(nn.Module):
    """CE (Eq. 10) + ``prototype_weight`` x contrastive loss (Eq. 11).

    Parameters
    ----------
    n_classes : int
    latent_dim : int
    distance : {"cosine", "sqeuclidean"}
    temperature : float, default=0.1
    prototype_weight : float, default=1.0
        Weight of the contrastive term (1 in the paper).
    label_smoothing : float in [0, 1), default=0.0
        Label smoothing of the cross-entropy (the contrastive term keeps
        hard labels: prototypes are class means either way).
    """

    def __init__(self, n_classes, latent_dim, distance="cosine", temperature=0.1,
                 prototype_weight=1.0, label_smoothing=0.0):
        super().__init__()
        self.label_smoothing = label_smoothing
        self.distance = distance
        self.temperature = temperature
        self.prototype_weight = prototype_weight
        self.register_buffer("prototypes", torch.zeros(n_classes, latent_dim))
        self.register_buffer("has_prototype", torch.zeros(n_classes, dtype=torch.bool))
        self.register_buffer("_sum", torch.zeros(n_classes, latent_dim))
        self.register_buffer("_count", torch.zeros(n_classes))
        self.contrastive_active = False
        self.last_terms = None

    def forward(self, logits, z, masks, y, accumulate=False, weight=None):
        """Mean loss over the (sample, subset) pairs with a non-empty mask.

        Parameters
        ----------
        logits : (B, A, K)
        z : (B, A, D)
        masks : bool (B, A, M)
        y : (B,) int class indices
        accumulate : bool
            Add ``z`` to the running per-class sums (training batches only).
        weight : (B,) float, optional
            Row weights: each pair weighs its row's weight in both terms and
            in the prototypes' sums (a weighted mean instead of the mean).
        """
        valid = masks.any(-1)
        if not valid.any():
            # Nothing observed in the whole batch: a zero that keeps the graph.
            self.last_terms = None
            return logits.sum() * 0.0
        w_pairs = None
        if bool(valid.all()):  # the common case: plain reshapes, no gather to undo
            y_pairs = y[:, None].expand_as(valid).reshape(-1)
            logits, z = logits.flatten(0, 1), z.flatten(0, 1)
            if weight is not None:
                w_pairs = weight[:, None].expand_as(valid).reshape(-1)
        else:
            y_pairs = y[:, None].expand_as(valid)[valid]
            logits, z = logits[valid], z[valid]
            if weight is not None:
                w_pairs = weight[:, None].expand_as(valid)[valid]
        if w_pairs is None:
            loss = F.cross_entropy(logits, y_pairs, label_smoothing=self.label_smoothing)
        else:
            loss = weighted_mean(F.cross_entropy(logits, y_pairs, reduction="none",
                                                 label_smoothing=self.label_smoothing),
                                 w_pairs)
        loss = self.with_prototype_term(loss, z, y_pairs, w_pairs)
        if accumulate:
            self.accumulate(z, y_pairs, w_pairs)
        return loss

    def with_prototype_term(self, loss, z, groups, weight=None):
        """``loss`` plus the weighted contrastive term (Eq. 11) of ``z`` on ``groups``.

        Shared with the regression loss, whose groups are target bins. The
        two terms (detached) are kept in ``last_terms`` for the epoch table's
        ``train_task_loss`` and ``train_proto_loss`` columns.
        """
        self.last_terms = (loss.detach(), None)
        known = self.has_prototype[groups]
        # In evaluation (skorch's validation loss) the task loss alone: the
        # contrastive term changes scale as prototypes move and switches on
        # after the warm-up, so early stopping would compare epochs on
        # different scales (and keep the last cross-entropy-only epoch).
        if (self.training and self.contrastive_active and self.prototype_weight > 0
                and known.any()):
            # Classes without a prototype yet take no part (no -inf logits).
            d = distance_to_prototypes(z[known], self.prototypes, self.distance)
            d = d.masked_fill(~self.has_prototype, 1e4)
            if weight is None:
                term = F.cross_entropy(-d / self.temperature, groups[known])
            else:
                term = weighted_mean(F.cross_entropy(-d / self.temperature, groups[known],
                                                     reduction="none"), weight[known])
            term = self.prototype_weight * term
            self.last_terms = (loss.detach(), term.detach())
            loss = loss + term
        return loss

    @torch.no_grad()
    def accumulate(self, z, groups, weight=None):
        """Add ``z`` (weighted) to this epoch's running sums per group (training batches)."""
        z = z.detach().to(self._sum.dtype)
        if weight is None:
            self._sum.index_add_(0, groups, z)
            self._count.index_add_(0, groups, torch.ones_like(groups, dtype=self._count.dtype))
        else:
            weight = weight.to(self._sum.dtype)
            self._sum.index_add_(0, groups, z * weight[:, None])
            self._count.index_add_(0, groups, weight)

    def end_epoch(self):
        """Turn this epoch's sums into prototypes and reset the sums."""
        seen = self._count > 0
        self.prototypes[seen] = self._sum[seen] / self._count[seen, None]
        self.has_prototype |= seen
        self._sum.zero_()
        self._count.zero_()


class PrototypeUpdate(Callback):
    """skorch callback: refresh prototypes each epoch, honour the warm-up.

    The contrastive term is off for the first ``warmup_epochs`` epochs and
    always off in the first epoch, which has no prototypes yet.

    Parameters
    ----------
    warmup_epochs : int, default=1
    """

    def __init__(self, warmup_epochs=1):
        self.warmup_epochs = warmup_epochs

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history)  # 1-based: the row of this epoch exists already
        crit = net.criterion_
        crit.contrastive_active = bool(
            epoch > max(self.warmup_epochs, 1) and crit.has_prototype.any()
        )

    def on_epoch_end(self, net, **kwargs):
        net.criterion_.end_epoch()
