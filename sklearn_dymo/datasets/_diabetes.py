"""Diabetes progression with demographic and blood-serum modalities."""

from __future__ import annotations

from sklearn.datasets import load_diabetes

#: The modalities of scikit-learn's diabetes features.
DIABETES_GROUPS = {
    "demographics": ["age", "sex", "bmi", "bp"],
    "serum": ["s1", "s2", "s3", "s4", "s5", "s6"],
}


def load_diabetes_modalities(*, as_frame=False, return_X_y=False):
    """Diabetes data with ``demographics`` and ``serum`` modalities.

    scikit-learn's bundled diabetes data (442 patients, target: disease
    progression one year after baseline) has ten baseline variables: age,
    sex, body mass index and blood pressure (``demographics``), and six
    blood serum measurements ``s1`` .. ``s6`` (``serum``), which come from
    a separate lab test and are naturally missing together.

    Parameters
    ----------
    as_frame : bool, default=False
        Return a DataFrame; ``modalities`` then lists column names.
    return_X_y : bool, default=False
        Return ``(data, target)`` only.

    Returns
    -------
    data : Bunch
        ``data`` (442, 10), ``target`` (float), ``modalities`` (dict name ->
        columns) and ``feature_names``.

    Examples
    --------
    >>> from sklearn_dymo.datasets import load_diabetes_modalities
    >>> data = load_diabetes_modalities()
    >>> {name: len(cols) for name, cols in data.modalities.items()}
    {'demographics': 4, 'serum': 6}
    >>> data.data.shape
    (442, 10)
    """
    bunch = load_diabetes(as_frame=as_frame)
    names = list(bunch.feature_names)
    if as_frame:
        groups = {k: list(v) for k, v in DIABETES_GROUPS.items()}
        data = bunch.frame.drop(columns="target")
    else:
        groups = {k: [names.index(c) for c in v] for k, v in DIABETES_GROUPS.items()}
        data = bunch.data
    if return_X_y:
        return data, bunch.target
    bunch.data = data
    bunch.modalities = groups
    return bunch
