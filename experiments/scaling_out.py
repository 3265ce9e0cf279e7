"""Predict throughput on a dask cluster: 1 vs 2 worker processes.

Fits one DyMoClassifier (breast cancer modalities, SimpleImputer recovery,
3 epochs; the fit is not timed), builds ``--rows`` rows (default 10^6) by
resampling the dataset with 60 % of the modalities dropped, and times
``dask_ml.wrappers.ParallelPostFit(clf).predict_proba`` on a dask DataFrame
already persisted on a ``LocalCluster(processes=True,
threads_per_worker=1)`` of 1 and of 2 workers (so the time is prediction,
not moving the input). The in-process ``predict_proba`` with one torch
thread is the reference. Both clusters run side by side and the three
setups alternate within each repeat (the cores may be shared with other
work); reports rows/s, the median of ``--repeats`` runs, with the 1-minute
load average after each run.

    pip install -e ".[distributed]"
    python experiments/scaling_out.py --rows 1000000
"""

import argparse
import contextlib
import functools
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

    reference = clf.predict_proba(X.iloc[:50_000])
    with contextlib.ExitStack() as stack:
        clusters = {}
        for workers in (1, 2):
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, processes=True, threads_per_worker=1,
                host="127.0.0.1", dashboard_address=None))
            client = stack.enter_context(Client(cluster, set_as_default=False))
            ddf = client.persist(dd.from_pandas(X, npartitions=args.partitions))
            with client.as_current():
                wait(ddf)
            wrapped = ParallelPostFit(estimator=clf)
            # Warm-up on the first partitions, and the check.
            head = wrapped.predict_proba(ddf.partitions[:1]).compute(scheduler=client.get)
            n = min(len(head), len(reference))
            assert np.array_equal(head[:n], reference[:n])
            clusters[workers] = (client, ddf, wrapped)
        setups = [("in process, 1 torch thread", lambda: clf.predict_proba(X))]
        for workers, (client, ddf, wrapped) in clusters.items():
            label = f"dask, {workers} worker process{'es' if workers > 1 else ''}"
            setups.append((label, functools.partial(
                lambda c, d, w: w.predict_proba(d).compute(scheduler=c.get),
                client, ddf, wrapped)))
        # Setups alternate within each repeat, so that the other jobs on
        # the machine weigh on all of them alike.
        times = {label: [] for label, _ in setups}
        loads = {label: [] for label, _ in setups}
        for _ in range(args.repeats):
            for label, run in setups:
                start = time.perf_counter()
                run()
                times[label].append(time.perf_counter() - start)
                loads[label].append(os.getloadavg()[0])
    print(f"{args.rows} rows, {args.partitions} partitions, {os.cpu_count()} CPU cores "
          f"(shared), median of {args.repeats}")
    print(f"{'setup':<32} {'seconds':>8} {'rows/s':>10} {'load avg':>9}")
    for label, _ in setups:
        seconds = float(np.median(times[label]))
        print(f"{label:<32} {seconds:>8.1f} {args.rows / seconds:>10.0f} "
              f"{np.median(loads[label]):>9.1f}")


if __name__ == "__main__":
    main()
