"""The training rows a missing modality's plausible values are drawn from.

``suggest_measurements`` needs samples of a missing modality given what a
row observed. The default recoverer keeps its training rows
(``ModalityKNNImputer.train_X_``) and draws them from there: the row's
``n_neighbors`` nearest donors. Any other recoverer (or none, when ``X``
arrives recovered with indicator columns) keeps nothing usable, so the data
path keeps a capped random sample of its training rows for it.
"""

from __future__ import annotations

import numpy as np

#: Most training rows kept for the samples when the recoverer keeps none.
MAX_REFERENCE_ROWS = 2000


def reference_rows(recoverer, values, missing, seed):
    """Training rows (NaN where missing) to draw samples from, or None.

    None when ``recoverer`` keeps its own rows (``train_X_``).
    """
    if getattr(recoverer, "train_X_", None) is not None:
        return None
    rows = np.arange(values.shape[0])
    if rows.size > MAX_REFERENCE_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_REFERENCE_ROWS,
                                                          replace=False))
    return np.where(missing[rows], np.nan, values[rows])


def donor_matrix(data_path):
    """The rows samples are drawn from: the recoverer's, else the kept sample."""
    own = getattr(data_path.recoverer_, "train_X_", None)
    if own is not None:
        return np.asarray(own)
    kept = getattr(data_path, "reference_rows", None)
    if kept is None:
        raise ValueError(
            "this model keeps no training rows to draw a missing modality's values "
            "from (it was fitted by an older version of sklearn-dymo); refit it")
    return kept
