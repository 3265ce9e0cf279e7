"""Partly observed modalities: from what fraction present should one count as observed?

``min_observed_fraction`` decides, at predict time, whether a partly
observed modality starts as observed (its gaps recovered) or is a
selection candidate like a wholly missing one (1.0, the paper's rule).
For each benchmark dataset and seed (the splits of ``accuracy.py``), one
default DyMo fit on complete training data is scored on the *within*
protocol (``round(eta * M)`` modalities per test row lose half their
entries) and on the *whole* protocol (whole modalities missing; the
threshold must not matter there), for several thresholds, next to
``observed``, ``all`` and IterativeImputer + LogisticRegression.

    python experiments/partial_observation.py
    python experiments/partial_observation.py --seeds 0 --etas 0.8
"""

import argparse
import os

import _paths  # noqa: F401 (puts benchmarks/ on sys.path for _common)
import numpy as np
import pandas as pd
from _common import available_datasets, limit_threads, load_dataset, make_missing, split
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_dymo import DyMoClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
THRESHOLDS = (1.0, 0.75, 0.5, 0.25)


def run(datasets, seeds, etas, max_epochs):
    rows = []
    for name in datasets:
        for seed in seeds:
            data = load_dataset(name, seed)
            X_tr, X_te, y_tr, y_te = split(data, seed)
            y_te = np.asarray(y_te)
            params = {"random_state": seed}
            if max_epochs:
                params["max_epochs"] = max_epochs
            clf = DyMoClassifier(modalities=data.modalities, **params).fit(X_tr, y_tr)
            base = make_pipeline(IterativeImputer(random_state=seed), StandardScaler(),
                                 LogisticRegression(max_iter=2000)).fit(X_tr, y_tr)
            for protocol in ("within", "whole"):
                for eta in etas:
                    X_miss = make_missing(protocol, X_te, data.modalities, eta, seed)

                    def add(method, labels, name=name, seed=seed, protocol=protocol,
                            eta=eta, y_te=y_te):
                        rows.append({"dataset": name, "seed": seed, "protocol": protocol,
                                     "eta": eta, "method": method,
                                     "accuracy": 100 * float(np.mean(labels == y_te))})

                    add("IterativeImputer + LogReg", base.predict(X_miss))
                    for selection in ("observed", "all"):
                        result = clf.select_modalities(X_miss, selection)
                        add(f"DyMo {selection}", clf.classes_[result.proba.argmax(1)])
                    for threshold in THRESHOLDS:
                        clf.set_params(min_observed_fraction=threshold)
                        result = clf.select_modalities(X_miss, "iterative")
                        add(f"DyMo iterative, min_observed_fraction={threshold}",
                            clf.classes_[result.proba.argmax(1)])
                    clf.set_params(min_observed_fraction=1.0)
            print(f"{name} seed {seed} done", flush=True)
    return pd.DataFrame(rows)


def report(df):
    table = df.groupby(["protocol", "eta", "dataset", "method"])["accuracy"].mean()
    table = table.unstack("method").round(1)
    print("\nAccuracy (%), mean over seeds\n")
    print(table.T.to_markdown())
    within = table.loc["within"]
    for threshold in THRESHOLDS:
        col = f"DyMo iterative, min_observed_fraction={threshold}"
        gap_best = (within[col] - within[["DyMo observed", "DyMo all"]].max(1)).min()
        gap_base = (within[col] - within["IterativeImputer + LogReg"]).min()
        whole = table.loc["whole"]
        drift = (whole[col] - whole["DyMo iterative, min_observed_fraction=1.0"]).abs().max()
        print(f"min_observed_fraction={threshold}: within, worst vs max(observed, all) "
              f"{gap_best:+.1f}, worst vs IterativeImputer + LogReg {gap_base:+.1f}; "
              f"whole protocol changed by at most {drift:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--etas", type=float, nargs="+", default=[0.4, 0.8])
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "partial_observation"))
    args = parser.parse_args()
    limit_threads(1)
    df = run(args.datasets or available_datasets(), args.seeds, args.etas, args.max_epochs)
    os.makedirs(args.out, exist_ok=True)
    df.to_csv(os.path.join(args.out, "partial_observation.csv"), index=False)
    report(df)


if __name__ == "__main__":
    main()
