"""How often ``detect_modalities`` finds the true modalities from missingness.

On the bundled datasets (breast cancer: 3 modalities x 10 columns; poly
digits: 5 modalities x 64 columns, 600 rows), whole modalities are dropped
per row with ``drop_modalities`` at each missing rate, then, inside the
modalities a row kept, each entry goes missing on its own with probability
``partial`` (within-modality partial missingness), on 100 random rows
and on all rows. For every (dataset, rows, rate, partial) cell, over the
seeds, the script prints how often the true blocks are found exactly, the
mean adjusted Rand index (ARI) between the found and the true column
labels, and the numbers of blocks found.

    python experiments/detect_modalities.py            # 10 seeds
    python experiments/detect_modalities.py --seeds 3  # quicker

A second table runs data with no blocks to find: one block with noise,
and independently missing columns.

No network is trained: detection reads only the missing mask, so the whole
run takes a few seconds.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
from sklearn.metrics import adjusted_rand_score

from sklearn_dymo import detect_modalities
from sklearn_dymo.datasets import (
    drop_modalities,
    load_breast_cancer_modalities,
    make_poly_digits,
)

RATES = (0.2, 0.4, 0.6, 0.8)
PARTIALS = (0.0, 0.05, 0.2, 0.4)
ROWS = (100, None)  # None: all rows


def datasets():
    cancer = load_breast_cancer_modalities()
    digits = make_poly_digits(n_samples=600, random_state=0)
    return {"breast_cancer": cancer, "poly_digits": digits}


def true_labels(modalities, n_features):
    labels = np.empty(n_features, dtype=int)
    for m, cols in enumerate(modalities.values()):
        labels[list(cols)] = m
    return labels


def found_labels(found, n_features):
    labels = np.empty(n_features, dtype=int)
    for m, cols in enumerate(found.values()):
        labels[list(cols)] = m
    return labels


def one_cell(data, rate, partial, seed, n_rows):
    rng = np.random.default_rng(seed + 1000)
    rows = np.arange(len(data.data)) if n_rows is None else rng.choice(
        len(data.data), n_rows, replace=False)
    X = drop_modalities(data.data[rows], data.modalities, rate=rate, random_state=seed)
    X[rng.random(X.shape) < partial] = np.nan
    truth = true_labels(data.modalities, X.shape[1])
    found = found_labels(detect_modalities(X), X.shape[1])
    exact = adjusted_rand_score(truth, found) == 1.0
    return exact, adjusted_rand_score(truth, found), len(np.unique(found))


def null_cells(seeds):
    """Data with no block structure to find: one block, or independent columns.

    ``single``: all ``p`` columns of a row go missing together with
    probability ``f``, then each entry on its own with probability ``q``
    (right answer: one modality). ``independent``: each entry goes missing
    on its own with probability ``q`` (right answer: ``p`` modalities).
    Gaussian values; only the missing mask matters.
    """
    for p, n_rows in itertools.product((3, 10, 64), (100, 500)):
        for f, q in itertools.product((0.1, 0.3, 0.6), (0.0, 0.05, 0.2)):
            right = 0
            for seed in range(seeds):
                rng = np.random.default_rng(seed)
                X = rng.normal(size=(n_rows, p))
                X[rng.random(n_rows) < f] = np.nan
                X[rng.random(X.shape) < q] = np.nan
                right += len(detect_modalities(X)) == 1
            yield "single", p, n_rows, f, q, right
        for q in (0.05, 0.2, 0.5):
            right = 0
            for seed in range(seeds):
                rng = np.random.default_rng(seed)
                X = rng.normal(size=(n_rows, p))
                X[rng.random(X.shape) < q] = np.nan
                right += len(detect_modalities(X)) == p
            yield "independent", p, n_rows, float("nan"), q, right


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    print(f"{'dataset':<14} {'M':>2} {'rows':>5} {'rate':>5} {'partial':>7} "
          f"{'exact':>7} {'ARI':>6} {'blocks':>12}")
    for name, data in datasets().items():
        n_mod = len(data.modalities)
        for n_rows, partial, rate in itertools.product(ROWS, PARTIALS, RATES):
            shown_rows = n_rows or len(data.data)
            cells = [one_cell(data, rate, partial, seed, n_rows)
                     for seed in range(args.seeds)]
            exact = sum(c[0] for c in cells)
            ari = np.mean([c[1] for c in cells])
            blocks = sorted({c[2] for c in cells})
            print(f"{name:<14} {n_mod:>2} {shown_rows:>5} {rate:>5.1f} {partial:>7.2f} "
                  f"{exact:>3}/{args.seeds:<3} {ari:>6.3f} {blocks!s:>12}")
    print("\nNo blocks to find (right = one block for 'single', one per column "
          "for 'independent'):")
    print(f"{'case':<12} {'p':>3} {'rows':>5} {'f':>4} {'q':>5} {'right':>7}")
    wrong = total = 0
    for case, p, n_rows, f, q, right in null_cells(args.seeds):
        wrong += args.seeds - right
        total += args.seeds
        print(f"{case:<12} {p:>3} {n_rows:>5} {f:>4.1f} {q:>5.2f} {right:>3}/{args.seeds}")
    print(f"null cases wrong: {wrong} of {total}")


if __name__ == "__main__":
    main()
