"""skorch training loop with incomplete-subset sampling (Sec. 3.3).

``SubsetTrainingNet`` is a private skorch ``NeuralNet`` whose inference
step draws modality subsets for every batch (intersected with what each
sample observed), runs the transformer on all of them in one batched call
and hands logits, latents and masks to :class:`~._losses.DyMoLoss`. Every
other part of skorch (optimizers, callbacks, early stopping, history,
devices) works unchanged. The public estimator *composes* this net; it
never subclasses skorch.
"""

from __future__ import annotations

import torch
from skorch import NeuralNet
from skorch.utils import to_tensor

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
        return self.criterion_(logits, z, masks, y_true, accumulate=training)
