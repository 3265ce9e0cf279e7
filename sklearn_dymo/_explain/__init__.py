"""Explanations of fitted DyMo estimators beyond the selection.

- :mod:`._shapley`: exact (or sampled) Shapley values of the modalities a
  prediction used (``explain_modalities``), over :mod:`._coalitions` and
  the task's value of a coalition (:mod:`._values`).
- :mod:`._acquisition`: the expected gain of measuring each missing
  modality of a row (``suggest_measurements``), from samples of it drawn
  from the nearest training rows (:mod:`._samples`).
- :mod:`._passes`: the network passes of many (row, modality set) pairs.
- :mod:`._pipeline`: the DyMo estimator at the end of a fitted Pipeline.
"""

from ._acquisition import suggest_measurements
from ._shapley import explain_modalities

__all__ = ["explain_modalities", "suggest_measurements"]
