"""Batch invariance of predict_proba and what it costs.

float32 matrix products round differently with the number of rows in the
call (the BLAS picks another kernel or blocking for a few rows than for
many, and the switch point moves with the thread count), so without care a
row's probabilities depend on the rows predicted with it. Every network
call at predict time has a fixed shape: ``_network._fusion.fuse_pairs`` groups pairs
by their number of visible modalities and pads each call to a power of two
of at least ``MIN_CALL_PAIRS`` (64) rows; the encoder, the first-layer cache
and the heads are padded with ``_fusion.pad_rows``; latents are scored in
float64.

This script compares, in one process and alternating (shared machine), the
padded path against one without the 64-row minimum (``MIN_CALL_PAIRS=1``,
``pad_rows`` the identity, by monkeypatching; grouping by width and the
float64 scoring stay in both), at 1 and 2 torch threads:

- the largest difference between predicting rows one at a time / in blocks
  of 7 and predicting them all at once;
- predict_proba time on 1, 64 and 20,000 rows (median of ``--repeats``).

Breast cancer modalities (mean / se / worst), 60 % of the modalities
dropped, SimpleImputer recovery (so recovery does not hide the network's
cost), iterative selection, 3 training epochs.

    python experiments/batch_invariance.py
"""

import argparse
import time
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.impute import SimpleImputer

from sklearn_dymo import DyMoClassifier, _inference
from sklearn_dymo._network import _fusion
from sklearn_dymo._selection import _algorithm as _selection
from sklearn_dymo.datasets import drop_modalities, load_breast_cancer_modalities


@contextmanager
def previous_path():
    """The predict path without the minimum call size."""
    saved = _fusion.MIN_CALL_PAIRS, _inference.pad_rows, _selection.pad_rows
    _fusion.MIN_CALL_PAIRS = 1
    _inference.pad_rows = _selection.pad_rows = lambda tensor: tensor
    try:
        yield
    finally:
        _fusion.MIN_CALL_PAIRS, _inference.pad_rows, _selection.pad_rows = saved


@contextmanager
def padded_path():
    yield


def max_batch_difference(clf, X, block):
    full = clf.predict_proba(X)
    parts = np.vstack([clf.predict_proba(X[i:i + block]) for i in range(0, len(X), block)])
    return float(np.abs(full - parts).max())


def median_time(clf, X, repeats, path):
    times = []
    for _ in range(repeats):
        with path():
            start = time.perf_counter()
            clf.predict_proba(X)
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    data = load_breast_cancer_modalities()
    clf = DyMoClassifier(modalities=data.modalities, recoverer=SimpleImputer(),
                         max_epochs=3, random_state=0).fit(data.data, data.target)
    rng = np.random.RandomState(0)
    X = drop_modalities(data.data, data.modalities, rate=0.6, random_state=0)
    X_big = X[rng.randint(0, len(X), size=20_000)]
    print(f"{'threads':>7} {'path':>10} {'diff 1-row':>11} {'diff 7-row':>11} "
          f"{'1 row ms':>9} {'64 rows ms':>11} {'20k rows s':>11}")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        rows = {}
        for name, path in (("no minimum", previous_path), ("padded", padded_path)):
            with path():
                rows[name] = [max_batch_difference(clf, X[:200], 1),
                              max_batch_difference(clf, X[:200], 7)]
        # Alternate the two paths repeat by repeat so that load spikes hit both.
        for n_rows, scale in ((1, 1e3), (64, 1e3), (20_000, 1.0)):
            sample = X_big[:n_rows]
            for name, path in (("no minimum", previous_path), ("padded", padded_path)):
                rows[name].append(median_time(clf, sample, args.repeats, path) * scale)
        for name, (d1, d7, t1, t64, tbig) in rows.items():
            print(f"{threads:>7} {name:>10} {d1:>11.2e} {d7:>11.2e} "
                  f"{t1:>9.2f} {t64:>11.2f} {tbig:>11.2f}")


if __name__ == "__main__":
    main()
