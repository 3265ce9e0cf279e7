"""Pickling: version stamps and device-independent fitted state.

A fitted :class:`~sklearn_dymo.DyMoClassifier` holds torch tensors (the
skorch net, the selection statistics). They are pickled on the CPU and
moved to the fitted device when loaded, so a model trained with
``device="cuda"`` loads (with a warning) on a machine without a GPU.
Every pickle is stamped with the package version; loading it under
another version warns, as scikit-learn does for its own estimators.
"""

from __future__ import annotations

import warnings

#: Key of the version stamp in a pickled estimator's state.
VERSION_KEY = "_sklearn_dymo_version"


class DyMoVersionWarning(UserWarning):
    """A model pickled by one version of sklearn-dymo is loaded by another.

    Predictions may differ or fail; refit the model with the installed
    version (or install the version that saved it) to be sure.

    Examples
    --------
    Turn it into an error where a silent mismatch is not acceptable:

    >>> import warnings
    >>> from sklearn_dymo import DyMoVersionWarning
    >>> warnings.simplefilter("error", DyMoVersionWarning)
    >>> issubclass(DyMoVersionWarning, UserWarning)
    True
    >>> warnings.resetwarnings()
    """


class VersionedPickleMixin:
    """Stamp pickles with the package version; warn when it differs on load."""

    def __getstate__(self):
        from . import __version__

        state = super().__getstate__()
        state = dict(state)
        state[VERSION_KEY] = __version__
        return state

    def __setstate__(self, state):
        from . import __version__

        saved = state.pop(VERSION_KEY, "unknown (before 0.1.0)")
        if saved != __version__:
            warnings.warn(
                f"this {type(self).__name__} was pickled by sklearn-dymo {saved} and "
                f"is loaded by sklearn-dymo {__version__}; predictions may differ or "
                "fail. Refit it with this version to be sure.",
                DyMoVersionWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
