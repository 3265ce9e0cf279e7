"""Rows and pivot of the accuracy benchmark's tables, shared by ``accuracy.py``
(which writes them after a run) and ``report.py`` (which regenerates them
from the committed CSV). Plain pandas: no package import."""

from __future__ import annotations

#: Rows of the headline and *whole* tables, in this order.
HEADLINE = [
    "HistGradientBoosting (NaN)", "IterativeImputer + LogReg", "KNNImputer + HistGB",
    "DyMo observed", "DyMo all", "DyMo iterative", "DyMo auto",
    "DyMo iterative, oracle recoverer",
]
#: Rows of the protocol tables (train_whole, within).
PROTOCOL_ROWS = HEADLINE[:5] + [
    "DyMo simultaneous", "DyMo iterative", "DyMo iterative (uncalibrated)",
    "DyMo iterative, simple recoverer", "DyMo iterative, iterative recoverer",
    "DyMo all, oracle recoverer", "DyMo iterative, oracle recoverer",
]


def pivot_accuracy(sub, pm, methods=None):
    """Method x eta table of ``pm(accuracy over seeds)`` for rows with a ``method``."""
    if methods is not None:
        sub = sub[sub.method.isin(methods)]
    table = sub.groupby(["method", "eta"])["accuracy"].apply(pm).unstack("eta")
    order = methods if methods is not None else sorted(table.index)
    table = table.loc[[m for m in order if m in table.index]]
    table.columns = [f"eta={c:g}" for c in table.columns]
    return table
