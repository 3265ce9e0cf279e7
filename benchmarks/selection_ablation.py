"""Selection ablation on make_poly_digits with test-time modality loss.

Trains one DyMoClassifier per (seed, distance) on complete training data,
drops ``--rate`` of the modalities of every test sample, and scores every
selection strategy from the same fitted model, next to a
HistGradientBoosting baseline on the NaN data. Also times predict with
iterative selection against ``selection="observed"`` on the same rows.

    python benchmarks/selection_ablation.py --seeds 0 1 2 --rate 0.8
"""

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from _timing import median_time

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities, make_poly_digits

POLICIES = [
    ("observed", "observed", True),
    ("all", "all", True),
    ("simultaneous", "simultaneous", False),
    ("iterative", "iterative", False),
    ("simultaneous+calibrated", "simultaneous", True),
    ("iterative+calibrated", "iterative", True),
]


def _recoverer(name, seed):
    if name == "default":
        return None
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer
    from sklearn.linear_model import Ridge

    return IterativeImputer(estimator=Ridge(), n_nearest_features=20, max_iter=5,
                            keep_empty_features=True, random_state=seed)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--rate", type=float, default=0.8)
    parser.add_argument("--max-epochs", type=int, default=50)
    parser.add_argument("--recoverer", choices=["default", "iterative-ridge"], default="default",
                        help="default: KNNImputer; iterative-ridge: IterativeImputer(Ridge, "
                             "n_nearest_features=20, max_iter=5)")
    args = parser.parse_args()

    rows, ratios = [], []
    for seed in args.seeds:
        data = make_poly_digits(random_state=seed)
        X_tr, X_te, y_tr, y_te = train_test_split(
            data.data, data.target, test_size=0.3, stratify=data.target, random_state=seed)
        X_te = drop_modalities(X_te, data.modalities, args.rate, random_state=seed)
        hgb = HistGradientBoostingClassifier(random_state=seed).fit(X_tr, y_tr)
        rows.append(dict(seed=seed, distance="-", method="HistGradientBoosting",
                         accuracy=hgb.score(X_te, y_te)))
        for distance in ("cosine", "sqeuclidean"):
            t = time.perf_counter()
            clf = DyMoClassifier(modalities=data.modalities, distance=distance,
                                 recoverer=_recoverer(args.recoverer, seed),
                                 max_epochs=args.max_epochs, random_state=seed).fit(X_tr, y_tr)
            fit_s = time.perf_counter() - t
            for name, strategy, calibrate in POLICIES:
                clf.set_params(calibrate=calibrate)
                result = clf.select_modalities(X_te, selection=strategy)
                acc = float(np.mean(clf.classes_[result.proba.argmax(1)] == y_te))
                rows.append(dict(seed=seed, distance=distance, method=name, accuracy=acc,
                                 mean_path=np.mean([len(p) for p in result.path])))
            clf.set_params(calibrate=True)
            clf.select_modalities(X_te, selection="iterative")  # warm-up
            t_obs = median_time(lambda: clf.select_modalities(X_te, selection="observed"))
            t_it = median_time(lambda: clf.select_modalities(X_te, selection="iterative"))
            ratios.append(dict(seed=seed, distance=distance, fit_s=fit_s,
                               observed_s=t_obs, iterative_s=t_it, ratio=t_it / t_obs))
            print(f"seed {seed} {distance}: fit {fit_s:.1f}s, predict ratio {t_it / t_obs:.2f}",
                  flush=True)

    table = pd.DataFrame(rows)
    summary = table.groupby(["method", "distance"], sort=False)["accuracy"].agg(["mean", "std"])
    print(f"\nAccuracy, make_poly_digits, test-time modality loss {args.rate:.0%}, "
          f"seeds {args.seeds}, recoverer {args.recoverer}")
    print(summary.round(4).to_string())
    print("\nPredict time, iterative calibrated / observed (median of 5, same rows)")
    print(pd.DataFrame(ratios).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
