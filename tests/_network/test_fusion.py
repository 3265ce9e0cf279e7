"""The fast fusion computes exactly what the plain transformer computes.

``DyMoNetwork.fuse`` (first-layer work shared per row, later layers on
visible tokens only, the last layer for [CLS] alone) is pinned to
``fuse_reference`` (``nn.TransformerEncoder`` over every token): outputs
and gradients, in float64 so that only rounding can differ.
"""

import pytest
import torch

from sklearn_dymo._network._dropout import keep_mask
from sklearn_dymo._network._module import DyMoNetwork

COLUMNS = [[0, 1], [2, 3, 4], [5], [6, 7]]


def _net(n_layers, tokens_per_modality, dropout=0.0, seed=0):
    net = DyMoNetwork(COLUMNS, n_classes=3, d_model=16, n_heads=4, encoder_hidden=8,
                      latent_dim=4, n_layers=n_layers, tokens_per_modality=tokens_per_modality,
                      dropout=dropout, seed=seed)
    with torch.no_grad():  # attention biases start at 0; the fast path must not rely on it
        for layer in net.transformer.layers:
            layer.self_attn.in_proj_bias.uniform_(-0.5, 0.5, generator=torch.Generator()
                                                  .manual_seed(seed + 1))
    return net.double()


def _masks(n, generator):
    masks = torch.rand(n, len(COLUMNS), generator=generator) < 0.5
    masks[0] = False  # nothing visible but [CLS]
    masks[1] = True
    return masks


@pytest.mark.parametrize("n_layers", [1, 2, 3])
@pytest.mark.parametrize("tokens_per_modality", [1, 2])
def test_fuse_equals_the_plain_transformer(n_layers, tokens_per_modality):
    g = torch.Generator().manual_seed(n_layers)
    net = _net(n_layers, tokens_per_modality).eval()
    x = torch.randn(9, 8, generator=g, dtype=torch.float64)
    tokens = net.encode(x)
    masks = _masks(9, g)
    fast = net.fuse(tokens, masks)
    reference = net.fuse_reference(tokens, masks)
    torch.testing.assert_close(fast, reference, rtol=1e-12, atol=1e-12)
    # The mask matters: otherwise the comparison above would prove little.
    assert not torch.allclose(fast, net.fuse(tokens, torch.ones_like(masks)))


@pytest.mark.parametrize("n_layers", [1, 2, 3])
def test_gradients_equal_the_plain_transformer(n_layers):
    g = torch.Generator().manual_seed(10 + n_layers)
    x = torch.randn(6, 8, generator=g, dtype=torch.float64)
    masks = _masks(6, g)
    weights = torch.randn(6, 16, generator=g, dtype=torch.float64)
    grads = []
    for fuse in ("fuse", "fuse_reference"):
        net = _net(n_layers, 2).train()  # dropout=0: training mode is deterministic
        out = getattr(net, fuse)(net.encode(x), masks)
        (out * weights).sum().backward()
        grads.append({k: p.grad.clone() for k, p in net.named_parameters()
                      if p.grad is not None})
    assert grads[0].keys() == grads[1].keys()
    for name in grads[0]:
        torch.testing.assert_close(grads[0][name], grads[1][name], rtol=1e-10, atol=1e-12,
                                   msg=name)


def test_forward_subsets_shares_rows_and_equals_per_subset_fuse():
    g = torch.Generator().manual_seed(3)
    net = _net(2, 1).eval()
    x = torch.randn(5, 8, generator=g, dtype=torch.float64)
    masks = torch.rand(5, 3, len(COLUMNS), generator=g) < 0.6
    logits, z = net.forward_subsets(x, masks)
    for a in range(3):
        ref_logits, ref_z = net.heads(net.fuse_reference(net.encode(x), masks[:, a]))
        torch.testing.assert_close(logits[:, a], ref_logits, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(z[:, a], ref_z, rtol=1e-12, atol=1e-12)


def test_seed_fixes_weights_and_dropout_without_the_global_generator():
    x = torch.randn(4, 8, dtype=torch.float64)
    masks = torch.ones(4, len(COLUMNS), dtype=torch.bool)
    outs = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)  # must not matter
        net = _net(2, 1, dropout=0.5, seed=7).train()
        outs.append(net.forward_subsets(x, masks[:, None])[0])
    torch.testing.assert_close(outs[0], outs[1], rtol=0, atol=0)
    other = _net(2, 1, dropout=0.5, seed=8).train()
    assert not torch.allclose(outs[0], other.forward_subsets(x, masks[:, None])[0])
    # Two draws of one module differ (dropout is live in training).
    net = _net(2, 1, dropout=0.5, seed=7).train()
    first = net.forward_subsets(x, masks[:, None])[0]
    assert not torch.allclose(first, net.forward_subsets(x, masks[:, None])[0])


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_dropout_masks_keep_the_expected_fraction(p):
    mask, keep = keep_mask((200, 800), p, torch.Generator().manual_seed(0))
    assert abs(keep - (1 - p)) <= 1 / 512  # p rounded to a multiple of 1/256
    # 160,000 draws: the kept fraction is within 5 standard errors of keep.
    se = (keep * (1 - keep) / mask.numel()) ** 0.5
    assert abs(mask.double().mean().item() - keep) < 5 * se
    # Each of the eight bytes of a 64-bit draw is its own uniform (the top
    # one included: a draw over [0, 2**63) would leave its top bit at 0).
    for byte in range(8):
        assert abs(mask[:, byte::8].double().mean().item() - keep) < 5 * se * 8 ** 0.5


@pytest.mark.parametrize("n_layers", [2, 3])
def test_pairs_with_few_visible_tokens_equal_the_plain_transformer(n_layers):
    # Selection at large M: each pair sees a few modalities, rows repeat in
    # any order, so the fast path packs the visible tokens (width < T).
    g = torch.Generator().manual_seed(20 + n_layers)
    net = _net(n_layers, 2).eval()
    x = torch.randn(4, 8, generator=g, dtype=torch.float64)
    rows = torch.tensor([2, 0, 0, 3, 1, 2, 2])
    masks = torch.zeros(7, len(COLUMNS), dtype=torch.bool)
    masks[torch.arange(7), torch.tensor([0, 1, 3, 2, 0, 3, 1])] = True
    masks[0, 2] = True
    tokens = net.encode(x)
    fast = net.fuse_pairs(net.first_layer_cache(tokens), rows, masks)
    reference = net.fuse_reference(tokens[rows], masks)
    torch.testing.assert_close(fast, reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("use_repeats", [False, True])
def test_large_batches_are_split_without_changing_outputs(monkeypatch, use_repeats):
    import sklearn_dymo._network._fusion as fusion

    g = torch.Generator().manual_seed(5)
    net = _net(2, 1).eval()
    x = torch.randn(6, 8, generator=g, dtype=torch.float64)
    masks = torch.rand(6, 3, len(COLUMNS), generator=g) < 0.5
    cache = net.first_layer_cache(net.encode(x))
    rows = torch.arange(6).repeat_interleave(3)
    flat = masks.reshape(18, -1)
    repeats = 3 if use_repeats else None
    whole = net.fuse_pairs(cache, rows, flat, repeats)
    # One pair's scores are H * T * T = 4 * 5 * 5 = 100 entries: chunks of 4 pairs.
    monkeypatch.setattr(fusion, "MAX_SCORES", 400)
    split = net.fuse_pairs(cache, rows, flat, repeats)
    torch.testing.assert_close(split, whole, rtol=1e-12, atol=1e-12)


def test_cls_attention_with_dropout_equals_projecting_every_token():
    # The folded last-layer attention (no per-token key/value projection) must
    # also hold when dropout leaves the attention weights not summing to 1.
    from torch.nn import functional as F

    from sklearn_dymo._network._fusion import _cls_attention

    g = torch.Generator().manual_seed(5)
    layer = _net(2, 1, dropout=0.5).transformer.layers[-1]
    with torch.no_grad():  # biases start at 0: give the value bias a say
        layer.self_attn.in_proj_bias.normal_(generator=g)
    n, w, d, h = 7, 4, 16, 4
    cls = torch.randn(n, d, generator=g, dtype=torch.float64)
    tokens = torch.randn(n, w, d, generator=g, dtype=torch.float64)
    valid = torch.rand(n, w, generator=g) < 0.7
    valid[:, 0] = True
    key_bias = torch.zeros(n, 1, w, dtype=torch.float64).masked_fill(~valid[:, None], -torch.inf)
    keep = (torch.rand(n, h, w, generator=g) < 0.5).double() * 2.0

    class FixedDrop:
        def active(self, p):
            return True

        def __call__(self, x, p):
            return x * keep

    folded = _cls_attention(layer, cls, tokens, key_bias, FixedDrop())
    weight, bias = layer.self_attn.in_proj_weight, layer.self_attn.in_proj_bias
    q = F.linear(cls, weight[:d], bias[:d]).view(n, h, 1, d // h)
    k, v = (F.linear(tokens, weight[s], bias[s]).view(n, w, h, d // h).transpose(1, 2)
            for s in (slice(d, 2 * d), slice(2 * d, None)))
    scores = (q @ k.transpose(-1, -2))[:, :, 0] * (d // h) ** -0.5 + key_bias
    probs = torch.softmax(scores, -1) * keep
    explicit = (probs[..., None] * v).sum(-2).flatten(1)
    torch.testing.assert_close(folded, explicit, rtol=1e-12, atol=1e-12)
