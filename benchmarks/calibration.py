"""Probability calibration on the benchmark suite: temperature on against off.

For every table of ``benchmarks/_tables.py`` and seed, two ``DyMoClassifier``
fits with the default parameters, one with ``probability_calibration=None``
(the default: every training row trains, the network's softmax) and one
with ``"temperature"``, on the suite's splits and missingness
(``benchmarks/suite.py``'s ``conditions``): trained on complete rows and
tested on complete rows, whole modalities missing at eta 0.2 / 0.5 / 0.8
and entries missing inside modalities at eta 0.5; trained and tested with
whole modalities missing at eta 0.5; natural missingness where a table has
it. Each fit is scored three ways, the default selection and the
observed-only and all-modalities selections of the same model: accuracy,
log-loss, ROC AUC and the expected calibration error (top label, 15 equal
bins).

Results are cached per (table, seed) in ``benchmarks/results/calibration/``;
``--report`` prints the comparison and the PASS/MISS lines, ``--docs``
writes them into docs/calibration.md.

    python benchmarks/calibration.py --seeds 0,1
    python benchmarks/calibration.py --report --docs
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd
from _common import limit_threads, splice_into
from _tables import TABLES, load_table
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import Bunch
from suite import conditions

from sklearn_dymo.plotting import reliability_bins

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "results", "calibration")
PROTOCOLS = ("complete", "whole", "within", "train_whole", "natural")
SETTINGS = {"off": {"probability_calibration": None},
            "temperature": {"probability_calibration": "temperature"}}
N_BINS = 15


def scores(y, proba, n_classes):
    proba = np.clip(np.asarray(proba, dtype=np.float64), 1e-15, 1.0)
    proba /= proba.sum(1, keepdims=True)
    labels = np.arange(n_classes)
    out = {"accuracy": float(np.mean(proba.argmax(1) == y)),
           "log_loss": float(log_loss(y, proba, labels=labels)),
           "ece": reliability_bins(y, proba, N_BINS, classes=labels)[3]}
    try:
        out["roc_auc"] = float(roc_auc_score(y, proba[:, 1]) if n_classes == 2 else
                               roc_auc_score(y, proba, multi_class="ovr", labels=labels))
    except ValueError:
        out["roc_auc"] = float("nan")
    return out


def run_one(name, seed):
    from sklearn_dymo import DyMoClassifier

    data = load_table(name)
    y_codes = LabelEncoder().fit_transform(data.y)
    data = Bunch(**{**data, "y": y_codes})
    n_classes = int(y_codes.max()) + 1
    rows = []
    for train, X_fit, y_fit, tests, y_test in conditions(data, seed, PROTOCOLS, (0.2, 0.5, 0.8)):
        if train.startswith("train_whole") and not train.endswith("0.5"):
            continue
        if train == "complete":
            tests = {k: v for k, v in tests.items() if k[0] != "within" or k[1] == 0.5}
        for setting, params in SETTINGS.items():
            start = time.perf_counter()
            model = DyMoClassifier(modalities=data.modalities, selection="iterative",
                                   random_state=seed, **params).fit(X_fit, y_fit)
            fit_s = time.perf_counter() - start
            for (protocol, eta), X_test in tests.items():
                outputs = {"selection": model.predict_proba(X_test)}
                for selection in ("observed", "all"):
                    outputs[selection] = model.select_modalities(
                        X_test, selection=selection).proba
                for output, proba in outputs.items():
                    rows.append({"table": name, "seed": seed, "train": train,
                                 "protocol": protocol, "eta": eta, "setting": setting,
                                 "output": output, "fit_s": fit_s,
                                 **scores(y_test, proba, n_classes)})
    return pd.DataFrame(rows)


def run(tables, seeds, force=False):
    os.makedirs(OUT, exist_ok=True)
    for seed in seeds:
        for name in tables:
            path = os.path.join(OUT, f"{name}_seed{seed}.csv")
            if os.path.exists(path) and not force:
                continue
            start = time.perf_counter()
            frame = run_one(name, seed)
            frame.to_csv(path, index=False)
            print(f"{name} seed {seed}: {time.perf_counter() - start:.0f}s", flush=True)


def load_results():
    files = [os.path.join(OUT, f) for f in sorted(os.listdir(OUT)) if f.endswith(".csv")]
    return pd.concat([pd.read_csv(f) for f in files], ignore_index=True)


def report(results):
    """Markdown comparison and PASS/MISS lines."""
    cell = ["table", "train", "protocol", "eta"]
    mean = results.groupby([*cell, "setting", "output"], as_index=False)[
        ["accuracy", "log_loss", "ece", "roc_auc"]].mean()
    wide = mean.pivot_table(index=cell, columns=["setting", "output"],
                            values=["accuracy", "log_loss", "ece"])
    sel_on, sel_off = ("temperature", "selection"), ("off", "selection")
    d_ll = wide["log_loss"][sel_on] - wide["log_loss"][sel_off]
    d_ece = wide["ece"][sel_on] - wide["ece"][sel_off]
    d_acc = 100 * (wide["accuracy"][sel_on] - wide["accuracy"][sel_off])
    seeds = sorted(results.seed.unique())
    n_cells = len(d_ll)

    lines = [f"{results.table.nunique()} tables, seeds {', '.join(map(str, seeds))}, "
             f"{n_cells} cells (table x condition); default selection of each fit.", ""]
    by_protocol = pd.DataFrame({"log-loss off": wide["log_loss"][sel_off],
                                "log-loss temperature": wide["log_loss"][sel_on],
                                "ECE off": wide["ece"][sel_off],
                                "ECE temperature": wide["ece"][sel_on],
                                "accuracy change (points)": d_acc})
    summary = by_protocol.groupby(level=["protocol", "eta"]).mean()
    lines += ["| test protocol | eta | log-loss off | log-loss temperature | ECE off | "
              "ECE temperature | accuracy change (points) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for (protocol, eta), row in summary.iterrows():
        lines.append(f"| {protocol} | {eta:g} | " + " | ".join(
            f"{v:+.2f}" if k.startswith("accuracy") else f"{v:.3f}" for k, v in row.items())
            + " |")
    per_table = by_protocol.groupby(level="table").mean().sort_values("log-loss temperature")
    lines += ["", "Per table (mean over its conditions):", "",
              "| table | log-loss off | log-loss temperature | ECE off | ECE temperature | "
              "accuracy change (points) |", "|---|---:|---:|---:|---:|---:|"]
    for table, row in per_table.iterrows():
        lines.append(f"| {table} | " + " | ".join(
            f"{v:+.2f}" if k.startswith("accuracy") else f"{v:.3f}" for k, v in row.items())
            + " |")

    worst_ll = d_ll.groupby(level="table").mean().idxmax()
    verdicts = [
        ("PASS" if (d_ll <= 0).mean() >= 0.5 and d_ll.mean() < 0 else "MISS")
        + f"  log-loss: temperature lower than off in {100 * (d_ll < 0).mean():.0f} % of "
        f"{n_cells} cells, mean change {d_ll.mean():+.3f}; worst table {worst_ll} "
        f"({d_ll.groupby(level='table').mean().max():+.3f})",
        ("PASS" if (d_ece <= 0).mean() >= 0.5 and d_ece.mean() < 0 else "MISS")
        + f"  ECE: temperature lower than off in {100 * (d_ece < 0).mean():.0f} % of cells, "
        f"mean change {d_ece.mean():+.3f}; worst table "
        f"{d_ece.groupby(level='table').mean().idxmax()} "
        f"({d_ece.groupby(level='table').mean().max():+.3f})",
        f"INFO  accuracy: mean change {d_acc.mean():+.2f} points, worst cell {d_acc.min():+.1f} "
        f"({' '.join(map(str, d_acc.idxmin()))}); the temperature keeps labels, the hold-out "
        "trains the network on fewer rows",
    ]
    # Selection must not raise log-loss over observed-only by more than 0.02 on any table.
    missing = wide.index.get_level_values("protocol") != "complete"
    for setting in ("off", "temperature"):
        raise_ = (wide["log_loss"][(setting, "selection")]
                  - wide["log_loss"][(setting, "observed")])[missing]
        per_table_raise = raise_.groupby(level="table").mean()
        ok = per_table_raise.max() <= 0.02
        verdicts.append(
            ("PASS" if ok else "MISS") + f"  {setting}: selection raises log-loss over "
            f"observed-only by at most {per_table_raise.max():+.3f} on a table "
            f"({per_table_raise.idxmax()}; need <= +0.02); tables above +0.02: "
            f"{int((per_table_raise > 0.02).sum())} of {len(per_table_raise)}")
    return "\n".join(lines), verdicts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--report", action="store_true", help="only report the cached results")
    parser.add_argument("--docs", action="store_true", help="write into docs/calibration.md")
    args = parser.parse_args(argv)
    if not args.report:
        limit_threads()
        # Drift and subset-support warnings are expected under simulated missingness.
        warnings.filterwarnings("ignore", category=UserWarning)
        run(args.tables.split(","), [int(s) for s in args.seeds.split(",")], args.force)
    table, verdicts = report(load_results())
    print(table)
    print("\n".join(verdicts))
    if args.docs:
        block = table + "\n\n```text\n" + "\n".join(verdicts) + "\n```"
        splice_into(os.path.join(HERE, "..", "docs", "calibration.md"), "calibration", block)


if __name__ == "__main__":
    main()
