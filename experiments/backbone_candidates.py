"""Two backbone candidates of the issue, measured on backbone.py's folds.

``backbone.py`` measures what the default network keeps. This script
measures two candidates that were not kept, on the same 5 stratified folds
and seeds, against the default:

- ``heads ensemble (E=4)``: four classifier heads on the shared [CLS]
  representation, each trained with its own cross-entropy (the mean over
  members), predicting with the mean of their probabilities (TabM's
  training rule, with members that differ in the head only). The linear
  path, ``z`` and the prototypes are shared.
- ``periodic embeddings (k=8, e=8)``: every numeric column becomes
  ``ReLU(W [sin(2 pi f x), cos(2 pi f x)])`` with ``k`` trainable
  frequencies per column (Gorishniy et al. 2022, PLR with the linear layer
  shared by the columns of a modality) before the modality's encoder MLP.

Both are built by replacing the module class (and, for the ensemble, the
criterion class) that the estimator uses; neither is a public option.
``--candidates "z reads the linear logits"`` also fits
``linear_path_selection.LatentReadsLinear`` (its remedy for selection at
high missing rates) on complete data.

    python experiments/backbone_candidates.py                # breast_cancer, clinical, 3 seeds
    python experiments/backbone_candidates.py --datasets poly_digits mfeat --seeds 0
    python experiments/backbone_candidates.py --candidates "DyMo default" \\
        --params '{"dropout": 0.0}' '{"n_subsets": 7}' --out /tmp/sweep
"""

import argparse
import json
import math
import time

import _paths  # noqa: F401 (puts benchmarks/ on sys.path for _common)
import numpy as np
import pandas as pd
import torch
from _common import (
    add_params_argument,
    csv_then_markdown,
    load_dataset,
    swapped_classes,
)
from backbone import _scores
from linear_path_selection import (
    LatentReadsLinear,
    ScoreLatentLoss,
    ScoreLatentTrainsNetwork,
)
from sklearn.model_selection import StratifiedKFold
from torch import nn
from torch.nn import functional as F

from sklearn_dymo import DyMoClassifier
from sklearn_dymo._network._losses import DyMoLoss
from sklearn_dymo._network._module import DyMoNetwork

N_MEMBERS = 4


class HeadsEnsembleNetwork(DyMoNetwork):
    """``N_MEMBERS`` classifier heads; per-member logits in training, log mean prob else.

    ``classifier`` stays member 0 (its ``out_features`` is the class count
    selection reads); ``extra_heads`` holds the other members.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_out = self.classifier.out_features
        self.extra_heads = nn.Linear(self.d_model, (N_MEMBERS - 1) * self.n_out)
        if self.seed is not None:
            self.reset_parameters(torch.Generator().manual_seed(int(self.seed)))

    @torch.no_grad()
    def start_from_linear(self, weight, bias):
        super().start_from_linear(weight, bias)
        # Member 0 starts at the linear model; the others keep their random
        # head weights (identical members would get identical gradients).
        self.extra_heads.bias.copy_(self.classifier.bias.repeat(N_MEMBERS - 1))

    def heads(self, h, linear=None):
        z = self.projection(h)
        if self.normalize_latent:
            z = F.normalize(z, dim=-1)
        members = torch.cat([self.classifier(h), self.extra_heads(h)], -1)
        members = members.view(*h.shape[:-1], N_MEMBERS, self.n_out)
        if linear is not None:
            members = members + linear[..., None, :]
        if self.training:
            return members.flatten(-2), z
        log_mean = torch.logsumexp(F.log_softmax(members, -1), -2) - math.log(N_MEMBERS)
        return log_mean, z


class HeadsEnsembleLoss(DyMoLoss):
    """Mean of the members' cross-entropies (+ the contrastive term, once)."""

    def forward(self, logits, z, masks, y, accumulate=False):
        if logits.shape[-1] == self.prototypes.shape[0]:  # evaluation: combined already
            return super().forward(logits, z, masks, y, accumulate)
        b, a, _ = logits.shape
        members = logits.view(b, a, N_MEMBERS, -1).transpose(1, 2).reshape(b, a * N_MEMBERS, -1)

        masks_rep = masks.repeat(1, N_MEMBERS, 1)
        z_rep = z.repeat(1, N_MEMBERS, 1)
        loss = super().forward(members, z_rep, masks_rep, y, accumulate=False)
        if accumulate:
            valid = masks.any(-1)
            self.accumulate(z[valid], y[:, None].expand_as(valid)[valid])
        return loss


class PeriodicEmbeddingNetwork(DyMoNetwork):
    """Each column: ``ReLU(W [sin(2 pi f x), cos(2 pi f x)])`` before its modality's MLP."""

    k, e, sigma = 8, 8, 0.1

    def __init__(self, modality_columns, *args, **kwargs):
        super().__init__(modality_columns, *args, **kwargs)
        n_features = 1 + max(max(c) for c in modality_columns)
        self.frequencies = nn.Parameter(torch.randn(n_features, self.k) * self.sigma)
        self.column_linear = nn.ModuleList(nn.Linear(2 * self.k, self.e)
                                           for _ in modality_columns)
        for m, cols in enumerate(modality_columns):
            hidden = self.encoders[m][0].out_features
            self.encoders[m][0] = nn.Linear(len(cols) * self.e, hidden)
        if self.seed is not None:
            self.reset_parameters(torch.Generator().manual_seed(int(self.seed)))

    @torch.no_grad()
    def reset_parameters(self, generator):
        super().reset_parameters(generator)
        if hasattr(self, "frequencies"):
            self.frequencies.normal_(0.0, self.sigma, generator=generator)

    def encode(self, x):
        tokens = []
        for m, enc in enumerate(self.encoders):
            cols = getattr(self, f"columns_{m}")
            v = 2 * math.pi * x.index_select(1, cols)[..., None] * self.frequencies[cols]
            emb = F.relu(self.column_linear[m](torch.cat([v.sin(), v.cos()], -1)))
            tokens.append(enc(emb.flatten(1)))
        tokens = torch.stack(tokens, 1).view(x.shape[0], self.n_modalities,
                                             self.tokens_per_modality, -1)
        return tokens + self.modality_embedding


CANDIDATES = {
    "DyMo default": {},
    f"heads ensemble (E={N_MEMBERS})": {"network": HeadsEnsembleNetwork,
                                        "loss": HeadsEnsembleLoss},
    "periodic embeddings (k=8, e=8)": {"network": PeriodicEmbeddingNetwork},
}
#: fitted only when named in --candidates
OPTIONAL_CANDIDATES = {
    # linear_path_selection.py's remedy for selection, on complete data
    "z reads the linear logits": {"network": LatentReadsLinear},
    # a second latent reads [CLS] and the detached linear logits, with its own
    # contrastive term into [CLS]; selection's statistics use it
    "score latent trains [CLS]": {"network": ScoreLatentTrainsNetwork,
                                  "loss": ScoreLatentLoss},
}


def run(datasets, folds, seeds, candidates):
    rows = []
    for seed, name in ((s, n) for s in seeds for n in datasets):
        data = load_dataset(name, seed)
        X, y = np.asarray(data.data, dtype=np.float64), np.asarray(data.target)
        classes = np.unique(y)
        cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
        for fold, (tr, te) in enumerate(cv.split(X, y)):
            for method, swap in candidates.items():
                swap = dict(swap)
                params = swap.pop("params", {})
                with swapped_classes(**swap):
                    t = time.perf_counter()
                    est = DyMoClassifier(modalities=data.modalities, random_state=seed + fold,
                                         **params).fit(X[tr], y[tr])
                    fit_s = time.perf_counter() - t
                    proba = est.predict_proba(X[te])
                rows.append({"dataset": name, "seed": seed, "fold": fold, "method": method,
                             "fit_s": fit_s,
                             **_scores(y[te], proba, classes)})
                print(f"  {name} fold {fold} {method}: acc {rows[-1]['accuracy']:.2f} "
                      f"log-loss {rows[-1]['log_loss']:.4f} fit {fit_s:.1f}s", flush=True)
    return pd.DataFrame(rows)


def report(df):
    """Mean over folds per seed, then the seeds' means side by side."""
    g = df.groupby(["dataset", "method", "seed"], sort=False)[
        ["accuracy", "log_loss", "roc_auc", "fit_s"]].mean().reset_index()
    lines = ["| dataset | method | seeds | accuracy (%) per seed | mean | log-loss per seed "
             "| mean | ROC AUC | fit (s) |", "|---|---|---|---|---|---|---|---|---|"]
    for (dataset, method), part in g.groupby(["dataset", "method"], sort=False):
        acc = " / ".join(f"{v:.1f}" for v in part.accuracy)
        loss = " / ".join(f"{v:.3f}" for v in part.log_loss)
        lines.append(f"| {dataset} | {method} | {len(part)} | {acc} | "
                     f"{part.accuracy.mean():.2f} | {loss} | {part.log_loss.mean():.3f} | "
                     f"{part.roc_auc.mean():.3f} | {part.fit_s.mean():.1f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["breast_cancer", "clinical"])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="CV seeds (seed 0 gives backbone.py's folds)")
    parser.add_argument("--candidates", nargs="*", default=list(CANDIDATES),
                        choices=[*CANDIDATES, *OPTIONAL_CANDIDATES],
                        help="which of the candidates above to fit")
    add_params_argument(parser, "extra rows")
    parser.add_argument("--out", default="experiments/results/backbone_candidates")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    known = {**CANDIDATES, **OPTIONAL_CANDIDATES}
    candidates = {name: known[name] for name in args.candidates}
    candidates.update({f"DyMo {spec}": {"params": json.loads(spec)} for spec in args.params})
    csv_then_markdown(args.out, "backbone_candidates",
                      lambda: run(args.datasets, args.folds, args.seeds, candidates), report,
                      args.report_only)


if __name__ == "__main__":
    main()
