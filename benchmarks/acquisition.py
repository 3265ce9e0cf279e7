"""Acquisition curves: which missing modality to measure next, on real tables.

For each table and seed: a DyMoClassifier (defaults) is fitted on complete
training rows (stratified 70/30 split); the test rows lose
``round(eta * M)`` whole modalities each (``drop_modalities``, at least
one kept), and since the true values exist, "measuring" a modality puts
them back. From the observed modalities, every test row reveals one, then
a second missing modality, in three orders:

- ``suggested``: the top of ``suggest_measurements`` (asked again after the
  first reveal);
- ``random``: a uniformly random missing modality (seeded);
- ``fixed``: the best fixed global-importance order: modalities ranked by
  the test accuracy reached when that modality alone is revealed wherever
  it is missing (chosen with the test labels, so generous to this
  baseline); each row reveals its first missing modality in that order;
- ``fixed_fit``: a fixed order a user could deploy, from what the model
  learnt in fit: the modalities ranked by how much each alone tells about
  the class on the training rows (``subset_statistics_.modality_information``).

Same model, seeds and rows for all three. Reported per table: accuracy and
log-loss after 0, 1 and 2 reveals, plus the complete rows' accuracy.
PASS/MISS lines at eta = 0.8, one reveal: the suggestion beats random by
at least 2 accuracy points on the mean over tables, and is not worse than
the fixed order on any table by more than 0.5 points.

Tables: breast cancer, poly digits and mfeat (``_common.DATASETS``), and
wine, digits quadrants and the diabetes clinic table from ``_tables.py``.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/acquisition.py \
        --figure docs/images/acquisition_curves.png --docs
    python benchmarks/acquisition.py --quick   # two small tables, one seed

``--docs`` writes the table and the PASS/MISS lines into
docs/explanations.md; ``--figure`` saves the curves there too.
"""

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd
from _common import DATASETS, limit_threads, load_dataset, splice_into
from _tables import load_table
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities

COMMON = ("breast_cancer", "poly_digits", "mfeat")
EXTRA = ("wine", "digits_quadrants", "diabetes_clinical")
POLICIES = ("suggested", "random", "fixed", "fixed_fit")


def load(name, seed):
    """(X ndarray, y, modalities as column indices) of table ``name``."""
    if name in DATASETS:
        data = load_dataset(name, seed)
        return np.asarray(data.data, dtype=float), np.asarray(data.target), data.modalities
    table = load_table(name)
    columns = list(table.X.columns)
    modalities = {m: [columns.index(c) for c in cols] for m, cols in table.modalities.items()}
    return table.X.to_numpy(dtype=float), table.y, modalities


def missing_modalities(X, modalities):
    """Bool (n, M): modality missing (any NaN) in each row."""
    return np.stack([np.isnan(X[:, cols]).any(axis=1) for cols in modalities.values()],
                    axis=1)


def reveal(X, X_true, choice, modalities):
    """``X`` with modality ``choice[i]`` (index, -1 for none) of row ``i`` put back."""
    X = X.copy()
    for m, cols in enumerate(modalities.values()):
        rows = np.flatnonzero(choice == m)
        X[np.ix_(rows, cols)] = X_true[np.ix_(rows, cols)]
    return X


def scores(clf, X, y):
    proba = clf.predict_proba(X)
    accuracy = float(np.mean(clf.classes_[proba.argmax(1)] == y))
    return accuracy, float(log_loss(y, proba, labels=clf.classes_))


def suggested_choice(clf, X, names):
    table = clf.suggest_measurements(X)
    first = table[table["rank"] == 1]
    choice = np.full(X.shape[0], -1)
    choice[first.index.to_numpy()] = [names.index(m) for m in first["modality"]]
    return choice


def random_choice(missing, rng):
    keys = np.where(missing, rng.random_sample(missing.shape), -1.0)
    return np.where(missing.any(1), keys.argmax(1), -1)


def ordered_choice(missing, order):
    """First missing modality of each row in ``order`` (modality indices)."""
    ranked = missing[:, order]
    return np.where(ranked.any(1), np.asarray(order)[ranked.argmax(1)], -1)


def run_table(name, seed, eta):
    X, y, modalities = load(name, seed)
    names = list(modalities)
    X_train, X_true, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed)
    start = time.perf_counter()
    clf = DyMoClassifier(modalities=modalities, selection="iterative",
                         random_state=seed).fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    X_obs = drop_modalities(X_true, modalities, rate=eta, random_state=seed)
    missing = missing_modalities(X_obs, modalities)
    rng = np.random.RandomState(seed)
    rows = []

    def record(policy, revealed, X_now):
        accuracy, loss = scores(clf, X_now, y_test)
        rows.append(dict(table=name, seed=seed, eta=eta, policy=policy, revealed=revealed,
                         accuracy=accuracy, log_loss=loss))

    for policy in POLICIES:
        record(policy, 0, X_obs)
    record("complete", 2, X_true)
    # The fixed order: each modality's accuracy when revealed alone, best first.
    alone = [scores(clf, reveal(X_obs, X_true, np.where(missing[:, m], m, -1), modalities),
                    y_test)[0] for m in range(len(names))]
    order = list(np.lexsort((np.arange(len(names)), -np.asarray(alone))))
    information = clf.subset_statistics_.modality_information.cpu().numpy()
    fit_order = list(np.lexsort((np.arange(len(names)), -information)))
    start = time.perf_counter()
    X_now = {p: X_obs for p in POLICIES}
    for step in (1, 2):
        for policy in POLICIES:
            now = missing_modalities(X_now[policy], modalities)
            if policy == "suggested":
                choice = suggested_choice(clf, X_now[policy], names)
            elif policy == "random":
                choice = random_choice(now, rng)
            else:
                choice = ordered_choice(now, order if policy == "fixed" else fit_order)
            X_now[policy] = reveal(X_now[policy], X_true, choice, modalities)
            record(policy, step, X_now[policy])
    print(f"{name} seed {seed}: fit {fit_s:.0f}s, reveals {time.perf_counter() - start:.0f}s, "
          f"fixed order {[names[m] for m in order]}", flush=True)
    return rows


def report(results, eta):
    """Markdown tables and the PASS/MISS lines."""
    at = results[results.eta == eta]
    mean = at.groupby(["table", "policy", "revealed"])[["accuracy", "log_loss"]].mean()
    lines = [f"### eta = {eta}: accuracy (log-loss) after revealing 0, 1, 2 modalities "
             "per test row", ""]
    header = "| table | policy | 0 | 1 | 2 |"
    lines += [header, "|---|---|---:|---:|---:|"]
    for table in at.table.unique():
        for policy in POLICIES:
            cells = [f"{mean.loc[(table, policy, r), 'accuracy']:.3f} "
                     f"({mean.loc[(table, policy, r), 'log_loss']:.3f})" for r in (0, 1, 2)]
            lines.append(f"| {table} | {policy} | " + " | ".join(cells) + " |")
        complete = mean.loc[(table, "complete", 2), "accuracy"]
        lines.append(f"| {table} | complete rows | | | {complete:.3f} |")
    one = mean.xs(1, level="revealed")["accuracy"].unstack("policy")
    gain_random = 100 * (one["suggested"] - one["random"])
    gap_fixed = 100 * (one["suggested"] - one["fixed"])
    gap_fit = 100 * (one["suggested"] - one["fixed_fit"])
    lines += ["", "Accuracy points after one reveal, suggested minus each other order:",
              "", "| table | vs random | vs fixed (test labels) | vs fixed (from fit) |",
              "|---|---:|---:|---:|"]
    for table in one.index:
        lines.append(f"| {table} | {gain_random[table]:+.1f} | {gap_fixed[table]:+.1f} | "
                     f"{gap_fit[table]:+.1f} |")
    lines.append(f"| mean | {gain_random.mean():+.1f} | {gap_fixed.mean():+.1f} | "
                 f"{gap_fit.mean():+.1f} |")
    n_seeds = at.seed.nunique()
    first = "PASS" if gain_random.mean() >= 2.0 else "MISS"
    worst = gap_fixed.idxmin()
    second = "PASS" if gap_fixed.min() >= -0.5 else "MISS"
    verdicts = [
        f"{first}: at eta={eta}, revealing the top suggested modality beats a random one by "
        f"{gain_random.mean():+.1f} accuracy points on the mean over {len(one)} tables "
        f"({n_seeds} seed(s); target >= +2.0)",
        f"{second}: against the best fixed global-importance order, its worst table is "
        f"{worst} at {gap_fixed.min():+.1f} points (target >= -0.5)",
    ]
    return "\n".join(lines + [""] + verdicts), verdicts


def docs_table(results, eta, verdicts):
    """The block of docs/explanations.md: accuracy (log-loss) per order."""
    at = results[results.eta == eta]
    mean = at.groupby(["table", "policy", "revealed"])[["accuracy", "log_loss"]].mean()
    orders = {"suggested": "suggested", "random": "random",
              "fixed": "fixed (test labels)", "fixed_fit": "fixed (from fit)"}
    lines = ["Accuracy (log-loss) after revealing one modality per row, and accuracy "
             "after two; mean of two seeds:", "",
             "| table | observed only | " + " | ".join(orders.values()) + " | "
             "after two: suggested / random / fixed |",
             "|---|---:|" + "---:|" * len(orders) + "---:|"]
    for table in at.table.unique():
        cells = [f"{mean.loc[(table, p, 1), 'accuracy']:.3f} "
                 f"({mean.loc[(table, p, 1), 'log_loss']:.2f})" for p in orders]
        two = " / ".join(f"{mean.loc[(table, p, 2), 'accuracy']:.3f}"
                         for p in ("suggested", "random", "fixed"))
        start = mean.loc[(table, "suggested", 0), "accuracy"]
        lines.append(f"| {table} | {start:.3f} | " + " | ".join(cells) + f" | {two} |")
    return "\n".join(lines + ["", "```text", *verdicts, "```"])


def plot(results, eta, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    at = results[results.eta == eta]
    tables = list(at.table.unique())
    fig, axes = plt.subplots(1, len(tables), figsize=(2.6 * len(tables), 2.8), sharey=False)
    styles = {"suggested": ("#1f77b4", "o", "-"), "random": ("#7f7f7f", "s", "-"),
              "fixed": ("#ff7f0e", "^", "-"), "fixed_fit": ("#ff7f0e", "v", "--")}
    labels = {"fixed": "fixed (test labels)", "fixed_fit": "fixed (from fit)"}
    for ax, table in zip(np.atleast_1d(axes), tables):
        part = at[at.table == table].groupby(["policy", "revealed"])["accuracy"].mean()
        for policy, (color, marker, line) in styles.items():
            ax.plot([0, 1, 2], part[policy].to_numpy(), color=color, marker=marker,
                    linestyle=line, label=labels.get(policy, policy))
        ax.axhline(part[("complete", 2)], color="black", linestyle=":", linewidth=1,
                   label="complete rows")
        ax.set_title(table, fontsize=9)
        ax.set_xticks([0, 1, 2])
        ax.set_xlabel("modalities revealed")
    np.atleast_1d(axes)[0].set_ylabel("test accuracy")
    np.atleast_1d(axes)[-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Which modality to measure next ({int(eta * 100)} % of modalities missing)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--eta", type=float, default=0.8)
    parser.add_argument("--tables", default=",".join(COMMON + EXTRA))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results",
                                                      "acquisition"))
    parser.add_argument("--figure", default=None, help="also save the curves here")
    parser.add_argument("--docs", action="store_true",
                        help="write the table into docs/explanations.md")
    parser.add_argument("--from-results", action="store_true",
                        help="report the acquisition.csv under --out again, without fitting")
    args = parser.parse_args()
    if args.from_results:
        _write(pd.read_csv(os.path.join(args.out, "acquisition.csv")), args)
        return
    limit_threads(1)
    # Training rows are complete on purpose: every test pattern is new to the model.
    warnings.filterwarnings("ignore", message=".*missingness pattern no training row had")
    tables = args.tables.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.quick:
        tables, seeds = ["breast_cancer", "wine"], [0]
    rows = [r for seed in seeds for name in tables for r in run_table(name, seed, args.eta)]
    results = pd.DataFrame(rows)
    _write(results, args)


def _write(results, args):
    """Results, report, targets, figures and the docs block."""
    os.makedirs(args.out, exist_ok=True)
    if not args.from_results:
        results.to_csv(os.path.join(args.out, "acquisition.csv"), index=False)
    text, verdicts = report(results, args.eta)
    with open(os.path.join(args.out, "acquisition.md"), "w") as fh:
        fh.write(text + "\n")
    with open(os.path.join(args.out, "targets.txt"), "w") as fh:
        fh.write("\n".join(verdicts) + "\n")
    plot(results, args.eta, os.path.join(args.out, "curves.png"))
    if args.figure:
        plot(results, args.eta, args.figure)
    if args.docs:
        page = os.path.join(os.path.dirname(__file__), "..", "docs", "explanations.md")
        splice_into(page, "acquisition", docs_table(results, args.eta, verdicts))
    print(text)


if __name__ == "__main__":
    main()
