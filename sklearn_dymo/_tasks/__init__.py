"""Task objects: what depends on classification or regression."""

from ._base import NetworkFit, Task, TrainingRows
from ._classification import ClassificationTask
from ._regression import RegressionTask

__all__ = ["ClassificationTask", "NetworkFit", "RegressionTask", "Task", "TrainingRows"]
