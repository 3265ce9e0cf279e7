"""Lazy matplotlib access shared by every display.

matplotlib is an optional dependency (the ``plotting`` extra): importing
:mod:`sklearn_dymo.plotting` must work without it, and only drawing needs it.
"""

from __future__ import annotations

INSTALL_HINT = 'pip install "sklearn-dymo[plotting]"'


def import_pyplot():
    """Return ``matplotlib.pyplot``, or raise an ImportError that says how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised with matplotlib hidden
        raise ImportError(
            "sklearn_dymo.plotting needs matplotlib, which is not installed. "
            f"Install it with: {INSTALL_HINT}"
        ) from exc
    return plt


def axes_or_new(ax, **subplot_kw):
    """``ax`` when given, else the axes of a new figure."""
    plt = import_pyplot()
    if ax is None:
        _, ax = plt.subplots(**subplot_kw)
    return ax


def pattern_label(row, names):
    """Readable name of a set of modalities, e.g. ``"a + c"``; ``"none"`` when empty."""
    members = [name for name, present in zip(names, row) if present]
    return " + ".join(members) if members else "none"
