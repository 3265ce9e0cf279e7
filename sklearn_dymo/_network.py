"""The multimodal network of DyMo (paper, Sec. 3.1 and Fig. 2).

One MLP encoder per modality turns that modality's columns into
``tokens_per_modality`` tokens. The tokens of all modalities, with a
learnable modality embedding and a [CLS] token in front, go through a
transformer whose key-padding mask hides the modalities that are not in the
current subset. A linear classifier reads [CLS]; a 2-layer projection head
maps it to the latent ``z`` used by prototypes and rewards.

Encoding and fusion are separate methods on purpose: selection encodes
each sample once and then only changes the mask (``fuse``) for every
candidate subset.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


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
    ):
        super().__init__()
        self.n_modalities = len(modality_columns)
        self.tokens_per_modality = tokens_per_modality
        self.d_model = d_model
        self.normalize_latent = normalize_latent
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

    def encode(self, x):
        """Encode every modality once: ``(n, M, L, d_model)`` tokens."""
        tokens = [
            enc(x[:, getattr(self, f"columns_{m}")]) for m, enc in enumerate(self.encoders)
        ]
        tokens = torch.stack(tokens, dim=1)
        tokens = tokens.view(x.shape[0], self.n_modalities, self.tokens_per_modality, -1)
        return tokens + self.modality_embedding

    def fuse(self, tokens, mask):
        """[CLS] representation of the modalities where ``mask`` is True.

        Parameters
        ----------
        tokens : Tensor of shape (n, M, L, d_model)
        mask : bool Tensor of shape (n, M)
        """
        n = tokens.shape[0]
        seq = torch.cat([self.cls_token.expand(n, 1, -1), tokens.flatten(1, 2)], dim=1)
        hidden = ~mask.repeat_interleave(self.tokens_per_modality, dim=1)
        pad = torch.cat([hidden.new_zeros(n, 1), hidden], dim=1)  # [CLS] always visible
        out = self.transformer(seq, src_key_padding_mask=pad)
        return self.norm(out[:, 0])

    def heads(self, h):
        """Class logits and latent ``z`` from the [CLS] representation."""
        z = self.projection(h)
        if self.normalize_latent:
            z = F.normalize(z, dim=-1)
        return self.classifier(h), z

    def forward(self, x, observed):
        """Logits and latent for the observed modalities of each sample."""
        return self.heads(self.fuse(self.encode(x), observed))

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
        tokens = self.encode(x)
        tokens = tokens.unsqueeze(1).expand(n, a, *tokens.shape[1:]).flatten(0, 1)
        logits, z = self.heads(self.fuse(tokens, masks.reshape(n * a, m)))
        return logits.view(n, a, -1), z.view(n, a, -1)
