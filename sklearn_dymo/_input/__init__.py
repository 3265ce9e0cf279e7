"""Input stage: from the user's ``X`` to scaled network input (``DataPath``).

Validation (``_validation``), categorical codes and one-hot blocks
(``_categorical``), modality specs and their detection (``_modalities``,
``_detect``), missing masks (``_masks``), column scaling (``_tensors``) and
the fitted object that applies them all (``_data_path``).
"""

from ._data_path import DataPath
from ._detect import detect_modalities

__all__ = ["DataPath", "detect_modalities"]
