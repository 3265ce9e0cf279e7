"""Breast cancer (Wisconsin) with its three feature groups as modalities."""

from __future__ import annotations

from sklearn.datasets import load_breast_cancer


def load_breast_cancer_modalities(*, as_frame=False, return_X_y=False):
    """Breast cancer data with ``mean``, ``se`` and ``worst`` modalities.

    The 30 features of scikit-learn's bundled breast cancer data are ten
    measurements summarised three ways: their mean, standard error and
    worst value. Each summary is a modality.

    Parameters
    ----------
    as_frame : bool, default=False
        Return a DataFrame; ``modalities`` then lists column names.
    return_X_y : bool, default=False
        Return ``(data, target)`` only.

    Returns
    -------
    data : Bunch
        ``data`` (569, 30), ``target`` (0 = malignant, 1 = benign),
        ``modalities`` (dict name -> columns), ``feature_names``,
        ``target_names``.

    Examples
    --------
    >>> from sklearn_dymo.datasets import load_breast_cancer_modalities
    >>> data = load_breast_cancer_modalities()
    >>> {name: len(cols) for name, cols in data.modalities.items()}
    {'mean': 10, 'se': 10, 'worst': 10}
    """
    bunch = load_breast_cancer(as_frame=as_frame)
    # Plain str, not numpy.str_: ColumnTransformer refuses numpy.str_ column lists.
    names = [str(n) for n in bunch.feature_names]
    groups = {
        "mean": [i for i, n in enumerate(names) if n.startswith("mean ")],
        "se": [i for i, n in enumerate(names) if n.endswith(" error")],
        "worst": [i for i, n in enumerate(names) if n.startswith("worst ")],
    }
    if as_frame:
        groups = {k: [names[i] for i in v] for k, v in groups.items()}
        data = bunch.frame.drop(columns="target")
    else:
        data = bunch.data
    if return_X_y:
        return data, bunch.target
    bunch.data = data
    bunch.modalities = groups
    return bunch
