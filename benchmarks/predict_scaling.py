"""Predict cost against the training size, and what the donor cap costs in recovery error.

Two parts, each writing a CSV under ``results/predict_scaling/`` and
printing its figures:

- ``speed``: rows/s of ``DyMoClassifier.predict_proba`` fitted on 2,000,
  20,000 and 200,000 training rows (synthetic: 4 Gaussian classes, 5
  modalities of 8 columns, 2 of the 5 missing in every training row),
  predicting 5,000 rows that miss as many, three ways: iterative selection
  with the default recoverer (``ModalityKNNImputer``, ``max_donors=5000``);
  the same model with its recoverer replaced by the exact one
  (``max_donors=None``: every training row a donor); and
  ``selection="observed"`` (the classifier's default), which recovers only
  rows that observe no modality or have gaps in one. One epoch of
  training: the network's size, not its training, sets its predict cost.
  Median of 3 calls after a warm-up.
- ``error``: recovery error of the capped recoverer against the exact one
  on every table of the benchmark suite (numeric columns, scaled by their
  training standard deviation; 40% of the training rows' modalities and
  50% of the test rows' removed, seed per run): RMSE over the removed,
  truly known entries, at the default cap and at caps below the tables'
  training sizes (1,000 and 500 rows), so that the sample is really drawn;
  and on the 200,000-row synthetic table at the default cap.

Run from this folder: ``OMP_NUM_THREADS=1 python predict_scaling.py``
(``--parts speed`` or ``--parts error`` for one; ``--seeds`` for the error
part).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from functools import partial

import numpy as np
import pandas as pd
from _tables import available_tables, load_table
from _timing import median_time

from sklearn_dymo import DyMoClassifier, ModalityKNNImputer
from sklearn_dymo._recovery._knn import DEFAULT_MAX_DONORS
from sklearn_dymo.datasets import drop_modalities

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "results", "predict_scaling")
TRAIN_SIZES = (2_000, 20_000, 200_000)
N_TEST = 5_000
M, WIDTH = 5, 8


def synthetic(n, seed=0):
    """Gaussian classes (4) whose means differ in every column; complete rows."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(4, M * WIDTH))
    y = rng.integers(0, 4, size=n)
    X = rng.standard_normal((n, M * WIDTH)) + centers[y]
    modalities = [list(range(m * WIDTH, (m + 1) * WIDTH)) for m in range(M)]
    return X, y, modalities


def bench_speed(repeats=3):
    X, y, modalities = synthetic(max(TRAIN_SIZES) + N_TEST)
    X_test = drop_modalities(X[-N_TEST:], modalities, 0.4, random_state=1)
    rows = []
    for n in TRAIN_SIZES:
        X_train = drop_modalities(X[:n], modalities, 0.4, random_state=2)
        t = time.perf_counter()
        clf = DyMoClassifier(modalities=modalities, selection="iterative", max_epochs=1,
                             random_state=0).fit(X_train, y[:n])
        fit_s = time.perf_counter() - t
        exact = ModalityKNNImputer(max_donors=None).fit(X_train)
        for label, recoverer, selection in (
                ("iterative, max_donors=5000", clf.recoverer_, "iterative"),
                ("iterative, every row a donor", exact, "iterative"),
                ("observed (default)", clf.recoverer_, "observed")):
            clf.recoverer_ = recoverer
            clf.set_params(selection=selection)
            clf.predict_proba(X_test)  # warm-up
            seconds = median_time(partial(clf.predict_proba, X_test), repeats)
            rows.append({"n_train": n, "variant": label, "selection": selection,
                         "donors": recoverer.train_X_.shape[0], "predict_s": seconds,
                         "rows_per_s": N_TEST / seconds, "fit_s": fit_s})
            print(f"n_train={n:7d}  {label:30s} {N_TEST / seconds:8.0f} rows/s", flush=True)
        pd.DataFrame(rows).to_csv(os.path.join(OUT, "speed.csv"), index=False)
    frame = pd.DataFrame(rows)
    default = frame[frame.variant == "iterative, max_donors=5000"].set_index("n_train").rows_per_s
    print(f"default at {max(TRAIN_SIZES)} / at {min(TRAIN_SIZES)} training rows: "
          f"{default[max(TRAIN_SIZES)] / default[min(TRAIN_SIZES)]:.2f}x (target >= 0.5x)")
    return frame


def _numeric(data):
    """The table's numeric columns and its modalities restricted to them."""
    numeric = [c for c in data.X.columns if not isinstance(data.X[c].dtype, pd.CategoricalDtype)]
    position = {c: i for i, c in enumerate(numeric)}
    modalities = [[position[c] for c in cols if c in position]
                  for cols in data.modalities.values()]
    return data.X[numeric].to_numpy(dtype=np.float64), [m for m in modalities if m]


def recovery_rmse(X_train, X_true, X_test, recoverer):
    removed = np.isnan(X_test) & ~np.isnan(X_true)
    filled = recoverer.fit(X_train).transform(X_test)
    return float(np.sqrt(np.mean((filled[removed] - X_true[removed]) ** 2)))


def bench_error(seeds, caps=(DEFAULT_MAX_DONORS, 1000, 500)):
    rows = []
    for name in available_tables():
        data = load_table(name)
        X, modalities = _numeric(data)
        if len(modalities) < 2:
            continue
        for seed in seeds:
            rng = np.random.default_rng(seed)
            order = rng.permutation(len(X))
            cut = int(0.7 * len(X))
            train, test = X[order[:cut]], X[order[cut:]]
            scale = np.nanstd(train, axis=0)
            scale[~(scale > 0)] = 1.0
            train, test = train / scale, test / scale
            X_train = drop_modalities(train, modalities, 0.4, random_state=seed)
            X_test = drop_modalities(test, modalities, 0.5, random_state=seed + 1)
            exact = recovery_rmse(X_train, test, X_test, ModalityKNNImputer(max_donors=None))
            for cap in caps:
                rmse = recovery_rmse(X_train, test, X_test,
                                     ModalityKNNImputer(max_donors=cap, random_state=seed))
                rows.append({"table": name, "seed": seed, "n_train": cut, "max_donors": cap,
                             "sampled": cut > cap, "rmse_exact": exact, "rmse_capped": rmse,
                             "relative_change": rmse / exact - 1})
        print(f"{name:18s} n_train={cut:5d}  " + "  ".join(
            f"cap {r['max_donors']}: {100 * r['relative_change']:+.1f}%"
            for r in rows[-len(caps):]), flush=True)
    X, _, modalities = synthetic(max(TRAIN_SIZES) + 2000)
    X_train = drop_modalities(X[:-2000], modalities, 0.4, random_state=2)
    X_test = drop_modalities(X[-2000:], modalities, 0.6, random_state=1)
    exact = recovery_rmse(X_train, X[-2000:], X_test, ModalityKNNImputer(max_donors=None))
    capped = recovery_rmse(X_train, X[-2000:], X_test, ModalityKNNImputer(random_state=0))
    rows.append({"table": "synthetic_200k", "seed": 0, "n_train": max(TRAIN_SIZES),
                 "max_donors": DEFAULT_MAX_DONORS, "sampled": True, "rmse_exact": exact,
                 "rmse_capped": capped, "relative_change": capped / exact - 1})
    print(f"synthetic, 200,000 training rows: cap {DEFAULT_MAX_DONORS}: "
          f"{100 * (capped / exact - 1):+.1f}%")
    frame = pd.DataFrame(rows)
    frame.to_csv(os.path.join(OUT, "error.csv"), index=False)
    summary = (frame[frame.sampled].groupby(["max_donors", "table"]).relative_change.mean()
               .groupby("max_donors").agg(["count", "mean", "max", "idxmax"]))
    print("relative RMSE change where the sample is drawn (mean over seeds per table):")
    print(summary.to_string())
    return frame


def main():
    warnings.simplefilter("ignore")  # fit-time notes about the synthetic patterns
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", nargs="+", default=["speed", "error"],
                        choices=["speed", "error"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if "error" in args.parts:
        bench_error(args.seeds)
    if "speed" in args.parts:
        bench_speed()


if __name__ == "__main__":
    main()
