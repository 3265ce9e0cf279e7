"""The predict-time half of the DyMo estimators' data path.

predict: X -> category codes -> masks -> one-hot blocks -> recovered values
           (categorical blocks snapped to one category) -> tensors
           -> encode once -> selection (rewards, calibration, path) -> outputs

``InferenceMixin`` runs it in chunks of ``PREDICT_CHUNK`` rows (bounded
memory) and assembles a :class:`SelectionResult`; ``select_modalities`` and
``explain_selection`` are its public faces. It relies on the fitted
:class:`~._input._data_path.DataPath` and task object of :class:`~._base.BaseDyMo`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from ._memory import release_freed_memory
from ._network._fusion import pad_rows
from ._params import SELECTIONS
from ._selection._algorithm import (
    concat_records,
    paths_from_masks,
    paths_from_records,
    select,
)
from ._selection._result import SelectionResult, reward_table
from ._selection._rewards import get_reward_rule

#: Rows encoded and selected together at predict time (bounds memory).
PREDICT_CHUNK = 2048


def row_chunks(n_rows):
    """Slices of at most ``PREDICT_CHUNK`` rows covering ``range(n_rows)``."""
    return (slice(start, start + PREDICT_CHUNK) for start in range(0, n_rows, PREDICT_CHUNK))


class InferenceMixin:
    """Predict-time data path: chunked recovery, selection and results."""

    def _check_X(self, X):
        """Validated float64 ``X`` for prediction (0 rows allowed)."""
        return self._data_path.validate(self, X, reset=False, min_samples=0)

    def _transform_rows(self, X):
        """Validated rows -> (network input, observed mask): the fitted data path."""
        return self._data_path.transform(X, min_observed_fraction=self.min_observed_fraction,
                                         partial_fill=self.partial_fill)

    def _prepare(self, X):
        """``X`` -> (network input, observed mask) for all rows at once."""
        return self._transform_rows(self._check_X(X))

    # -------------------------------------------------------------- selection
    def _policy(self, selection):
        """``selection`` (or the fitted default) -> (strategy, gamma, tau)."""
        selection = self.selection if selection is None else selection
        if selection not in SELECTIONS:
            raise ValueError(f"selection must be one of {SELECTIONS}, got {selection!r}")
        if selection == "auto":
            if not hasattr(self, "selection_tuning_"):
                raise ValueError(
                    "selection='auto' needs the tuning done in fit: fit with "
                    "selection='auto' first"
                )
            params = self.selection_params_
            return (params["selection"], params["calibration_strength"],
                    params["reward_threshold"])
        return selection, self.calibration_strength, self.reward_threshold

    def _run_selection(self, X, selection):
        policy = self._policy(selection)
        index = X.index if isinstance(X, pd.DataFrame) else None
        X = self._check_X(X)
        # Recovery, tensors and selection run PREDICT_CHUNK rows at a time,
        # so memory stays bounded however many rows come in. Recoverers are
        # applied per chunk: they must treat rows independently (sklearn's
        # imputers do).
        chunks = (self._transform_rows(X[rows]) for rows in row_chunks(X.shape[0]))
        return self._select_chunks(chunks, *policy, index=index)

    def _select_prepared(self, x, observed, selection):
        """Selection on recovered, standardised rows (no recovery cost)."""
        chunks = ((x[rows], observed[rows]) for rows in row_chunks(x.shape[0]))
        return self._select_chunks(chunks, *self._policy(selection))

    @torch.no_grad()
    def _select_chunks(self, chunks, strategy, strength, threshold, index=None):
        """Run selection over ``(x, observed)`` chunks and assemble the result."""
        module = self.net_.module_
        module.eval()
        task = self._task
        scorer = task.make_scorer(self.subset_statistics_)
        rule = get_reward_rule(self.calibrate, strength)
        outputs, used, observed_all, parts = [], [], [], []
        n = 0
        for x, observed in chunks:
            # Padded to a fixed set of row counts: a row's tokens do not depend on
            # how many rows are predicted with it (see _fusion.fuse_pairs).
            x = x.to(self.device_)
            padded = pad_rows(x)
            tokens = module.encode(padded)[:x.shape[0]]
            linear = module.linear_terms(padded)
            out = select(module, tokens, observed.to(self.device_), scorer, rule, strategy,
                         threshold=threshold, max_candidates=self.max_candidates,
                         priority=self._candidate_priority(),
                         linear=None if linear is None else linear[:x.shape[0]])
            logits = out.logits.double()
            if not torch.isfinite(logits).all():
                raise RuntimeError(
                    "the network produced non-finite outputs; its weights or the "
                    "input are broken (was the model trained with a diverging loss?)"
                )
            outputs.append(task.outputs(
                logits, out.final_mask, out.final_mask & ~observed.to(self.device_), scorer))
            used.append(out.final_mask.cpu().numpy())
            observed_all.append(observed.cpu().numpy())
            out.records["sample"] = out.records["sample"] + n
            parts.append(out.records)
            n += x.shape[0]
            del out, tokens, logits
            release_freed_memory()
        n_mod = len(self.modality_names_)
        output = np.concatenate(outputs) if outputs else np.zeros((0, task.n_outputs))
        used = np.concatenate(used) if used else np.zeros((0, n_mod), dtype=bool)
        observed = (np.concatenate(observed_all) if observed_all
                    else np.zeros((0, n_mod), dtype=bool))
        records = concat_records(parts)
        index = pd.RangeIndex(n) if index is None else index
        if strategy in ("observed", "all"):
            # No rewards: the path is every recovered modality used, in order.
            path = paths_from_masks(used & ~observed, self.modality_names_)
        else:
            path = paths_from_records(records, n, self.modality_names_)
        rows, rewards = reward_table(records["sample"], records["step"], records["modality"],
                                     records["reward"], records["accepted"], index,
                                     self.modality_names_)
        used = pd.DataFrame(used, columns=self.modality_names_, index=index)
        return SelectionResult(proba=output, path=path, rewards=rewards, used=used,
                               outputs=task.explanation_columns(output), reward_rows=rows)

    def _candidate_priority(self):
        """Order of candidates under ``max_candidates`` (most informative first)."""
        if self.max_candidates is None:
            return None
        return self.subset_statistics_.modality_information

    # ---------------------------------------------------------------- public
    def select_modalities(self, X, selection=None):
        """Run selection once and return probabilities, paths and rewards.

        Unlike ``predict_proba``, this does not store ``selection_path_``
        and lets you try another ``selection`` strategy on the same fitted
        model without refitting.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries.
        selection : {"iterative", "simultaneous", "observed", "all", "auto"}, optional
            Overrides the ``selection`` parameter for this call, with this
            estimator's ``calibration_strength`` and ``reward_threshold``;
            ``"auto"`` uses the tuned ``selection_params_``.

        Returns
        -------
        result : SelectionResult
            ``proba``, ``path``, ``rewards`` and ``used``.
        """
        check_is_fitted(self)
        return self._run_selection(X, selection)


    def explain_selection(self, X, selection=None):
        """Per-row selection results as data: which modalities, when, and why.

        Stateless (stores nothing on the estimator) and row-aligned, so it
        is safe where ``selection_path_`` is not: parallel or threaded
        prediction, dask partitions, wrappers such as
        ``CalibratedClassifierCV``. Each row's entries depend only on that
        row: the explanation of a concatenation of row blocks is the
        concatenation of the blocks' explanations.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            NaN marks missing entries. A DataFrame's index labels the rows
            of both tables; otherwise they are numbered from 0.
        selection : {"iterative", "simultaneous", "observed", "all", "auto"}, optional
            As in :meth:`select_modalities`.

        Returns
        -------
        result : SelectionResult
            The same result as :meth:`select_modalities`: ``table`` (one row
            per row of ``X``: ``observed__<modality>``, ``step__<modality>``,
            then ``proba__<class>`` and ``prediction`` for a classifier,
            ``mean``, ``std`` and ``prediction`` for a regressor) and
            ``rewards`` (one row per evaluated candidate, same index).

        Examples
        --------
        >>> from sklearn_dymo import DyMoClassifier
        >>> from sklearn_dymo.datasets import load_breast_cancer_modalities, drop_modalities
        >>> data = load_breast_cancer_modalities()
        >>> clf = DyMoClassifier(modalities=data.modalities, max_epochs=3, random_state=0)
        >>> clf = clf.fit(data.data, data.target)
        >>> X_test = drop_modalities(data.data[:5], data.modalities, rate=0.6, random_state=0)
        >>> table = clf.explain_selection(X_test).table
        >>> table.shape
        (5, 9)
        >>> bool((table["prediction"] == clf.predict(X_test)).all())
        True
        """
        check_is_fitted(self)
        return self._run_selection(X, selection)

    def _predict_result(self, X):
        """Selection with the fitted policy; records ``selection_path_`` from it.

        The one place where predicting writes on the estimator: the path and
        rewards of the last call (``explain_selection`` is the stateless way).
        """
        check_is_fitted(self)
        result = self._run_selection(X, self.selection)
        self.selection_path_ = result.path
        self.selection_rewards_ = result.rewards
        return result
