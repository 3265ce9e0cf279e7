"""``DataPath``: the fitted path from a user's ``X`` to the network's input.

One object, fitted in ``fit`` and applied the same way in training, in
predict, in ``selection="auto"`` tuning and in the regressor's variance
estimates (as HistGradientBoosting keeps its ``_bin_mapper``)::

    X -> validated float64 (categorical columns -> codes)      validate
      -> value columns and their missing entries               split
      -> observed modalities (Sec. 3.1: a modality is observed
         when all its columns are present)                     observed
      -> one-hot blocks of the categorical columns             one_hot
      -> recovered values (the recoverer, then the Gaussian
         conditional mean of a partly observed modality's gaps,
         then categorical blocks snapped to one category)      recover
      -> scaled values as a float32 tensor, masked entries 0   to_input

It has two fitted stages. ``fit_columns`` learns what does not depend on
which rows train the network (the categories, indicator columns, the
modality spec and the one-hot layout); ``fit_recovery`` learns the
recoverer, the column scaler and the partial-fill Gaussians from the rows
that train it (all rows, or the training part of a tuning or variance
hold-out split).
"""

from __future__ import annotations

import numpy as np
import torch

from .._recovery._donors import reference_rows
from .._recovery._partial_fill import fill_partial_gaps, fit_modality_gaussians
from .._recovery._recoverer import fit_recoverer, recover
from .._recovery._recovery_choice import choose_recovery
from ._categorical import CategoricalEncoding, resolve_categorical_features
from ._labels import (
    categorical_by_label,
    check_columns_as_in_fit,
    frame_labels,
    integer_labels,
    modalities_by_label,
)
from ._masks import missing_entries, observed_modalities
from ._modalities import resolve_modalities, split_indicator_columns
from ._numeric_text import find_numeric_text_columns, read_numeric_text
from ._tensors import ColumnScaler, to_network_input


class DataPath:
    """Validation, codes, masks, recovery, partial fill and scaling of DyMo.

    Parameters
    ----------
    categorical_features, modalities, recoverer, partial_fill, scaling
        The estimator's parameters of the same names at ``fit`` (see its
        docstring).
    """

    def __init__(self, *, categorical_features, modalities, recoverer, partial_fill,
                 scaling):
        self.categorical_features = categorical_features
        self.modalities = modalities
        self.recoverer = recoverer
        self.partial_fill = partial_fill
        self.scaling = scaling

    # ------------------------------------------------------------ columns
    def validate(self, estimator, X, *, reset, min_samples):
        """Validated float64 ``X``; categorical columns hold category codes.

        ``estimator`` receives ``n_features_in_`` and ``feature_names_in_``
        (scikit-learn's ``validate_data``). With ``reset`` the categorical
        columns are found and their categories learnt; a code is the
        position in ``categories``, NaN for a missing entry or a category
        unseen in ``fit``.
        """
        from ._validation import check_mixed_X

        if reset:
            # A DataFrame's labels, whatever their type: integer labels are names.
            self.column_labels = frame_labels(X)
            self.integer_labels = integer_labels(X)
            # "from_dtype" must not take numbers stored as text for categories.
            self.numeric_text = (find_numeric_text_columns(X)
                                 if self.categorical_features == "from_dtype" else [])
        else:
            check_columns_as_in_fit(estimator, X, getattr(self, "column_labels", None))
        X = read_numeric_text(X, self.numeric_text, at_fit=reset)
        if reset:
            categorical = resolve_categorical_features(
                categorical_by_label(self.categorical_features, self.integer_labels), X)
        else:
            categorical = self.is_categorical
        X_float, raw = check_mixed_X(estimator, X, reset=reset, categorical=categorical,
                                     min_samples=min_samples)
        if reset:
            encoding = CategoricalEncoding.fit_columns(
                raw, categorical, X_float.shape[1],
                getattr(estimator, "feature_names_in_", None))
            self.encoding = encoding if raw else None
            self.is_categorical = encoding.mask
            self.categories = [c.copy() for c in encoding.categories]
        if raw and self.encoding is not None:
            X_float[:, self.encoding.columns] = self.encoding.codes(raw)
        return X_float

    def fit_columns(self, estimator, X):
        """Validate the training ``X`` and learn its columns and modalities.

        Returns the training value columns and their missing entries.
        """
        X = self.validate(estimator, X, reset=True, min_samples=2)
        names = getattr(estimator, "feature_names_in_", None)
        self.value_index, self.indicator_of = split_indicator_columns(names)
        if self.value_index is not None:
            self.value_names = [str(names[i]) for i in self.value_index]
        elif names is not None:
            self.value_names = [str(n) for n in names]
        else:  # integer labels of a DataFrame name the modalities of modalities=None
            self.value_names = (None if self.integer_labels is None
                                else [str(n) for n in self.integer_labels])
        values, missing = self.split(X)
        self.spec = resolve_modalities(
            modalities_by_label(self.modalities, self.integer_labels), values.shape[1],
            self.value_names, missing)
        # The network reads each categorical column as a one-hot block.
        self.layout = (None if self.encoding is None
                       else self.encoding.layout(self.value_index, values.shape[1]))
        self.network_spec = self.spec if self.layout is None else self.layout.expand_spec(
            self.spec)
        return X, values, missing

    @property
    def has_indicators(self):
        """``X`` carries missingness indicators: its values arrive recovered."""
        return bool(self.indicator_of)

    def split(self, X):
        """Value columns (category codes included) and their missing entries."""
        values = X[:, self.value_index] if self.indicator_of else X
        return values, missing_entries(values, self.indicator_of, X)

    def observed(self, missing, min_fraction=1.0):
        """Observed modalities per row, from the user's columns' missing entries."""
        return observed_modalities(missing, self.spec, min_fraction)

    def one_hot(self, values, missing):
        """Codes -> one-hot blocks (NaN where missing), and the missing mask to match."""
        if self.layout is None:
            return values, missing
        return self.layout.expand(values), self.layout.expand_missing(missing)

    # ----------------------------------------------------------- recovery
    def uses_partial_gaussians(self):
        """``partial_fill`` resolved: "auto" means the Gaussians with the default recoverer."""
        fill = self.partial_fill
        return fill == "gaussian" or (fill == "auto" and self.recoverer is None)

    def fit_recovery(self, values, missing, seed):
        """Fit the recoverer, the scaler and the partial-fill Gaussians.

        ``values`` and ``missing`` are the training rows' value columns (one
        code per categorical column). Returns them as one-hot blocks.
        """
        values, missing = self.one_hot(values, missing)
        one_hot = None if self.layout is None else self.layout.one_hot_columns
        self.recoverer_ = (None if self.indicator_of
                           else fit_recoverer(self.recoverer, values, default_seed=seed))
        # Where suggest_measurements draws a missing modality's values from when
        # the recoverer keeps no training rows of its own (a capped sample).
        self.reference_rows = reference_rows(self.recoverer_, values, missing, seed)
        # The scaler first: it names columns whose values overflow.
        self.scaler = ColumnScaler.fit(values, missing, unscaled=one_hot, method=self.scaling)
        self.gaussians = None
        self.recovery_choice = None
        if self.recoverer_ is not None and self.uses_partial_gaussians():
            observed_values = np.where(missing, np.nan, values)
            self.gaussians = fit_modality_gaussians(
                observed_values, missing, self.network_spec.columns, skip=one_hot)
            if self.partial_fill == "auto" and any(g is not None for g in self.gaussians):
                # Per modality, the recoverer or the Gaussian, whichever
                # reconstructed hidden training entries better out of fold.
                self.recovery_choice = choose_recovery(
                    observed_values, missing, self.network_spec.columns, one_hot,
                    self.recoverer, self.scaler.scale, seed)
        return values, missing

    def recover(self, values, missing, recoverer=None, partial_fill=True):
        """One-hot ``values`` with their missing entries recovered.

        ``recoverer`` defaults to the fitted one (the regressor's recovery
        error passes a fold's); ``partial_fill=False`` leaves a partly
        observed modality's gaps at the recoverer's values.
        """
        if self.recoverer_ is None and recoverer is None:
            if np.isnan(values).any():
                raise ValueError(
                    "X carries missingness indicator columns but its values still "
                    "contain NaN; recover them first (ModalityRecoverer does)"
                )
            recovered = values
        else:
            recovered = recover(self.recoverer_ if recoverer is None else recoverer,
                                values, missing)
            if partial_fill and self.gaussians is not None:
                # Gaps in a partly observed modality (and wholly missing ones,
                # where fit chose so): the Gaussian conditional mean.
                choice = getattr(self, "recovery_choice", None)
                recovered = fill_partial_gaps(
                    values, missing, recovered, self.gaussians,
                    gaps=None if choice is None else choice.gaps,
                    whole=None if choice is None else choice.whole)
        if self.layout is not None:
            recovered = self.layout.snap(recovered, missing)
        return recovered

    def to_input(self, values, missing=None):
        """Scaled float32 network input; ``missing`` entries (if given) become 0."""
        if missing is not None:
            values = np.where(missing, np.nan, values)
        return to_network_input(self.scaler.transform(values))

    # ------------------------------------------------------------- faces
    def transform(self, X, *, min_observed_fraction, partial_fill, observed_only=False):
        """Validated rows -> (network input, observed mask), recovery included.

        The predict-time path. ``min_observed_fraction`` and
        ``partial_fill`` act at predict time, so they are the estimator's
        current values: a modality with at least ``min_observed_fraction``
        of its entries present starts as observed (its few gaps recovered)
        instead of as a candidate; the fraction is counted over the user's
        columns (a categorical column is one entry).
        ``partial_fill="recoverer"`` leaves the gaps at the recoverer's values.

        ``observed_only=True`` (``selection="observed"``) recovers only the
        rows whose prediction reads a recovered entry: those with gaps in
        an observed modality, and those that observe none. The other rows'
        unobserved modalities are left at 0, as in training; the network
        never reads them under their observed mask.
        """
        values, missing = self.split(X)
        observed = self.observed(missing, min_observed_fraction)
        if observed_only:
            needs = ~observed.any(axis=1)
            for m, cols in enumerate(self.spec.columns):
                needs |= observed[:, m] & missing[:, cols].any(axis=1)
        values, missing = self.one_hot(values, missing)
        if not observed_only or needs.all():
            x = self.to_input(self.recover(values, missing,
                                           partial_fill=partial_fill != "recoverer"))
        else:
            x = self.to_input(values, missing)
            if needs.any():
                x[torch.as_tensor(needs)] = self.to_input(self.recover(
                    values[needs], missing[needs], partial_fill=partial_fill != "recoverer"))
        return x, torch.as_tensor(observed)

    def training_input(self, values, missing):
        """Training rows (one-hot) -> network input of their observed entries only.

        Only observed entries are ever unmasked in training; the rest is 0.
        """
        return self.to_input(values, missing)
