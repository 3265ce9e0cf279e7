"""Save and load fitted models without trusting arbitrary code.

``pickle`` and ``joblib`` files run code when they are loaded: load them
only from sources you trust. The functions here write a fitted
:class:`~sklearn_dymo.DyMoClassifier` or :class:`~sklearn_dymo.DyMoRegressor`
to a file that :func:`load` reads with an allowlist of types, refusing
anything else unless you name it in ``trusted``.
"""

from __future__ import annotations

from . import _safe_format

__all__ = ["dump", "get_untrusted_types", "load"]


def dump(estimator, file):
    """Write a fitted DyMo estimator to a file that loads without unpickling code.

    The network's weights are stored as arrays and the net is rebuilt on
    :func:`load`, so the optimizer's state is not kept (a loaded model
    predicts exactly like the saved one; fitting it again starts afresh).
    The records of the last ``predict`` call (``selection_path_``,
    ``selection_rewards_``) are not saved.

    Parameters
    ----------
    estimator : DyMoClassifier or DyMoRegressor
        A fitted estimator.
    file : str, path-like or binary file object
        Where to write (a zip archive; any file name).

    See Also
    --------
    load : Read the file back.
    get_untrusted_types : What a file needs beyond the trusted types.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_dymo import DyMoClassifier
    >>> from sklearn_dymo.datasets import load_breast_cancer_modalities
    >>> from sklearn_dymo.io import dump, load
    >>> data = load_breast_cancer_modalities()
    >>> clf = DyMoClassifier(modalities=data.modalities, max_epochs=2, random_state=0)
    >>> clf = clf.fit(data.data, data.target)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.dymo")
    >>> dump(clf, path)
    >>> loaded = load(path)
    >>> bool((loaded.predict_proba(data.data) == clf.predict_proba(data.data)).all())
    True
    """
    _safe_format.dump(estimator, file)


def load(file, trusted=None):
    """Read a model written by :func:`dump`, resolving only trusted types.

    The trusted types are sklearn-dymo's own fitted objects, numpy arrays,
    a few builtins and scikit-learn's imputers. A file that needs another
    type (a custom recoverer, skorch callbacks in ``callbacks``, an
    optimizer class) is refused with its name until you pass it in
    ``trusted``.

    Parameters
    ----------
    file : str, path-like or binary file object
    trusted : list of str or type, optional
        Further types to allow, as ``"module.Name"`` or the class itself.
        Name only types you trust: their code runs as the file loads.

    Returns
    -------
    estimator : DyMoClassifier or DyMoRegressor
        Fitted, with the network rebuilt from the saved weights.

    Raises
    ------
    pickle.UnpicklingError
        When the file needs a type that is not trusted.

    Examples
    --------
    See :func:`dump`.
    """
    return _safe_format.load(file, trusted=trusted)


def get_untrusted_types(file):
    """The types a file needs beyond the trusted ones, without running them.

    Parameters
    ----------
    file : str, path-like or binary file object

    Returns
    -------
    names : list of str
        ``"module.Name"`` of each type or function :func:`load` would
        refuse; empty when the file loads as it is.

    Examples
    --------
    See :func:`dump`; for a model with default settings the list is empty.
    """
    return _safe_format.get_untrusted_types(file)
