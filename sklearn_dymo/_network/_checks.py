"""Checks around training: what would fail deep inside torch fails here, named.

- :func:`check_subset_sampler`: a custom ``subset_sampler`` returns masks of
  the documented shape ``(B, A, M)`` (checked on a few training rows before
  the first epoch).
- :func:`check_network_size`: the network's parameters, gradients and Adam
  state fit in the memory of the device (counted on torch's ``meta``
  device, which allocates nothing).
- :func:`check_training_losses`: a loss that became non-finite or exploded
  means a model that cannot predict; ``fit`` says so, with ``lr``.
"""

from __future__ import annotations

import os

import numpy as np
import torch

#: Copies of the parameters training holds: weights, gradients, Adam's two moments.
_TRAINING_COPIES = 4

#: A last-epoch loss this many times the untrained one (plus 1) is a divergence:
#: the contrastive term switching on only doubles it.
EXPLODED = 100.0


def check_subset_sampler(sampler, observed, generator):
    """Call ``sampler`` on a few rows; its masks must be ``(B, A, M)`` booleans."""
    rows, n_mod = observed.shape
    try:
        masks = sampler(observed, generator)
    except Exception as exc:
        raise ValueError(
            f"subset_sampler raised {type(exc).__name__}: {exc} when called as "
            f"sampler(observed, generator) with observed a ({rows}, {n_mod}) bool tensor"
        ) from exc
    if not isinstance(masks, torch.Tensor):
        raise TypeError(
            f"subset_sampler must return a torch bool tensor of shape (B, A, M), got "
            f"{type(masks).__name__}"
        )
    if masks.ndim != 3 or masks.shape[0] != rows or masks.shape[2] != n_mod or masks.shape[1] < 1:
        raise ValueError(
            f"subset_sampler returned masks of shape {tuple(masks.shape)} for a batch "
            f"of {rows} rows and {n_mod} modalities; it must return (B, A, M) = "
            f"({rows}, A, {n_mod}) with A >= 1 subsets per row"
        )
    if masks.dtype != torch.bool:
        raise TypeError(f"subset_sampler must return a bool tensor, got dtype {masks.dtype}")


def _device_memory(device):
    """Bytes of memory on ``device`` (None when unknown)."""
    device = torch.device(device)
    if device.type == "cuda" and torch.cuda.is_available():
        return torch.cuda.get_device_properties(device.index or 0).total_memory
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def count_parameters(module_class, module_kwargs):
    """Parameters of ``module_class(**module_kwargs)``, built on the meta device."""
    with torch.random.fork_rng(devices=[]), torch.device("meta"):
        module = module_class(**module_kwargs)
    return sum(p.numel() for p in module.parameters())


def check_network_size(module_class, module_kwargs, device):
    """Refuse a network whose training state cannot fit in ``device``'s memory."""
    n_params = count_parameters(module_class, module_kwargs)
    need = n_params * 4 * _TRAINING_COPIES
    have = _device_memory(device)
    if have is not None and need > have:
        raise ValueError(
            f"the network would have {n_params:,} parameters: {need / 2**30:,.1f} GiB "
            f"for its weights, gradients and optimizer state, more than the "
            f"{have / 2**30:,.1f} GiB of memory on {device!r}. Lower d_model="
            f"{module_kwargs['d_model']}, encoder_hidden={module_kwargs['encoder_hidden']}, "
            f"n_layers={module_kwargs['n_layers']} or tokens_per_modality="
            f"{module_kwargs['tokens_per_modality']}."
        )
    return n_params


def check_training_losses(losses, lr, initial=None):
    """Raise when the epoch losses became non-finite or exploded.

    ``initial`` is the loss of the first batch, measured before any update:
    the untrained network's loss, against which the last epoch's is judged
    (the first epoch's mean may already have exploded).
    """
    losses = np.asarray(losses, dtype=np.float64)
    if losses.size == 0:
        return
    start = losses[0] if initial is None or not np.isfinite(initial) else float(initial)
    if not np.isfinite(losses).all():
        epoch = int(np.flatnonzero(~np.isfinite(losses))[0]) + 1
        raise RuntimeError(
            f"training diverged: the training loss is not finite from epoch {epoch} "
            f"on (lr={lr}). Lower lr (e.g. by a factor of 10), or check X for extreme values."
        )
    if losses[-1] > EXPLODED * (abs(start) + 1.0):
        raise RuntimeError(
            f"training diverged: the training loss grew from {start:.3g} before training "
            f"to {losses[-1]:.3g} in the last epoch (lr={lr}). Lower lr (e.g. by a factor "
            "of 10)."
        )


def check_finite_module(module, lr):
    """Raise when training left non-finite weights (a model that cannot predict)."""
    bad = [name for name, p in module.named_parameters() if not torch.isfinite(p).all()]
    if bad:
        raise RuntimeError(
            f"training diverged: the network's weights {bad[:3]} are not finite "
            f"(lr={lr}). Lower lr (e.g. by a factor of 10)."
        )
