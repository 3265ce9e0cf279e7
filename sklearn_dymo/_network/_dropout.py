"""Dropout whose masks come from bulk random bits of an owned generator.

Two reasons not to use ``F.dropout``:

- it draws from torch's process-global generator, which every thread
  shares, so fits running in threads would not be reproducible; here the
  network passes a ``torch.Generator`` it owns (seeded by the estimator);
- ``bernoulli_`` costs about a fifth of a training epoch on the CPU. One
  64-bit random integer (drawn over the full int64 range) gives eight
  8-bit uniforms: about 10x cheaper per mask here, and random bits are
  still most of what dropout costs. The drop probability is therefore
  rounded to a multiple of 1/256 (0.1 drops 26/256 = 10.2% of the
  entries), and the kept values are scaled by the exact inverse of the
  resulting keep probability, so the expectation is unchanged.
"""

from __future__ import annotations

import torch

_LEVELS = 1 << 8


def keep_mask(shape, p, generator=None, device=None, dtype=torch.float32):
    """Mask of ``shape`` in ``dtype``: 0 with probability ~``p``, else 1.

    Returns the mask and the exact keep probability it was drawn with.
    """
    numel = 1
    for s in shape:
        numel *= s
    bits = torch.empty((numel + 7) // 8, dtype=torch.int64, device=device)
    bits.random_(-(1 << 63), None, generator=generator)  # all 64 bits uniform
    uniform = bits.view(torch.uint8)[:numel].view(shape)
    cut = round(p * _LEVELS)
    # Compared straight into the float mask: a bool result converted
    # afterwards costs about 6x as much on the CPU.
    mask = torch.ge(uniform, cut, out=torch.empty(shape, dtype=dtype, device=device))
    return mask, 1.0 - cut / _LEVELS


def dropout(x, p, training, generator=None):
    """Inverted dropout of ``x`` with masks from ``generator``."""
    if not training or p == 0.0:
        return x
    if p >= 1.0:
        return x * 0.0
    mask, keep = keep_mask(x.shape, p, generator, x.device, x.dtype)
    return x * mask.mul_(1.0 / keep)


class Dropout:
    """``drop(x, p)``: dropout when ``training``, masks from ``generator``."""

    def __init__(self, training, generator=None):
        self.training = training
        self.generator = generator

    def active(self, p):
        """Whether ``drop(x, p)`` changes anything."""
        return self.training and p > 0.0

    def __call__(self, x, p):
        return dropout(x, p, self.training, self.generator)
