"""Selection stage: inference-time modality selection (Sec. 3.2-3.3, Algorithm 1).

Subset statistics after training (``_prototypes``), distances and the
prototype posterior (``_distances``), ICS and alpha (``_calibration``),
reward rules (``_rewards``), Algorithm 1 vectorised (``_algorithm``),
``selection="auto"`` tuning (``_tuning``) and the result type (``_result``).
"""

from ._algorithm import EVALUATING_STRATEGIES, STRATEGIES, select
from ._result import SelectionResult

__all__ = ["EVALUATING_STRATEGIES", "STRATEGIES", "SelectionResult", "select"]
