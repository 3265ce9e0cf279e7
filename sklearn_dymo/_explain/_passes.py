"""Network passes of many (row, modality set) pairs, grouped by set size.

The transformer (``_network._fusion.fuse_pairs``) runs the pairs of each
set size in calls padded to a power of two, so that a pair's output does
not depend on the pairs computed with it. Pairs in any order would make
every call hold every size and pad each one (60 % more work for all
coalitions of 5 modalities; exact attributions ran 2.4 times faster
sorted); sorted by size, the calls are full.
"""

from __future__ import annotations

import torch

from .._selection._algorithm import _forward

#: Pairs per transformer call: small enough that a call's activations stay
#: in cache (2,048 ran exact attributions at M = 5 about 15 % faster than
#: 8,192 on one thread), large enough to amortise the call.
CALL_PAIRS = 2048


def forward_by_size(module, cache, rows, masks):
    """Logits of cache row ``rows[i]`` under ``masks[i]``, in the given order."""
    order = torch.sort(masks.sum(1), stable=True).indices
    rows, masks = rows[order], masks[order]
    logits = torch.cat([_forward(module, cache, rows[s:s + CALL_PAIRS],
                                 masks[s:s + CALL_PAIRS])[0]
                        for s in range(0, max(rows.shape[0], 1), CALL_PAIRS)])
    out = torch.empty_like(logits)
    out[order] = logits
    return out
