"""Write ``docs/benchmark_tables.md`` from the committed result CSVs.

The maintained suites (``accuracy.py``, ``backbone.py``, ``regression.py``,
``speed.py``) write their raw results to ``benchmarks/results/<suite>/``.
This script reads those CSV files only (no model is fitted, no package
import, a second or two) and writes the reference page of detailed
tables; ``docs/benchmarks.md`` is the user summary that quotes them.

    python benchmarks/report.py                      # writes docs/benchmark_tables.md
    python benchmarks/report.py --out /tmp/tables.md

Rerun it after any suite has written new results, and commit the page
with the CSVs.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd
from _accuracy_tables import HEADLINE, PROTOCOL_ROWS, pivot_accuracy

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
DEFAULT_OUT = os.path.join(HERE, "..", "docs", "benchmark_tables.md")

BASELINES = ("HistGradientBoosting (NaN)", "IterativeImputer + LogReg", "KNNImputer + HistGB")
PROTOCOLS = {
    "whole": "complete training data, whole modalities missing at test time",
    "train_whole": "the same missingness in the training and the test rows",
    "within": "complete training data, half the entries of round(eta M) modalities "
              "missing at test time",
}
VARIANTS = {"dymo": "DyMo", "dymo-sqeuclidean": "DyMo sqeuclidean",
            "dymo-moddrop": "DyMo ModDrop-trained"}


# ------------------------------------------------------------------ helpers
def _cell(value, fmt):
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if callable(fmt):
        return fmt(value)
    return format(value, fmt)


def md_table(df, formats=None, default="", index=False):
    """Plain markdown table of ``df``; ``formats`` maps a column to a format."""
    formats = formats or {}
    if index:
        df = df.reset_index()
    cols = [str(c) for c in df.columns]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    integer = [pd.api.types.is_integer_dtype(df[c]) for c in df.columns]
    for row in df.itertuples(index=False):
        cells = [_cell(v, formats.get(c, "d" if i else default))
                 for c, v, i in zip(df.columns, row, integer)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _rate(value):
    """Rows per second (or any count) with thousands separators."""
    return f"{value:,.0f}"


def _pm(series, scale=100.0, digits=1):
    """``mean ± std`` over seeds (std left out for a single seed)."""
    m = scale * series.mean()
    if len(series) < 2:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ± {scale * series.std(ddof=1):.{digits}f}"


def _read(*parts):
    path = os.path.join(RESULTS, *parts)
    if not os.path.exists(path) or os.path.getsize(path) <= 1:
        return None
    return pd.read_csv(path)


# ----------------------------------------------------------------- accuracy
def _method_label(r):
    if r["model"] in BASELINES:
        return r["model"]
    if r["model"] == "dymo-auto":
        return "DyMo auto"
    sel = r["selection"]
    if r["calibrate"] == "off":
        sel += " (uncalibrated)"
    elif r["calibrate"] == "literal":
        sel += " (literal Eq. 7)"
    rec = "" if r["recoverer"] == "knn" else f", {r['recoverer']} recoverer"
    return f"{VARIANTS[r['model']]} {sel}{rec}"


def _pivot(acc, dataset, protocol, methods=None):
    sub = acc[(acc.dataset == dataset) & (acc.protocol == protocol)]
    if sub.empty:
        return None
    return pivot_accuracy(sub, _pm, methods)


def accuracy_section():
    acc = _read("accuracy", "accuracy.csv")
    if acc is None:
        return []
    auto = _read("accuracy", "auto.csv")
    if auto is not None:
        acc = pd.concat([acc, auto], ignore_index=True)
    acc["method"] = acc.apply(_method_label, axis=1)
    seeds = ", ".join(map(str, sorted(acc.seed.unique())))
    datasets = list(acc.dataset.unique())
    out = ["## Classification accuracy",
           f"`python benchmarks/accuracy.py` (and `--auto` for the `DyMo auto` rows), "
           f"seeds {seeds}: test accuracy in %, mean ± std over seeds. DyMo rows use "
           "the cosine distance, subset sampling, the KNNImputer recoverer and calibrated "
           "selection unless the row says otherwise; every method sees the same splits "
           "and missing matrices."]
    top = acc[(acc.protocol == "whole") & (acc.eta == acc.eta.max())]
    top = top[top.method.isin(HEADLINE)]
    head = top.groupby(["method", "dataset"])["accuracy"].apply(_pm).unstack("dataset")
    head = head.loc[[m for m in HEADLINE if m in head.index]]
    out += [f"### Headline: whole modalities missing, eta = {acc.eta.max():g}",
            md_table(head, index=True)]
    for ds in datasets:
        out.append(f"### {ds}")
        for prot, title in PROTOCOLS.items():
            t = _pivot(acc, ds, prot, HEADLINE if prot == "whole" else PROTOCOL_ROWS)
            if t is not None:
                out += [f"*{prot}*: {title}.", md_table(t, index=True)]
    out.append("### Every DyMo variant, strategy and recoverer (whole)")
    for ds in datasets:
        t = _pivot(acc, ds, "whole")
        out += [f"*{ds}*", md_table(t, index=True)]

    stats = _read("accuracy", "selection_stats.csv")
    if stats is not None:
        st = stats[(stats.model == "dymo") & (stats.recoverer == "knn") & (stats.eta > 0)
                   & (stats.selection == "iterative") & (stats.calibrate == "on")]
        cols = ["steps_mean", "candidates_mean", "accept_rate", "changed",
                "wrong_to_right", "right_to_wrong"]
        st = st.groupby(["dataset", "protocol", "eta"], sort=False)[cols].mean().reset_index()
        st = st[st.candidates_mean > 0]
        st[cols[2:]] *= 100
        st.columns = ["dataset", "protocol", "eta", "modalities added", "candidates evaluated",
                      "accepted %", "changed %", "wrong to right %", "right to wrong %"]
        out += ["### Selection statistics",
                "Calibrated iterative selection with KNNImputer recovery, per sample, mean "
                "over seeds: recovered modalities added, candidate evaluations, the share "
                "of evaluated candidates accepted, and the share of samples whose "
                "observed-only prediction selection changed (wrong to right, right to "
                "wrong). Cells where selection evaluated no candidate are left out: "
                "*train_whole*, where it does not go past the modality subsets the "
                "training rows support, and *within*, where partly observed modalities "
                "start as observed.",
                md_table(st, {"eta": "g"}, default=".2f")]

    stress = _read("accuracy", "stress.csv")
    if stress is not None:
        s = stress.groupby(["dataset", "selection", "r"], sort=False)["accuracy"].apply(
            _pm).unstack("r")
        s.columns = [f"r={c:g}" for c in s.columns]
        out += ["### Stress test",
                f"A recoverer that returns the true values for a fraction r of the test "
                f"rows and plausible noise (each training column's mean and standard "
                f"deviation) for the others; whole modalities missing at eta = "
                f"{stress.eta.iloc[0]:g}, complete training data; accuracy in %.",
                md_table(s, index=True)]

    fits = _read("accuracy", "fits.csv")
    if fits is not None:
        auto_fits = _read("accuracy", "auto_fits.csv")
        if auto_fits is not None:
            fits = pd.concat([fits, auto_fits[fits.columns]], ignore_index=True)
        names = {"hgb": "HistGradientBoosting", "iterimp-lr": "IterativeImputer + LogReg",
                 "dymo": "DyMo", "dymo-sqeuclidean": "DyMo sqeuclidean",
                 "dymo-moddrop": "DyMo ModDrop-trained", "dymo-auto": "DyMo auto"}
        f = fits.groupby(["dataset", "model"], sort=False)["fit_s"].median().unstack("model")
        f = f[[c for c in names if c in f.columns]].rename(columns=names)
        out += ["### Fit times",
                "Seconds, median over seeds and training conditions, one thread. "
                "IterativeImputer + LogReg times the imputer's transform and the "
                "classifier's fit; the imputer's own fit is not timed.",
                md_table(f, default=".1f", index=True)]
    return out


# ----------------------------------------------------------------- backbone
def backbone_section():
    df = _read("backbone", "backbone.csv")
    if df is None:
        return []
    g = df.groupby(["dataset", "method"], sort=False)
    rows = []
    for (ds, method), part in g:
        rows.append({"dataset": ds, "method": method,
                     "accuracy %": _pm(part.accuracy, scale=1.0),
                     "log-loss": _pm(part.log_loss, scale=1.0, digits=3),
                     "ROC AUC": _pm(part.roc_auc, scale=1.0, digits=3),
                     "fit (s)": part.fit_s.median()})
    folds = df.fold.nunique()
    return ["## Complete data (the network alone)",
            f"`python benchmarks/backbone.py`: {folds}-fold stratified cross-validation "
            "with no missing values; mean ± std over folds, median fit time. `DyMo -x` "
            "rows switch one part of the default off, `DyMo +x` switch one on; "
            "`MLP (same size)` is a plain skorch network of the same parameter count.",
            md_table(pd.DataFrame(rows), {"fit (s)": ".1f"})]


# --------------------------------------------------------------- regression
def regression_section():
    df = _read("regression", "regression.csv")
    if df is None:
        return []
    mean = df.groupby(["dataset", "method", "eta"], sort=False)[
        ["r2", "rmse", "coverage95"]].mean().reset_index()
    out = ["## Regression",
           f"`python benchmarks/regression.py`: `DyMoRegressor` "
           f"(`max_epochs={df.max_epochs.iloc[0]}`, otherwise defaults) against the "
           f"baselines, whole modalities missing at test time, complete training data; "
           f"mean over {df.seed.nunique()} seeds. `coverage95` is the share of test rows "
           "inside the predicted mean ± 1.96 std (DyMo only)."]
    for ds, part in mean.groupby("dataset", sort=False):
        out.append(f"### {ds}")
        for metric, fmt in (("r2", ".3f"), ("rmse", ".2f"), ("coverage95", ".2f")):
            wide = part.pivot(index="method", columns="eta", values=metric)
            wide = wide.loc[part["method"].unique()].dropna(how="all")
            wide.columns = [f"eta={c:g}" for c in wide.columns]
            out += [f"*{metric}*", md_table(wide, default=fmt, index=True)]
    return out


# -------------------------------------------------------------------- speed
def speed_section():
    folder = "speed"
    out = ["## Speed and scaling",
           "`python benchmarks/speed.py`: one torch / BLAS thread; ratios are measured "
           "side by side in the same run, median of 5 repeats unless stated."]
    o = _read(folder, "overhead.csv")
    if o is not None:
        pre = o[o.recovery == "precomputed"]
        ratio = pre.pivot(index="M", columns="eta", values="ratio")
        ratio.columns = [f"eta={c:g}" for c in ratio.columns]
        seq = pre.pivot(index="M", columns="eta", values="sequences_per_row")
        seq.columns = [f"eta={c:g}" for c in seq.columns]
        out += ["### Selection overhead",
                f"Predict time of calibrated iterative selection over "
                f"`selection=\"observed\"` on the same {int(pre.rows.iloc[0]):,} rows "
                f"(poly digits with M modalities, recovery precomputed), then the "
                f"transformer sequences per row (1 for observed):",
                md_table(ratio, default=".2f", index=True),
                md_table(seq, default=".2f", index=True)]
        e2e = o[o.recovery != "precomputed"]
        if not e2e.empty:
            e = e2e.iloc[0]
            out.append(f"End to end with the default recoverer (M = {e.M}, eta = "
                       f"{e.eta:g}): `predict_proba` at {e.rows_per_s:,.0f} rows/s, "
                       f"{e.ratio:.2f}x the observed-only predict.")
    e = _read(folder, "epoch.csv")
    if e is not None:
        e = e.rename(columns={"dymo_epoch_s": "DyMo epoch (s)", "mlp_epoch_s": "MLP epoch (s)",
                              "ratio": "ratio (median)"})
        out += ["### Training epoch against a plain MLP",
                "One epoch of DyMo against a skorch `NeuralNetClassifier` MLP of the same "
                "parameter count on the same rows (poly digits), alternated over rounds.",
                md_table(e[["rows", "n_subsets", "rounds", "DyMo epoch (s)", "MLP epoch (s)",
                            "ratio (median)", "ratio_min", "ratio_max"]],
                         {"DyMo epoch (s)": ".3f", "MLP epoch (s)": ".3f"}, default=".2f")]
    lm = _read(folder, "large_m.csv")
    if lm is not None:
        lm = lm.copy()
        lm["max_candidates"] = lm["max_candidates"].map(
            lambda v: "all" if pd.isna(v) else f"{int(v)}")
        out += ["### Many modalities",
                "Selection with the fast fusion against the plain transformer (`reference`), "
                "and with a bound on the first round's candidates (`max_candidates`); "
                "`changed %` counts predictions that differ from the unbounded selection.",
                md_table(lm[["M", "eta", "rows", "fusion", "max_candidates", "rows_per_s",
                             "passes_per_row", "changed_vs_exact_pct",
                             "speedup_vs_reference"]].rename(
                    columns={"changed_vs_exact_pct": "changed %"}),
                    {"rows_per_s": _rate, "eta": "g", "passes_per_row": ".1f",
                     "changed %": ".1f", "speedup_vs_reference": ".1f"})]
    lp = _read(folder, "loop.csv")
    if lp is not None:
        out += ["### Vectorised selection against a per-sample loop",
                md_table(lp[["rows", "vectorised_s", "loop_s", "speedup", "same_prediction"]],
                         {"rows": _rate, "same_prediction": ".0%"}, default=".2f")]
    pr = _read(folder, "scaling_predict_rows.csv")
    pm = _read(folder, "scaling_predict_M.csv")
    fr = _read(folder, "scaling_fit_rows.csv")
    fm = _read(folder, "scaling_fit_M.csv")
    if any(t is not None for t in (pr, pm, fr, fm)):
        out += ["### Throughput and memory",
                "Synthetic data, iterative selection; each size in a fresh process. Peak "
                "memory growth is the process's high-water mark minus its size once the "
                "data is built; `data_mb` is the input's size."]
        fmt = {"n": _rate, "rows_per_s": _rate, "predict_s": ".3g", "fit_s": ".3g",
               "epoch_s": ".3g", "peak_growth_mb": ".0f", "data_mb": ".3g"}
        if pr is not None:
            out += ["*predict_proba against rows* (M = 5, eta = 0.6)",
                    md_table(pr[["recoverer", "n", "rows_per_s", "predict_s", "repeats",
                                 "peak_growth_mb", "data_mb"]], fmt)]
        if pm is not None:
            out += ["*predict_proba against the number of modalities* (SimpleImputer)",
                    md_table(pm[["M", "n", "rows_per_s", "predict_s", "peak_growth_mb"]], fmt)]
        if fr is not None:
            out += ["*fit against rows* (M = 5, one epoch)",
                    md_table(fr[["n", "fit_s", "epoch_s", "peak_growth_mb", "data_mb"]], fmt)]
        if fm is not None:
            out += ["*fit against the number of modalities*",
                    md_table(fm[["M", "n", "fit_s", "epoch_s", "peak_growth_mb"]], fmt)]
    rec = _read(folder, "recovery.csv")
    if rec is not None:
        out += ["### Recovery",
                "The default recoverer (`ModalityKNNImputer`) against scikit-learn's "
                "`KNNImputer(n_neighbors=5)`; KNNImputer is timed on the first `knn_rows` "
                "test rows, the default on all of them. `rows differing` counts rows whose "
                "recovered values differ by more than 1e-9, `beyond ties` those of them not "
                "explained by two donors at exactly the same distance.",
                md_table(rec[["case", "train_rows", "test_rows", "patterns", "knn_rows_per_s",
                              "default_rows_per_s", "speedup", "rows_differing_1e-9",
                              "rows_beyond_ties"]].rename(
                    columns={"rows_differing_1e-9": "rows differing",
                             "rows_beyond_ties": "beyond ties"}),
                    {"train_rows": _rate, "test_rows": _rate, "knn_rows_per_s": _rate,
                     "default_rows_per_s": _rate, "speedup": ".0f"})]
    ann = _read(folder, "ann.csv")
    if ann is not None:
        out += ["*Approximate neighbours* (`backend=\"faiss\"`, HNSW) against the exact "
                "search; the first call builds the indexes.",
                md_table(ann[["source", "train_rows", "test_rows", "exact_rows_per_s",
                              "faiss_first_call_rows_per_s", "faiss_rows_per_s",
                              "recall_at_5", "relative_diff"]],
                         {"train_rows": _rate, "test_rows": _rate, "exact_rows_per_s": _rate,
                          "faiss_first_call_rows_per_s": _rate, "faiss_rows_per_s": _rate,
                          "recall_at_5": ".3f", "relative_diff": ".4f"})]
    return out


def page():
    parts = [
        "# Benchmark tables",
        "<!-- Generated by `python benchmarks/report.py` from the CSV files under "
        "benchmarks/results/; edit the script, not this page. -->",
        "The detailed results behind [the benchmarks page](benchmarks.md), generated from "
        "the committed result files by `python benchmarks/report.py`. The data sets, "
        "protocols and methods are described there.",
    ]
    for section in (accuracy_section, backbone_section, regression_section, speed_section):
        parts += section()
    return "\n\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=DEFAULT_OUT, help="markdown file to write")
    args = parser.parse_args()
    text = page()
    with open(args.out, "w") as f:
        f.write(text)
    print(f"wrote {os.path.normpath(args.out)} ({text.count(chr(10))} lines)")


if __name__ == "__main__":
    main()
