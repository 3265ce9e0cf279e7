"""Speed of exact modality attributions (``explain_modalities``), one thread.

A classifier with the default network is fitted for a few epochs (the
timing does not depend on accuracy) on a synthetic table of M modalities
of 4 columns each, at M = 5 and M = 10. Every test row observes every
modality, so each row has M players: 2**M - 1 network passes per row (31
at M = 5, 1,023 at M = 10). The recovery is not timed apart: no entry is
missing. Reported: rows/s of ``explain_modalities``, of ``predict_proba``
on the same rows for scale, and of the sampled path (``max_exact=0``, 64
permutations) at M = 10; each the best of ``--repeats`` runs, as rows per
second of wall time and per second of the process's CPU time. With one
thread the CPU rate is the thread's own throughput; the wall rate is
lower when other processes share the core (the load average is printed).

Target: at least 1,000 rows per CPU second of one thread at M = 5
(printed as PASS/MISS, with the wall rate beside it).

    OMP_NUM_THREADS=1 python benchmarks/attribution_speed.py
"""

import argparse
import os
import time

import numpy as np
import pandas as pd
from _common import limit_threads

from sklearn_dymo import DyMoClassifier

TARGET_ROWS_PER_S = 1000


def make_table(n_modalities, n_rows, seed=0):
    """Three classes, each modality a noisy view of the class (4 columns)."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 3, size=n_rows)
    centres = rng.normal(size=(3, 4 * n_modalities))
    X = centres[y] + rng.normal(size=(n_rows, 4 * n_modalities))
    modalities = {f"m{j}": list(range(4 * j, 4 * j + 4)) for j in range(n_modalities)}
    return X, y, modalities


def rates(fn, n_rows, repeats):
    """Best (wall, CPU) rows/s of ``repeats`` calls of ``fn``."""
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return {"rows_per_s": n_rows / min(wall), "rows_per_cpu_s": n_rows / min(cpu)}


def measure(n_modalities, n_rows, repeats):
    X, y, modalities = make_table(n_modalities, 1000 + n_rows)
    clf = DyMoClassifier(modalities=modalities, selection="iterative", max_epochs=3,
                         random_state=0)
    clf.fit(X[:1000], y[:1000])
    X_test = X[1000:]
    clf.explain_modalities(X_test[:64])  # warm-up
    rows = [{
        "M": n_modalities, "path": "exact", "rows": n_rows,
        "passes_per_row": 2 ** n_modalities - 1,
        **rates(lambda: clf.explain_modalities(X_test), n_rows, repeats),
    }]
    if n_modalities == 10:
        rows.append({
            "M": n_modalities, "path": "sampled (64 permutations)", "rows": n_rows,
            "passes_per_row": 64 * (n_modalities - 1) + 1,
            **rates(lambda: clf.explain_modalities(X_test, max_exact=0, random_state=0),
                    n_rows, repeats)})
    rows.append({
        "M": n_modalities, "path": "predict_proba", "rows": n_rows, "passes_per_row": 1,
        **rates(lambda: clf.predict_proba(X_test), n_rows, repeats)})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows5", type=int, default=2000, help="rows timed at M=5")
    parser.add_argument("--rows10", type=int, default=200, help="rows timed at M=10")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results",
                                                      "attribution"))
    args = parser.parse_args()
    limit_threads(1)
    table = pd.DataFrame(measure(5, args.rows5, args.repeats)
                         + measure(10, args.rows10, args.repeats))
    os.makedirs(args.out, exist_ok=True)
    table.to_csv(os.path.join(args.out, "speed.csv"), index=False)
    print(table.to_markdown(index=False, floatfmt=".4g"))
    row = table[(table.M == 5) & (table.path == "exact")].iloc[0]
    verdict = "PASS" if row.rows_per_cpu_s >= TARGET_ROWS_PER_S else "MISS"
    line = (f"{verdict}: exact attributions at M=5 run {row.rows_per_cpu_s:,.0f} rows per "
            f"CPU second on one thread (target >= {TARGET_ROWS_PER_S:,}); "
            f"{row.rows_per_s:,.0f} rows/s of wall time at load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(line)
    with open(os.path.join(args.out, "targets.txt"), "w") as fh:
        fh.write(line + "\n")


if __name__ == "__main__":
    main()
