"""Network stage: the DyMo network and how it is trained (Sec. 3.1, Eq. 10-11).

The module (``_module``: encoders, transformer, heads; ``_fusion``,
``_dropout``), the sampled training subsets (``_subsets``), batches
(``_batches``), the skorch net (``_training``), its callbacks
(``_callbacks``) and the losses (``_losses``, ``_regression_loss``).
"""

from ._module import DyMoNetwork
from ._training import SubsetClassifierNet, SubsetRegressorNet, SubsetTrainingNet

__all__ = ["DyMoNetwork", "SubsetClassifierNet", "SubsetRegressorNet", "SubsetTrainingNet"]
