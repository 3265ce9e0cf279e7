"""The transformer of ``DyMoNetwork``, computed only where its output is read.

The reference computation (``nn.TransformerEncoder`` over [CLS] plus every
modality token, a key-padding mask hiding the modalities outside the
subset) does most of its work for nothing:

- only the [CLS] output of the last layer is ever read;
- the first layer's normalisation and Q/K/V projections act on each token
  alone, so they are the same under every subset of one row;
- a token hidden by the mask is never a key or value of a visible token,
  so its own per-token work is never read either.

``fuse_pairs`` computes exactly what the reference computes for [CLS]
(same weights, same operations up to float rounding; see
``tests/test_fusion.py``), with the first layer's per-token work done once
per row (``FirstLayerCache``), the per-token work of the later layers done
on visible tokens only and the last layer done for [CLS] alone. Training,
statistics and selection all run through it.

The weights are those of the ``nn.TransformerEncoder`` the module holds
(``norm_first`` layers with ReLU feed-forward), so the reference path stays
available (``DyMoNetwork.fuse_reference``) and ``state_dict`` keys are
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from ._dropout import Dropout

#: Attention-score entries one call may hold (2**24 floats: 64 MB in
#: float32); larger batches of pairs are split, so memory stays bounded at
#: large M however many pairs come in.
MAX_SCORES = 1 << 24
#: Fewest pairs per call at evaluation: smaller calls are padded (see
#: ``fuse_pairs``); from a few dozen rows on, a row's rounding no longer
#: depends on how many rows a float32 product has.
MIN_CALL_PAIRS = 64


@dataclass
class FirstLayerCache:
    """Per-row work of the first layer, shared by every subset of the row.

    Attributes
    ----------
    seq : Tensor (n, T, d)
        [CLS] followed by every modality token (``T = 1 + M * L``).
    queries : Tensor (n, H, T, d_head)
        Query vectors of the first layer, already scaled by ``d_head**-0.5``.
    keys, values : Tensor (n, H, T, d_head)
        Key and value vectors of the first layer.
    linear : Tensor (n, M, K) or None
        Per-modality terms of the network's linear path (added to the head
        for the visible modalities), carried with the row; ``None`` without
        a linear path.

    Query-key products are formed per pair, on its visible tokens only,
    so the cache grows linearly with ``T``.
    """

    seq: torch.Tensor
    queries: torch.Tensor
    keys: torch.Tensor
    values: torch.Tensor
    linear: torch.Tensor = None

    def rows(self, part):
        """The cache of rows ``part`` (a slice)."""
        return FirstLayerCache(self.seq[part], self.queries[part], self.keys[part],
                               self.values[part],
                               None if self.linear is None else self.linear[part])


def _heads(x, n_heads):
    """(..., T, d) -> (..., H, T, d_head)."""
    *lead, t, d = x.shape
    return x.view(*lead, t, n_heads, d // n_heads).transpose(-3, -2)


def _merge_heads(x):
    """(..., H, T, d_head) -> (..., T, d)."""
    *lead, h, t, dh = x.shape
    return x.transpose(-3, -2).reshape(*lead, t, h * dh)


def first_layer_cache(layers, cls_token, tokens, linear=None):
    """``FirstLayerCache`` of encoded rows ``tokens`` (n, M, L, d).

    ``linear`` (n, M, K), the rows' linear-path terms, travels with it.
    """
    n = tokens.shape[0]
    seq = torch.cat([cls_token.expand(n, 1, -1), tokens.flatten(1, 2)], dim=1)
    layer = layers[0]
    attn = layer.self_attn
    q, k, v = F.linear(layer.norm1(seq), attn.in_proj_weight, attn.in_proj_bias).chunk(3, -1)
    q, k, v = (_heads(t, attn.num_heads) for t in (q, k, v))
    return FirstLayerCache(seq, q * q.shape[-1] ** -0.5, k, v, linear)


def pad_rows(tensor, minimum=None):
    """``tensor`` with zero rows appended up to a power of two >= ``minimum``
    (``MIN_CALL_PAIRS`` by default, read at call time).

    For evaluation: a row's output then comes from a call of a fixed set of
    shapes, whatever the number of rows around it (see ``fuse_pairs``).
    """
    n = tensor.shape[0]
    minimum = MIN_CALL_PAIRS if minimum is None else minimum
    size = max(minimum, 1 << max(n - 1, 0).bit_length())
    if size == n:
        return tensor
    return torch.cat([tensor, tensor.new_zeros(size - n, *tensor.shape[1:])])


def _masked_softmax(scores, key_bias):
    """Softmax over keys with hidden keys at ``-inf``.

    Written out because ``torch.softmax`` over a last dimension this short
    (the ``1 + M * L`` tokens) is several times slower on the CPU than
    these four elementwise operations, forward and backward.
    """
    scores = scores + key_bias
    # The shift only keeps exp() finite: softmax does not depend on it, so no
    # gradient flows through it (amax's backward is costly).
    weights = (scores - scores.detach().amax(-1, keepdim=True)).exp()
    return weights / weights.sum(-1, keepdim=True)


def _attention_output(layer, probs, values, drop):
    """Attention probabilities -> dropout -> weighted values, heads merged."""
    probs = drop(probs, layer.self_attn.dropout)
    return _merge_heads(probs @ values)


def _cls_attention(layer, cls_normed, tokens_normed, key_bias, drop):
    """The last layer's attention output for [CLS] alone, ``(N, d)``.

    ``cls_normed`` (N, d) and ``tokens_normed`` (N, W, d) are the layer's
    normalised inputs. No key or value is projected per token: with
    ``W_k``, ``W_v`` one head's blocks of the input projection,
    ``q . (W_k x + b_k) = (W_k^T q) . x + q . b_k`` (the last term is the
    same for every key, so the softmax drops it) and
    ``sum_t p_t (W_v x_t + b_v) = W_v (sum_t p_t x_t) + b_v sum_t p_t``.
    One query per pair makes that several times cheaper than projecting
    every visible token, forward and backward.
    """
    attn = layer.self_attn
    d = cls_normed.shape[-1]
    h = attn.num_heads
    weight, bias = attn.in_proj_weight, attn.in_proj_bias
    q = F.linear(cls_normed, weight[:d], bias[:d]).view(-1, h, d // h) * (d // h) ** -0.5
    # (H, N, d_head) @ (H, d_head, d): each head's query moved to the input space.
    query_in = (q.transpose(0, 1) @ weight[d:2 * d].view(h, d // h, d)).transpose(0, 1)
    probs = _masked_softmax(query_in @ tokens_normed.transpose(-1, -2), key_bias)
    probs = drop(probs, attn.dropout)
    pooled = probs @ tokens_normed  # (N, H, d)
    w_v, b_v = weight[2 * d:].view(h, d // h, d), bias[2 * d:].view(h, d // h)
    attended = (pooled.transpose(0, 1) @ w_v.transpose(1, 2)).transpose(0, 1)
    # Dropout leaves the weights summing to something other than 1.
    weight_sum = probs.sum(-1, keepdim=True) if drop.active(attn.dropout) else 1.0
    return (attended + weight_sum * b_v).flatten(1)


def _compact(visible):
    """Each pair's visible token positions, packed to the left.

    Returns ``positions`` (N, W), ``valid`` (N, W) with ``W`` the largest
    visible count: attention then costs ``W**2`` per pair instead of
    ``T**2``, which matters when many modalities are hidden (selection at
    large M). [CLS] stays in slot 0 (a stable sort keeps the order).
    """
    count = visible.sum(1)
    width = int(count.max())
    positions = torch.sort((~visible).to(torch.uint8), dim=1, stable=True).indices
    positions = positions[:, :width]
    valid = torch.arange(width, device=visible.device)[None, :] < count[:, None]
    return positions, valid


def _first_layer_attention(layer, cache, rows, positions, repeats, key_bias, drop):
    """Attention outputs ``(N, W, d)`` of the first layer from the cache.

    With ``repeats`` (training: each row under ``A`` subsets, pairs in row
    order, no compaction) one matrix product per row serves all its
    subsets; otherwise the cached queries, keys and values of each pair's visible
    tokens are gathered.
    """
    if repeats is None:
        r = rows[:, None]
        # (N, W, H, d_head) -> (N, H, W, d_head)
        q, k, v = (t[r, :, positions].transpose(1, 2)
                   for t in (cache.queries, cache.keys, cache.values))
        probs = _masked_softmax(q @ k.transpose(-1, -2), key_bias)
        return _attention_output(layer, probs, v, drop)
    n, h, t, _ = cache.queries.shape
    bias = key_bias.view(n, repeats, 1, 1, t)
    scores = cache.queries @ cache.keys.transpose(-1, -2)
    probs = _masked_softmax(scores[:, None], bias)  # (n, A, H, T, T)
    probs = drop(probs, layer.self_attn.dropout)
    shared = probs.transpose(1, 2).reshape(n, h, repeats * t, t) @ cache.values
    shared = shared.view(n, h, repeats, t, -1).permute(0, 2, 3, 1, 4)
    return shared.reshape(n * repeats, t, -1)


def _feed_forward(layer, x, drop):
    """``x + FF(norm2(x))`` with the layer's dropouts (post-attention block)."""
    h = F.relu(layer.linear1(layer.norm2(x)))
    h = layer.linear2(drop(h, layer.dropout.p))
    return x + drop(h, layer.dropout2.p)


def _attention_block(layer, x, attended, drop):
    """``x + dropout1(out_proj(attended))``."""
    return x + drop(layer.self_attn.out_proj(attended), layer.dropout1.p)




def fuse_pairs(layers, norm, cache, rows, masks, tokens_per_modality, generator=None,
               repeats=None):
    """[CLS] representation of ``cache`` rows ``rows`` under ``masks``.

    Parameters
    ----------
    layers : sequence of ``nn.TransformerEncoderLayer`` (``norm_first``)
    norm : ``nn.LayerNorm`` applied to the last layer's [CLS]
    cache : FirstLayerCache
    rows : long Tensor (N,)
        Row of ``cache`` for each pair (rows may repeat).
    masks : bool Tensor (N, M)
        Modalities visible to each pair.
    tokens_per_modality : int
    generator : torch.Generator, optional
        Source of the dropout masks in training mode.
    repeats : int, optional
        Declares that ``rows`` is every cache row repeated ``repeats``
        times in a row (``arange(n).repeat_interleave(A)``), which lets the
        first layer share one matrix product per row.

    Returns
    -------
    Tensor (N, d)
    """
    n_pairs, seq_len = rows.shape[0], cache.seq.shape[1]
    if repeats is not None:
        return _fuse_repeated(layers, norm, cache, masks, tokens_per_modality, generator,
                              repeats)
    # Pairs are grouped by their number of visible modalities and each group
    # runs at its own width, in calls of a power of two (>= MIN_CALL_PAIRS)
    # pairs: every pair is computed with the same shapes whatever else is in
    # the batch, so a row's prediction does not depend on the rows predicted
    # with it (float32 products round by shape, and the BLAS picks kernels by
    # row count and thread count).
    width = masks.sum(1)
    step = max(1, MAX_SCORES // (cache.queries.shape[1] * seq_len * seq_len))
    step = 1 << (step.bit_length() - 1)  # a power of two, like every call
    order, parts = [], []
    for w in torch.unique(width).tolist():
        group = (width == w).nonzero()[:, 0]
        for start in range(0, group.shape[0], step):
            idx = group[start:start + step]
            size = max(MIN_CALL_PAIRS, 1 << (idx.shape[0] - 1).bit_length())
            # Padding repeats the group's first pair; its outputs are dropped.
            padded = torch.cat([idx, idx[:1].expand(size - idx.shape[0])])
            out = _fuse(layers, norm, cache, rows[padded], masks[padded],
                        tokens_per_modality, generator, None)
            parts.append(out[:idx.shape[0]])
            order.append(idx)
    if not parts:
        return _fuse(layers, norm, cache, rows, masks, tokens_per_modality, generator, None)
    order = torch.cat(order)
    inverse = torch.empty_like(order)
    inverse[order] = torch.arange(n_pairs, device=order.device)
    return torch.cat(parts)[inverse]


def _fuse_repeated(layers, norm, cache, masks, tokens_per_modality, generator, repeats):
    """``fuse_pairs`` for every cache row under its ``repeats`` subsets (training)."""
    n_rows, seq_len = cache.seq.shape[0], cache.seq.shape[1]
    step = max(1, MAX_SCORES // (cache.queries.shape[1] * seq_len * seq_len))
    # Keep every row's subsets together (the shared first-layer product).
    per = max(1, step // repeats)
    if per >= n_rows:
        rows = torch.arange(n_rows, device=masks.device).repeat_interleave(repeats)
        return _fuse(layers, norm, cache, rows, masks, tokens_per_modality, generator, repeats)
    parts = []
    for start in range(0, n_rows, per):
        part = cache.rows(slice(start, start + per))
        n = part.seq.shape[0]
        rows = torch.arange(n, device=masks.device).repeat_interleave(repeats)
        parts.append(_fuse(layers, norm, part, rows, masks[start * repeats:(start + n) * repeats],
                           tokens_per_modality, generator, repeats))
    return torch.cat(parts)


def _fuse(layers, norm, cache, rows, masks, tokens_per_modality, generator, repeats):
    """``fuse_pairs`` on one batch of pairs small enough to hold at once."""
    drop = Dropout(layers[0].training, generator)
    n_pairs = rows.shape[0]
    seq_len = cache.seq.shape[1]
    visible = torch.cat(
        [masks.new_ones(n_pairs, 1), masks.repeat_interleave(tokens_per_modality, dim=1)],
        dim=1)

    def bias_of(valid):
        # Additive key mask: 0 where visible, -inf where hidden.
        bias = torch.zeros(valid.shape, dtype=cache.seq.dtype, device=valid.device)
        return bias.masked_fill(~valid, float("-inf"))[:, None, None, :]

    first = layers[0]
    if len(layers) == 1:
        # The first layer is also the last: [CLS] queries only.
        scores = (cache.queries[rows, :, :1] @ cache.keys[rows].transpose(-1, -2))[:, :, 0]
        probs = _masked_softmax(scores, bias_of(visible)[:, :, 0])
        probs = drop(probs, first.self_attn.dropout)
        attended = (probs[..., None] * cache.values[rows]).sum(-2).flatten(1)
        cls = _attention_block(first, cache.seq[rows, 0], attended, drop)
        return norm(_feed_forward(first, cls, drop))

    if repeats is None:
        positions, valid = _compact(visible)
    else:
        positions, valid = None, visible
    width = valid.shape[1]
    key_bias = bias_of(valid)

    # First layer: queries, keys and values come from the cache; the rest of every
    # layer runs on the visible tokens of each pair only (flat, ``(V, d)``).
    flat = valid.flatten().nonzero()[:, 0]
    pair, slot = flat // width, flat % width
    token = slot if positions is None else positions[pair, slot]
    attended = _first_layer_attention(first, cache, rows, positions, repeats, key_bias, drop)
    # index_select, not advanced indexing: its backward is an index_add, several
    # times cheaper on the CPU than the accumulating index_put of ``t[idx]``.
    residual = cache.seq.flatten(0, 1).index_select(0, rows[pair] * seq_len + token)
    x = _attention_block(first, residual, attended.flatten(0, 1).index_select(0, flat), drop)
    x = _feed_forward(first, x, drop)

    def padded(values):
        out = values.new_zeros(n_pairs * width, values.shape[-1])
        return out.index_copy(0, flat, values).view(n_pairs, width, -1)

    for layer in layers[1:-1]:
        attn = layer.self_attn
        qkv = padded(F.linear(layer.norm1(x), attn.in_proj_weight, attn.in_proj_bias))
        q, k, v = (_heads(t, attn.num_heads) for t in qkv.chunk(3, -1))
        scores = (q * q.shape[-1] ** -0.5) @ k.transpose(-1, -2)
        probs = _masked_softmax(scores, key_bias)
        attended = _attention_output(layer, probs, v, drop).flatten(0, 1).index_select(0, flat)
        x = _feed_forward(layer, _attention_block(layer, x, attended, drop), drop)

    # Last layer: [CLS] alone reads it (see _cls_attention).
    last = layers[-1]
    normed = last.norm1(x)
    cls_pos = (slot == 0).nonzero()[:, 0]  # [CLS] is slot 0 of every pair
    attended = _cls_attention(last, normed.index_select(0, cls_pos), padded(normed),
                              key_bias[:, :, 0], drop)
    cls = _attention_block(last, x.index_select(0, cls_pos), attended, drop)
    return norm(_feed_forward(last, cls, drop))
