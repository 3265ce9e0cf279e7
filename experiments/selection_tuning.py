"""Self-tuned selection (``selection="auto"``) against the paper's calibrated rule.

For every dataset x recoverer (SimpleImputer, KNNImputer, IterativeImputer,
oracle = true values) x test missing rate eta in {0.6, 0.8}, on the same
stratified split (training data complete, whole modalities missing at test
time), prints the accuracy of

- ``observed`` / ``all`` / ``calibrated`` (the paper's rule, gamma = 1,
  tau = 0), all three from one standard fit (``selection="iterative"``);
- ``auto``: ``selection="auto"`` with ``refit=False`` (network trained on
  the 80% of rows not held out for tuning);
- both ``tuning_scoring`` choices (accuracy with log-loss ties, log-loss
  alone) from the same tuning table, no extra fit; ``auto`` columns show
  the default;
- ``auto_refit``: the tuned policy applied to the network trained on all
  rows. With the same ``random_state`` that network *is* the standard fit's
  (``refit=True`` retrains exactly it), so no extra fit is needed; the
  script checks this once against a real ``refit=True`` fit (``--check-refit``);

and whether each is within 1 point of max(observed, all), plus the extra
fit time of ``auto`` as a ratio to the standard fit (same process, same
data). The standard fit's network does not depend on the recoverer (training
unmasks observed entries only), so one standard fit per dataset and seed
serves every recoverer: its ``recoverer_`` is swapped for a clone fitted
on the same rows.

    python experiments/selection_tuning.py --quick
    python experiments/selection_tuning.py --check-refit --docs docs/tuning.md
    python experiments/selection_tuning.py --report-only --timing --docs docs/tuning.md
"""

from __future__ import annotations

import argparse
import os
import time

import _paths  # noqa: F401 (puts benchmarks/ on sys.path for _common)
import numpy as np
import pandas as pd
from _common import (
    LookupRecoverer,
    available_datasets,
    limit_threads,
    load_dataset,
    make_imputers,
    make_missing,
    splice_into,
    split,
)
from sklearn.base import clone

from sklearn_dymo import DyMoClassifier
from sklearn_dymo._selection._tuning import SCORINGS, rank_policies

HERE = os.path.dirname(os.path.abspath(__file__))
ETAS = (0.6, 0.8)
RECOVERERS = ("simple", "knn", "iterative", "oracle")
DEFAULT_SCORING = DyMoClassifier().tuning_scoring


def _recoverers(seed, X_train, X_test):
    out = dict(make_imputers(seed))
    # The oracle knows every row, training rows included: auto's held-out
    # rows come from the training set.
    out["oracle"] = LookupRecoverer(np.vstack([X_train, X_test]))
    return out


def _accuracy(clf, X, y, selection, **params):
    saved = clf.get_params()
    clf.set_params(**params)
    try:
        proba = clf.select_modalities(X, selection=selection).proba
    finally:
        clf.set_params(**saved)
    return float(np.mean(clf.classes_[proba.argmax(1)] == y))


def run_one(name, seed, args):
    data = load_dataset(name, seed)
    X_train, X_test, y_train, y_test = split(data, seed)
    params = dict(modalities=data.modalities, max_epochs=args.max_epochs, random_state=seed)
    recoverers = _recoverers(seed, X_train, X_test)
    tests = {eta: make_missing("whole", X_test, data.modalities, eta, seed) for eta in ETAS}

    t = time.perf_counter()
    standard = DyMoClassifier(recoverer=recoverers["simple"], **params).fit(X_train, y_train)
    t_standard = time.perf_counter() - t
    rows = []
    for rec_name in args.recoverers:
        recoverer = recoverers[rec_name]
        standard.recoverer_ = clone(recoverer).fit(X_train)
        t = time.perf_counter()
        auto = DyMoClassifier(recoverer=recoverer, selection="auto", refit=False,
                              **params).fit(X_train, y_train)
        t_auto = time.perf_counter() - t
        # The policy each tuning_scoring picks from the same validation table.
        choices = {}
        for scoring in SCORINGS:
            ranked = rank_policies(auto.selection_tuning_, scoring)
            choices[scoring] = ranked.loc[ranked["rank"].idxmin(), "params"]
        chosen = choices[DEFAULT_SCORING]
        for eta, X in tests.items():
            observed = _accuracy(standard, X, y_test, "observed")
            every = _accuracy(standard, X, y_test, "all")
            row = {
                "dataset": name, "seed": seed, "recoverer": rec_name, "eta": eta,
                "observed": observed, "all": every,
                "calibrated": _accuracy(standard, X, y_test, "iterative"),
                "auto_observed": _accuracy(auto, X, y_test, "observed"),
                "chosen": "{selection} g={calibration_strength:g} t={reward_threshold:g}".format(
                    **chosen),
                "fit_standard_s": t_standard, "fit_auto_s": t_auto,
            }
            for scoring, policy in choices.items():
                knobs = {"calibration_strength": policy["calibration_strength"],
                         "reward_threshold": policy["reward_threshold"]}
                row[f"auto_{scoring}"] = _accuracy(auto, X, y_test, policy["selection"],
                                                   **knobs)
                row[f"auto_refit_{scoring}"] = _accuracy(standard, X, y_test,
                                                         policy["selection"], **knobs)
            row["auto"] = row[f"auto_{DEFAULT_SCORING}"]
            row["auto_refit"] = row[f"auto_refit_{DEFAULT_SCORING}"]
            rows.append(row)
            print(f"{name:>13} seed {seed} {rec_name:>9} eta {eta}: obs {observed:.3f} "
                  f"all {every:.3f} cal {row['calibrated']:.3f} auto {row['auto']:.3f} "
                  f"auto_refit {row['auto_refit']:.3f} [{row['chosen']}] "
                  f"fit ratio {t_auto / t_standard:.2f}", flush=True)
        if (args.check_refit and rec_name == args.recoverers[0] and seed == args.seeds[0]
                and name == args.datasets[0]):
            refit = DyMoClassifier(recoverer=recoverer, selection="auto", refit=True,
                                   **params).fit(X_train, y_train)
            X = tests[ETAS[-1]]
            direct = _accuracy(refit, X, y_test, "auto")
            print(f"  check: refit=True fit gives {direct:.4f}, computed auto_refit "
                  f"{rows[-1]['auto_refit']:.4f}", flush=True)
            if abs(direct - rows[-1]["auto_refit"]) > 1e-9:
                raise AssertionError("auto_refit shortcut does not match refit=True")
    return rows


def time_fits(args):
    """Fit time of auto (refit False / True) over the standard fit, same process.

    Median of ``--repeats`` fits each, on poly digits with the KNNImputer;
    the three kinds of fit alternate so that machine noise hits all alike.
    """
    from _timing import median_time

    data = load_dataset("poly_digits", 0)
    X_train, _, y_train, _ = split(data, 0)
    base = dict(modalities=data.modalities, max_epochs=args.max_epochs, random_state=0,
                recoverer=make_imputers(0)["knn"])
    kinds = {"standard": {}, "auto_refit_false": {"selection": "auto", "refit": False},
             "auto_refit_true": {"selection": "auto", "refit": True}}
    times = {k: [] for k in kinds}
    for _ in range(args.repeats):
        for kind, extra in kinds.items():
            times[kind].append(median_time(
                lambda e=extra: DyMoClassifier(**base, **e).fit(X_train, y_train), 1))
    med = {k: float(np.median(v)) for k, v in times.items()}
    text = (f"Fit time on poly digits ({len(y_train)} rows, {args.max_epochs} epochs, "
            f"KNNImputer), median of {args.repeats}: standard {med['standard']:.1f} s, "
            f"auto refit=False {med['auto_refit_false']:.1f} s "
            f"({med['auto_refit_false'] / med['standard']:.2f}x), auto refit=True "
            f"{med['auto_refit_true']:.1f} s ({med['auto_refit_true'] / med['standard']:.2f}x).")
    print(text)
    return text


def plot_grid(args):
    """Held-out accuracy over (gamma, tau): poly digits, KNNImputer, seed 0."""
    data = load_dataset("poly_digits", 0)
    X_train, _, y_train, _ = split(data, 0)
    auto = DyMoClassifier(modalities=data.modalities, recoverer=make_imputers(0)["knn"],
                          selection="auto", refit=False, max_epochs=args.max_epochs,
                          random_state=0).fit(X_train, y_train)
    os.makedirs(args.images, exist_ok=True)
    heatmap(auto, os.path.join(args.images, "tuning_grid.png"),
            "poly digits, KNNImputer recoverer, seed 0")


def heatmap(clf, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = clf.selection_tuning_
    grid = table[table.param_selection == "iterative"].pivot(
        index="param_calibration_strength", columns="param_reward_threshold",
        values="accuracy")
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    image = ax.imshow(grid.to_numpy(), cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
    ax.set_xlabel("reward threshold tau")
    ax.set_ylabel("calibration strength gamma")
    for (i, j), value in np.ndenumerate(grid.to_numpy()):
        ax.text(j, i, f"{value:.3f}", ha="center", va="center", color="w", fontsize=8)
    fixed = table.set_index("param_selection")["accuracy"]
    ax.set_title(f"{title}\nobserved {fixed['observed']:.3f}, all {fixed['all']:.3f}",
                 fontsize=10)
    fig.colorbar(image, ax=ax, label="held-out accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(df):
    mean = df.groupby(["dataset", "recoverer", "eta"], sort=False).agg(
        observed=("observed", "mean"), all=("all", "mean"), calibrated=("calibrated", "mean"),
        auto=("auto", "mean"), auto_refit=("auto_refit", "mean"),
        **{f"{kind}_{sc}": (f"{kind}_{sc}", "mean")
           for kind in ("auto", "auto_refit") for sc in SCORINGS},
        chosen=("chosen", lambda c: "; ".join(sorted(set(c)))),
    ).reset_index()
    best = np.maximum(mean["observed"], mean["all"])
    lines = [
        "| dataset | recoverer | eta | observed | all | calibrated (paper) | auto, refit=False | "
        "auto (refit=True, default) | refit=False within 1 pt | refit=True within 1 pt | "
        "policies chosen |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (_, r), b in zip(mean.iterrows(), best):
        ok = "PASS" if r.auto >= b - 0.01 else f"MISS ({100 * (r.auto - b):+.1f})"
        ok_refit = "PASS" if r.auto_refit >= b - 0.01 else f"MISS ({100 * (r.auto_refit - b):+.1f})"
        lines.append(
            f"| {r.dataset} | {r.recoverer} | {r.eta} | {r.observed:.3f} | {r['all']:.3f} | "
            f"{r.calibrated:.3f} | {r.auto:.3f} | {r.auto_refit:.3f} | {ok} | {ok_refit} | "
            f"{r.chosen} |")
    fit = df.drop_duplicates(["dataset", "seed", "recoverer"])
    ratio = fit.fit_auto_s / fit.fit_standard_s
    n_cells = len(mean)
    summary = [
        "",
        f"Cells: {n_cells} (mean over seeds {sorted(df.seed.unique().tolist())}).",
        f"auto (refit=False) within 1 point of max(observed, all): "
        f"{int((mean.auto >= best - 0.01).sum())}/{n_cells}; "
        f"auto with refit: {int((mean.auto_refit >= best - 0.01).sum())}/{n_cells}; "
        f"paper's calibrated rule: {int((mean.calibrated >= best - 0.01).sum())}/{n_cells}.",
        f"auto more than 1 point below the calibrated rule: "
        f"{int((mean.auto < mean.calibrated - 0.01).sum())}/{n_cells} cells (refit=False), "
        f"{int((mean.auto_refit < mean.calibrated - 0.01).sum())}/{n_cells} (refit).",
        f"Default tuning_scoring: {DEFAULT_SCORING!r} (the auto columns above).",
        *[f"tuning_scoring={sc!r}: within 1 point in "
          f"{int((mean[f'auto_{sc}'] >= best - 0.01).sum())}/{n_cells} cells "
          f"(refit=False), {int((mean[f'auto_refit_{sc}'] >= best - 0.01).sum())}/{n_cells} "
          f"(refit); mean accuracy {mean[f'auto_{sc}'].mean():.4f} (refit=False), "
          f"{mean[f'auto_refit_{sc}'].mean():.4f} (refit)." for sc in SCORINGS],
        f"Extra fit time of auto (refit=False), fit_auto / fit_standard: median "
        f"{ratio.median():.2f}x (range {ratio.min():.2f}-{ratio.max():.2f}); with refit=True "
        f"add one standard fit: about {1 + ratio.median():.2f}x.",
    ]
    return "\n".join(lines + summary)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="one seed, poly digits only, 15 epochs")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--recoverers", nargs="+", default=list(RECOVERERS),
                        choices=RECOVERERS)
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--timing", action="store_true",
                        help="also time standard vs auto fits (median of --repeats)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--plot", action="store_true",
                        help="redraw docs/images/tuning_grid.png (one auto fit)")
    parser.add_argument("--check-refit", action="store_true",
                        help="verify the auto_refit shortcut against a real refit=True fit")
    parser.add_argument("--out", default=None)
    parser.add_argument("--images", default=os.path.join(HERE, "..", "docs", "images"))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--docs", default=None,
                        help="splice the table into this markdown file (tuning block)")
    args = parser.parse_args()
    args.seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    args.datasets = args.datasets or (["poly_digits"] if args.quick else available_datasets())
    args.max_epochs = args.max_epochs or (15 if args.quick else 30)
    args.out = args.out or os.path.join(HERE, "results",
                                        "tuning_quick" if args.quick else "tuning")
    os.makedirs(args.out, exist_ok=True)
    csv = os.path.join(args.out, "tuning.csv")
    limit_threads(1)
    if not args.report_only:
        rows = []
        t0 = time.perf_counter()
        for seed in args.seeds:
            for name in args.datasets:
                rows += run_one(name, seed, args)
                pd.DataFrame(rows).to_csv(csv, index=False)
        print(f"total {time.perf_counter() - t0:.0f}s")
    if args.plot or not args.report_only:
        plot_grid(args)
    text = report(pd.read_csv(csv))
    timing_file = os.path.join(args.out, "timing.txt")
    if args.timing:
        with open(timing_file, "w") as fh:
            fh.write(time_fits(args))
    if os.path.exists(timing_file):
        with open(timing_file) as fh:
            text += "\n" + fh.read()
    print(text)
    if args.docs:
        splice_into(args.docs, "tuning", text)


if __name__ == "__main__":
    main()
