"""When does ``early_stopping=True`` stop, and what does stopping cost?

For breast cancer and poly digits (30 % of the training and test rows miss
one whole modality, as tables with missingness in training do), one fit
per seed with a validation split that never stops
(``early_stopping=True, n_iter_no_change=max_epochs``) records, per epoch,
the validation task loss (what early stopping monitors) and the test
log-loss and accuracy of the network's prediction from each row's
observed modalities. The cosine schedule spans ``max_epochs`` whether or
not the run stops, so the fit that runs to the end passes through every
state an early-stopped fit would end in: each stopping rule
(``tol``, ``n_iter_no_change``) is then read off the curves, with the
epoch it stops at, the epoch it keeps (``load_best``) and the test scores
there against the last epoch's.

``--confirm`` then fits the estimator with early stopping off and with the
rules given, and prints epochs run, fit time, and test accuracy and
log-loss of ``predict_proba`` (iterative selection) of each.

    python experiments/early_stopping.py                 # curves, 3 seeds
    python experiments/early_stopping.py --confirm 0.001,5 0.0001,10 --docs docs/tuning.md
    python experiments/early_stopping.py --confirm --report-only --docs docs/tuning.md
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import _paths  # noqa: F401 (puts benchmarks/ on sys.path for _common)
import numpy as np
import pandas as pd
import torch
from _common import limit_threads, load_dataset, splice_into, split
from sklearn.metrics import accuracy_score, log_loss
from skorch.callbacks import Callback

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "results", "early_stopping")
DATASETS = ("breast_cancer", "poly_digits")
MISSING_ROWS = 0.3
#: (tol, n_iter_no_change) read off the curves; the first is the default before this study.
RULES = ((1e-4, 10), (1e-3, 10), (3e-3, 10), (1e-3, 5), (2e-3, 5), (3e-3, 5), (1e-2, 5), (1e-2, 3))


def with_missing_rows(X, modalities, seed):
    """``MISSING_ROWS`` of the rows lose one whole modality (the others stay complete)."""
    rng = np.random.default_rng(seed)
    X = np.array(X, dtype=np.float64, copy=True)
    rows = rng.random(X.shape[0]) < MISSING_ROWS
    X[rows] = drop_modalities(X[rows], modalities, 1 / len(modalities), random_state=seed)
    return X


class TestCurve(Callback):
    """Test log-loss and accuracy of the observed-modalities prediction, per epoch."""

    def __init__(self, estimator, X_test, y_test):
        self.estimator, self.X_test, self.y_test = estimator, X_test, y_test
        self.rows = []

    def __deepcopy__(self, memo):
        return self  # the estimator copies its callbacks; keep the records here

    @torch.no_grad()
    def on_epoch_end(self, net, **kwargs):
        est = self.estimator
        if not hasattr(self, "x_"):
            self.x_, self.observed_ = est._transform_rows(est._check_X(self.X_test))
        module = net.module_
        module.eval()
        logits, _ = module(self.x_, self.observed_)
        module.train()
        proba = torch.softmax(logits.double(), -1).numpy()
        self.rows.append({"test_log_loss": log_loss(self.y_test, proba,
                                                    labels=range(proba.shape[1])),
                          "test_accuracy": accuracy_score(self.y_test, proba.argmax(1))})


def data(name, seed):
    bunch = load_dataset(name, seed)
    X_train, X_test, y_train, y_test = split(bunch, seed, test_size=0.25)
    X_train = with_missing_rows(X_train, bunch.modalities, seed)
    X_test = with_missing_rows(X_test, bunch.modalities, seed + 1000)
    classes = np.unique(y_train)
    return (X_train, np.searchsorted(classes, y_train), X_test,
            np.searchsorted(classes, y_test), bunch.modalities)


def curves(seeds):
    frames = []
    for name in DATASETS:
        for seed in seeds:
            X_train, y_train, X_test, y_test, modalities = data(name, seed)
            clf = DyMoClassifier(modalities=modalities, random_state=seed)
            curve = TestCurve(clf, X_test, y_test)
            clf.set_params(early_stopping=True, n_iter_no_change=clf.max_epochs,
                           callbacks=[curve]).fit(X_train, y_train)
            frame = pd.DataFrame(curve.rows)
            frame["valid_loss"] = clf.net_.history[:, "valid_loss"]
            frame["epoch"] = np.arange(1, len(frame) + 1)
            frame["dataset"], frame["seed"] = name, seed
            frames.append(frame)
            print(f"{name} seed {seed}: {len(frame)} epochs", flush=True)
    return pd.concat(frames, ignore_index=True)


def stop(valid, tol, patience):
    """(epoch stopped at, epoch kept) of skorch's EarlyStopping (threshold_mode='abs')."""
    best, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(valid, start=1):
        if loss < best - tol:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch, best_epoch
    # Ran to the end: load_best still keeps the best epoch.
    return len(valid), int(np.argmin(valid)) + 1


def read_rules(table):
    rows = []
    for (name, seed), run in table.groupby(["dataset", "seed"]):
        run = run.sort_values("epoch")
        last = run.iloc[-1]
        for tol, patience in RULES:
            stopped, kept = stop(run["valid_loss"].to_numpy(), tol, patience)
            at = run.iloc[kept - 1]
            rows.append({"dataset": name, "seed": seed, "tol": tol,
                         "n_iter_no_change": patience, "stopped_at": stopped,
                         "kept": kept,
                         "d_log_loss": at["test_log_loss"] - last["test_log_loss"],
                         "d_accuracy": at["test_accuracy"] - last["test_accuracy"]})
    rows = pd.DataFrame(rows)
    return rows.groupby(["dataset", "tol", "n_iter_no_change"]).agg(
        stopped_at=("stopped_at", "mean"), kept=("kept", "mean"),
        d_log_loss=("d_log_loss", "mean"), d_accuracy=("d_accuracy", "mean")).round(4)


def confirm(seeds, rules):
    rows = []
    for name in DATASETS:
        for seed in seeds:
            X_train, y_train, X_test, y_test, modalities = data(name, seed)
            for rule in [None, *rules]:
                params = ({"early_stopping": False} if rule is None else
                          {"early_stopping": True, "tol": rule[0], "n_iter_no_change": rule[1]})
                clf = DyMoClassifier(modalities=modalities, random_state=seed, **params)
                start = time.perf_counter()
                clf.fit(X_train, y_train)
                seconds = time.perf_counter() - start
                proba = clf.predict_proba(X_test)
                rows.append({"dataset": name, "seed": seed,
                             "rule": "off" if rule is None else f"tol={rule[0]:g}, n={rule[1]}",
                             "epochs": clf.n_iter_, "fit_s": seconds,
                             "accuracy": accuracy_score(y_test, proba.argmax(1)),
                             "log_loss": log_loss(y_test, proba, labels=range(proba.shape[1]))})
                print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def summarise(rows):
    """Means over seeds per dataset and rule, as a markdown table."""
    table = rows.groupby(["dataset", "rule"], sort=False).agg(
        epochs=("epochs", "mean"), epochs_range=("epochs", lambda e: f"{e.min()}-{e.max()}"),
        fit_s=("fit_s", "mean"), accuracy=("accuracy", "mean"),
        log_loss=("log_loss", "mean")).reset_index()
    lines = ["| dataset | early stopping | epochs (mean, range) | fit s | accuracy | log-loss |",
             "|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.dataset} | {r.rule} | {r.epochs:.1f} ({r.epochs_range}) | "
                     f"{r.fit_s:.1f} | {r.accuracy:.4f} | {r.log_loss:.4f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--confirm", nargs="*", metavar="TOL,N",
                        help="real fits: off and each rule (default: the estimator's)")
    parser.add_argument("--report-only", action="store_true",
                        help="read the saved curves (or confirm.csv) instead of fitting")
    parser.add_argument("--docs", help="markdown page to splice the --confirm table into")
    args = parser.parse_args()
    limit_threads(1)
    warnings.simplefilter("ignore", UserWarning)
    os.makedirs(OUT, exist_ok=True)
    if args.confirm is not None:
        default = DyMoClassifier()
        rules = ([tuple(float(v) if i == 0 else int(v) for i, v in enumerate(r.split(",")))
                  for r in args.confirm] or [(default.tol, default.n_iter_no_change)])
        path = os.path.join(OUT, "confirm.csv")
        rows = pd.read_csv(path) if args.report_only else confirm(args.seeds, rules)
        rows.to_csv(path, index=False)
        text = summarise(rows)
        print(text)
        if args.docs:
            splice_into(args.docs, "early-stopping", text)
        return
    path = os.path.join(OUT, "curves.csv")
    table = pd.read_csv(path) if args.report_only else curves(args.seeds)
    table.to_csv(path, index=False)
    summary = read_rules(table)
    summary.to_csv(os.path.join(OUT, "rules.csv"))
    print(summary.to_string())


if __name__ == "__main__":
    main()
