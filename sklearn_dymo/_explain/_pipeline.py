"""The DyMo estimator at the end of a fitted Pipeline, and ``X`` as it sees it.

:mod:`sklearn_dymo.inspection` and the plotting displays accept either a
fitted DyMo estimator or a fitted :class:`~sklearn.pipeline.Pipeline`
whose last step is one; ``X`` then goes through the earlier steps first.
Results are keyed by the rows of the ``X`` the caller passed: when the
earlier steps return an array (positions, not the DataFrame's labels),
the labels are put back.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted


def final_estimator(estimator, X):
    """``(DyMo estimator, X transformed by the steps before it)``."""
    from .._base import BaseDyMo  # the estimators import this package

    final = estimator
    if isinstance(estimator, Pipeline):
        final = estimator.steps[-1][1]
        if not isinstance(final, BaseDyMo):
            raise TypeError(
                f"the last step of the Pipeline is {type(final).__name__}, not a "
                "DyMoClassifier or DyMoRegressor; pass a Pipeline that ends with one")
        check_is_fitted(final)
        if len(estimator.steps) > 1:
            X = estimator[:-1].transform(X)
    elif not isinstance(final, BaseDyMo):
        raise TypeError(
            f"expected a fitted DyMoClassifier, DyMoRegressor or a Pipeline ending "
            f"with one, got {type(estimator).__name__}")
    return final, X


def keyed_like(result, X, Xt):
    """``result`` (a DataFrame or SelectionResult) keyed by the labels of ``X``.

    Only needed when ``X`` was a DataFrame and the earlier steps returned
    something else, whose rows the result numbers from 0.
    """
    if not isinstance(X, pd.DataFrame) or isinstance(Xt, pd.DataFrame):
        return result
    labels = X.index

    def relabel(frame):
        frame = frame.copy()
        frame.index = labels[frame.index.to_numpy()]
        return frame

    if isinstance(result, pd.DataFrame):
        return relabel(result)
    return replace(result, used=relabel(result.used), rewards=relabel(result.rewards))
