"""Self-tuned selection (``selection="auto"``): choose the policy on held-out rows.

Whether recovered modalities help depends on the recoverer: the paper's
calibrated reward is safe with a weak one and too conservative with a good
one (the paper leaves "a dataset-specific scaling hyper-parameter" to
future work, Sec. 4.2). ``fit`` therefore holds out training rows, hides
modalities of those rows the way test data will miss them, recovers them
with the fitted recoverer and scores a small grid of policies:

- ``"observed"`` and ``"all"``;
- iterative selection accepting a candidate when
  ``log p(y_u|z_u) - log p(y|z) + gamma * log alpha > tau``, over
  ``gamma`` in :data:`STRENGTHS` and ``tau`` in :data:`THRESHOLDS`.

The held-out rows are encoded once; every policy reuses the encodings (a
policy only changes which masks are evaluated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import log_loss

from .._input._masks import drop_mask
from ._algorithm import select
from ._rewards import get_reward_rule

#: Calibration strengths ``gamma`` tried (0 = uncalibrated, 1 = the paper's rule).
STRENGTHS = (0.0, 0.5, 1.0, 2.0)
#: Reward thresholds ``tau`` tried (0 = the paper's rule).
THRESHOLDS = (-1.0, -0.5, -0.25, 0.0, 0.25, 0.5)
#: Missing rates simulated when the training data has no missing modality.
DEFAULT_RATES = (0.4, 0.6, 0.8)
#: Copies of the held-out rows with freshly drawn missingness (patterns mode).
PATTERN_DRAWS = 3
#: Most rows held out for tuning, so tuning cost stays bounded on big data.
MAX_TUNING_ROWS = 2000
#: Metrics ``tuning_scoring`` accepts.
SCORINGS = ("accuracy", "log_loss")


@dataclass(frozen=True)
class Policy:
    """One candidate setting of the selection parameters."""

    selection: str
    calibration_strength: float
    reward_threshold: float

    def params(self):
        return {"selection": self.selection,
                "calibration_strength": self.calibration_strength,
                "reward_threshold": self.reward_threshold}


def policy_grid(base_strength=1.0, base_threshold=0.0):
    """``observed``, ``all``, then iterative over ``STRENGTHS x THRESHOLDS``.

    ``observed`` and ``all`` carry the estimator's own strength and
    threshold (they ignore both), so every policy is a full parameter set.
    The order breaks exact ties: simpler policies first.
    """
    grid = [Policy("observed", base_strength, base_threshold),
            Policy("all", base_strength, base_threshold)]
    grid += [Policy("iterative", g, t) for g in STRENGTHS for t in THRESHOLDS]
    return grid


def hidden_modalities(observed, train_observed, missingness, n_modalities, rng):
    """Modalities to hide in copies of the held-out rows.

    Parameters
    ----------
    observed : bool ndarray (n, M)
        What the held-out rows observe.
    train_observed : bool ndarray (n_train, M)
        What the training rows observe: their patterns are the test-time
        missingness to imitate when ``missingness="patterns"``.
    missingness : "patterns" or sequence of float
        ``"patterns"``: each copy takes the observed pattern of a random
        training row (intersected with what the row observes; at least one
        observed modality is kept). Rates: one copy per rate, hiding
        ``round(rate * M)`` whole modalities (at most ``M - 1``).
    n_modalities : int
    rng : RandomState

    Returns
    -------
    rows : int ndarray (n_copies,)
        Held-out row of each copy.
    hide : bool ndarray (n_copies, M)
    """
    n = observed.shape[0]
    rows, hides = [], []
    if isinstance(missingness, str):
        for _ in range(PATTERN_DRAWS):
            keep = observed & train_observed[rng.randint(train_observed.shape[0], size=n)]
            # A row left with nothing keeps one of its own observed modalities.
            empty = ~keep.any(1) & observed.any(1)
            if empty.any():
                noise = rng.random_sample((int(empty.sum()), n_modalities))
                pick = np.argmax(np.where(observed[empty], noise, -1.0), axis=1)
                keep[np.flatnonzero(empty), pick] = True
            rows.append(np.arange(n))
            hides.append(observed & ~keep)
    else:
        for rate in missingness:
            rows.append(np.arange(n))
            hides.append(drop_mask(n, n_modalities, rate, rng))
    return np.concatenate(rows), np.concatenate(hides)


@torch.no_grad()
def policy_outputs(module, chunks, scorer, calibrate, policies, device, transform):
    """Every policy's outputs on the rows of ``chunks``, one encoding per chunk.

    Task-independent: ``transform(logits, used, recovered) -> ndarray`` turns
    each policy's final logits (with the modalities each row used, and the
    recovered ones among them) into the task's outputs (probabilities, mean
    and spread).

    Returns
    -------
    outputs : list of ndarray, one per policy, rows in chunk order
    added : list of int ndarray, recovered modalities used per row
    """
    outputs = [[] for _ in policies]
    steps = [[] for _ in policies]
    for x, observed in chunks:
        x = x.to(device)
        tokens, linear = module.encode(x), module.linear_terms(x)
        observed = observed.to(device)
        for i, policy in enumerate(policies):
            rule = get_reward_rule(calibrate, policy.calibration_strength)
            out = select(module, tokens, observed, scorer, rule, policy.selection,
                         threshold=policy.reward_threshold, linear=linear)
            recovered = out.final_mask & ~observed
            outputs[i].append(transform(out.logits, out.final_mask, recovered))
            steps[i].append(recovered.sum(1).cpu().numpy())
    return ([np.concatenate(o) for o in outputs], [np.concatenate(a) for a in steps])


def policy_row(policy, added, **metrics):
    """One row of the tuning table: the policy, its metrics, recovered use."""
    return {
        "params": policy.params(),
        "param_selection": policy.selection,
        "param_calibration_strength": policy.calibration_strength,
        "param_reward_threshold": policy.reward_threshold,
        **metrics,
        "mean_recovered_used": float(added.mean()),
    }


def score_policies(module, chunks, y, n_classes, scorer, calibrate, policies, device,
                   outputs=None, sample_weight=None):
    """Validation accuracy and log-loss of every policy, one encoding per chunk.

    Parameters
    ----------
    module : DyMoNetwork (eval mode)
    chunks : iterable of (x, observed) tensors
    y : int ndarray, encoded labels of the rows, in chunk order
    n_classes : int
    scorer : LatentScorer
    calibrate : the ``calibrate`` parameter (resolved per policy strength)
    policies : list of Policy
    device : str
    outputs : callable (logits, used, recovered) -> probabilities, optional
        The task's outputs (temperature-scaled); the plain softmax if None.
    sample_weight : float ndarray, optional
        Weights of the rows in both metrics.

    Returns
    -------
    DataFrame, one row per policy, in ``policies`` order.
    """
    if outputs is None:
        def outputs(logits, used, recovered):
            return torch.softmax(logits.double(), -1).cpu().numpy()
    probas, steps = policy_outputs(module, chunks, scorer, calibrate, policies, device,
                                   outputs)
    labels = np.arange(n_classes)
    table = [
        policy_row(policy, added,
                   accuracy=float(np.average(proba.argmax(1) == y, weights=sample_weight)),
                   log_loss=float(log_loss(y, np.clip(proba, 1e-15, 1.0), labels=labels,
                                           sample_weight=sample_weight)))
        for policy, proba, added in zip(policies, probas, steps)
    ]
    return pd.DataFrame(table)


def rank_by(table, keys):
    """``table`` with ``rank`` (1 = chosen): ascending by ``keys``, most important first.

    Exact ties keep grid order (simpler policies first). Shared by the
    classification and regression rankings, which differ only in their keys.
    """
    ranked = np.lexsort((np.arange(len(table)), *reversed(keys)))
    rank = np.empty(len(table), dtype=int)
    rank[ranked] = np.arange(1, len(table) + 1)
    table = table.copy()
    table["rank"] = rank
    return table


def rank_policies(table, scoring):
    """Add ``rank`` (1 = chosen): by accuracy then log-loss, or log-loss alone.

    Exact ties keep grid order (simpler policies first).
    """
    if scoring == "accuracy":
        return rank_by(table, [-table["accuracy"].to_numpy(), table["log_loss"].to_numpy()])
    return rank_by(table, [table["log_loss"].to_numpy()])
