"""Pictures of what DyMo selected and why (matplotlib, the ``plotting`` extra).

Every display follows scikit-learn's ``*Display`` pattern: build it with
``from_estimator`` (a fitted :class:`~sklearn_dymo.DyMoClassifier`, or a
fitted Pipeline ending with one, and ``X``) or from outputs you already
have (``from_selection``, ``from_rewards``, ``from_predictions``,
``from_latents``, ``from_attributions``); each draws on an optional
``ax`` and keeps its artists and data as attributes.
matplotlib is imported only when something is drawn.
"""

from ._attributions import ModalityAttributionDisplay
from ._latent import LatentSpaceDisplay
from ._reliability import ReliabilityDisplay, reliability_bins
from ._reward_distribution import RewardDistributionDisplay
from ._selection_matrix import SelectionMatrixDisplay, selection_matrix
from ._steps import StepsHistogramDisplay, steps_per_sample
from ._transitions import PredictionTransitionDisplay, transition_counts

__all__ = [
    "LatentSpaceDisplay",
    "ModalityAttributionDisplay",
    "PredictionTransitionDisplay",
    "ReliabilityDisplay",
    "RewardDistributionDisplay",
    "SelectionMatrixDisplay",
    "StepsHistogramDisplay",
    "reliability_bins",
    "selection_matrix",
    "steps_per_sample",
    "transition_counts",
]
