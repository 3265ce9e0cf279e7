"""DyMoRegressor against honest baselines, with whole modalities missing at test time.

For every dataset and seed (one 70/30 split shared by all methods) and
every missing rate ``eta``, ``round(eta * M)`` whole modalities of each test
row are set to NaN (at least one kept; ``sklearn_dymo.datasets.drop_modalities``);
training data is complete.

Methods (same splits, same missing matrices):

- DyMoRegressor (KNNImputer recoverer, the default; ``max_epochs=20``:
  at 60 epochs the network overfits the 309 diabetes training rows, and
  its 95% interval covered 80% of the test rows) with ``selection``
  ``observed``, ``all`` and ``iterative`` from one fitted model
  (``select_modalities``), and ``auto`` (its own fit: tuning by held-out
  Gaussian NLL, then a refit on all training rows);
- HistGradientBoostingRegressor on the NaN data;
- IterativeImputer + Ridge;
- KNNImputer + HistGradientBoostingRegressor.

Metrics: RMSE and R^2 on the test rows, and for DyMo the coverage of the
predicted 95% interval ``mean +/- 1.96 std``. Mean over seeds.

Datasets: ``diabetes`` (``load_diabetes_modalities``: demographics / serum,
M = 2) and ``synthetic`` (``make_multimodal_regression(600, 4,
informative=2)``: two informative and two noise modalities).

Writes ``regression.csv`` and ``tables.md`` (tables and PASS/MISS lines) to
``--out``.

    python benchmarks/regression.py                  # 3 seeds, 20 epochs
    python benchmarks/regression.py --report-only    # tables from the CSV
"""

import argparse
import json
import os
import time

import numpy as np
import pandas as pd
from _common import add_params_argument, limit_threads
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_dymo import DyMoRegressor
from sklearn_dymo.datasets import (
    drop_modalities,
    load_diabetes_modalities,
    make_multimodal_regression,
)

ETAS = (0.0, 0.2, 0.4, 0.6, 0.8)
STRATEGIES = ("observed", "all", "iterative")


def load(name):
    if name == "diabetes":
        data = load_diabetes_modalities()
    else:
        data = make_multimodal_regression(600, 4, informative=2, noise=0.5, random_state=0)
    return data.data, data.target, data.modalities


def baselines(seed):
    return {
        "HGB (NaN)": HistGradientBoostingRegressor(random_state=seed),
        "IterativeImputer + Ridge": make_pipeline(
            StandardScaler(), IterativeImputer(max_iter=10, random_state=seed), Ridge()),
        "KNNImputer + HGB": make_pipeline(
            KNNImputer(), HistGradientBoostingRegressor(random_state=seed)),
    }


def _row(dataset, seed, eta, method, y, mean, std=None):
    return {
        "dataset": dataset, "seed": seed, "eta": eta, "method": method,
        "rmse": float(np.sqrt(mean_squared_error(y, mean))),
        "r2": float(r2_score(y, mean)),
        "coverage95": (float(np.mean(np.abs(y - mean) <= 1.96 * std))
                       if std is not None else np.nan),
    }


def run(datasets, seeds, max_epochs, early_stopping, extra_params=()):
    """``extra_params``: JSON specs; each adds rows "DyMo <spec> <strategy>"."""
    rows, fit_times = [], []
    for dataset in datasets:
        X, y, modalities = load(dataset)
        for seed in seeds:
            X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=seed)
            tests = {eta: drop_modalities(X_te, modalities, eta, random_state=1000 * seed + i)
                     for i, eta in enumerate(ETAS)}
            params = {"modalities": modalities, "max_epochs": max_epochs,
                      "early_stopping": early_stopping, "random_state": seed}
            start = time.perf_counter()
            dymo = DyMoRegressor(**params).fit(X_tr, y_tr)
            auto = DyMoRegressor(selection="auto", **params).fit(X_tr, y_tr)
            fit_times.append(time.perf_counter() - start)
            for eta, X_eta in tests.items():
                for strategy in STRATEGIES:
                    out = dymo.select_modalities(X_eta, selection=strategy).proba
                    rows.append(_row(dataset, seed, eta, f"DyMo {strategy}", y_te,
                                     out[:, 0], out[:, 1]))
                mean, std = auto.predict(X_eta, return_std=True)
                rows.append(_row(dataset, seed, eta, "DyMo auto", y_te, mean, std))
            for spec in extra_params:
                extra = DyMoRegressor(**{**params, **json.loads(spec)}).fit(X_tr, y_tr)
                for eta, X_eta in tests.items():
                    for strategy in STRATEGIES:
                        out = extra.select_modalities(X_eta, selection=strategy).proba
                        rows.append(_row(dataset, seed, eta, f"DyMo {spec} {strategy}", y_te,
                                         out[:, 0], out[:, 1]))
            for name, model in baselines(seed).items():
                model.fit(X_tr, y_tr)
                for eta, X_eta in tests.items():
                    rows.append(_row(dataset, seed, eta, name, y_te, model.predict(X_eta)))
            print(f"{dataset} seed {seed}: DyMo fits {fit_times[-1]:.0f} s", flush=True)
    return pd.DataFrame(rows)


def report(table, max_epochs, early_stopping):
    mean = table.groupby(["dataset", "method", "eta"], sort=False)[
        ["rmse", "r2", "coverage95"]].mean().reset_index()
    n_seeds = table["seed"].nunique()
    settings = (f"Mean of {n_seeds} seeds; DyMoRegressor max_epochs={max_epochs}, "
                f"early_stopping={early_stopping}, otherwise defaults (KNNImputer "
                "recoverer).")
    lines = [settings, ""]
    for dataset, part in mean.groupby("dataset", sort=False):
        lines += [f"### {dataset}", ""]
        for metric, fmt in (("r2", "{:.3f}"), ("rmse", "{:.2f}"), ("coverage95", "{:.2f}")):
            wide = part.pivot(index="method", columns="eta", values=metric)
            wide = wide.loc[part["method"].unique()].dropna(how="all")
            lines += [f"**{metric}** by eta", "",
                      "| method | " + " | ".join(f"{e:g}" for e in wide.columns) + " |",
                      "|---|" + "---|" * len(wide.columns)]
            lines += ["| " + m + " | " + " | ".join(fmt.format(v) for v in r) + " |"
                      for m, r in wide.iterrows()]
            lines.append("")
    lines += ["### PASS/MISS", "", "```"]
    for dataset, part in mean.groupby("dataset", sort=False):
        r2 = part.pivot(index="method", columns="eta", values="r2")
        gap = r2.loc["DyMo iterative"] - r2.loc[["DyMo observed", "DyMo all"]].max()
        ok = bool((gap >= -0.01).all())
        lines.append(f"{'PASS' if ok else 'MISS'} {dataset}: iterative R^2 >= "
                     f"max(observed, all) - 0.01 at every eta (worst gap {gap.min():+.3f} "
                     f"at eta={gap.idxmin():g})")
        cov = part[(part.method == "DyMo iterative") & (part.eta == 0.0)]["coverage95"].iloc[0]
        ok = 0.90 <= cov <= 0.98
        lines.append(f"{'PASS' if ok else 'MISS'} {dataset}: 95% interval coverage at "
                     f"eta=0 in [0.90, 0.98] ({cov:.3f})")
    lines += ["```", ""]
    return "\n".join(lines)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "results", "regression"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--early-stopping", action="store_true")
    parser.add_argument("--datasets", nargs="+", default=["diabetes", "synthetic"])
    parser.add_argument("--report-only", action="store_true")
    add_params_argument(parser, "extra fits on top of the defaults", "DyMoRegressor",
                        '{"linear_path": false}')
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    csv = os.path.join(args.out, "regression.csv")
    if not args.report_only:
        limit_threads(1)
        start = time.perf_counter()
        table = run(args.datasets, range(args.seeds), args.max_epochs,
                    args.early_stopping, args.params)
        table["max_epochs"] = args.max_epochs
        table["early_stopping"] = args.early_stopping
        table.to_csv(csv, index=False)
        print(f"total {time.perf_counter() - start:.0f} s")
    table = pd.read_csv(csv)
    # The settings the CSV was made with (--report-only reads them back).
    text = report(table, int(table["max_epochs"].iloc[0]),
                  bool(table["early_stopping"].iloc[0]))
    with open(os.path.join(args.out, "tables.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
