"""Timing helper shared by the benchmark scripts (run them from any folder:
Python puts the script's own folder on the path)."""

import time

import numpy as np


def median_time(fn, repeats=5):
    """Median wall time of ``repeats`` calls of ``fn``, in seconds."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))
