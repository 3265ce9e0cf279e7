"""Inspect fitted DyMo models, alone or at the end of a Pipeline.

Like :mod:`sklearn.inspection`, every function takes the fitted model
first: a :class:`~sklearn_dymo.DyMoClassifier`, a
:class:`~sklearn_dymo.DyMoRegressor`, or a fitted
:class:`~sklearn.pipeline.Pipeline` whose last step is one, in which case
``X`` goes through the earlier steps first (as ``predict`` sends it).
Results are keyed by the rows of the ``X`` you pass (a DataFrame's
index), whatever the earlier steps return.

- :func:`select_modalities`, :func:`explain_selection`: what selection did
  (:class:`~sklearn_dymo.SelectionResult`);
- :func:`explain_modalities`: Shapley values of the modalities each
  prediction used;
- :func:`suggest_measurements`: which missing modality of each row is most
  worth measuring.
"""

from __future__ import annotations

from ._explain._pipeline import final_estimator, keyed_like

__all__ = [
    "explain_modalities",
    "explain_selection",
    "select_modalities",
    "suggest_measurements",
]


def select_modalities(estimator, X, selection=None):
    """Run selection once and return probabilities, paths and rewards.

    The function form of :meth:`DyMoClassifier.select_modalities
    <sklearn_dymo.DyMoClassifier.select_modalities>`, which also accepts a
    Pipeline.

    Parameters
    ----------
    estimator : fitted DyMoClassifier, DyMoRegressor or Pipeline ending with one
    X : array-like or DataFrame of shape (n_samples, n_features)
        NaN marks missing entries; the input of the Pipeline's first step.
    selection : {"iterative", "simultaneous", "observed", "all", "auto"}, optional
        Overrides the estimator's ``selection`` for this call.

    Returns
    -------
    result : SelectionResult

    See Also
    --------
    explain_selection : The same result, as row-aligned tables.
    """
    final, Xt = final_estimator(estimator, X)
    return keyed_like(final.select_modalities(Xt, selection=selection), X, Xt)


def explain_selection(estimator, X, selection=None):
    """Per-row selection results as data: which modalities, when, and why.

    The function form of :meth:`DyMoClassifier.explain_selection
    <sklearn_dymo.DyMoClassifier.explain_selection>`, which also accepts a
    Pipeline.

    Parameters
    ----------
    estimator : fitted DyMoClassifier, DyMoRegressor or Pipeline ending with one
    X : array-like or DataFrame of shape (n_samples, n_features)
        NaN marks missing entries; the input of the Pipeline's first step.
        A DataFrame's index labels the rows of the tables.
    selection : {"iterative", "simultaneous", "observed", "all", "auto"}, optional
        Overrides the estimator's ``selection`` for this call.

    Returns
    -------
    result : SelectionResult
        ``table`` and ``rewards``, keyed by the rows of ``X``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_dymo import DyMoClassifier
    >>> from sklearn_dymo.datasets import load_breast_cancer_modalities, drop_modalities
    >>> from sklearn_dymo.inspection import explain_selection
    >>> data = load_breast_cancer_modalities()
    >>> model = make_pipeline(StandardScaler(), DyMoClassifier(
    ...     modalities=data.modalities, max_epochs=3, random_state=0))
    >>> model = model.fit(data.data, data.target)
    >>> X_test = drop_modalities(data.data[:4], data.modalities, rate=0.6, random_state=0)
    >>> X_test = pd.DataFrame(X_test, index=["a", "b", "c", "d"])
    >>> explain_selection(model, X_test).table.index.tolist()
    ['a', 'b', 'c', 'd']
    """
    final, Xt = final_estimator(estimator, X)
    return keyed_like(final.explain_selection(Xt, selection=selection), X, Xt)


def explain_modalities(estimator, X, *, output=None, selection=None, max_exact=10,
                       n_permutations=64, random_state=None):
    """Shapley values of the modalities each prediction used.

    The function form of :meth:`DyMoClassifier.explain_modalities
    <sklearn_dymo.DyMoClassifier.explain_modalities>` (see it for what the
    values mean), which also accepts a Pipeline.

    Parameters
    ----------
    estimator : fitted DyMoClassifier, DyMoRegressor or Pipeline ending with one
    X : array-like or DataFrame of shape (n_samples, n_features)
        NaN marks missing entries; the input of the Pipeline's first step.
    output : str, default=None
        ``"log_proba"`` or ``"proba"`` (classifier), ``"mean"`` or
        ``"log_variance"`` (regressor); None: the first of these.
    selection : {"iterative", "simultaneous", "observed", "all", "auto"}, optional
        Which modalities are used; the estimator's ``selection`` by default.
    max_exact : int, default=10
        Rows with at most this many used modalities are explained exactly.
    n_permutations : int, default=64
        Sampled permutations per row beyond ``max_exact``.
    random_state : int, RandomState instance or None, default=None
        Draws the permutations of the sampled path.

    Returns
    -------
    table : DataFrame, one row per row of ``X``, same index
        ``shapley__<modality>``, ``used__<modality>``, ``base_value``,
        ``value``, ``prediction`` and ``exact``.

    See Also
    --------
    sklearn_dymo.plotting.ModalityAttributionDisplay : Draws the table.
    """
    final, Xt = final_estimator(estimator, X)
    return keyed_like(final.explain_modalities(
        Xt, output=output, selection=selection, max_exact=max_exact,
        n_permutations=n_permutations, random_state=random_state), X, Xt)


def suggest_measurements(estimator, X, costs=None, *, selection=None, n_samples=None):
    """Which missing modality of each row would be most worth measuring.

    The function form of :meth:`DyMoClassifier.suggest_measurements
    <sklearn_dymo.DyMoClassifier.suggest_measurements>` (see it for how the
    gain is estimated and what it does not say), which also accepts a
    Pipeline.

    Parameters
    ----------
    estimator : fitted DyMoClassifier, DyMoRegressor or Pipeline ending with one
    X : array-like or DataFrame of shape (n_samples, n_features)
        NaN marks missing entries; the input of the Pipeline's first step.
    costs : dict, default=None
        Cost of measuring each modality (name -> positive number); ranks by
        ``gain_per_cost``.
    selection : {"iterative", "simultaneous", "observed", "all", "auto"}, optional
        The modalities the prediction uses now.
    n_samples : int, default=None
        Plausible values per missing modality (None: the recoverer's
        ``n_neighbors``, or 5).

    Returns
    -------
    suggestions : DataFrame
        One row per (row of ``X``, modality it did not observe), best
        first within a row: ``modality``, ``rank``, ``expected_gain``,
        ``label_change`` or ``mean_change``, and with ``costs`` also
        ``cost`` and ``gain_per_cost``.
    """
    final, Xt = final_estimator(estimator, X)
    return keyed_like(final.suggest_measurements(Xt, costs, selection=selection,
                                                 n_samples=n_samples), X, Xt)
