"""Recovery stage: filling missing entries before the network sees them.

Any ``fit/transform`` recoverer (``_recoverer``), the default
``ModalityKNNImputer`` (``_knn``, ``_knn_search``), the Gaussian fill of a
partly observed modality's gaps (``_partial_fill``) and the regressor's
out-of-fold recovery variance (``_recovery_error``).
"""

from ._knn import ModalityKNNImputer
from ._recoverer import ModalityRecoverer, fit_recoverer, recover

__all__ = ["ModalityKNNImputer", "ModalityRecoverer", "fit_recoverer", "recover"]
