"""Predict-time cost of selection, recovery excluded and included.

Fits one DyMoClassifier on make_poly_digits (M = 5), drops ``--rate`` of the
test modalities, and times, on the same rows, median of ``--repeats``:

- the selection step alone (rows already recovered and standardised), for
  every strategy, as a ratio to ``selection="observed"``;
- the whole ``predict_proba`` (recovery included) for iterative vs observed;
- the number of transformer sequences evaluated per row, the floor of the
  ratio (1 for observed; 1 + candidates evaluated for iterative).

    python benchmarks/selection_speed.py --rate 0.8 --rows 10000
"""

import argparse

import numpy as np
from sklearn.model_selection import train_test_split

from _timing import median_time

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities, make_poly_digits


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=0.8)
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = make_poly_digits(random_state=args.seed)
    X_tr, X_te, y_tr, _ = train_test_split(data.data, data.target, test_size=0.3,
                                           stratify=data.target, random_state=args.seed)
    clf = DyMoClassifier(modalities=data.modalities, max_epochs=args.max_epochs,
                         random_state=args.seed).fit(X_tr, y_tr)
    rng = np.random.RandomState(args.seed)
    rows = X_te[rng.randint(len(X_te), size=args.rows)]
    X_missing = drop_modalities(rows, data.modalities, args.rate, random_state=args.seed)

    x, observed = clf._prepare(X_missing)  # recovery done once, outside the timings
    print(f"M = {len(clf.modality_names_)}, rows = {args.rows}, rate = {args.rate}, "
          f"torch threads = {__import__('torch').get_num_threads()}")
    clf._select_prepared(x, observed, "iterative")  # warm-up
    base = median_time(lambda: clf._select_prepared(x, observed, "observed"), args.repeats)
    for strategy in ("observed", "all", "simultaneous", "iterative"):
        result = clf._select_prepared(x, observed, strategy)
        t = median_time(lambda s=strategy: clf._select_prepared(x, observed, s), args.repeats)
        n_seq = 1 + len(result.rewards) / args.rows if strategy in ("iterative", "simultaneous") \
            else 1.0
        if strategy == "simultaneous":
            n_seq += float(np.mean([len(p) > 0 for p in result.path]))
        print(f"selection only  {strategy:>12}: {t * 1e3:8.1f} ms  ratio {t / base:5.2f}  "
              f"transformer sequences per row {n_seq:4.2f}")
    t_obs = median_time(lambda: clf.select_modalities(X_missing, "observed"), args.repeats)
    t_it = median_time(lambda: clf.select_modalities(X_missing, "iterative"), args.repeats)
    print(f"predict_proba incl. recovery: observed {t_obs:.2f} s, iterative {t_it:.2f} s, "
          f"ratio {t_it / t_obs:.2f}")


if __name__ == "__main__":
    main()
