"""The GPU path, checked: ``device="cuda"`` against the CPU on the same data.

On synthetic data from :func:`sklearn_dymo.datasets.make_multimodal_regression`
(4 modalities of 5 columns, the target cut at its median: a binary
classifier; half of each test row's modalities missing), at 10^4 and 10^6
training and test rows:

1. **Same predictions.** The model fitted on the GPU, moved to the CPU,
   predicts the same probabilities (``--atol``, default 1e-5) and the same
   selection paths as on the GPU (a few near-tie acceptances may flip;
   their share is printed). A second fit with dropout and input noise off
   (whose random draws differ between devices) checks that training itself
   agrees: probabilities after 2 epochs from the same seed on both devices.
2. **Training rows/s**: one epoch (10^4 rows: ``--epochs``) on each
   device. The CPU trains on at most ``--cpu-rows`` rows at 10^6 (its
   rate hardly depends on the size; 10^6 rows would take many minutes).
3. **Selection rows/s**: ``predict_proba`` with iterative selection
   (recovery by ``SimpleImputer`` on both devices, so that the figure is
   the network's and the selection's), the CPU on at most ``--cpu-rows``
   rows.
4. **Peak GPU memory** of fit and of predict (``torch.cuda.max_memory_allocated``).

Runs in a few minutes on one GPU. Without CUDA it prints why and exits 0
(``--dry-run`` runs the same steps with the CPU in both roles, at small
sizes, to check the script itself).

    python benchmarks/gpu_check.py
    python benchmarks/gpu_check.py --sizes 10000 --out benchmarks/results/gpu
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.impute import SimpleImputer

from sklearn_dymo import DyMoClassifier, MissingnessDriftWarning
from sklearn_dymo.datasets import drop_modalities, make_multimodal_regression

SIZES = (10_000, 1_000_000)


def make_data(n_rows, seed):
    """Train and test rows (``n_rows`` each); the test rows miss half their modalities."""
    data = make_multimodal_regression(2 * n_rows, 4, informative=2, random_state=seed)
    y = (data.target > np.median(data.target)).astype(int)
    X_train, X_test = data.data[:n_rows], data.data[n_rows:]
    X_test = drop_modalities(X_test, data.modalities, rate=0.5, random_state=seed)
    return X_train, y[:n_rows], X_test, y[n_rows:], data.modalities


def model(modalities, device, **params):
    return DyMoClassifier(modalities=modalities, recoverer=SimpleImputer(), device=device,
                          selection="iterative", random_state=0, **params)


def on_cpu(clf):
    """A copy of a fitted model that runs on the CPU (same weights and statistics)."""
    clf = copy.deepcopy(clf)
    clf.net_.module_.to("cpu")
    clf.net_.criterion_.to("cpu")
    clf.net_.device = "cpu"
    clf.set_params(device="cpu")
    clf.device_ = "cpu"
    clf.subset_statistics_ = clf.subset_statistics_.to("cpu")
    return clf


class Peak:
    """Wall time and peak GPU memory (MiB) of a block."""

    def __init__(self, device):
        self.cuda = torch.device(device).type == "cuda"

    def __enter__(self):
        if self.cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if self.cuda:
            torch.cuda.synchronize()
        self.seconds = time.perf_counter() - self.start
        self.mib = torch.cuda.max_memory_allocated() / 2**20 if self.cuda else float("nan")


def warm_up(device, args):
    """A tiny fit and predict first: the first fit of a process pays torch's
    one-off imports and CUDA's start, which are no part of a rate."""
    X_train, y_train, X_test, _, modalities = make_data(512, args.seed)
    model(modalities, device, max_epochs=1, batch_size=args.batch_size).fit(
        X_train, y_train).predict_proba(X_test)


def check_size(n_rows, gpu, args):
    X_train, y_train, X_test, y_test, modalities = make_data(n_rows, args.seed)
    cpu_rows = min(n_rows, args.cpu_rows)
    params = dict(max_epochs=args.epochs if n_rows <= 10_000 else 1,
                  batch_size=args.batch_size)
    row = {"rows": n_rows}

    with Peak(gpu) as fit:
        clf = model(modalities, gpu, **params).fit(X_train, y_train)
    row["gpu_train_rows_s"] = n_rows * clf.n_iter_ / fit.seconds
    row["gpu_fit_peak_mib"] = fit.mib
    with Peak(gpu) as predict:
        proba_gpu = clf.predict_proba(X_test)
    paths_gpu = clf.selection_path_
    row["gpu_select_rows_s"] = n_rows / predict.seconds
    row["gpu_predict_peak_mib"] = predict.mib

    cpu_model = on_cpu(clf)
    start = time.perf_counter()
    proba_cpu = cpu_model.predict_proba(X_test[:cpu_rows])
    row["cpu_select_rows_s"] = cpu_rows / (time.perf_counter() - start)
    diff = np.abs(proba_cpu - proba_gpu[:cpu_rows])
    row["max_abs_proba_diff"] = float(diff.max())
    row["paths_differ_share"] = float(np.mean(
        [a != b for a, b in zip(cpu_model.selection_path_, paths_gpu[:cpu_rows])]))
    row["accuracy_gpu"] = float(np.mean(proba_gpu.argmax(1) == y_test))

    start = time.perf_counter()
    cpu_fit = model(modalities, "cpu", **params).fit(X_train[:cpu_rows], y_train[:cpu_rows])
    row["cpu_train_rows_s"] = cpu_rows * cpu_fit.n_iter_ / (time.perf_counter() - start)
    row["train_speedup"] = row["gpu_train_rows_s"] / row["cpu_train_rows_s"]
    row["select_speedup"] = row["gpu_select_rows_s"] / row["cpu_select_rows_s"]

    if n_rows <= 10_000:
        # Training itself: the same seed on both devices, without the random
        # draws (dropout, input noise) whose generators differ between devices.
        same = dict(max_epochs=2, batch_size=args.batch_size, dropout=0.0, input_noise=0.0)
        fits = [model(modalities, device, **same).fit(X_train, y_train) for device in (gpu, "cpu")]
        probas = [f.predict_proba(X_test[:cpu_rows]) for f in (on_cpu(fits[0]), fits[1])]
        row["trained_max_abs_proba_diff"] = float(np.abs(probas[0] - probas[1]).max())
    row["ok"] = bool(row["max_abs_proba_diff"] <= args.atol
                     and row["paths_differ_share"] <= 0.001)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--epochs", type=int, default=3, help="epochs at 10^4 rows")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--cpu-rows", type=int, default=20_000)
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="folder for gpu_check.csv and gpu_check.md")
    parser.add_argument("--dry-run", action="store_true",
                        help="no GPU needed: the CPU plays both parts, at 2,000 rows")
    args = parser.parse_args(argv)
    if args.dry_run:
        gpu, args.sizes, args.cpu_rows = "cpu", [2_000], 1_000
    elif not torch.cuda.is_available():
        print(f"gpu_check: CUDA is not available to torch {torch.__version__} here; "
              "nothing to check, no figures written (see --dry-run).")
        return 0
    else:
        gpu = "cuda"
        print(f"gpu_check: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    warnings.simplefilter("ignore", MissingnessDriftWarning)  # the test rows miss on purpose
    for device in dict.fromkeys([gpu, "cpu"]):
        warm_up(device, args)
    rows = []
    for n_rows in args.sizes:
        rows.append(check_size(n_rows, gpu, args))
        print(pd.Series(rows[-1]).to_string(), flush=True)
    table = pd.DataFrame(rows)
    print(table.round(4).to_markdown(index=False))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        table.to_csv(os.path.join(args.out, "gpu_check.csv"), index=False)
        with open(os.path.join(args.out, "gpu_check.md"), "w") as f:
            f.write(table.round(4).to_markdown(index=False) + "\n")
    return 0 if table["ok"].all() else 1


if __name__ == "__main__":
    sys.exit(main())
