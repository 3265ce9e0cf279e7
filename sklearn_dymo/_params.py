"""Constructor-parameter checks and resolution shared by the DyMo estimators.

Parameters are checked in ``fit`` (scikit-learn convention: ``__init__``
only stores them); each check raises a ``ValueError`` that names the
parameter, the allowed values and the value given.
"""

from __future__ import annotations

from numbers import Integral, Real

import torch

from ._tuning import DEFAULT_RATES

#: Optimizers the ``optimizer`` parameter names.
OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
}


def check_int(name, value, low):
    """``value`` is an integer (not a bool) >= ``low``."""
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def check_real(name, value, low, high=None, low_open=False):
    """``value`` is a number (not a bool) in ``[low, high)`` (``(low, high)`` if ``low_open``)."""
    ok = isinstance(value, Real) and not isinstance(value, bool)
    ok = ok and (value > low if low_open else value >= low)
    ok = ok and (high is None or value < high)
    if not ok:
        bound = f"> {low}" if low_open else f">= {low}"
        bound += "" if high is None else f" and < {high}"
        raise ValueError(f"{name} must be a number {bound}, got {value!r}")


def resolve_optimizer(optimizer):
    """The ``optimizer`` parameter -> a torch optimizer class."""
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch "
                f"optimizer class, got {optimizer!r}"
            )
        return OPTIMIZERS[optimizer]
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        return optimizer
    raise ValueError(
        f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch optimizer "
        f"class, got {optimizer!r}"
    )


def resolve_tuning_missingness(value, has_missing_modalities=False):
    """The ``tuning_missingness`` parameter -> ``"patterns"`` or a tuple of rates.

    ``"auto"`` imitates the training patterns when some training modality
    is missing (``has_missing_modalities``), and hides modalities at
    :data:`~sklearn_dymo._tuning.DEFAULT_RATES` otherwise.
    """
    if isinstance(value, str):
        if value not in ("auto", "patterns", "rates"):
            raise ValueError(
                "tuning_missingness must be 'auto', 'patterns', 'rates' or a list of "
                f"missing rates in [0, 1), got {value!r}"
            )
        if value == "rates" or (value == "auto" and not has_missing_modalities):
            return DEFAULT_RATES
        return "patterns"
    try:
        rates = tuple(float(r) for r in value)
    except (TypeError, ValueError):
        rates = ()
    if not rates or not all(0.0 <= r < 1.0 for r in rates):
        raise ValueError(
            "tuning_missingness must be 'auto', 'patterns', 'rates' or a list of "
            f"missing rates in [0, 1), got {value!r}"
        )
    return rates
