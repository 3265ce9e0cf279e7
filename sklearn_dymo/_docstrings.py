"""Docstring fragments both estimators share, filled in by one decorator.

The Parameters section of a class docstring comes from
:data:`._params.PARAMETERS` (one entry per constructor parameter, per task
where it differs); the attribute lists both estimators have and ``fit``'s
``sample_weight`` entry are written here once.
"""

from __future__ import annotations

import inspect
import textwrap

from ._params import PARAMETERS, parameter_constraints

#: Fitted attributes both estimators have, in their docstrings' order:
#: the data path's, then (after the task's statistics) the selection's.
FITTED_ATTRIBUTES = """    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit`` (indicators included).
    feature_names_in_ : ndarray of str
        Column names, when ``X`` had them.
    is_categorical_ : ndarray of bool of shape ``(n_features_in_,)``
        Which columns were read as categorical.
    categories_ : list of ndarray
        The categories seen in ``fit`` of each categorical column, in column
        order (sorted): the order of the one-hot block a recoverer sees.
    modality_names_ : list of str
        Modality names in network order.
    modality_columns_ : list of ndarray
        Value-column positions of each modality (the user's columns: a
        categorical column is one position, however many categories it has).
    recoverer_ : object or None
        Fitted clone of ``recoverer``; ``None`` when ``X`` carried indicators.
    recovery_choice_ : DataFrame or None
        With ``partial_fill="auto"`` and the default recoverer: per modality
        (rows), whether the ``gaps`` of a partly observed modality and a
        ``whole`` missing one take the ``"recoverer"``'s values or the
        ``"gaussian"`` conditional mean, and the out-of-fold mean squared
        errors (standard units) and row counts that decided it
        (docs/recoverers.md). ``None`` otherwise.
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the :class:`DyMoNetwork`
        and ``net_.history`` the training history.
    n_iter_ : int
        Epochs trained.
"""
SELECTION_ATTRIBUTES = """    selection_params_ : dict
        ``selection``, ``calibration_strength`` and ``reward_threshold``
        used at predict time: the constructor's, or the tuned ones with
        ``selection="auto"``.
"""
PREDICT_ATTRIBUTES = """    device_ : str
        The torch device the fitted model runs on (``"cpu"`` after loading
        a GPU-trained model on a machine without a GPU).
    selection_path_ : list of tuple of str
        After ``predict``: per sample, the recovered modalities added, in
        order. Describes the last call only; for parallel or partitioned
        prediction use :meth:`explain_selection`.
    selection_rewards_ : DataFrame
        After ``predict``: one row per evaluated candidate, indexed by the
        row of ``X`` (``step``, ``modality``, ``reward``, ``accepted``; see
        :class:`SelectionResult`).
"""


_SAMPLE_WEIGHT = (
    "Weights of the rows (finite, >= 0); None weighs every row 1. They weigh each "
    "row's part in the training loss, the prototypes, the selection statistics, the "
    "linear start and the hold-out fits and metrics. Only their ratios count (they are "
    "rescaled to mean 1), and a row of weight 0 is dropped before anything is fitted, "
    "so it is the same as leaving the row out.{class_weight} With metadata routing on, "
    "request them with ``set_fit_request(sample_weight=True)``.")
_CLASS_WEIGHT = " They multiply ``class_weight``."


def fit_sample_weight(task):
    """``fit``'s ``sample_weight`` entry for ``task`` (unindented numpydoc)."""
    text = _SAMPLE_WEIGHT.format(class_weight=_CLASS_WEIGHT if task == "classifier" else "")
    return ("sample_weight : array-like of shape (n_samples,), default=None\n"
            + textwrap.fill(text, 72, initial_indent="    ", subsequent_indent="    ") + "\n")


def document_parameters(task):
    """Class decorator: the docstring's ``%(parameters)s`` line becomes the
    numpydoc entries of every constructor parameter, in signature order, and
    its ``%(fitted_attributes)s``, ``%(selection_attributes)s`` and
    ``%(predict_attributes)s`` lines the attributes both estimators share;
    the ``%(sample_weight)s`` line of ``fit``'s docstring its weights entry."""

    def decorate(cls):
        names = [n for n in inspect.signature(cls.__init__).parameters if n != "self"]
        section = "\n".join(PARAMETERS[name].entry(name, task) for name in names)
        doc = cls.__doc__.replace("    %(parameters)s\n", textwrap.indent(section, "    ") + "\n")
        for marker, text in (("fitted", FITTED_ATTRIBUTES), ("selection", SELECTION_ATTRIBUTES),
                             ("predict", PREDICT_ATTRIBUTES)):
            doc = doc.replace(f"    %({marker}_attributes)s\n", text)
        cls.__doc__ = doc
        fit = cls.__dict__["fit"]
        if fit.__doc__:  # None under python -OO
            fit.__doc__ = fit.__doc__.replace(
                "        %(sample_weight)s\n", textwrap.indent(fit_sample_weight(task), " " * 8))
        cls._parameter_constraints = parameter_constraints(cls, task)
        return cls

    return decorate
