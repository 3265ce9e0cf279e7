"""What the linear path costs selection at high missing rates, and remedies.

The backbone's linear path (``linear_path=True``, docs/backbone.md) made
the network better on complete data, but on poly_digits at eta = 0.8
(*whole* protocol) calibrated iterative selection gains less over
observed-only than it did before. The rewards are computed in the latent
``z`` (prototype posterior of the predicted class), which the linear path
does not feed. This script measures the default against remedies at
predict time (scores that read the linear path) and at training time (a
``z`` that reads it, another linear start), on the splits, missing
matrices and KNN recovery of ``accuracy.py``:

- ``default``: the estimator's defaults;
- ``no_linear_path``: ``linear_path=False``;
- ``z_reads_linear``: the projection head reads ``[h, linear logits]``, so
  ``z`` (rewards, prototypes, contrastive loss) sees the linear path;
- ``z_reads_linear_detached``: the same without gradient into the linear
  path through ``z``; ``z_reads_<s>_linear_detached`` with the logits
  scaled by ``s`` in ``z``'s input, ``..._pw2`` with ``prototype_weight=2``;
- ``score_latent_reads_linear``: the network trains exactly as the
  default; a second projection of the *detached* ``[h, linear logits]``,
  with its own contrastive term, gives the latent of the statistics and
  rewards;
- ``score_latent_trains_cls``: the same second latent, but its contrastive
  term trains [CLS] too (only the linear logits are detached); the default
  ``z`` and its term stay;
- ``linear_start_on_subsets``: the linear path starts from a logistic
  regression fitted on random modality subsets of the rows (what the
  subsets of training look like) instead of on the whole rows;
- ``reward_class_from_transformer`` (predict time only, on the default
  fit): the reward's predicted class comes from the transformer's logits
  without the linear path;
- ``linear_observed_only`` (predict time only, on the default fit): the
  linear path sums the observed modalities' terms only, recovered ones
  add through the transformer alone;
- ``reward_with_linear_posterior`` (predict time only): the reward's
  ``log p(y_hat | .)`` is that of the product of the prototype posterior
  and the linear path's softmax (normalised over classes);
- ``reward_from_classifier`` (predict time only): the reward's
  ``log p(y_hat | .)`` is the classifier's own log-softmax (linear path
  included) instead of the prototype posterior; the ICS calibration stays.

Two training conditions: complete training rows (*whole*) and training
rows with the same missingness (*train_whole*); eta = 0.8 by default.
Variants that need another network are built by replacing the module
class the estimator uses; predict-time variants patch selection. Neither
is a public option: the script records experiments that were not kept
(experiments/README.md, "linear_path_selection.py").

    python experiments/linear_path_selection.py                 # poly_digits, 3 seeds
    python experiments/linear_path_selection.py --datasets mfeat --etas 0.4 0.8
    python experiments/linear_path_selection.py --variants default --params '{"dropout": 0.0}'
"""

import argparse
import contextlib
import json
import time

import _paths  # noqa: F401 (puts benchmarks/ on sys.path for _common)
import numpy as np
import pandas as pd
import torch
from _common import (
    LookupRecoverer,
    add_params_argument,
    csv_then_markdown,
    load_dataset,
    make_imputers,
    make_missing,
    split,
    swapped_classes,
)
from sklearn.base import clone

import sklearn_dymo._selection._algorithm as selection_module
from sklearn_dymo import DyMoClassifier
from sklearn_dymo._network._fusion import pad_rows
from sklearn_dymo._network._losses import DyMoLoss
from sklearn_dymo._network._module import DyMoNetwork
from sklearn_dymo._selection._distances import distance_to_prototypes


class LatentReadsLinear(DyMoNetwork):
    """``z = projection([h, scale * linear logits])`` (``detach``: no gradient into them)."""

    detach = False
    scale = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        n_classes, d_model = self.classifier.out_features, self.d_model
        self.projection[0] = torch.nn.Linear(d_model + n_classes, d_model)
        if self.seed is not None:  # every weight from the seed again, as the default does
            self.reset_parameters(torch.Generator().manual_seed(int(self.seed)))

    def heads(self, h, linear=None):
        if linear is None:
            linear = h.new_zeros(h.shape[0], self.classifier.out_features)
        extra = linear.detach() if self.detach else linear
        z = self.projection(torch.cat([h, extra if self.scale == 1.0 else self.scale * extra],
                                      -1))
        if self.normalize_latent:
            z = torch.nn.functional.normalize(z, dim=-1)
        logits = self.classifier(h)
        return logits + linear, z


class LatentReadsLinearDetached(LatentReadsLinear):
    detach = True


def _scaled(scale):
    return type(f"LatentReadsLinearDetached{scale}", (LatentReadsLinearDetached,),
                {"scale": scale})


class ScoreLatentNetwork(DyMoNetwork):
    """A second latent for selection only: ``z_score = g([h, linear logits])``.

    ``g`` reads detached inputs and has its own contrastive term, so the
    network's training (CE and the contrastive term on ``z``) is the
    default's exactly; in evaluation ``z`` *is* ``z_score``, so the
    statistics and rewards are computed on it.
    """

    #: whether the score latent's contrastive term stays out of [CLS]
    detach_h = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        d, k = self.d_model, self.classifier.out_features
        latent = self.projection[-1].out_features
        self.score_projection = torch.nn.Sequential(
            torch.nn.Linear(d + k, d), torch.nn.GELU(), torch.nn.Linear(d, latent))
        if self.seed is not None:  # its own stream: the rest starts as the default does
            gen = torch.Generator().manual_seed(int(self.seed) + 7)
            with torch.no_grad():
                for layer in (self.score_projection[0], self.score_projection[2]):
                    bound = layer.in_features ** -0.5
                    layer.weight.uniform_(-bound, bound, generator=gen)
                    layer.bias.uniform_(-bound, bound, generator=gen)

    def heads(self, h, linear=None):
        logits, z = super().heads(h, linear)
        if linear is None:
            linear = h.new_zeros(h.shape[0], self.classifier.out_features)
        h_in = h.detach() if self.detach_h else h
        z_score = torch.nn.functional.normalize(
            self.score_projection(torch.cat([h_in, linear.detach()], -1)), dim=-1)
        return logits, (torch.cat([z, z_score], -1) if self.training else z_score)


class ScoreLatentTrainsNetwork(ScoreLatentNetwork):
    """``ScoreLatentNetwork`` whose score latent also trains [CLS] (``h`` not detached)."""

    detach_h = False


class ScoreLatentLoss(DyMoLoss):
    """DyMoLoss whose contrastive term acts on each half of ``[z, z_score]``."""

    def __init__(self, n_classes, latent_dim, *args, **kwargs):
        super().__init__(n_classes, 2 * latent_dim, *args, **kwargs)

    def with_prototype_term(self, loss, z, groups):
        known = self.has_prototype[groups]
        if not (self.training and self.contrastive_active and self.prototype_weight > 0
                and known.any()):
            return loss
        half = z.shape[-1] // 2
        for part in (slice(0, half), slice(half, None)):
            d = distance_to_prototypes(z[known][:, part], self.prototypes[:, part],
                                       self.distance)
            d = d.masked_fill(~self.has_prototype, 1e4)
            loss = loss + self.prototype_weight * torch.nn.functional.cross_entropy(
                -d / self.temperature, groups[known])
        return loss


@contextlib.contextmanager
def linear_start_on_subsets(copies=5):
    """The linear path starts from a logistic regression fitted on ``copies``
    copies of the rows, each with a random non-empty subset of modalities
    kept (the others at the centre, 0), like the subsets training sees."""
    from sklearn_dymo._tasks._class_targets import logistic_start

    original = DyMoClassifier._linear_start

    def _linear_start(self, x, y_enc):
        columns = self._network_spec.columns
        rng = np.random.default_rng(0)
        xs = []
        for _ in range(copies):
            keys = rng.integers(1, 2 ** len(columns), size=x.shape[0])
            keep = np.zeros(x.shape, dtype=bool)
            for m, cols in enumerate(columns):
                keep[:, cols] = ((keys >> m) & 1).astype(bool)[:, None]
            xs.append(np.where(keep, x, 0.0))
        return logistic_start(np.vstack(xs), np.tile(y_enc, copies), len(self.classes_))

    DyMoClassifier._linear_start = _linear_start
    try:
        yield
    finally:
        DyMoClassifier._linear_start = original


@contextlib.contextmanager
def linear_observed_only():
    """Selection gets linear terms of the observed modalities only."""
    import sklearn_dymo._inference as inference_module

    original = selection_module.select

    def select(network, tokens, observed, *args, linear=None, **kwargs):
        if linear is not None:
            # A row with nothing observed keeps every term (it must use recovered ones).
            keep = observed | ~observed.any(1, keepdim=True)
            linear = linear * keep[..., None].to(linear.dtype)
        return original(network, tokens, observed, *args, linear=linear, **kwargs)

    inference_module.select = select
    try:
        yield
    finally:
        inference_module.select = original


@contextlib.contextmanager
def scorer_with_pair_extra(pair_extra, score):
    """Selection's scorer sees one more tensor per scored pair.

    ``pair_extra(network, cache, rows, masks)`` is computed next to every
    ``_forward`` chunk; ``score(scorer, logits, z, masks, recovered, extra,
    original)`` replaces ``LatentScorer.__call__`` (``original`` is the
    unpatched one).
    """
    original_forward = selection_module._forward
    original_call = selection_module.LatentScorer.__call__
    extras = {}

    def _forward(network, cache, rows, masks):
        logits, z = original_forward(network, cache, rows, masks)
        if rows.numel():
            chunk = selection_module.CHUNK
            extras[id(logits)] = torch.cat([
                pair_extra(network, cache, rows[s:s + chunk], masks[s:s + chunk])
                for s in range(0, rows.shape[0], chunk)])
        return logits, z

    def __call__(self, logits, z, masks, recovered=None):
        extra = extras.pop(id(logits), None)
        if extra is None:
            return original_call(self, logits, z, masks, recovered)
        return score(self, logits, z, masks, recovered, extra, original_call)

    selection_module._forward = _forward
    selection_module.LatentScorer.__call__ = __call__
    try:
        yield
    finally:
        selection_module._forward = original_forward
        selection_module.LatentScorer.__call__ = original_call


def reward_class_from_transformer():
    """The scorer's predicted class from ``classifier(h)``, without the linear path."""

    def transformer_logits(network, cache, rows, masks):
        h = network.fuse_pairs(cache, rows, masks)
        return network.classifier(pad_rows(h))[:h.shape[0]]

    def score(scorer, logits, z, masks, recovered, extra, original):
        return original(scorer, extra, z, masks, recovered)

    return scorer_with_pair_extra(transformer_logits, score)


def reward_posterior(kind):
    """The reward's ``log p(y_hat | .)`` from the whole prediction (see the docstring)."""
    from sklearn_dymo._selection._distances import prototype_log_posterior
    from sklearn_dymo._selection._rewards import LatentScore

    def score(scorer, logits, z, masks, recovered, linear, original):
        base = original(scorer, logits, z, masks, recovered)
        if kind == "product":
            log_post = prototype_log_posterior(z.double(), scorer.stats.mean_prototypes.double(),
                                               scorer.distance, scorer.temperature)
            log_post = torch.log_softmax(log_post + torch.log_softmax(linear.double(), -1), -1)
        else:
            log_post = torch.log_softmax(logits.double(), -1)
        log_p = log_post.gather(1, logits.argmax(-1)[:, None])[:, 0]
        return LatentScore(log_p, base.log_ics)

    return scorer_with_pair_extra(
        lambda network, cache, rows, masks: network.pair_linear(cache, rows, masks), score)


FIT_VARIANTS = {
    "default": ({}, DyMoNetwork),
    "no_linear_path": ({"linear_path": False}, DyMoNetwork),
    "z_reads_linear": ({}, LatentReadsLinear),
    "z_reads_linear_detached": ({}, LatentReadsLinearDetached),
    # how much z leans on the linear logits: their scale in z's input, or a
    # stronger contrastive term to keep [CLS] learning
    "z_reads_0.1_linear_detached": ({}, _scaled(0.1)),
    "z_reads_0.3_linear_detached": ({}, _scaled(0.3)),
    "z_reads_0.5_linear_detached": ({}, _scaled(0.5)),
    "z_reads_linear_detached_pw2": ({"prototype_weight": 2.0}, LatentReadsLinearDetached),
    "linear_start_on_subsets": ({}, DyMoNetwork, linear_start_on_subsets),
    "score_latent_reads_linear": ({}, ScoreLatentNetwork,
                                  lambda: swapped_classes(loss=ScoreLatentLoss)),
    "score_latent_trains_cls": ({}, ScoreLatentTrainsNetwork,
                                lambda: swapped_classes(loss=ScoreLatentLoss)),
}
#: predict-time variants: evaluated on the default fit
PREDICT_VARIANTS = {
    "reward_class_from_transformer": reward_class_from_transformer,
    "linear_observed_only": linear_observed_only,
    "reward_with_linear_posterior": lambda: reward_posterior("product"),
    "reward_from_classifier": lambda: reward_posterior("classifier"),
}


def run(args):
    rows = []
    for seed in args.seeds:
        for name in args.datasets:
            data = load_dataset(name, seed)
            X_tr, X_te, y_tr, y_te = split(data, seed)
            for train_eta in args.train_etas:
                X_fit = X_tr if train_eta == 0 else make_missing(
                    "whole", X_tr, data.modalities, train_eta, seed + 1000)
                knn = clone(make_imputers(seed)["knn"]).fit(X_fit)
                etas = args.etas if train_eta == 0 else [train_eta]
                tests = {eta: make_missing("whole", X_te, data.modalities, eta, seed)
                         for eta in etas}
                fit_variants = {k: v for k, v in FIT_VARIANTS.items() if k in args.variants}
                fit_variants.update({f"default + {spec}": (json.loads(spec), DyMoNetwork)
                                     for spec in args.params})
                for variant, (params, cls, *fit_patch) in fit_variants.items():
                    t = time.perf_counter()
                    with swapped_classes(network=cls), \
                            (fit_patch or [contextlib.nullcontext])[0]():
                        clf = DyMoClassifier(modalities=data.modalities,
                                             recoverer=make_imputers(seed)["simple"],
                                             partial_fill="gaussian", random_state=seed,
                                             **params).fit(X_fit, y_tr)
                    fit_s = time.perf_counter() - t
                    scored = [(variant, contextlib.nullcontext)]
                    if variant == "default":
                        scored += [(k, v) for k, v in PREDICT_VARIANTS.items()
                                   if k in args.variants]
                    for label, patch in scored:
                        for eta, X_miss in tests.items():
                            clf.recoverer_ = LookupRecoverer(knn.transform(X_miss))
                            with patch():
                                for strategy in ("iterative", "observed", "all"):
                                    proba = clf.select_modalities(X_miss,
                                                                  selection=strategy).proba
                                    acc = np.mean(clf.classes_[proba.argmax(1)] == y_te)
                                    rows.append({"dataset": name, "seed": seed,
                                                 "protocol": "whole" if train_eta == 0
                                                 else "train_whole",
                                                 "eta": eta, "variant": label,
                                                 "selection": strategy,
                                                 "accuracy": 100 * acc, "fit_s": fit_s})
                    print(f"  {name} seed {seed} train_eta {train_eta}: {variant} "
                          f"fit {fit_s:.1f}s", flush=True)
    return pd.DataFrame(rows)


def report(df):
    table = df.pivot_table(index=["dataset", "protocol", "eta", "variant"],
                           columns="selection", values="accuracy", aggfunc="mean")
    table["iterative - observed"] = table["iterative"] - table["observed"]
    order = list(FIT_VARIANTS) + list(PREDICT_VARIANTS)
    order += sorted(set(df["variant"]) - set(order))
    table = table.reset_index()
    table["variant"] = pd.Categorical(table["variant"], order, ordered=True)
    table = table.sort_values(["dataset", "protocol", "eta", "variant"])
    cols = ["dataset", "protocol", "eta", "variant", "iterative", "observed", "all",
            "iterative - observed"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in table[cols].iterrows():
        lines.append("| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v)
                                       for v in r) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["poly_digits"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--etas", type=float, nargs="+", default=[0.8])
    parser.add_argument("--train-etas", type=float, nargs="+", default=[0.0, 0.8])
    parser.add_argument("--variants", nargs="*",
                        default=list(FIT_VARIANTS) + list(PREDICT_VARIANTS),
                        help="variants to run (predict-time ones need 'default')")
    add_params_argument(parser, "extra fits on top of the defaults")
    parser.add_argument("--out", default="experiments/results/linear_path_selection")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    csv_then_markdown(args.out, "linear_path_selection", lambda: run(args), report,
                      args.report_only)


if __name__ == "__main__":
    main()
