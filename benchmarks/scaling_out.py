"""Predict throughput on a dask cluster: 1 vs 2 worker processes.

Fits one DyMoClassifier (breast cancer modalities, SimpleImputer recovery,
3 epochs; the fit is not timed), builds ``--rows`` rows (default 10^6) by
resampling the dataset with 60 % of the modalities dropped, and times
``dask_ml.wrappers.ParallelPostFit(clf).predict_proba`` on a dask DataFrame
already persisted on a ``LocalCluster(processes=True,
threads_per_worker=1)`` of 1 and of 2 workers (so the time is prediction,
not moving the input). The in-process ``predict_proba`` with one torch
thread is the reference. Reports rows/s, the median of ``--repeats`` runs,
with the load average (the cores may be shared with other work).

    pip install -e ".[distributed]"
    python benchmarks/scaling_out.py --rows 1000000
"""

import argparse
import os
import time

import numpy as np
import pandas as pd
import torch
from dask import dataframe as dd
from dask_ml.wrappers import ParallelPostFit
from distributed import Client, LocalCluster, wait
from sklearn.impute import SimpleImputer

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities, load_breast_cancer_modalities


def median_seconds(run, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_breast_cancer_modalities()
    columns = [f"c{i}" for i in range(data.data.shape[1])]
    clf = DyMoClassifier(modalities=data.modalities, recoverer=SimpleImputer(),
                         max_epochs=3, random_state=0)
    clf.fit(pd.DataFrame(data.data, columns=columns), data.target)
    rng = np.random.RandomState(0)
    X = drop_modalities(data.data, data.modalities, rate=0.6, random_state=0)
    X = pd.DataFrame(X[rng.randint(0, len(X), size=args.rows)], columns=columns)

    print(f"cpu cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}")
    print(f"{'setup':<32} {'seconds':>8} {'rows/s':>10}")
    seconds = median_seconds(lambda: clf.predict_proba(X), args.repeats)
    print(f"{'in process, 1 torch thread':<32} {seconds:>8.1f} {args.rows / seconds:>10.0f}")
    reference = clf.predict_proba(X)
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                          host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            ddf = client.persist(dd.from_pandas(X, npartitions=args.partitions))
            wait(ddf)
            wrapped = ParallelPostFit(estimator=clf)
            proba = wrapped.predict_proba(ddf).compute()  # warm-up, and the check
            assert np.array_equal(proba, reference)
            seconds = median_seconds(lambda: wrapped.predict_proba(ddf).compute(),
                                     args.repeats)
            label = f"dask, {workers} worker process{'es' if workers > 1 else ''}"
            print(f"{label:<32} {seconds:>8.1f} {args.rows / seconds:>10.0f}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
