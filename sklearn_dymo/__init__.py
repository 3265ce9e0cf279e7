"""sklearn-dymo: dynamic modality selection (DyMo) for tabular data.

A modality is a group of columns of ``X``. :class:`DyMoClassifier` and
:class:`DyMoRegressor` train one network that predicts from any subset of
modalities and, at predict time, add the recovered modalities that help
each sample.
"""

from ._classifier import DyMoClassifier
from ._drift import MissingnessDriftWarning
from ._input._detect import detect_modalities
from ._network._module import DyMoNetwork
from ._persistence import DyMoVersionWarning
from ._recovery._knn import ModalityKNNImputer
from ._recovery._recoverer import ModalityRecoverer
from ._regressor import DyMoRegressor
from ._selection._result import SelectionResult

__version__ = "0.1.0"

__all__ = [
    "DyMoClassifier",
    "DyMoNetwork",
    "DyMoRegressor",
    "DyMoVersionWarning",
    "MissingnessDriftWarning",
    "ModalityKNNImputer",
    "ModalityRecoverer",
    "SelectionResult",
    "detect_modalities",
    "__version__",
]
