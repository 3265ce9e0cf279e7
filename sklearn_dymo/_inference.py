"""The predict-time half of the DyMo estimators' data path.

predict: X -> category codes -> masks -> one-hot blocks -> recovered values
           (categorical blocks snapped to one category) -> tensors
           -> encode once -> selection (rewards, calibration, path) -> outputs

``InferenceMixin`` runs it in chunks of ``PREDICT_CHUNK`` rows (bounded
memory) and assembles a :class:`SelectionResult`; ``select_modalities`` and
``explain_selection`` are its public faces. ``explain_modalities`` and
``suggest_measurements`` run the same chunks and evaluate more subsets
of the encoded rows (the work is in :mod:`._explain`). It relies on the fitted
:class:`~._input._data_path.DataPath` and task object of :class:`~._base.BaseDyMo`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from ._drift import PATTERN_CHUNK, MissingnessPatterns, missingness_table, warn_drift
from ._memory import release_freed_memory
from ._network._fusion import pad_rows
from ._params import SELECTIONS
from ._progress import progress_chunks
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

    def _transform_rows(self, X, observed_only=False):
        """Validated rows -> (network input, observed mask): the fitted data path."""
        return self._data_path.transform(X, min_observed_fraction=self.min_observed_fraction,
                                         partial_fill=self.partial_fill,
                                         observed_only=observed_only)

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
        self._warn_missingness_drift(X)
        # Recovery, tensors and selection run PREDICT_CHUNK rows at a time,
        # so memory stays bounded however many rows come in. Recoverers are
        # applied per chunk: they must treat rows independently (sklearn's
        # imputers do).
        # Observed-only selection never reads a recovered modality of a row
        # that observes one: those rows skip recovery.
        observed_only = policy[0] == "observed"
        chunks = (self._transform_rows(X[rows], observed_only)
                  for rows in row_chunks(X.shape[0]))
        chunks = progress_chunks(chunks, X.shape[0], self.verbose,
                                 f"{type(self).__name__} predict")
        return self._select_chunks(chunks, *policy, index=index)

    # ---------------------------------------------------------------- drift
    def _missingness_table(self, X):
        """Validated ``X`` -> :func:`~._drift.missingness_table` against training."""
        path = self._data_path
        train = getattr(path, "training_patterns", None)
        if train is None:
            raise AttributeError(
                "this model was fitted by a version of sklearn-dymo that did not count "
                "the training rows' missingness patterns; refit it")
        parts = []
        for start in range(0, X.shape[0], PATTERN_CHUNK):
            _, missing = path.split(X[start:start + PATTERN_CHUNK])
            parts.append(MissingnessPatterns.from_missing(~path.observed(missing)))
        test = MissingnessPatterns.concat(parts, len(self.modality_names_))
        return missingness_table(train, test, self.modality_names_), train

    def _warn_missingness_drift(self, X):
        """At most one :class:`~._drift.MissingnessDriftWarning` per predict call."""
        if getattr(self._data_path, "training_patterns", None) is None or not X.shape[0]:
            return
        table, train = self._missingness_table(X)
        warn_drift(type(self).__name__, table, train, self.modality_names_)

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
            _, _, out = self._encode_select(x, observed, scorer, rule, strategy, threshold)
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
            del out, logits
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

    def _encode_select(self, x, observed, scorer, rule, strategy, threshold):
        """Encode one chunk of rows once and run selection on it.

        Returns the tokens and linear-path terms (for callers that evaluate
        more subsets of the same rows: ``explain_modalities``) and the
        :class:`~._selection._algorithm.SelectionOutcome`.
        """
        module = self.net_.module_
        # Padded to a fixed set of row counts: a row's tokens do not depend on
        # how many rows are predicted with it (see _fusion.fuse_pairs).
        x = x.to(self.device_)
        padded = pad_rows(x)
        tokens = module.encode(padded)[:x.shape[0]]
        linear = module.linear_terms(padded)
        linear = None if linear is None else linear[:x.shape[0]]
        out = select(module, tokens, observed.to(self.device_), scorer, rule, strategy,
                     threshold=threshold, max_candidates=self.max_candidates,
                     priority=self._candidate_priority(), linear=linear)
        return tokens, linear, out

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

    def explain_modalities(self, X, *, output=None, selection=None, max_exact=10,
                           n_permutations=64, random_state=None):
        """Shapley values of the modalities each prediction used.

        The players of a row are the modalities its prediction used (the
        observed ones and the recovered ones selection added, from the same
        run as :meth:`predict`); the value of a coalition of them is the
        network's output from those modalities alone, with the values the
        prediction used. A modality the prediction did not use gets 0.
        The network is never trained on an empty set of modalities, so the
        empty coalition is worth what the training data say without any:
        the predicted class's training frequency (classifier), the training
        mean of ``y`` or the log of its variance (regressor). The values of
        a row sum to ``value - base_value``.

        Rows with at most ``max_exact`` players are explained exactly
        (``2**m - 1`` network passes for ``m`` players, all in one batched
        call per block of rows); rows with more are estimated from
        ``n_permutations`` permutations of the modalities (with their
        reverses), the same for every row. Each row's values depend only
        on that row (and ``random_state`` on the sampled path): the
        explanation of a concatenation of row blocks is the concatenation
        of the blocks' explanations. Stores nothing on the estimator.

        Attributions say how the network's output depends on each
        modality *for this row*, given the others; they are not causal
        effects, and the value of a recovered modality is the value of
        its recovered entries, not of the true ones.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            NaN marks missing entries. A DataFrame's index labels the rows
            of the result; otherwise they are numbered from 0.
        output : str, default=None
            The output explained. Classifier: ``"log_proba"`` (default,
            the log-probability of the predicted class) or ``"proba"``.
            Regressor: ``"mean"`` (default, the predicted mean in ``y``'s
            units) or ``"log_variance"`` (the log of the predictive
            variance, recovery variance included).
        selection : {"iterative", "simultaneous", "observed", "all", "auto"}, optional
            As in :meth:`select_modalities`: which modalities are used.
        max_exact : int, default=10
            Rows with at most this many used modalities are explained
            exactly (at 10, 1,023 passes per row); 0 samples every row.
            At most 16.
        n_permutations : int, default=64
            Permutations per row beyond ``max_exact`` (``m - 1`` passes
            each, plus one).
        random_state : int, RandomState instance or None, default=None
            Draws the permutations of the sampled path; an int makes it
            reproducible. Exact rows do not depend on it.

        Returns
        -------
        table : DataFrame, one row per row of ``X``, same index
            ``shapley__<modality>`` (float64, per modality),
            ``used__<modality>`` (bool: a player of the row),
            ``base_value`` (the empty coalition), ``value`` (the output
            from every used modality), ``prediction`` (as :meth:`predict`)
            and ``exact`` (bool: exact, not sampled).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_dymo import DyMoClassifier
        >>> from sklearn_dymo.datasets import load_breast_cancer_modalities, drop_modalities
        >>> data = load_breast_cancer_modalities()
        >>> clf = DyMoClassifier(modalities=data.modalities, max_epochs=3, random_state=0)
        >>> clf = clf.fit(data.data, data.target)
        >>> X_test = drop_modalities(data.data[:5], data.modalities, rate=0.3, random_state=0)
        >>> table = clf.explain_modalities(X_test)
        >>> list(table.columns[:3])
        ['shapley__mean', 'shapley__se', 'shapley__worst']
        >>> values = table.filter(like="shapley__").sum(axis=1)
        >>> bool(np.allclose(values, table["value"] - table["base_value"]))
        True
        >>> bool(np.allclose(np.exp(table["value"]), clf.predict_proba(X_test).max(axis=1)))
        True
        """
        from ._explain import explain_modalities

        return explain_modalities(self, X, output=output, selection=selection,
                                  max_exact=max_exact, n_permutations=n_permutations,
                                  random_state=random_state)

    def suggest_measurements(self, X, costs=None, *, selection=None, n_samples=None):
        """Which missing modality of each row would be most worth measuring.

        For every row and every modality it did not observe, plausible
        values of that modality are drawn from the training rows nearest
        to the row on what it observed (with the default recoverer, the
        ``n_neighbors`` donors whose mean it recovers; with another
        recoverer, from up to 2,000 training rows kept in ``fit``), and
        the prediction is made from the modalities the row's prediction
        used plus that one, as measured, at each value. The expected gain
        of measuring it is how much of the prediction's uncertainty those
        values disagree on:

        - classifier: the expected reduction of the predictive entropy, in
          nats (the entropy of the averaged prediction minus the average
          entropy: the mutual information of the label and the modality
          under the samples). ``label_change`` is the fraction of samples
          whose predicted label differs from the row's prediction now;
        - regressor: the expected reduction of the predictive variance, in
          ``y``'s units squared (the variance of the predicted mean over
          the samples). ``mean_change`` is the mean absolute change of the
          predicted mean.

        The gain is an estimate from ``n_samples`` values only, and only as
        good as they are: a modality the recoverer cannot tell apart from
        the row's neighbours' looks not worth measuring. It does not say
        what the measurement will show. A modality no training row fully
        observed is never suggested (the network cannot use it). Each
        row's suggestions depend only on that row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            NaN marks missing entries. A DataFrame's index labels the rows.
        costs : dict, default=None
            Cost of measuring each modality (name -> positive number, one
            for every modality). With costs, rows are ranked by
            ``gain_per_cost``; without, by ``expected_gain``.
        selection : {"iterative", "simultaneous", "observed", "all", "auto"}, optional
            As in :meth:`select_modalities`: the modalities the prediction
            uses now.
        n_samples : int, default=None
            Plausible values per missing modality; None uses the
            recoverer's ``n_neighbors`` (5 by default), or 5.

        Returns
        -------
        suggestions : DataFrame, one row per (row of ``X``, modality it did not observe)
            Indexed by the row of ``X`` it belongs to (a label repeats once
            per missing modality), in the order of ``X`` and best first
            within a row: ``modality`` (categorical over the modality
            names), ``rank`` (1 = measure first), ``expected_gain``, then
            ``label_change`` (classifier) or ``mean_change`` (regressor),
            and with ``costs`` also ``cost`` and ``gain_per_cost``. A row
            that observed every modality has no entry.

        Examples
        --------
        >>> from sklearn_dymo import DyMoClassifier
        >>> from sklearn_dymo.datasets import load_breast_cancer_modalities, drop_modalities
        >>> data = load_breast_cancer_modalities()
        >>> clf = DyMoClassifier(modalities=data.modalities, max_epochs=3, random_state=0)
        >>> clf = clf.fit(data.data, data.target)
        >>> X_test = drop_modalities(data.data[:4], data.modalities, rate=0.6, random_state=0)
        >>> suggestions = clf.suggest_measurements(X_test)
        >>> list(suggestions.columns)
        ['modality', 'rank', 'expected_gain', 'label_change']
        >>> len(suggestions)  # two of three modalities are missing in each row
        8
        >>> first = suggestions[suggestions["rank"] == 1]  # what to measure next, per row
        >>> first.index.tolist()
        [0, 1, 2, 3]
        """
        from ._explain import suggest_measurements

        return suggest_measurements(self, X, costs=costs, selection=selection,
                                    n_samples=n_samples)

    def missingness_report(self, X):
        """Missingness patterns of ``X`` against those of the training rows.

        A row's pattern is the set of its modalities that are missing (a
        modality is missing when any of its entries is, as in training).
        Patterns no training row had are those ``predict`` warns about
        (:class:`MissingnessDriftWarning`): a modality never missing in
        training, a combination never missing together, or a modality
        always missing in training that ``X`` observes.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            NaN marks missing entries.

        Returns
        -------
        report : DataFrame
            One row per pattern of ``X`` or of the training rows:
            ``pattern`` (tuple of the missing modalities' names, ``()`` for
            a complete row), ``n_train`` and ``n_test`` (rows of the training
            data and of ``X`` with it) and ``seen_in_training``; patterns
            of ``X`` first, most rows first.

        Examples
        --------
        >>> from sklearn_dymo import DyMoClassifier
        >>> from sklearn_dymo.datasets import load_breast_cancer_modalities, drop_modalities
        >>> data = load_breast_cancer_modalities()
        >>> clf = DyMoClassifier(modalities=data.modalities, max_epochs=2, random_state=0)
        >>> clf = clf.fit(data.data, data.target)
        >>> X_test = drop_modalities(data.data[:6], data.modalities, rate=0.4, random_state=0)
        >>> report = clf.missingness_report(X_test)
        >>> list(report.columns)
        ['pattern', 'n_train', 'n_test', 'seen_in_training']
        >>> int(report["n_test"].sum()), bool(report["seen_in_training"].any())
        (6, True)
        """
        check_is_fitted(self)
        return self._missingness_table(self._check_X(X))[0]

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
