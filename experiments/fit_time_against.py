"""Default fit time of this checkout against an earlier commit, side by side.

The real-missingness issue bounds the default fit at 1.5x the default fit
of the code it was filed against, on the same data, measured side by side
in one run (median of 3). This script checks the earlier commit out into a
temporary git worktree and fits ``DyMoClassifier(modalities=...,
random_state=0)`` with each version's defaults, alternating the two
versions round by round so that both see the same host. Every fit runs in
its own process (one torch / BLAS thread), importing the package from its
version's tree.

Data: the training split (seed 0) of every benchmark dataset, complete
and with whole modalities missing in the training rows at eta = 0.4
(the *train_whole* protocol of ``accuracy.py``).

    python experiments/fit_time_against.py 291fb5b   # the commit the issue was filed on
    python experiments/fit_time_against.py 291fb5b --rounds 5 --datasets breast_cancer
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import _paths  # noqa: F401 (puts benchmarks/ on sys.path for _common)
import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONDITIONS = {"complete": 0.0, "train_whole 0.4": 0.4}


def prepare(datasets, folder):
    """Write each dataset's training rows (per condition) and modalities to ``folder``."""
    from _common import load_dataset, make_missing, split

    for name in datasets:
        data = load_dataset(name, 0)
        X_tr, _, y_tr, _ = split(data, 0)
        X_tr = np.asarray(X_tr, dtype=np.float64)
        arrays = {"y": np.asarray(y_tr)}
        for condition, eta in CONDITIONS.items():
            arrays[condition] = X_tr if eta == 0 else make_missing(
                "whole", X_tr, data.modalities, eta, 1000)
        np.savez(os.path.join(folder, f"{name}.npz"), **arrays)
        with open(os.path.join(folder, f"{name}.json"), "w") as f:
            json.dump({k: [int(c) for c in np.asarray(v)] for k, v in data.modalities.items()},
                      f)


def worker(folder, name, condition):
    """One default fit; prints its wall time (the package comes from PYTHONPATH)."""
    import warnings

    import torch

    torch.set_num_threads(1)
    from sklearn_dymo import DyMoClassifier

    arrays = np.load(os.path.join(folder, f"{name}.npz"))
    with open(os.path.join(folder, f"{name}.json")) as f:
        modalities = json.load(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the support warning of train_whole
        t = time.perf_counter()
        DyMoClassifier(modalities=modalities, random_state=0).fit(arrays[condition],
                                                                  arrays["y"])
    print(json.dumps({"fit_s": time.perf_counter() - t}))


def timed_fit(tree, folder, name, condition):
    env = {**os.environ, "PYTHONPATH": tree, "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", folder, name,
                          condition], env=env, cwd=folder, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["fit_s"]


def run(args):
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        earlier = os.path.join(folder, "earlier")
        added = subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", earlier,
                                args.commit], capture_output=True, text=True)
        if added.returncode:
            raise SystemExit(f"cannot check out {args.commit!r}: {added.stderr.strip()}")
        try:
            prepare(args.datasets, folder)
            trees = {args.commit: earlier, "this checkout": ROOT}
            for r in range(args.rounds):
                for version, tree in trees.items():
                    for name in args.datasets:
                        for condition in CONDITIONS:
                            fit_s = timed_fit(tree, folder, name, condition)
                            rows.append({"round": r, "version": version, "dataset": name,
                                         "condition": condition, "fit_s": fit_s})
                            print(f"  round {r} {version}: {name} {condition} "
                                  f"{fit_s:.1f}s", flush=True)
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", earlier],
                           check=False, capture_output=True)
    return pd.DataFrame(rows)


def report(df, limit):
    commit = next(v for v in df.version.unique() if v != "this checkout")
    med = df.groupby(["dataset", "condition", "version"]).fit_s.median().unstack()
    med["ratio"] = med["this checkout"] / med[commit]
    lines = [f"| dataset | training rows | fit at {commit} (s) | fit now (s) | ratio |",
             "|---|---|---|---|---|"]
    for (name, condition), r in med.iterrows():
        lines.append(f"| {name} | {condition} | {r[commit]:.1f} | {r['this checkout']:.1f} | "
                     f"{r['ratio']:.2f}x |")
    worst = med["ratio"].max()
    lines += ["", f"{'PASS' if worst <= limit else 'MISS'}  default fit at most {limit}x the "
                  f"default fit of {commit}: worst {worst:.2f}x (median of "
                  f"{df['round'].nunique()} alternating rounds)"]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("commit", nargs="?", help="the earlier commit (any git revision)")
    parser.add_argument("--datasets", nargs="+",
                        default=["poly_digits", "mfeat", "breast_cancer"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=float, default=1.5)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "fit_time_against"))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    # _common imports this checkout's package: the workers, which time another
    # version's, never import it
    from _common import csv_then_markdown

    if not (args.commit or args.report_only):
        parser.error("name the earlier commit")
    csv_then_markdown(args.out, "fit_time_against", lambda: run(args),
                      lambda df: report(df, args.limit), args.report_only)


if __name__ == "__main__":
    main()
