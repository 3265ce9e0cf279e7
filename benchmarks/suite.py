"""The benchmark suite: DyMo against the peers users pick, on many real tables.

For every table of ``_tables.TABLES``, seed and method family of
``_peers.FAMILIES`` it fits on one stratified 70/30 split (``_common.split``)
and scores the same test matrices for every method:

- ``complete``     complete training and test data;
- ``whole``        complete training data, ``round(eta M)`` whole modalities
                   missing per test row (``_common.make_missing("whole")``);
- ``within``       complete training data, half the entries of ``round(eta M)``
                   modalities missing per test row (``make_missing("within")``);
- ``train_whole``  the ``whole`` missingness in the training rows too (their
                   own draw, seed + 1000) and the ``whole`` test matrix;
- ``natural``      tables with missing entries of their own: all rows, the
                   missingness they have. The other protocols use their
                   complete rows.

at eta in {0.2, 0.5, 0.8}, as in ``benchmarks/accuracy.py``. Metrics:
accuracy, log-loss, ROC AUC (macro one-vs-rest for several classes), fit and
predict seconds, one thread per method (``_common.limit_threads``).

Results are cached per (table, family) in ``results/suite/<table>/<family>.csv``,
one row per (method, protocol, eta, seed); a fit whose rows are all there is
skipped, so rerunning one method reruns only it (``--force`` refits).

    python benchmarks/suite.py --methods cheap              # the cheap peers
    python benchmarks/suite.py --methods dymo --seeds 0     # one seed of DyMo
    python benchmarks/suite.py --methods noise0 --seeds 0   # a variant of VARIANTS
    python benchmarks/suite.py --methods wide --dymo-params 'wide={"d_model": 128}'
    python benchmarks/suite.py --report-only --docs docs/benchmark_suite.md \\
        --readme README.md docs/when_to_use.md \\
        --figure docs/images/suite_accuracy.png
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from _common import limit_threads, make_missing, splice_into, split
from _peers import FAMILIES, LABELS, PEERS, dymo_family, fit_and_predict, missing_requirements
from _tables import TABLES, complete_rows, load_table
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import Bunch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "results", "suite")
PROTOCOLS = ("complete", "whole", "within", "train_whole", "natural")
ETAS = (0.2, 0.5, 0.8)
SEEDS = (0, 1, 2, 3, 4)
KEY = ["method", "protocol", "eta", "seed"]
#: Accuracy differences within this many points count as ties in the report.
TIE = 0.5


# -------------------------------------------------------------- missingness
def frame_missing(kind, X, modalities, eta, seed):
    """``make_missing`` on a DataFrame: same draws as on its numeric matrix.

    The missing entries are drawn on a numeric stand-in of ``X`` (NaN where
    ``X`` has NaN), so numeric tables get exactly the matrices
    ``benchmarks/accuracy.py`` gets, and categorical columns are blanked the same way.
    """
    positions = {m: [X.columns.get_loc(c) for c in cols] for m, cols in modalities.items()}
    proxy = np.where(X.isna().to_numpy(), np.nan, 0.0)
    hidden = np.isnan(make_missing(kind, proxy, positions, eta, seed))
    return X.mask(hidden)


def conditions(data, seed, protocols, etas):
    """Training conditions of one (table, seed): what is fitted and what it is scored on.

    Yields ``(train, X_fit, y_fit, tests, y_test)`` with ``tests`` a dict
    ``(protocol, eta) -> X_test``; ``train`` names the fitted condition.
    """
    artificial = complete_rows(data) if data.natural_missing else data
    X_tr, X_te, y_tr, y_te = split(Bunch(data=artificial.X, target=artificial.y), seed)
    X_tr, X_te = X_tr.reset_index(drop=True), X_te.reset_index(drop=True)
    whole = {eta: frame_missing("whole", X_te, data.modalities, eta, seed) for eta in etas}
    tests = {}
    if "complete" in protocols:
        tests[("complete", 0.0)] = X_te
    if "whole" in protocols:
        tests.update({("whole", eta): whole[eta] for eta in etas})
    if "within" in protocols:
        tests.update({("within", eta): frame_missing("within", X_te, data.modalities, eta, seed)
                      for eta in etas})
    if tests:
        yield "complete", X_tr, y_tr, tests, y_te
    if "train_whole" in protocols:
        for eta in etas:
            X_fit = frame_missing("whole", X_tr, data.modalities, eta, seed + 1000)
            yield f"train_whole_{eta:g}", X_fit, y_tr, {("train_whole", eta): whole[eta]}, y_te
    if "natural" in protocols and data.natural_missing:
        X_tr, X_te, y_tr, y_te = split(Bunch(data=data.X, target=data.y), seed)
        yield ("natural", X_tr.reset_index(drop=True), y_tr,
               {("natural", 0.0): X_te.reset_index(drop=True)}, y_te)


# ------------------------------------------------------------------ metrics
def scores(y, proba, n_classes):
    """Accuracy, log-loss and ROC AUC (macro one-vs-rest for several classes)."""
    proba = np.clip(np.asarray(proba, dtype=np.float64), 1e-15, 1.0)
    proba /= proba.sum(axis=1, keepdims=True)
    labels = np.arange(n_classes)
    out = {"accuracy": float(np.mean(proba.argmax(1) == y)),
           "log_loss": float(log_loss(y, proba, labels=labels))}
    try:
        if n_classes == 2:
            out["roc_auc"] = float(roc_auc_score(y, proba[:, 1]))
        else:
            out["roc_auc"] = float(roc_auc_score(y, proba, multi_class="ovr", average="macro",
                                                 labels=labels))
    except ValueError:  # a class absent from the test rows
        out["roc_auc"] = float("nan")
    return out


def code_version(family):
    """What produced a row: the library version, and for DyMo the commit of the package."""
    if family.name.startswith("dymo"):
        import sklearn_dymo

        try:
            root = os.path.dirname(HERE)
            head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                                  capture_output=True, text=True, check=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--",
                                    "sklearn_dymo"], capture_output=True, text=True,
                                   check=True).stdout.strip()
            return f"{sklearn_dymo.__version__}+{head}{'-dirty' if dirty else ''}"
        except (OSError, subprocess.CalledProcessError):
            return sklearn_dymo.__version__
    module = {"hgb": "sklearn", "iterimp_lr": "sklearn", "knn_hgb": "sklearn",
              "modality_stack": "sklearn", "realmlp": "pytabkit",
              "tabm": "pytabkit"}.get(family.name, family.name)
    return f"{module} {getattr(__import__(module), '__version__', '?')}"


# -------------------------------------------------------------------- cache
def cache_path(out, table, family):
    return os.path.join(out, table, f"{family}.csv")


def read_cache(path):
    if not os.path.exists(path):
        return pd.DataFrame(columns=KEY)
    return pd.read_csv(path)


def write_cache(path, frame):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    frame.sort_values(KEY).to_csv(tmp, index=False)
    os.replace(tmp, path)  # a reader never sees half a file


def _keys(frame):
    return set(zip(frame["method"], frame["protocol"], frame["eta"].round(3),
                   frame["seed"].astype(int)))


# ---------------------------------------------------------------------- run
def run(args, families):
    total = time.perf_counter()
    for seed in args.seeds:
        for table in args.tables:
            try:
                data = load_table(table)
            except ImportError as exc:
                print(f"skip {table}: {exc}", flush=True)
                continue
            y_codes = LabelEncoder().fit_transform(data.y)
            data = Bunch(**{**data, "y": y_codes})
            n_classes = int(y_codes.max()) + 1
            for family in families:
                path = cache_path(args.out, table, family.name)
                cache = read_cache(path)
                version = None
                for train, X_fit, y_fit, tests, y_te in conditions(data, seed, args.protocols,
                                                                   args.etas):
                    wanted = {(m, p, round(e, 3), seed) for m in family.outputs
                              for p, e in tests}
                    if not args.force and wanted <= _keys(cache):
                        continue
                    version = version or code_version(family)
                    fit_s, results = fit_and_predict(family, data.modalities, seed, X_fit,
                                                     y_fit, tests)
                    rows = []
                    for (protocol, eta), by_method in results.items():
                        for method, (proba, predict_s) in by_method.items():
                            rows.append({"method": method, "protocol": protocol, "eta": eta,
                                         "seed": seed, **scores(y_te, proba, n_classes),
                                         "fit_s": fit_s, "predict_s": predict_s,
                                         "n_train": len(y_fit), "n_test": len(y_te),
                                         "train": train, "version": version,
                                         "params": json.dumps(family.params)
                                         if family.params else "",
                                         "date": time.strftime("%Y-%m-%d %H:%M")})
                    new = pd.DataFrame(rows)
                    if len(cache):
                        old = cache[~cache.set_index(KEY).index.isin(new.set_index(KEY).index)]
                        cache = pd.concat([old, new], ignore_index=True)
                    else:
                        cache = new
                    write_cache(path, cache)
                    first = new[(new.method == family.outputs[0])].iloc[0]
                    print(f"{table} seed {seed} {family.name} {train}: fit {fit_s:.1f}s, "
                          f"{first.protocol} {first.eta:g} accuracy {100 * first.accuracy:.1f}"
                          f"  [{time.perf_counter() - total:.0f}s]", flush=True)


# ------------------------------------------------------------------- report
def load_results(out):
    frames = []
    for table in sorted(os.listdir(out)) if os.path.isdir(out) else []:
        folder = os.path.join(out, table)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".csv"):
                frame = pd.read_csv(os.path.join(folder, name))
                frame.insert(0, "table", table)
                frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def paired_means(results, reference):
    """Mean over seeds per (table, protocol, eta, method), on the seeds ``reference`` has.

    Every method of a cell is averaged over the same seeds (those of the
    reference method, or where it has none the seeds all methods of the cell
    share), and a method that lacks one of them is left out of that cell.
    """
    cell = ["table", "protocol", "eta"]
    ref = results[results.method == reference]
    ref_seeds = ref.groupby(cell)["seed"].apply(frozenset).to_dict()
    parts = []
    for key, group in results.groupby(cell):
        seeds = ref_seeds.get(key)
        if not seeds:  # no reference here: the seeds every method of the cell has
            seeds = frozenset.intersection(*map(frozenset, group.groupby("method")["seed"]
                                                .agg(set))) or frozenset(group.seed)
        group = group[group.seed.isin(seeds)]
        counts = group.groupby("method")["seed"].nunique()
        keep = counts.index[counts == len(seeds)]
        parts.append(group[group.method.isin(keep)])
    kept = pd.concat(parts, ignore_index=True)
    return kept.groupby([*cell, "method"], as_index=False)[
        ["accuracy", "log_loss", "roc_auc", "fit_s", "predict_s", "n_test"]].mean()


def _label(method):
    return LABELS.get(method, method)


def _cell_name(protocol, eta):
    return protocol if protocol in ("complete", "natural") else f"{protocol} {eta:g}"


def _md_table(frame, index_name="method"):
    frame = frame.copy()
    header = f"| {index_name} | " + " | ".join(map(str, frame.columns)) + " |"
    lines = [header, "|---" * (len(frame.columns) + 1) + "|"]
    for idx, row in zip(frame.index, frame.to_numpy()):
        cells = ["" if (isinstance(v, float) and np.isnan(v)) else str(v) for v in row]
        lines.append(f"| {idx} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rank_tables(means, default, peers, others=()):
    """Mean accuracy rank per protocol, and wins / ties / losses of ``default``.

    Ranks are taken over the cells where ``default`` and a peer have results,
    among the methods that have results in every one of them (the others are
    returned by name, with the number of cells they cover).
    """
    cell = ["table", "protocol", "eta"]
    acc = means.pivot_table(index=cell, columns="method", values="accuracy")
    methods = [m for m in [default, *others, *peers] if m in acc.columns]
    present = [p for p in peers if p in acc.columns]
    rows = acc[present].notna().any(axis=1)
    if default in acc.columns:
        rows &= acc[default].notna()
    acc = acc[rows]
    ranked = [m for m in methods if acc[m].notna().all()]
    unranked = {m: int(acc[m].notna().sum()) for m in methods if m not in ranked}
    ranks = acc[ranked].rank(axis=1, ascending=False)
    by_protocol = ranks.groupby(level="protocol").mean().T
    by_protocol = by_protocol.reindex(columns=[p for p in PROTOCOLS if p in by_protocol.columns])
    by_protocol["all cells"] = ranks.mean()
    table = by_protocol.map(lambda v: f"{v:.2f}")
    table["cells"] = str(len(acc))
    table.index = [_label(m) for m in table.index]
    wtl = None
    if default in acc.columns:
        wtl = {}
        for peer in [m for m in methods if m != default]:
            both = acc[[default, peer]].dropna()
            diff = 100 * (both[default] - both[peer])
            col = {}
            for protocol in PROTOCOLS:
                d = diff[diff.index.get_level_values("protocol") == protocol]
                if len(d):
                    col[protocol] = (f"{(d > TIE).sum()}/{(d.abs() <= TIE).sum()}/"
                                     f"{(d < -TIE).sum()}")
            wtl[_label(peer)] = col
        wtl = pd.DataFrame(wtl).T.reindex(columns=[p for p in PROTOCOLS
                                                   if p in set(means.protocol)])
    return table, wtl, unranked


def table_sections(means, methods):
    """Per-table accuracy and log-loss (means over seeds), methods by cells."""
    parts = []
    for table in [t for t in TABLES if t in set(means.table)]:
        sub = means[(means.table == table) & means.method.isin(methods)].copy()
        sub["cell"] = [_cell_name(p, e) for p, e in zip(sub.protocol, sub.eta)]
        order = [_cell_name(p, e) for p in PROTOCOLS for e in ([0.0] if p in (
            "complete", "natural") else ETAS) if _cell_name(p, e) in set(sub.cell)]
        out = []
        for metric, scale, digits in (("accuracy", 100, 1), ("log_loss", 1, 3)):
            t = sub.pivot_table(index="method", columns="cell", values=metric)
            t = (scale * t).round(digits).reindex(
                index=[m for m in methods if m in t.index], columns=order)
            t.index = [_label(m) for m in t.index]
            out.append(f"{metric.replace('_', '-')}:\n\n{_md_table(t)}")
        data = TABLES[table]
        parts.append(f"### {table}\n\n{data.source}.\n\n" + "\n\n".join(out))
    return parts


def criteria(means, default, peers):
    """PASS/MISS lines of the suite's targets and the worst five cells."""
    lines = []
    acc = means.pivot_table(index=["table", "protocol", "eta"], columns="method",
                            values="accuracy")
    ll = means.pivot_table(index=["table", "protocol", "eta"], columns="method",
                           values="log_loss")
    peers = [p for p in peers if p in acc.columns]
    if default not in acc.columns or not peers:
        return ["(no results of the default DyMo yet: criteria not evaluated)"], []
    both = acc[acc[default].notna() & acc[peers].notna().any(axis=1)]
    best_acc = both[peers].max(axis=1)
    best_name = both[peers].idxmax(axis=1)
    gap = 100 * (both[default] - best_acc)
    missing = gap[gap.index.get_level_values("protocol") != "complete"]
    if len(missing):
        share = (missing >= -1).mean()
        ok = share >= 0.8 and missing.min() >= -3
        lines.append(f"{'PASS' if ok else 'MISS'}  missing-modality cells: default >= best "
                     f"peer - 1 pt in {100 * share:.0f} % of {len(missing)} cells (need 80 %), "
                     f"worst {missing.min():+.1f} pts (need >= -3)")
        ll_both = ll.loc[missing.index]
        ll_gap = ll_both[default] - ll_both[peers].min(axis=1)
        share = (ll_gap <= 0.03).mean()
        lines.append(f"{'PASS' if share >= 0.8 else 'MISS'}  missing-modality cells: log-loss "
                     f"<= best peer + 0.03 in {100 * share:.0f} % of {len(ll_gap)} cells "
                     f"(need 80 %), worst {ll_gap.max():+.3f}")
    complete = acc.xs("complete", level="protocol")
    complete = complete[complete[default].notna() & complete[peers].notna().any(axis=1)]
    cols = [p for p in peers if complete[p].notna().all()]
    if len(complete) and cols:
        peer_means = 100 * complete[cols].mean()
        mean = 100 * complete[default].mean()
        best = peer_means.idxmax()
        ok = mean >= peer_means[best] - 0.5
        lines.append(f"{'PASS' if ok else 'MISS'}  complete data: mean accuracy over "
                     f"{len(complete)} tables {mean:.1f} vs best peer {_label(best)} "
                     f"{peer_means[best]:.1f} (need >= best - 0.5)")
    within = acc.xs("within", level="protocol") if "within" in set(
        means.protocol) else pd.DataFrame()
    family = _family_of(default)
    others = [m for m in (family, f"{family}_observed", f"{family}_all") if m != default]
    need = [*others, "knn_hgb"]
    if len(within) and all(c in within.columns for c in need):
        w = within[within[default].notna()]
        sel = 100 * (w[default] - w[others].max(axis=1))
        knn = 100 * (w[default] - w["knn_hgb"])
        bad = [f"{t} eta={e:g} ({s:+.1f}, {k:+.1f})" for (t, e), s, k in
               zip(w.index, sel, knn) if s < -1 or k < -1]  # NaN (no KNN run) passes
        lines.append(f"{'PASS' if not bad else 'MISS'}  within, every table and eta: default "
                     f">= max({', '.join(_label(m) for m in others)}) - 1 and >= "
                     f"KNNImp + HistGB - 1: "
                     f"{len(w) - len(bad)} / {len(w)} cells"
                     + (f"; misses (vs selection, vs KNN): {', '.join(bad)}" if bad else ""))
    fits = means[means.protocol == "complete"].pivot_table(index="table", columns="method",
                                                           values="fit_s")
    for peer in ("lightgbm", "realmlp"):
        if peer in fits.columns and default in fits.columns:
            ratio = (fits[default] / fits[peer]).dropna()
            if len(ratio):
                lines.append(f"INFO  fit time of the default: median over {len(ratio)} tables "
                             f"{ratio.median():.1f}x {_label(peer)}'s (range "
                             f"{ratio.min():.1f}x to {ratio.max():.1f}x)")
    worst = gap.sort_values().head(5)
    worst_lines = [f"{t} {_cell_name(p, e)}: default {100 * both.loc[(t, p, e), default]:.1f}, "
                   f"{_label(best_name.loc[(t, p, e)])} {100 * best_acc.loc[(t, p, e)]:.1f} "
                   f"({g:+.1f} pts)" for (t, p, e), g in worst.items()]
    return lines, worst_lines


# ---------------------------------------------------------------- ablations
#: The maintained variants of the default DyMo: each undoes one default
#: (an ablation row) or is a candidate default. ``--methods NAME`` runs one.
VARIANTS = {
    "noise0": {"input_noise": 0.0},                   # no input noise in training
    "subsets1": {"n_subsets": 1},                     # one sampled subset per row and batch
    "fill_gaussian": {"partial_fill": "gaussian"},    # gaps always from the joint Gaussian
    "fill_recoverer": {"partial_fill": "recoverer"},  # gaps always from the recoverer (KNN)
    "min_observed1": {"min_observed_fraction": 1.0},  # the paper's rule: complete = observed
    "epochs100": {"max_epochs": 100},                 # twice the training epochs
}

#: The rule a candidate default must meet (docs/benchmark_suite.md, "Choosing
#: the defaults"), fixed before the candidates were run. Each bound compares
#: the candidate with the current default on the cells and seeds both have.
RULE = {
    "mean_gain": 0.25,        # mean accuracy over all cells: at least this many points higher
    "worst_slack": 1.0,       # worst cell against the best peer: at most this much worse
    "far_below": 3.0,         # a cell this many points below the best peer counts as far below
    "log_loss_slack": 0.01,   # mean log-loss over missing-modality cells: at most this higher
}


def variant_outputs(means, default):
    """``{variant label: output}`` comparable with ``default``: the other selections
    of the default fit, and each ``dymo-NAME`` family's output of the default's selection."""
    suffix = default.removeprefix("dymo")
    rows = {f'selection="{m.removeprefix("dymo_") if m != "dymo" else "iterative"}"': m
            for m in ("dymo", "dymo_observed", "dymo_all") if m != default}
    names = sorted({_family_of(m) for m in set(means.method) if m.startswith("dymo-")})
    rows.update({name.removeprefix("dymo-"): f"{name}{suffix}" for name in names})
    return {k: v for k, v in rows.items() if v in set(means.method)}


def ablation_table(results, means, default, peers, params=None):
    """Each variant of the default DyMo against it, and the rule's verdict.

    A variant is a candidate default (or, for an ablation, the default with one
    of its choices undone). It is compared with the default on the seeds the
    variant has (a variant often runs on fewer seeds than the default; the
    default and the peers are averaged over the same seeds, ``paired_means``)
    and on the cells where both have results: mean accuracy, wins / ties /
    losses, the cells far below the best peer, the worst cell against the
    best peer, mean log-loss on missing-modality cells and the median fit
    time. ``adopt`` means the variant meets every bound of ``RULE`` and has
    every table the default has; anything else keeps the default.
    ``means`` are the report's means (paired on the default's seeds).
    """
    params = params or {}
    peers = [p for p in peers if p in set(means.method)]
    if default not in set(means.method) or not peers:
        return None
    ref = means[means.method.isin([default, *peers])]
    acc = ref.pivot_table(index=["table", "protocol", "eta"], columns="method",
                          values="accuracy")
    scored = acc[default].notna() & acc[peers].notna().any(axis=1)
    default_tables = set(acc.index[scored.to_numpy()].get_level_values("table"))
    rows = {}
    for label, output in variant_outputs(results, default).items():
        seeds = set(results.loc[results.method == output, "seed"])
        paired = paired_means(results[results.seed.isin(seeds)], output)
        row = _variant_row(paired, default, output, peers, default_tables)
        if row is not None:
            rows[label] = {"parameters": params.get(label, ""),
                           "seeds": ", ".join(map(str, sorted(seeds))), **row}
    return pd.DataFrame(rows).T if rows else None


def _variant_row(means, default, output, peers, default_tables):
    """One row of ``ablation_table``: ``output`` against ``default`` on ``means``."""
    cell = ["table", "protocol", "eta"]
    acc = means.pivot_table(index=cell, columns="method", values="accuracy")
    ll = means.pivot_table(index=cell, columns="method", values="log_loss")
    fit = means[means.protocol == "complete"].pivot_table(index="table", columns="method",
                                                          values="fit_s")
    peers = [p for p in peers if p in acc.columns]
    if default not in acc.columns or output not in acc.columns or not peers:
        return None
    cells = acc[[default, output]].dropna().index
    cells = cells[acc.loc[cells, peers].notna().any(axis=1).to_numpy()]
    if not len(cells):
        return None
    a = 100 * acc.loc[cells, [default, output]]
    best = 100 * acc.loc[cells, peers].max(axis=1)
    diff = a[output] - a[default]
    gap_v, gap_d = a[output] - best, a[default] - best
    missing = cells[cells.get_level_values("protocol") != "complete"]
    ll_diff = (ll.loc[missing, output] - ll.loc[missing, default]).mean()
    tables = set(cells.get_level_values("table"))
    checks = {
        f"mean +{RULE['mean_gain']:g}": diff.mean() >= RULE["mean_gain"],
        "wins > losses": (diff > TIE).sum() > (diff < -TIE).sum(),
        "far below": (gap_v < -RULE["far_below"]).sum() <= (gap_d < -RULE["far_below"]).sum(),
        "worst": gap_v.min() >= gap_d.min() - RULE["worst_slack"],
        "log-loss": not ll_diff > RULE["log_loss_slack"],
        "every table": tables >= default_tables,
    }
    failed = [k for k, ok in checks.items() if not ok]
    ratio = (fit[output] / fit[default]).dropna() if output in fit else pd.Series(dtype=float)
    return {
        "tables / cells": f"{len(tables)} / {len(cells)}",
        "mean acc. diff (pts)": f"{diff.mean():+.2f}",
        "wins / ties / losses": f"{(diff > TIE).sum()}/{(diff.abs() <= TIE).sum()}/"
                                f"{(diff < -TIE).sum()}",
        "worst cell diff": f"{diff.min():+.1f} ({_cell_label(diff.idxmin())})",
        f"cells < best peer - {RULE['far_below']:g} (variant / default)":
            f"{(gap_v < -RULE['far_below']).sum()} / {(gap_d < -RULE['far_below']).sum()}",
        "worst vs best peer (variant / default)": f"{gap_v.min():+.1f} / {gap_d.min():+.1f}",
        "log-loss diff (missing cells)": f"{ll_diff:+.3f}",
        "fit time ratio (median)": f"{ratio.median():.2f}" if len(ratio) else "",
        "rule": "adopt" if not failed else "keep default (" + ", ".join(failed) + ")",
    }


def _family_of(output):
    """The family of a DyMo output: ``dymo-fill_gaussian_observed`` -> ``dymo-fill_gaussian``."""
    for suffix in ("_observed", "_all"):
        if output.endswith(suffix):
            return output[:-len(suffix)]
    return output


def variant_params(results):
    """``{variant label: parameters}`` of the DyMo variants in ``results``."""
    out = {name: json.dumps(p) for name, p in VARIANTS.items()}
    out.update({f'selection="{s}"': json.dumps({"selection": s}) for s in ("iterative", "all")})
    if "params" in results.columns:
        named = results[results.method.str.startswith("dymo-") & results.params.notna()
                        & (results.params.astype(str) != "")]
        for method, p in zip(named.method, named.params):
            out.setdefault(_family_of(method).removeprefix("dymo-"), p)
    return out


def _cell_label(key):
    table, protocol, eta = key
    return f"{table} {_cell_name(protocol, eta)}"


#: The headline's columns: (protocol, eta) cells users ask about first.
HEADLINE_CELLS = (("complete", 0.0), ("whole", 0.5), ("whole", 0.8), ("within", 0.8),
                  ("train_whole", 0.5), ("train_whole", 0.8))


def headline(means, default, peers, seeds):
    """Mean accuracy over the tables per headline cell, with fit and predict times.

    A method is averaged over the tables where it has every headline cell;
    one with fewer tables than the default is named below the table instead
    of being averaged over other tables. Fit: median seconds over tables on
    complete training rows; predict: median milliseconds per 1,000 test rows
    (whole, eta = 0.8), one thread.
    """
    keys = [(p, e) for p, e in HEADLINE_CELLS if p in set(means.protocol)]
    cells = means[[(p, e) in keys for p, e in zip(means.protocol, means.eta)]]
    methods = [m for m in [default, *peers] if m in set(cells.method)]
    if default not in methods:
        return "(no results of the default DyMo yet)"
    ref = cells[cells.method == default]
    tables = sorted(set(ref.table))
    rows, fewer = {}, {}
    for method in methods:
        sub = cells[(cells.method == method) & cells.table.isin(tables)]
        per_table = sub.pivot_table(index="table", columns=["protocol", "eta"],
                                    values="accuracy").reindex(columns=keys)
        per_table = per_table.dropna()
        if len(per_table) < len(tables):
            fewer[method] = len(per_table)
            continue
        fit = sub[sub.protocol == "complete"].groupby("table")["fit_s"].first()
        pred = sub[(sub.protocol == "whole") & (sub.eta == 0.8)]
        per_k = (1000 * 1000 * pred.predict_s / pred.n_test).groupby(pred.table).first()
        row = {_cell_name(p, e): f"{100 * per_table[(p, e)].mean():.1f}" for p, e in keys}
        row["fit s"] = f"{fit.median():.2f}" if len(fit) else ""
        row["predict ms / 1,000 rows"] = f"{per_k.median():.0f}" if len(per_k) else ""
        rows[_label(method)] = row
    table = pd.DataFrame(rows).T
    seeds = ("seeds " if len(seeds) > 1 else "seed ") + ", ".join(map(str, seeds))
    text = (f"Mean test accuracy in % over {len(tables)} tables ({seeds}; every method "
            "on the default DyMo's seeds of each cell). *whole*: whole modalities missing at "
            "test time, complete training rows; *within*: half the entries of some modalities "
            "missing at test time; *train_whole*: whole modalities missing in the training rows "
            "and at test time; the number is eta, the share of modalities missing per row. "
            "Fit: median seconds over the tables on complete training rows; predict: median "
            "milliseconds per 1,000 test rows (whole, eta = 0.8); one thread each.\n\n"
            + _md_table(table))
    if fewer:
        text += ("\n\nNot averaged (results on fewer tables): " + ", ".join(
            f"{_label(m)} ({n} of {len(tables)})" for m, n in fewer.items()) + ".")
    return text


#: The figure's methods and how they are drawn: DyMo solid, the peers dashed.
FIGURE_METHODS = (("dymo_observed", "#d62728", "-"), ("dymo", "#e377c2", ":"),
                  ("lightgbm", "#1f77b4", "--"),
                  ("hgb", "#17becf", "--"), ("iterimp_lr", "#ff7f0e", "--"),
                  ("knn_hgb", "#2ca02c", "--"), ("modality_stack", "#9467bd", "--"))


def figure(means, default, path):
    """Mean accuracy over the tables against eta, one panel per missingness protocol.

    eta = 0 is the complete protocol. A method is drawn where it has every
    table the default has (so each point averages the same tables).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tables = set(means.loc[means.method == default, "table"])
    panels = (("whole", "whole modalities missing at test time"),
              ("within", "half of some modalities missing at test time"),
              ("train_whole", "modalities missing in training and test rows"))
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
    for ax, (protocol, title) in zip(axes, panels):
        for method, color, style in FIGURE_METHODS:
            sub = means[(means.method == method) & means.table.isin(tables)]
            xs, ys = [], []
            for eta in (0.0, *ETAS):
                cell = sub[(sub.protocol == "complete") if eta == 0 else
                           ((sub.protocol == protocol) & (sub.eta == eta))]
                if set(cell.table) == tables:
                    xs.append(eta)
                    ys.append(100 * cell.accuracy.mean())
            if xs:
                ax.plot(xs, ys, style, marker="o", color=color, label=_label(method),
                        linewidth=2.2 if method == default else 1.4)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("eta (share of modalities missing per row)")
        ax.set_xticks((0.0, *ETAS))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"mean accuracy over {len(tables)} tables (%)")
    axes[-1].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"saved {path}")


def report(out, docs=None, default="dymo_observed", readme=None, figure_path=None,
           seeds=None):
    """Write ``out/report.md``; with ``docs`` / ``readme``, splice its blocks there
    (``readme``: one page or a list of pages that take the headline).

    Three blocks, in the order a reader wants them: ``suite-headline`` (mean
    accuracy per protocol and the cost, also README's), ``suite`` (ranks,
    wins / ties / losses, the worst cells, fit times, every table) and
    ``suite-targets`` (the suite's own PASS / MISS targets and the versions
    the DyMo rows came from, at the end of the page). ``seeds`` keeps only
    those seeds' rows.
    """
    results = load_results(out)
    if seeds is not None and not results.empty:
        results = results[results.seed.isin(seeds)]
    if results.empty:
        print(f"no results in {out}")
        return
    means = paired_means(results, default)
    # The default fit's outputs; named variants (dymo-NAME) go to the ablations.
    dymo_outputs = [m for m in sorted(set(means.method))
                    if m.startswith("dymo") and not m.startswith("dymo-")]
    dymo_outputs.sort(key=lambda m: (m != default, m))
    peers = [p for p in PEERS if p in set(means.method)]
    methods = [*dymo_outputs, *peers]
    ranks, wtl, unranked = rank_tables(means, default, peers, dymo_outputs[1:])
    seeds = sorted(results.seed.unique())
    default_seeds = sorted(results.loc[results.method == default, "seed"].unique()) or seeds
    n_tables = results.table.nunique()
    top = headline(means, default, peers, default_seeds)
    absent = [p for p in PEERS if p in set(results.method) and p not in set(means.method)]
    if absent:
        top += ("\n\nLeft out (no results on the default's seeds): "
                + ", ".join(_label(p) for p in absent) + ".")
    parts = [f"Generated by `python benchmarks/suite.py --report-only`: {n_tables} tables, "
             f"seeds {', '.join(map(str, seeds))}. Means over seeds; in each cell every method "
             f"is averaged over the seeds the default DyMo has there (without DyMo, the seeds all "
             f"methods of the cell share). Ties: accuracy within "
             f"{TIE} points."]
    note = ("" if not unranked else "\n\nNot ranked (results on fewer cells): " + ", ".join(
        f"{_label(m)} ({n} cells)" for m, n in unranked.items()) + ".")
    parts.append("### Mean rank (accuracy; 1 = best), per protocol\n\n" + _md_table(ranks)
                 + note)
    if wtl is not None:
        parts.append(f"### Default DyMo against each peer: wins / ties / losses (cells)\n\n"
                     f"{_md_table(wtl, 'peer')}")
    lines, worst = criteria(means, default, peers)
    if worst:
        parts.append("### Worst five cells (default minus best peer, accuracy)\n\n"
                     + "\n".join(f"- {w}" for w in worst))
    fits = results[results.protocol == "complete"].groupby(["table", "method"])[
        "fit_s"].median().unstack("method")
    fits = fits.reindex(columns=[m for m in [default, *peers] if m in fits.columns])
    fits.columns = [_label(m) for m in fits.columns]
    parts.append("### Fit seconds (complete training rows, median over seeds, one thread)\n\n"
                 + _md_table(fits.round(2), "table"))
    ablations = ablation_table(results, means, default, peers,
                               params=variant_params(results))
    if ablations is not None:
        parts.append("### Variants of the default (ablations and candidate defaults)\n\n"
                     "Each variant against the default on the variant's seeds and the cells "
                     "both have (differences in accuracy points, variant minus default; fit "
                     "times compare only between runs on an equally loaded machine), and the "
                     "verdict of the rule under [Choosing the defaults]"
                     "(#choosing-the-defaults).\n\n" + _md_table(ablations, "variant"))
    parts += table_sections(means, methods)
    targets = "```\n" + "\n".join(lines) + "\n```"
    versions = sorted(results.loc[results.method.str.startswith("dymo"), "version"].dropna()
                      .unique())
    if versions:
        targets += f"\n\nDyMo rows from sklearn-dymo {', '.join(map(str, versions))}."
    body = "\n\n".join(parts)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "report.md"), "w") as fh:
        fh.write(f"### Headline\n\n{top}\n\n{body}\n\n### Targets\n\n{targets}\n")
    print("\n".join(lines))
    if docs:
        splice_into(docs, "suite-headline", top)
        splice_into(docs, "suite", body)
        splice_into(docs, "suite-targets", targets)
    for page in [readme] if isinstance(readme, str) else readme or []:
        splice_into(page, "suite-headline", top)
    if figure_path:
        figure(means, default, figure_path)


# --------------------------------------------------------------------- main
def parse_families(names, dymo_params):
    families = []
    extra = {}
    for spec in dymo_params:
        name, _, params = spec.partition("=")
        if not params:
            raise SystemExit(f"--dymo-params wants NAME=JSON, got {spec!r}")
        extra[name] = dymo_family(name, json.loads(params))
    for name in names:
        if name.removeprefix("dymo-") in VARIANTS and name.removeprefix("dymo-") not in extra:
            short = name.removeprefix("dymo-")
            extra[short] = dymo_family(short, VARIANTS[short])
    for name in names:
        if name == "cheap":
            families += [f for f in FAMILIES.values() if f.cheap]
        elif name == "peers":
            families += [f for f in FAMILIES.values() if not f.name.startswith("dymo")]
        elif name in FAMILIES:
            families.append(FAMILIES[name])
        elif name in extra or f"dymo-{name}" in {f"dymo-{k}" for k in extra}:
            families.append(extra[name.removeprefix("dymo-")])
        else:
            raise SystemExit(f"unknown method {name!r}: one of cheap, peers, "
                             f"{', '.join(FAMILIES)} or a --dymo-params name")
    families += [f for f in extra.values() if f not in families]
    runnable = []
    for family in dict.fromkeys(families):
        lacking = missing_requirements(family)
        if lacking:
            print(f"skip {family.name}: needs {', '.join(lacking)} (docs/benchmark_suite.md)")
        else:
            runnable.append(family)
    return runnable


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", nargs="+", default=["cheap", "dymo"],
                        help="families: cheap (trees, imputers, per-modality stack), peers "
                             "(cheap + RealMLP, TabM), or names: " + ", ".join(FAMILIES))
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--protocols", nargs="+", default=list(PROTOCOLS), choices=PROTOCOLS)
    parser.add_argument("--etas", type=float, nargs="+", default=list(ETAS))
    parser.add_argument("--dymo-params", nargs="*", default=[], metavar="NAME=JSON",
                        help="extra DyMo families dymo-NAME with these constructor parameters")
    parser.add_argument("--force", action="store_true", help="refit cached cells")
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--docs", default=None,
                        help="write the report into this markdown file (its suite-headline, "
                             "suite and suite-targets blocks: <!-- suite:start --> ... "
                             "<!-- suite:end -->)")
    parser.add_argument("--figure", default=None,
                        help="draw mean accuracy against eta into this PNG file")
    parser.add_argument("--default", default="dymo_observed",
                        choices=["dymo", "dymo_observed", "dymo_all"],
                        help="the DyMo output the report treats as the default: "
                             "DyMoClassifier's default selection, observed-only")
    parser.add_argument("--readme", nargs="*", default=None, metavar="PAGE",
                        help="write the headline into these markdown files' suite-headline "
                             "block (README.md, docs/when_to_use.md)")
    args = parser.parse_args(argv)
    if not args.report_only:
        limit_threads(1)
        families = parse_families(args.methods, args.dymo_params)
        print(f"tables {len(args.tables)}, seeds {args.seeds}, protocols {args.protocols}, "
              f"etas {args.etas}, methods {[f.name for f in families]}", flush=True)
        run(args, families)
    if not args.no_report:
        report(args.out, args.docs, default=args.default, readme=args.readme,
               figure_path=args.figure, seeds=args.seeds)


if __name__ == "__main__":
    sys.exit(main())
