"""``suggest_measurements``: which missing modality is worth measuring, per row.

For a row and a modality ``u`` it did not observe, ``k`` plausible values
of ``u`` come from the training rows nearest to the row (:mod:`._samples`).
Each one gives a prediction from the modalities the row's prediction used
plus ``u`` at that value, as if measured (``u`` observed). With ``p_j`` the
predictions of the ``k`` samples and ``p`` their average (what the row's
outcome is before ``u`` is known, under the samples):

- classifier: expected gain ``H(p) - mean_j H(p_j)`` (nats), the expected
  reduction of the predictive entropy, i.e. the mutual information of the
  label and ``u`` under the samples; ``label_change`` is the fraction of
  samples whose predicted label differs from the row's prediction now;
- regressor: expected gain ``var_j(mean_j)``, the part of the predictive
  variance that knowing ``u`` removes (law of total variance), in ``y``'s
  units squared; ``mean_change`` is the mean absolute change of the
  predicted mean from the row's prediction now.

All samples of all (row, modality) pairs of a block of rows go through
the network in one call; loops run over blocks and modalities only.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted

from .._network._fusion import pad_rows
from .._selection._rewards import get_reward_rule
from ._passes import forward_by_size
from ._samples import DonorSamples, n_samples_of

#: Network rows (one per sample of a row's modality) per call.
SAMPLE_ROWS_PER_CALL = 8192


def check_costs(costs, names):
    """``costs`` (dict modality -> positive cost) as an ``(M,)`` array, or None."""
    if costs is None:
        return None
    if not isinstance(costs, dict):
        raise TypeError(f"costs must be a dict modality name -> cost, got "
                        f"{type(costs).__name__}")
    unknown = [k for k in costs if k not in names]
    if unknown:
        raise ValueError(f"costs names modalities {unknown} that the model does not "
                         f"have; its modalities are {list(names)}")
    absent = [n for n in names if n not in costs]
    if absent:
        raise ValueError(f"costs has no cost for modalities {absent}; give one for "
                         f"every modality of {list(names)}")
    values = []
    for name in names:
        cost = costs[name]
        if isinstance(cost, bool) or not isinstance(cost, Real) or not (
                np.isfinite(cost) and cost > 0):
            raise ValueError(f"the cost of modality {name!r} must be a positive finite "
                             f"number, got {cost!r}")
        values.append(float(cost))
    return np.asarray(values)


def _raw_values(data_path, X):
    """Validated rows -> one-hot values, NaN where missing (the donors' layout)."""
    values, missing = data_path.one_hot(*data_path.split(X))
    return np.where(missing, np.nan, values)


def _sample_inputs(data_path, samples, raw, x, used, observed, found):
    """Network input, masks and owner pair of every sample of every needed pair."""
    n_mod = used.shape[1]
    xs, masks, recovered, pair_row, pair_mod, pair_of = [], [], [], [], [], []
    n_pairs = 0
    for m, hit in enumerate(found):
        if hit is None:
            continue
        positions, donors = hit
        r, k = donors.shape
        rows = torch.as_tensor(positions)
        values = samples.values(raw[positions], m, donors).reshape(r * k, -1)
        cols = samples.columns[m]
        full = np.full((r * k, raw.shape[1]), np.nan)
        full[:, cols] = values
        inputs = x[rows].repeat_interleave(k, 0)
        inputs[:, cols] = data_path.to_input(full)[:, cols]
        measured = torch.zeros(n_mod, dtype=torch.bool)
        measured[m] = True
        after = used[rows] | measured
        xs.append(inputs)
        masks.append(after.repeat_interleave(k, 0))
        recovered.append((after & ~(observed[rows] | measured)).repeat_interleave(k, 0))
        pair_row.append(positions)
        pair_mod.append(np.full(r, m))
        pair_of.append(n_pairs + np.repeat(np.arange(r), k))
        n_pairs += r
    if not xs:
        return None
    return (torch.cat(xs), torch.cat(masks), torch.cat(recovered),
            np.concatenate(pair_row), np.concatenate(pair_mod), np.concatenate(pair_of))


def _entropy(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(-1)


def _pair_means(values, pair_of, n_pairs):
    """Mean of ``values`` (N, ...) over the samples of each pair."""
    counts = np.bincount(pair_of, minlength=n_pairs)
    totals = np.zeros((n_pairs,) + values.shape[1:])
    np.add.at(totals, pair_of, values)
    return totals / counts.reshape((-1,) + (1,) * (values.ndim - 1))


def _gains(classifier, outputs, pair_of, n_pairs, current):
    """Expected gain and prediction change of each pair (see the module docstring).

    ``current``: each pair's row's prediction now (class index or mean).
    """
    if classifier:
        mixture = _pair_means(outputs, pair_of, n_pairs)
        gain = _entropy(mixture) - _pair_means(_entropy(outputs), pair_of, n_pairs)
        change = _pair_means((outputs.argmax(1) != current[pair_of]).astype(float),
                             pair_of, n_pairs)
    else:
        mean = outputs[:, 0]
        centre = _pair_means(mean, pair_of, n_pairs)
        gain = _pair_means((mean - centre[pair_of]) ** 2, pair_of, n_pairs)
        change = _pair_means(np.abs(mean - current[pair_of]), pair_of, n_pairs)
    # Rounding can leave -1e-17 where every sample agrees; the gain is >= 0.
    return np.maximum(gain, 0.0), change


@torch.no_grad()
def suggest_measurements(estimator, X, *, costs=None, selection=None, n_samples=None):
    """See :meth:`~sklearn_dymo._inference.InferenceMixin.suggest_measurements`."""
    from .._inference import row_chunks  # the estimators import this module

    check_is_fitted(estimator)
    names = list(estimator.modality_names_)
    cost = check_costs(costs, names)
    if n_samples is not None and (isinstance(n_samples, bool) or not isinstance(
            n_samples, Integral) or n_samples < 1):
        raise ValueError(f"n_samples must be a positive integer or None, got {n_samples!r}")
    strategy, strength, threshold = estimator._policy(selection)
    index = X.index if isinstance(X, pd.DataFrame) else None
    X = estimator._check_X(X)
    index = pd.RangeIndex(X.shape[0]) if index is None else index
    path = estimator._data_path
    samples = DonorSamples(path, n_samples_of(path.recoverer_, n_samples))
    module = estimator.net_.module_
    module.eval()
    task = estimator._task
    classifier = is_classifier(estimator)
    scorer = task.make_scorer(estimator.subset_statistics_)
    rule = get_reward_rule(estimator.calibrate, strength)
    device = estimator.device_
    n_mod = len(names)
    block_rows = max(1, SAMPLE_ROWS_PER_CALL // (n_mod * samples.k))

    parts = []
    for chunk in row_chunks(X.shape[0]):
        x, observed = estimator._transform_rows(X[chunk])
        _, _, out = estimator._encode_select(x, observed, scorer, rule, strategy, threshold)
        used = out.final_mask.cpu()
        now = task.outputs(out.logits.double(), out.final_mask,
                           out.final_mask & ~observed.to(device), scorer)
        current = now.argmax(1) if classifier else now[:, 0]
        raw = _raw_values(path, X[chunk])
        offset = chunk.start
        for start in range(0, x.shape[0], block_rows):
            block = slice(start, start + block_rows)
            found = samples.nearest(raw[block], ~observed[block].numpy())
            built = _sample_inputs(path, samples, raw[block], x[block], used[block],
                                   observed[block], found)
            if built is None:
                continue
            inputs, masks, recovered, pair_row, pair_mod, pair_of = built
            inputs, masks = inputs.to(device), masks.to(device)
            padded = pad_rows(inputs)
            n = inputs.shape[0]
            tokens = module.encode(padded)[:n]
            linear = module.linear_terms(padded)
            cache = module.first_layer_cache(pad_rows(tokens),
                                             None if linear is None else pad_rows(linear))
            logits = forward_by_size(module, cache, torch.arange(n, device=device), masks)
            outputs = task.outputs(logits.double(), masks, recovered.to(device), scorer)
            gain, change = _gains(classifier, outputs, pair_of, pair_row.size,
                                  current[start:start + block_rows][pair_row])
            parts.append((pair_row + start + offset, pair_mod, gain, change))
    return _ranked(parts, names, index, cost, classifier)


def _ranked(parts, names, index, cost, classifier):
    """The long table: one row per (row of X, missing modality), best first."""
    if parts:
        row, modality, gain, change = (np.concatenate(p) for p in zip(*parts))
    else:
        row = modality = np.zeros(0, dtype=np.int64)
        gain = change = np.zeros(0)
    key = gain if cost is None else gain / cost[modality]
    # Per row (in X's order), highest key first; ties by modality order.
    order = np.lexsort((modality, -key, row))
    row, modality, gain, change, key = (a[order] for a in (row, modality, gain, change, key))
    starts = np.r_[0, np.flatnonzero(np.diff(row)) + 1] if row.size else np.zeros(0, int)
    first = np.repeat(starts, np.diff(np.r_[starts, row.size]))
    columns = {
        "modality": pd.Categorical.from_codes(modality, categories=names),
        "rank": np.arange(row.size) - first + 1,
        "expected_gain": gain,
        ("label_change" if classifier else "mean_change"): change,
    }
    if cost is not None:
        columns["cost"] = cost[modality]
        columns["gain_per_cost"] = key
    return pd.DataFrame(columns, index=index[row])
