"""skorch training loop with incomplete-subset sampling (Sec. 3.3).

``SubsetTrainingNet`` is a private skorch ``NeuralNet`` whose inference
step draws modality subsets for every batch (intersected with what each
sample observed), runs the transformer on all of them in one batched call
and hands logits, latents and masks to :class:`~._losses.DyMoLoss`. Every
other part of skorch (optimizers, callbacks, early stopping, history,
devices) works unchanged. The public estimator *composes* this net; it
never subclasses skorch.

skorch's scoring callbacks (``EpochScoring``, ``BatchScoring``) call the
net's ``predict`` / ``predict_proba`` on training or validation rows:
:class:`SubsetClassifierNet` and :class:`SubsetRegressorNet` answer with
one output per row, the mean over the subsets drawn for that row (the
predictions the task loss scores), a classifier's as class probabilities
over class indices, a regressor's as the mean in ``y``'s units.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from skorch import NeuralNet
from skorch.utils import to_numpy, to_tensor

from .._tasks._gaussian import gaussian_params

#: Optimizers whose fused implementation computes the same update in one
#: kernel per step (instead of several per parameter tensor).
_FUSABLE = (torch.optim.Adam, torch.optim.AdamW)


def fused_optimizer_params(optimizer, device):
    """``{"optimizer__fused": True}`` where torch fuses ``optimizer`` on ``device``.

    Fused Adam and AdamW run on CUDA, and on the CPU from torch 2.4; they
    cut the optimizer step to a fraction (measured: ~5% of an epoch).
    """
    if optimizer not in _FUSABLE:
        return {}
    kind = torch.device(device).type
    major, minor = (int(v) for v in torch.__version__.split(".")[:2])
    if kind == "cuda" or (kind == "cpu" and (major, minor) >= (2, 4)):
        return {"optimizer__fused": True}
    return {}


#: Fixed seed of the subsets used for the validation loss, so that early
#: stopping compares epochs on the same masks.
VALID_SUBSET_SEED = 12345


class SubsetTrainingNet(NeuralNet):
    """skorch ``NeuralNet`` that trains on sampled modality subsets.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`skorch.NeuralNet`.
    subset_sampler : callable
        ``sampler(observed, generator) -> masks``, see ``_subsets``.
    subset_seed : int, default=0
        Seeds the generator the training subsets are drawn from. It is
        owned by the net (created in ``initialize``): torch's global
        generator is shared by every thread of the process, so fits running
        in threads would interleave their draws.
    """

    def __init__(self, *args, subset_sampler=None, subset_seed=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.subset_sampler = subset_sampler
        self.subset_seed = subset_seed

    def initialize(self):
        super().initialize()
        self._train_generator = torch.Generator().manual_seed(int(self.subset_seed))
        return self

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        self._valid_generator = torch.Generator().manual_seed(VALID_SUBSET_SEED)

    def infer(self, x, **fit_params):
        x = to_tensor(x, device=self.device)
        values, observed = x["x"], x["observed"]
        generator = self._train_generator if self.module_.training else self._valid_generator
        masks = self.subset_sampler(observed, generator)
        logits, z = self.module_.forward_subsets(values, masks)
        return logits, z, masks

    def get_loss(self, y_pred, y_true, X=None, training=False):
        logits, z, masks = y_pred
        y_true = to_tensor(y_true, device=self.device)
        # Row weights ride in the input dict (absent when unweighted).
        weight = X.get("weight") if isinstance(X, dict) else None
        if weight is None:
            loss = self.criterion_(logits, z, masks, y_true, accumulate=training)
        else:
            loss = self.criterion_(logits, z, masks, y_true, accumulate=training,
                                   weight=to_tensor(weight, device=self.device))
        if training:
            self._record_loss_terms(loss)
        return loss

    def _record_loss_terms(self, loss):
        """The batch's task and (weighted) contrastive terms, for the epoch table.

        Separate columns, so that the contrastive term switching on after
        the warm-up does not read as the training loss diverging.
        """
        terms = getattr(self.criterion_, "last_terms", None)
        task, proto = (loss.detach(), None) if terms is None else terms
        proto = torch.zeros_like(task) if proto is None else proto
        task, proto = torch.stack([task, proto]).tolist()  # one device sync
        self.history.record_batch("train_task_loss", task)
        self.history.record_batch("train_proto_loss", proto)

    # ------------------------------------------------ skorch scoring callbacks
    def row_outputs(self, logits, valid):
        """Per-row outputs from the ``(B, A, K)`` subset outputs (``valid``: ``(B, A)``)."""
        raise NotImplementedError

    def predict_proba(self, X):
        """One output per row: the mean over the subsets drawn for it."""
        outputs = []
        for logits, _z, masks in self.forward_iter(X, training=False):
            outputs.append(to_numpy(self.row_outputs(logits.double(), masks.any(-1))))
        return np.concatenate(outputs, 0)

    def predict(self, X):
        return self.predict_proba(X)


def _subset_mean(values, valid):
    """Mean of ``values`` ``(B, A, ...)`` over each row's valid subsets (0 where none)."""
    weight = valid.to(values.dtype)
    weight = weight / weight.sum(1, keepdim=True).clamp_min(1)
    return (values * weight.view(*weight.shape, *([1] * (values.dim() - 2)))).sum(1)


class SubsetClassifierNet(ClassifierMixin, SubsetTrainingNet):
    """The training net of ``DyMoClassifier``, a classifier for skorch's scorers.

    ``classes_`` are the class indices the net is trained on (``0 ... K-1``):
    scorers compare them with the training targets, which are indices too.
    """

    @property
    def classes_(self):
        return np.arange(self.module__n_classes)

    def row_outputs(self, logits, valid):
        proba = _subset_mean(torch.softmax(logits, -1), valid)
        # A row with no observed modality: no subset was drawn, so no evidence.
        none = ~valid.any(1)
        proba[none] = 1.0 / logits.shape[-1]
        return proba

    def predict(self, X):
        return self.predict_proba(X).argmax(1)


class SubsetRegressorNet(RegressorMixin, SubsetTrainingNet):
    """The training net of ``DyMoRegressor``: ``predict`` is the mean in ``y``'s units.

    Parameters
    ----------
    target_offset, target_scale : float
        ``y = y_std * target_scale + target_offset`` (the target encoding).
    *args, **kwargs
        As for :class:`SubsetTrainingNet`.
    """

    def __init__(self, *args, target_offset=0.0, target_scale=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_offset = target_offset
        self.target_scale = target_scale

    def row_outputs(self, logits, valid):
        mean, _var = gaussian_params(logits)
        return _subset_mean(mean, valid) * self.target_scale + self.target_offset


def regression_target(y, offset=0.0, scale=1.0):
    """The training target ``(n, 2)`` [y_std, bin] -> ``y`` in the user's units.

    skorch scoring callbacks of a regressor extract their targets with it,
    so that they compare like with like with :class:`SubsetRegressorNet`'s
    ``predict``.
    """
    return to_numpy(y)[:, 0] * scale + offset
