"""The multimodal network of DyMo (paper, Sec. 3.1 and Fig. 2).

One MLP encoder per modality turns that modality's columns into
``tokens_per_modality`` tokens. The tokens of all modalities, with a
learnable modality embedding and a [CLS] token in front, go through a
transformer whose key-padding mask hides the modalities that are not in the
current subset. A linear classifier reads [CLS]; a 2-layer projection head
maps it to the latent ``z`` used by prototypes and rewards. With
``linear_path``, each visible modality also adds a linear function of its
columns to the logits (a linear model over the subset's columns). It
starts at 0; the estimators start it at a fitted linear model
(``start_from_linear``), so small tables get the linear model's solution
directly and the transformer learns what lies beyond it.

Encoding and fusion are separate methods on purpose: selection encodes
each sample once and then only changes the mask (``fuse``) for every
candidate subset. Fusion computes only what [CLS] reads (``_fusion.py``):
the first layer's per-token work once per row, later layers on visible
tokens only, the last layer for [CLS] alone; ``fuse_reference`` is the
plain ``nn.TransformerEncoder`` computation it is tested against.

With ``seed`` set, the weights are initialised and the dropout masks and
input noise drawn from generators the module owns, never from torch's
global generator: fits running in threads stay reproducible.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._fusion import first_layer_cache, fuse_pairs


class DyMoNetwork(nn.Module):
    """Transformer over modality tokens with classifier and projection heads.

    Parameters
    ----------
    modality_columns : list of list of int
        Column indices of each modality in the flat input.
    n_classes : int
    d_model : int, default=64
        Token width.
    tokens_per_modality : int, default=1
        Tokens produced by each modality encoder.
    n_layers : int, default=2
        Transformer layers.
    n_heads : int, default=4
        Attention heads; must divide ``d_model``.
    encoder_hidden : int, default=128
        Hidden width of each modality encoder.
    latent_dim : int, default=32
        Width of the latent ``z``.
    dropout : float, default=0.1
    normalize_latent : bool, default=True
        L2-normalise ``z`` (used with the cosine distance).
    seed : int or None, default=None
        Seeds the weight initialisation, the dropout masks and the input
        noise from generators of this module. ``None`` draws them from
        torch's global generator.
    linear_path : bool, default=False
        Add ``sum over visible modalities m of W_m x_m`` to the logits
        (weights start at 0; see ``start_from_linear``).
    input_noise : float, default=0.0
        Standard deviation of Gaussian noise added to the (scaled) inputs
        in training mode, from the same owned generator as the dropout
        masks.

    Examples
    --------
    Two modalities of two columns each; the second sample observed only
    the first modality, so the mask hides the second.

    >>> import torch
    >>> from sklearn_dymo import DyMoNetwork
    >>> net = DyMoNetwork([[0, 1], [2, 3]], n_classes=3, d_model=8, n_heads=2,
    ...                   encoder_hidden=8, latent_dim=4).eval()
    >>> x = torch.randn(2, 4)
    >>> observed = torch.tensor([[True, True], [True, False]])
    >>> logits, z = net(x, observed)
    >>> tuple(logits.shape), tuple(z.shape)
    ((2, 3), (2, 4))
    >>> logits, z = net.forward_subsets(x, observed[:, None, :])
    >>> tuple(z.shape)
    (2, 1, 4)
    """

    def __init__(
        self,
        modality_columns,
        n_classes,
        d_model=64,
        tokens_per_modality=1,
        n_layers=2,
        n_heads=4,
        encoder_hidden=128,
        latent_dim=32,
        dropout=0.1,
        normalize_latent=True,
        seed=None,
        linear_path=False,
        input_noise=0.0,
    ):
        super().__init__()
        self.seed = seed
        self.n_modalities = len(modality_columns)
        self.tokens_per_modality = tokens_per_modality
        self.d_model = d_model
        self.normalize_latent = normalize_latent
        self.input_noise = input_noise
        for m, cols in enumerate(modality_columns):
            self.register_buffer(
                f"columns_{m}", torch.as_tensor(list(cols), dtype=torch.long), persistent=True
            )
        self.encoders = nn.ModuleList(
            nn.Sequential(
                nn.Linear(len(cols), encoder_hidden),
                nn.GELU(),
                nn.Linear(encoder_hidden, tokens_per_modality * d_model),
            )
            for cols in modality_columns
        )
        self.modality_embedding = nn.Parameter(
            0.02 * torch.randn(self.n_modalities, tokens_per_modality, d_model)
        )
        self.cls_token = nn.Parameter(0.02 * torch.randn(1, 1, d_model))
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward=2 * d_model,
            dropout=dropout,
            batch_first=True,
            norm_first=True,
        )
        self.transformer = nn.TransformerEncoder(
            layer, n_layers, enable_nested_tensor=False
        )
        self.norm = nn.LayerNorm(d_model)
        self.classifier = nn.Linear(d_model, n_classes)
        self.projection = nn.Sequential(
            nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, latent_dim)
        )
        self.linear = None
        if linear_path:
            n_features = 1 + max((max(cols, default=-1) for cols in modality_columns),
                                 default=-1)
            # Column -> modality one-hot: splits W x into per-modality terms.
            owner = torch.zeros(n_features, self.n_modalities)
            for m, cols in enumerate(modality_columns):
                owner[list(cols), m] = 1.0
            self.register_buffer("linear_owner", owner, persistent=True)
            self.linear = nn.Linear(n_features, n_classes, bias=False)
            nn.init.zeros_(self.linear.weight)
        self._dropout_generators = {}
        if seed is not None:
            self.reset_parameters(torch.Generator().manual_seed(int(seed)))

    @torch.no_grad()
    def reset_parameters(self, generator):
        """Initialise every weight from ``generator``, as torch's defaults do.

        ``nn.Linear``: Kaiming-uniform weights and uniform biases;
        attention input projections Xavier-uniform with zero biases;
        layer norms 1 and 0; embeddings and [CLS] ``N(0, 0.02^2)``.
        """
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
                if module.bias is not None:
                    bound = 1.0 / math.sqrt(module.in_features)
                    nn.init.uniform_(module.bias, -bound, bound, generator=generator)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        for module in self.modules():
            if isinstance(module, nn.MultiheadAttention):
                nn.init.xavier_uniform_(module.in_proj_weight, generator=generator)
                nn.init.zeros_(module.in_proj_bias)
                nn.init.zeros_(module.out_proj.bias)
        nn.init.normal_(self.modality_embedding, 0.0, 0.02, generator=generator)
        nn.init.normal_(self.cls_token, 0.0, 0.02, generator=generator)
        if self.linear is not None:
            nn.init.zeros_(self.linear.weight)  # start from the network alone

    def __getstate__(self):
        # Generators are device objects (a CUDA one cannot load on a CPU-only
        # machine); a loaded module restarts its dropout stream from the seed.
        state = super().__getstate__()
        return {**state, "_dropout_generators": {}}

    def __setstate__(self, state):
        super().__setstate__(state)
        if "linear" not in self._modules and "linear" not in self.__dict__:
            self.linear = None  # pickled before the linear path existed
        self.__dict__.setdefault("input_noise", 0.0)  # pickled before input noise

    def _dropout_generator(self, device):
        """The owned generator of dropout masks and input noise on ``device`` (None: global)."""
        if self.seed is None:
            return None
        key = str(device)
        if key not in self._dropout_generators:
            # A different stream from the initialisation's.
            self._dropout_generators[key] = torch.Generator(device=device).manual_seed(
                int(self.seed) + 1)
        return self._dropout_generators[key]

    def encode(self, x):
        """Encode every modality once: ``(n, M, L, d_model)`` tokens."""
        tokens = [
            enc(x.index_select(1, getattr(self, f"columns_{m}")))
            for m, enc in enumerate(self.encoders)
        ]
        tokens = torch.stack(tokens, dim=1)
        tokens = tokens.view(x.shape[0], self.n_modalities, self.tokens_per_modality, -1)
        return tokens + self.modality_embedding

    @torch.no_grad()
    def start_from_linear(self, weight, bias):
        """Start the head at a linear model: ``logits = weight @ x + bias``.

        The linear path takes ``weight`` (K, n_features), the head's bias
        ``bias`` and its weights 0, so the untrained network predicts what
        the linear model does and training learns the rest.
        """
        self.linear.weight.copy_(torch.as_tensor(weight, dtype=self.linear.weight.dtype))
        self.classifier.bias.copy_(torch.as_tensor(bias, dtype=self.classifier.bias.dtype))
        self.classifier.weight.zero_()

    def linear_terms(self, x):
        """Per-modality terms of the linear path, ``(n, M, K)``; None without it."""
        if self.linear is None:
            return None
        # (F, M, K): the weights of each column, in its modality's slot.
        blocks = self.linear.weight.t()[:, None, :] * self.linear_owner[:, :, None]
        return (x @ blocks.flatten(1)).view(x.shape[0], self.n_modalities, -1)

    def first_layer_cache(self, tokens, linear=None):
        """Per-row first-layer work shared by every subset (see ``_fusion``).

        ``linear``: the rows' ``linear_terms``, kept with them for ``pair_outputs``.
        """
        return first_layer_cache(self.transformer.layers, self.cls_token, tokens, linear)

    def encode_cache(self, x):
        """``first_layer_cache`` of rows ``x``: encode, linear terms, first layer."""
        if self.training and self.input_noise > 0:
            noise = torch.randn(x.shape, generator=self._dropout_generator(x.device),
                                device=x.device, dtype=x.dtype)
            x = x + self.input_noise * noise
        return self.first_layer_cache(self.encode(x), self.linear_terms(x))

    def fuse_pairs(self, cache, rows, masks, repeats=None):
        """[CLS] representation of row ``rows[i]`` of ``cache`` under ``masks[i]``.

        Parameters
        ----------
        cache : FirstLayerCache
            ``first_layer_cache`` of the encoded rows.
        rows : long Tensor of shape (N,)
        masks : bool Tensor of shape (N, M)
        repeats : int, optional
            Set when ``rows`` is ``arange(n).repeat_interleave(repeats)``
            (lets the first layer share work across a row's subsets).
        """
        generator = self._dropout_generator(masks.device) if self.training else None
        return fuse_pairs(self.transformer.layers, self.norm, cache, rows, masks,
                          self.tokens_per_modality, generator, repeats)

    def pair_outputs(self, cache, rows, masks, repeats=None):
        """Logits and ``z`` of row ``rows[i]`` of ``cache`` under ``masks[i]``."""
        h = self.fuse_pairs(cache, rows, masks, repeats)
        return self.heads(h, self.pair_linear(cache, rows, masks))

    def pair_linear(self, cache, rows, masks):
        """The linear path's logits of each pair: its visible modalities' terms summed."""
        if cache.linear is None:
            return None
        # Elementwise and summed in a fixed order: a pair's value does not
        # depend on how many pairs are computed with it.
        terms = cache.linear.index_select(0, rows)  # backward: index_add, not index_put
        return (terms * masks[..., None].to(terms.dtype)).sum(1)

    def fuse(self, tokens, mask):
        """[CLS] representation of the modalities where ``mask`` is True.

        Parameters
        ----------
        tokens : Tensor of shape (n, M, L, d_model)
        mask : bool Tensor of shape (n, M)
        """
        rows = torch.arange(tokens.shape[0], device=tokens.device)
        return self.fuse_pairs(self.first_layer_cache(tokens), rows, mask)

    def fuse_reference(self, tokens, mask):
        """``fuse`` computed by the plain ``nn.TransformerEncoder`` (for tests).

        Every token of every layer is computed, hidden ones included, and
        dropout draws from torch's global generator.
        """
        n = tokens.shape[0]
        seq = torch.cat([self.cls_token.expand(n, 1, -1), tokens.flatten(1, 2)], dim=1)
        hidden = ~mask.repeat_interleave(self.tokens_per_modality, dim=1)
        pad = torch.cat([hidden.new_zeros(n, 1), hidden], dim=1)  # [CLS] always visible
        out = self.transformer(seq, src_key_padding_mask=pad)
        return self.norm(out[:, 0])

    def heads(self, h, linear=None):
        """Class logits and latent ``z`` from the [CLS] representation.

        ``linear``: the pairs' linear-path logits (``pair_linear``), added.
        """
        z = self.projection(h)
        if self.normalize_latent:
            z = F.normalize(z, dim=-1)
        logits = self.classifier(h)
        return (logits if linear is None else logits + linear), z

    def forward(self, x, observed):
        """Logits and latent for the observed modalities of each sample."""
        rows = torch.arange(x.shape[0], device=x.device)
        return self.pair_outputs(self.encode_cache(x), rows, observed)

    def forward_subsets(self, x, masks):
        """Encode once, fuse under ``A`` masks per sample in one batched call.

        Parameters
        ----------
        x : Tensor of shape (n, n_features)
        masks : bool Tensor of shape (n, A, M)

        Returns
        -------
        logits : (n, A, n_classes)
        z : (n, A, latent_dim)
        """
        n, a, m = masks.shape
        cache = self.encode_cache(x)
        rows = torch.arange(n, device=x.device).repeat_interleave(a)
        logits, z = self.pair_outputs(cache, rows, masks.reshape(n * a, m), a)
        return logits.view(n, a, -1), z.view(n, a, -1)
