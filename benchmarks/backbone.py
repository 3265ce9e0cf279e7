"""The network on complete data: DyMo against LogReg, gradient boosting and an MLP.

Selection can only add to what the network knows, so the backbone is
measured where nothing is missing (eta = 0): 5-fold stratified CV on every
benchmark dataset plus ``clinical``, a small table (442 rows, 10 columns in
4 modalities) assembled from scikit-learn's diabetes data (see
``_common.load_clinical``). Methods, on the same folds:

- ``StandardScaler + LogisticRegression``;
- ``HistGradientBoostingClassifier``;
- ``MLP``: a skorch MLP (2 hidden layers, about the parameter count of the
  default DyMo network on the dataset), standardised inputs, the same
  epochs, batch size and lr as DyMo;
- ``DyMo default`` and one ``DyMo`` row per ablation (``--ablations``):
  the default with one backbone change switched off (or on), so each row
  shows what that change contributes, and the default with the previous
  ``n_subsets`` (5).

Reports accuracy (%), log-loss and ROC AUC (one-vs-rest, macro, for
multiclass), mean and std over the folds, and the mean fit time; prints
PASS/MISS lines for the backbone targets of the issue. Writes
``backbone.csv`` and ``backbone.md`` to ``--out``.

    python benchmarks/backbone.py                      # all datasets, 5 folds
    python benchmarks/backbone.py --datasets clinical --folds 3
    python benchmarks/backbone.py --report-only --docs docs/backbone.md
"""

import argparse
import os
import time

import numpy as np
import pandas as pd
import torch
from _common import available_datasets, limit_threads, load_dataset
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetClassifier

from sklearn_dymo import DyMoClassifier

HERE = os.path.dirname(os.path.abspath(__file__))

#: Ablations: name -> DyMoClassifier parameters that undo (or add) one change.
ABLATIONS = {
    "DyMo -linear path": {"linear_path": False},
    "DyMo -robust scaling": {"scaling": "standard"},
    "DyMo -lr schedule": {"lr_schedule": "constant"},
    "DyMo -label smoothing": {"label_smoothing": 0.0},
    "DyMo -input noise": {"input_noise": 0.0},
    "DyMo +early stopping": {"early_stopping": True},
    "DyMo n_subsets=5": {"n_subsets": 5},  # the default before A = 4
    "DyMo previous defaults": {"linear_path": False, "scaling": "standard",
                               "lr_schedule": "constant", "label_smoothing": 0.0,
                               "input_noise": 0.0},
}


class _MLP(torch.nn.Module):
    def __init__(self, n_in, hidden, n_out):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_in, hidden), torch.nn.ReLU(), torch.nn.Dropout(0.1),
            torch.nn.Linear(hidden, hidden), torch.nn.ReLU(), torch.nn.Dropout(0.1),
            torch.nn.Linear(hidden, n_out))

    def forward(self, x):
        return self.net(x)


class _ScaledMLP:
    """Standardise, then a seeded skorch MLP (benchmark baseline only)."""

    def __init__(self, n_in, n_out, n_params, seed):
        k = n_out
        h = int((-(n_in + k + 2) + np.sqrt((n_in + k + 2) ** 2 + 4 * (n_params - k))) / 2)
        self.seed = seed
        self.net = NeuralNetClassifier(
            _MLP, module__n_in=n_in, module__hidden=max(h, 8), module__n_out=n_out,
            criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=1e-3,
            batch_size=128, max_epochs=50, iterator_train__shuffle=True,
            train_split=None, verbose=0, device="cpu")

    def fit(self, X, y):
        self.scaler = StandardScaler().fit(X)
        torch.manual_seed(self.seed)
        self.net.fit(self.scaler.transform(X).astype(np.float32), y.astype(np.int64))
        return self

    def predict_proba(self, X):
        return self.net.predict_proba(self.scaler.transform(X).astype(np.float32))


def _scores(y, proba, classes):
    proba = np.clip(proba, 1e-15, 1)
    proba = proba / proba.sum(1, keepdims=True)
    labels = classes[proba.argmax(1)]
    if len(classes) == 2:
        auc = roc_auc_score(y, proba[:, 1])
    else:
        auc = roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes)
    return {"accuracy": 100 * accuracy_score(y, labels),
            "log_loss": log_loss(y, proba, labels=classes), "roc_auc": auc}


def _dymo_params(ablation, max_epochs):
    params = dict(ABLATIONS.get(ablation, {}))
    if max_epochs:
        params["max_epochs"] = max_epochs
    return params


def run(datasets, folds, seed, ablations, max_epochs):
    rows = []
    for name in datasets:
        data = load_dataset(name, seed)
        X, y = np.asarray(data.data, dtype=np.float64), np.asarray(data.target)
        classes = np.unique(y)
        cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
        n_params = None
        for fold, (tr, te) in enumerate(cv.split(X, y)):
            methods = {
                "LogisticRegression": make_pipeline(StandardScaler(),
                                                    LogisticRegression(max_iter=5000)),
                "HistGradientBoosting": HistGradientBoostingClassifier(random_state=seed),
            }
            for ablation in ["DyMo default", *ablations]:
                methods[ablation] = DyMoClassifier(
                    modalities=data.modalities, random_state=seed + fold,
                    **_dymo_params(ablation, max_epochs))
            for method, est in methods.items():
                est = clone(est)
                t = time.perf_counter()
                est.fit(X[tr], y[tr])
                fit_s = time.perf_counter() - t
                if method == "DyMo default":
                    n_params = sum(p.numel() for p in est.net_.module_.parameters())
                rows.append({"dataset": name, "fold": fold, "method": method,
                             "fit_s": fit_s, **_scores(y[te], est.predict_proba(X[te]),
                                                       classes)})
            mlp = _ScaledMLP(X.shape[1], len(classes), n_params, seed + fold)
            t = time.perf_counter()
            mlp.fit(X[tr], np.searchsorted(classes, y[tr]))
            fit_s = time.perf_counter() - t
            rows.append({"dataset": name, "fold": fold, "method": "MLP (same size)",
                         "fit_s": fit_s,
                         **_scores(y[te], mlp.predict_proba(X[te]), classes)})
            print(pd.DataFrame([r for r in rows if r["dataset"] == name
                                and r["fold"] == fold]).round(4).to_string(index=False),
                  flush=True)
    return pd.DataFrame(rows)


def summarise(df):
    g = df.groupby(["dataset", "method"], sort=False)
    out = g[["accuracy", "log_loss", "roc_auc"]].agg(["mean", "std"])
    out.columns = [f"{a}_{b}" for a, b in out.columns]
    out["fit_s"] = g["fit_s"].mean()
    return out.reset_index()


def table(summary):
    lines = ["| dataset | method | accuracy (%) | log-loss | ROC AUC | fit (s) |",
             "|---|---|---|---|---|---|"]
    for _, r in summary.iterrows():
        lines.append(
            f"| {r.dataset} | {r.method} | {r.accuracy_mean:.1f} ± {r.accuracy_std:.1f} "
            f"| {r.log_loss_mean:.3f} ± {r.log_loss_std:.3f} "
            f"| {r.roc_auc_mean:.3f} ± {r.roc_auc_std:.3f} | {r.fit_s:.1f} |")
    return "\n".join(lines)


def targets(summary, reference="DyMo previous defaults"):
    lines = []
    s = summary.set_index(["dataset", "method"])
    for name in summary["dataset"].unique():
        lr, hgb = s.loc[(name, "LogisticRegression")], s.loc[(name, "HistGradientBoosting")]
        dymo = s.loc[(name, "DyMo default")]
        best_acc = max(lr.accuracy_mean, hgb.accuracy_mean)
        best_ll = min(lr.log_loss_mean, hgb.log_loss_mean)
        ok = dymo.accuracy_mean >= best_acc - 0.5
        lines.append(f"{'PASS' if ok else 'MISS'}: {name}: DyMo accuracy "
                     f"{dymo.accuracy_mean:.1f} >= max(LogReg, HGB) {best_acc:.1f} - 0.5")
        ok = dymo.log_loss_mean <= best_ll + 0.02
        lines.append(f"{'PASS' if ok else 'MISS'}: {name}: DyMo log-loss "
                     f"{dymo.log_loss_mean:.3f} <= min(LogReg, HGB) {best_ll:.3f} + 0.02")
        if (name, reference) in s.index:
            ratio = dymo.fit_s / s.loc[(name, reference)].fit_s
            lines.append(f"{'PASS' if ratio <= 1.5 else 'MISS'}: {name}: fit time "
                         f"{ratio:.2f}x the previous defaults' (<= 1.5x)")
    return "\n".join(lines)


def report(out, docs=None):
    df = pd.read_csv(os.path.join(out, "backbone.csv"))
    summary = summarise(df)
    text = table(summary) + "\n\n```\n" + targets(summary) + "\n```\n"
    with open(os.path.join(out, "backbone.md"), "w") as f:
        f.write(text)
    print(text)
    if docs:
        with open(docs) as f:
            page = f.read()
        start, end = "<!-- backbone:start -->", "<!-- backbone:end -->"
        if start in page:
            head, rest = page.split(start, 1)
            page = head + start + "\n" + text + end + rest.split(end, 1)[1]
            with open(docs, "w") as f:
                f.write(page)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ablations", nargs="*", default=list(ABLATIONS))
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "backbone"))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--docs", default=None)
    args = parser.parse_args()
    limit_threads(1)
    if not args.report_only:
        datasets = args.datasets or [*available_datasets(), "clinical"]
        df = run(datasets, args.folds, args.seed, args.ablations, args.max_epochs)
        os.makedirs(args.out, exist_ok=True)
        df.to_csv(os.path.join(args.out, "backbone.csv"), index=False)
    report(args.out, args.docs)


if __name__ == "__main__":
    main()
