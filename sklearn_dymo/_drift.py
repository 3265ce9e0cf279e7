"""Missingness drift: predict-time rows missing what the training rows never missed.

A row's *pattern* is the set of its modalities that are not observed (a
modality is missing in a row when any of its entries is, the rule of
training). ``fit`` counts the training rows' patterns; at predict time a
row whose pattern no training row had is *drift*: it misses a modality that
was never missing in training, a combination of modalities never missing
together, or observes a modality that was always missing. DyMo still
predicts it (recovery, then selection), but the recoverer and the
selection statistics never saw such rows in training, and the user is told
so once per call (:class:`MissingnessDriftWarning`), with the counts that
``missingness_report`` returns as a table.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Rows whose patterns are counted at once (a bool mask per row and column).
PATTERN_CHUNK = 65_536
#: Unseen patterns named in the warning (the report has them all).
WARNED_PATTERNS = 5


class MissingnessDriftWarning(UserWarning):
    """Rows at predict time miss modalities the way no training row did.

    Issued at most once per call of ``predict``, ``predict_proba``,
    ``select_modalities`` or ``explain_selection``, with the number of
    rows of each missingness pattern never seen in training;
    ``missingness_report(X)`` returns the same counts as a table. Silence
    it with ``warnings.filterwarnings("ignore",
    category=MissingnessDriftWarning)``.
    """


def _pack(missing):
    """``(n, M)`` bool -> one hashable key per row (bit-packed bytes)."""
    packed = np.ascontiguousarray(np.packbits(missing, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


@dataclass
class MissingnessPatterns:
    """Distinct missingness patterns and how many rows have each.

    ``missing`` is ``(n_patterns, M)`` bool (True: the modality is
    missing), ``counts`` the rows per pattern; patterns are unique.
    """

    missing: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_missing(cls, missing):
        """Count the patterns of an ``(n, M)`` bool mask of missing modalities."""
        missing = np.asarray(missing, dtype=bool)
        n_mod = missing.shape[1]
        if missing.shape[0] == 0:
            return cls(np.zeros((0, n_mod), dtype=bool), np.zeros(0, dtype=np.int64))
        # Loops run over distinct patterns, never over rows.
        _, first, counts = np.unique(_pack(missing), return_index=True, return_counts=True)
        return cls(missing[first], counts.astype(np.int64))

    @classmethod
    def concat(cls, parts, n_modalities):
        """The patterns of several row blocks together."""
        parts = [p for p in parts if p.counts.size]
        if not parts:
            return cls(np.zeros((0, n_modalities), dtype=bool), np.zeros(0, dtype=np.int64))
        missing = np.concatenate([p.missing for p in parts])
        counts = np.concatenate([p.counts for p in parts])
        _, first, inverse = np.unique(_pack(missing), return_index=True,
                                      return_inverse=True)
        return cls(missing[first], np.bincount(inverse.ravel(), weights=counts,
                                               minlength=first.size).astype(np.int64))

    def lookup(self, other):
        """This table's row count of each pattern of ``other`` (0 where absent)."""
        if not self.counts.size or not other.counts.size:
            return np.zeros(other.counts.size, dtype=np.int64)
        # One key per distinct pattern: these loops never run over rows.
        index = pd.Index([k.tobytes() for k in _pack(self.missing)])
        where = index.get_indexer([k.tobytes() for k in _pack(other.missing)])
        return np.where(where >= 0, self.counts[np.maximum(where, 0)], 0)


def pattern_names(missing, names):
    """Each pattern as the tuple of its missing modalities' names."""
    return [tuple(n for n, m in zip(names, row) if m) for row in missing]


def missingness_table(train, test, names):
    """DataFrame ``pattern``, ``n_train``, ``n_test``, ``seen_in_training``.

    One row per pattern of either table; patterns of ``test`` first, most
    rows first, then the training patterns absent from ``test``.
    """
    n_train = train.lookup(test)
    in_test = test.lookup(train)
    table = pd.DataFrame({
        "pattern": pattern_names(test.missing, names) + pattern_names(
            train.missing[in_test == 0], names),
        "n_train": np.concatenate([n_train, train.counts[in_test == 0]]),
        "n_test": np.concatenate([test.counts, np.zeros(int((in_test == 0).sum()),
                                                       dtype=np.int64)]),
    })
    table["seen_in_training"] = table["n_train"] > 0
    table = table.sort_values(["n_test", "n_train"], ascending=False, kind="stable")
    return table.reset_index(drop=True)


def drift_message(estimator_name, table, train, names):
    """The warning's text for the unseen patterns of ``table``, or None if none."""
    unseen = table[(table["n_test"] > 0) & ~table["seen_in_training"]]
    if unseen.empty:
        return None
    n_rows, n_all = int(unseen["n_test"].sum()), int(table["n_test"].sum())
    shown = ", ".join(
        f"{', '.join(p) if p else 'none'} missing ({n:,} row{'s' * (n != 1)})"
        for p, n in zip(unseen["pattern"][:WARNED_PATTERNS], unseen["n_test"][:WARNED_PATTERNS]))
    more = len(unseen) - WARNED_PATTERNS
    shown += f", and {more} more pattern{'s' * (more > 1)}" if more > 0 else ""
    text = (f"{estimator_name}: {n_rows:,} of {n_all:,} rows have a missingness pattern "
            f"no training row had: {shown}.")
    ever_missing = train.missing[train.counts > 0].any(axis=0)
    always_missing = train.missing[train.counts > 0].all(axis=0)
    test_missing = np.zeros(len(names), dtype=bool)
    test_observed = np.zeros(len(names), dtype=bool)
    for pattern in unseen["pattern"]:
        row = np.isin(names, pattern)
        test_missing |= row
        test_observed |= ~row
    never = [n for n, m in zip(names, test_missing & ~ever_missing) if m]
    always = [n for n, m in zip(names, test_observed & always_missing) if m]
    if never:
        text += f" Never missing in training: {', '.join(never)}."
    if always:
        text += f" Always missing in training: {', '.join(always)}."
    return text + (
        " They are predicted as usual (recovery, then selection), but the recoverer "
        "and the selection statistics saw no such rows in training; "
        "missingness_report(X) has the counts per pattern.")


def user_stacklevel():
    """``stacklevel`` of ``warnings.warn`` for the first frame outside this package."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def warn_drift(estimator_name, table, train, names):
    """Issue :class:`MissingnessDriftWarning` when ``table`` has unseen patterns."""
    text = drift_message(estimator_name, table, train, names)
    if text is not None:
        warnings.warn(text, MissingnessDriftWarning, stacklevel=user_stacklevel())
