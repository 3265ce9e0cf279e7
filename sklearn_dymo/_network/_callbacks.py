"""The skorch callbacks of a DyMo fit: the built-in ones, then the user's.

Built in, by name:

- ``train_task_loss`` / ``train_proto_loss``: the two terms of the training
  loss as epoch-table columns (``train_loss`` is their sum), so that the
  contrastive term switching on after the warm-up reads as what it is;
- ``prototypes``: :class:`~._losses.PrototypeUpdate` (prototypes, warm-up);
- ``lr_schedule``: ``lr_schedule="cosine"``, unless the user passes an
  ``LRScheduler`` of their own, which *replaces* it (two schedulers would
  multiply their factors);
- ``early_stopping``: ``early_stopping=True``, on the validation task loss;
- ``progress``: skorch's ``ProgressBar`` at ``verbose >= 2``, unless the
  user passes one.

A user callback that reads validation scores (``EarlyStopping`` and
``Checkpoint`` on ``valid_*``, ``EpochScoring`` with ``on_train=False``, a
scheduler monitoring ``valid_*``) makes fit hold out
``validation_fraction`` of the training rows, as skorch holds out a
validation split by default; without it they would fail
(``KeyError: 'valid_loss'``) or silently do nothing.
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging

import torch
from skorch.callbacks import (
    BatchScoring,
    EarlyStopping,
    EpochScoring,
    InputShapeSetter,
    LRScheduler,
    PassthroughScoring,
    ProgressBar,
)
from skorch.utils import to_numpy

from ._losses import PrototypeUpdate
from ._training import regression_target

logger = logging.getLogger("sklearn_dymo")

#: User callbacks that cannot work with DyMo, and what to do instead.
UNSUPPORTED = {
    InputShapeSetter: (
        "DyMo builds its network from the modalities (one encoder per modality, "
        "sized from its columns), so there is no module input size to set; remove it"
    ),
}


def _unnamed(item):
    """A ``callbacks`` entry (a callback or a ``(name, callback)`` pair) -> the callback."""
    return item[1] if isinstance(item, (tuple, list)) else item


def _is(callback, kind):
    return isinstance(callback, kind) or (isinstance(callback, type) and issubclass(callback, kind))


def _setting(callback, name):
    """A callback's parameter; its default when skorch is given the class itself."""
    if isinstance(callback, type):
        try:
            parameter = inspect.signature(callback).parameters.get(name)
        except (TypeError, ValueError):
            return None
        return None if parameter is None else parameter.default
    return getattr(callback, name, None)


def reads_validation(callback):
    """Whether a skorch callback reads validation rows or ``valid_*`` history keys."""
    if _is(callback, (EpochScoring, BatchScoring, PassthroughScoring)):
        return not _setting(callback, "on_train")
    monitor = _setting(callback, "monitor")
    return isinstance(monitor, str) and monitor.startswith("valid")


def check_user_callbacks(callbacks):
    """The ``callbacks`` parameter -> list of entries; clear errors for what cannot work."""
    if callbacks is None:
        return []
    entries = list(callbacks)
    for item in entries:
        if isinstance(item, (tuple, list)) and len(item) != 2:
            raise ValueError(
                "callbacks entries must be skorch callbacks or (name, callback) pairs, "
                f"got {item!r}")
        callback = _unnamed(item)
        for kind, fix in UNSUPPORTED.items():
            if _is(callback, kind):
                raise ValueError(f"callbacks: skorch's {kind.__name__} cannot be used: {fix}")
    return entries


def needs_validation(callbacks):
    """Whether any user callback reads validation scores (see :func:`reads_validation`)."""
    return any(reads_validation(_unnamed(item)) for item in check_user_callbacks(callbacks))


def fit_callbacks(estimator, target_encoding=None):
    """The callbacks of the training net of ``estimator`` (built-in, then the user's).

    ``target_encoding`` (the regressor's ``offset`` and ``scale``) makes the
    user's scoring callbacks compare targets in ``y``'s units with the
    net's ``predict``.
    """
    user = [copy.deepcopy(item) for item in check_user_callbacks(estimator.callbacks)]
    callbacks = [
        ("train_task_loss", PassthroughScoring(name="train_task_loss", on_train=True)),
        # Lowest is meaningless here (0 during the warm-up): no "best" marker.
        ("train_proto_loss", PassthroughScoring(name="train_proto_loss", on_train=True,
                                                lower_is_better=None)),
        ("prototypes", PrototypeUpdate(estimator.prototype_warmup)),
    ]
    user_schedule = any(_is(_unnamed(item), LRScheduler) for item in user)
    if estimator.lr_schedule == "cosine" and not user_schedule:
        callbacks.append(("lr_schedule", LRScheduler(
            policy=torch.optim.lr_scheduler.CosineAnnealingLR,
            T_max=estimator.max_epochs, eta_min=estimator.lr / 100)))
    if user_schedule:
        logger.info("callbacks: your LRScheduler replaces lr_schedule=%r",
                    estimator.lr_schedule)
    if estimator.early_stopping:
        callbacks.append(("early_stopping", EarlyStopping(
            monitor="valid_loss", patience=estimator.n_iter_no_change,
            threshold=estimator.tol, threshold_mode="abs", load_best=True)))
    if (estimator.verbose and estimator.verbose >= 2
            and not any(_is(_unnamed(item), ProgressBar) for item in user)):
        callbacks.append(("progress", ProgressBar()))
    if target_encoding is not None:
        offset, scale = target_encoding
        for item in user:
            callback = _unnamed(item)
            if (_is(callback, (EpochScoring, BatchScoring)) and not isinstance(callback, type)
                    and callback.target_extractor is to_numpy):
                callback.target_extractor = functools.partial(
                    regression_target, offset=offset, scale=scale)
    return callbacks + user
