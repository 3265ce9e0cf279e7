"""``explain_modalities``: Shapley values of the modalities a prediction used.

Per chunk of rows, the same run as ``predict``: recovery, one encoding,
selection (which fixes each row's players: the modalities its prediction
used). Then every coalition of a row's players is a mask over the same
encoded row, so all of them go through the transformer in one batched
call per block of rows (:mod:`._passes`: padded and grouped so that a
pair's output does not depend on the pairs beside it): ``2**m - 1``
pairs for ``m`` players, or ``P (m - 1) + 1`` for ``P`` sampled
permutations beyond ``max_exact``. The arithmetic is in
:mod:`._coalitions`, the value of a coalition in :mod:`._values`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from .._memory import release_freed_memory
from .._network._fusion import pad_rows
from .._selection._rewards import get_reward_rule
from ._coalitions import (
    draw_permutations,
    exact_masks,
    exact_values,
    permutation_masks,
    permutation_values,
)
from ._passes import forward_by_size
from ._values import value_function

#: Largest ``max_exact``: 2**16 coalitions per row is already a minute per
#: thousand rows; beyond it, sampled permutations are the only sane path.
MAX_EXACT_LIMIT = 16
#: Coalitions per network call (bounds memory: logits and latents of each).
PAIRS_PER_CALL = 1 << 16


def _check_int(name, value, low, high=None):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low or (
            high is not None and value > high):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
    return int(value)


def _row_blocks(rows, pairs_per_row):
    """Blocks of ``rows`` whose coalitions fit one call of ``PAIRS_PER_CALL``."""
    step = max(1, PAIRS_PER_CALL // max(1, pairs_per_row))
    return (rows[start:start + step] for start in range(0, rows.shape[0], step))


def _evaluate(module, cache, value, rows, masks, observed, target):
    """Value of coalition ``masks[i]`` (non-empty) of cache row ``rows[i]``."""
    logits = forward_by_size(module, cache, rows, masks)
    return value(logits, masks, masks & ~observed[rows], target[rows])


def _exact(module, cache, value, rows, used, observed, target):
    """Exact Shapley values ``(len(rows), M)`` and each row's full value."""
    masks = exact_masks(used[rows])  # (r, 2**m, M), coalition 0 empty
    r, n_sets, n_mod = masks.shape
    pair_rows = rows.repeat_interleave(n_sets - 1)
    values = torch.empty(r, n_sets, dtype=torch.float64, device=used.device)
    values[:, 0] = value.empty(target[rows])
    values[:, 1:] = _evaluate(module, cache, value, pair_rows,
                              masks[:, 1:].reshape(-1, n_mod), observed,
                              target).view(r, n_sets - 1)
    return exact_values(values, used[rows]), values[:, -1]


def _sampled(module, cache, value, rows, used, observed, target, permutations):
    """Shapley values estimated on ``permutations``, and each row's full value."""
    masks, order = permutation_masks(used[rows], permutations)  # (r, P, m + 1, M)
    r, n_perm, n_steps, n_mod = masks.shape
    m = n_steps - 1
    values = torch.empty(r, n_perm, n_steps, dtype=torch.float64, device=used.device)
    values[:, :, 0] = value.empty(target[rows])[:, None]
    # The full set is the same under every permutation: one evaluation.
    full = _evaluate(module, cache, value, rows, used[rows], observed, target)
    values[:, :, m] = full[:, None]
    if m > 1:
        inner = masks[:, :, 1:m].reshape(-1, n_mod)
        pair_rows = rows.repeat_interleave(n_perm * (m - 1))
        values[:, :, 1:m] = _evaluate(module, cache, value, pair_rows, inner, observed,
                                      target).view(r, n_perm, m - 1)
    return permutation_values(values, order, n_mod), full


@torch.no_grad()
def explain_modalities(estimator, X, *, output=None, selection=None, max_exact=10,
                       n_permutations=64, random_state=None):
    """See :meth:`~sklearn_dymo._inference.InferenceMixin.explain_modalities`."""
    from .._inference import row_chunks  # the estimators import this module

    check_is_fitted(estimator)
    max_exact = _check_int("max_exact", max_exact, 0, MAX_EXACT_LIMIT)
    n_permutations = _check_int("n_permutations", n_permutations, 1)
    value = value_function(estimator, output)
    strategy, strength, threshold = estimator._policy(selection)
    index = X.index if isinstance(X, pd.DataFrame) else None
    X = estimator._check_X(X)
    names = list(estimator.modality_names_)
    n_mod = len(names)
    # Drawn once, whatever the rows: a row's values depend on it and the seed only.
    permutations = torch.as_tensor(draw_permutations(n_mod, n_permutations, random_state))
    module = estimator.net_.module_
    module.eval()
    task = estimator._task
    scorer = task.make_scorer(estimator.subset_statistics_)
    rule = get_reward_rule(estimator.calibrate, strength)
    device = estimator.device_
    permutations = permutations.to(device)

    parts = []
    for chunk in row_chunks(X.shape[0]):
        x, observed = estimator._transform_rows(X[chunk])
        observed = observed.to(device)
        tokens, linear, out = estimator._encode_select(x, observed, scorer, rule, strategy,
                                                       threshold)
        used = out.final_mask
        cache = module.first_layer_cache(pad_rows(tokens),
                                         None if linear is None else pad_rows(linear))
        target = value.target(out.logits)
        n = used.shape[0]
        phi = torch.zeros(n, n_mod, dtype=torch.float64, device=device)
        full = torch.empty(n, dtype=torch.float64, device=device)
        exact = torch.zeros(n, dtype=torch.bool, device=device)
        size = used.sum(1)
        for m in torch.unique(size).tolist():
            group = (size == m).nonzero()[:, 0]
            if m <= max_exact:
                blocks, pairs = _row_blocks(group, (1 << m) - 1), None
            else:
                blocks, pairs = _row_blocks(group, n_permutations * (m - 1) + 1), True
            for rows in blocks:
                if pairs is None:
                    phi[rows], full[rows] = _exact(module, cache, value, rows, used,
                                                   observed, target)
                    exact[rows] = True
                else:
                    phi[rows], full[rows] = _sampled(module, cache, value, rows, used,
                                                     observed, target, permutations)
        outputs = task.outputs(out.logits.double(), used, used & ~observed, scorer)
        parts.append((phi.cpu().numpy(), used.cpu().numpy(),
                      value.empty(target).cpu().numpy(), full.cpu().numpy(),
                      task.explanation_columns(outputs)["prediction"], exact.cpu().numpy()))
        del cache, tokens, out
        release_freed_memory()
    return _table(parts, names, index)


def _table(parts, names, index):
    """The row-aligned DataFrame of ``explain_modalities``."""
    n_mod = len(names)
    if parts:
        phi, used, base, full, prediction, exact = (np.concatenate(p) for p in zip(*parts))
    else:
        phi, used = np.zeros((0, n_mod)), np.zeros((0, n_mod), dtype=bool)
        base = full = np.zeros(0)
        prediction, exact = np.zeros(0), np.zeros(0, dtype=bool)
    index = pd.RangeIndex(phi.shape[0]) if index is None else index
    columns = {f"shapley__{name}": phi[:, m] for m, name in enumerate(names)}
    columns.update({f"used__{name}": used[:, m] for m, name in enumerate(names)})
    columns.update(base_value=base, value=full, prediction=prediction, exact=exact)
    return pd.DataFrame(columns, index=index)
