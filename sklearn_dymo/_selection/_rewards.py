"""Rewards for adding a recovered modality (MTIR, Eq. 6-7).

A reward rule is a function ``rule(current, candidate) -> Tensor`` of two
:class:`LatentScore` objects: the sample's current set ``X^O`` and the set
with one recovered modality added. Selection accepts a candidate when its
reward exceeds a threshold ``tau`` (``reward_threshold``, 0 in the paper).
Rules live in ``REWARD_RULES`` so that a new one (a tuned calibration,
say) is one entry, and the estimator also accepts any callable with that
signature.

**Sign of the calibration.** Read literally, Eq. 7 multiplies
``log p(y_u | z_u)`` (which is <= 0) by ``alpha <= 1``, which *raises* the
reward of a less representative candidate, the opposite of what the text
around Eq. 9 says. The default rule implements the stated intent, with
alpha scaling the probability: ``R* = log p(y_u|z_u) + log alpha - log p(y|z)``.
The literal reading stays available as ``"literal"`` for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._calibration import log_alpha


@dataclass
class LatentScore:
    """What a reward needs to know about one modality set of each sample.

    Attributes
    ----------
    log_p : Tensor (n,), float64
        ``log p(y_hat | z)``, prototype posterior (Eq. 5) of the class
        predicted by the classifier head.
    log_ics : Tensor (n,), float64
        ``log ICS(y_hat, z)`` (Eq. 8).
    """

    log_p: torch.Tensor
    log_ics: torch.Tensor

    def __getitem__(self, index):
        return LatentScore(self.log_p[index], self.log_ics[index])


def uncalibrated_reward(current, candidate):
    """MTIR of Eq. 6: ``log p(y_u | z_u) - log p(y | z)``."""
    return candidate.log_p - current.log_p


def calibrated_reward(current, candidate):
    """Calibrated MTIR as intended: alpha scales ``p(y_u | z_u)``."""
    return candidate.log_p + log_alpha(candidate.log_ics, current.log_ics) - current.log_p


@dataclass(frozen=True)
class CalibratedReward:
    """Calibrated MTIR with a calibration strength ``gamma``.

    ``R = log p(y_u | z_u) - log p(y | z) + gamma * log alpha``: ``gamma = 1``
    is :func:`calibrated_reward`, ``gamma = 0`` the uncalibrated Eq. 6, and
    ``gamma > 1`` penalises less representative candidates more. The paper
    leaves such a dataset-specific scale to future work (Sec. 4.2);
    ``selection="auto"`` tunes it.
    """

    strength: float = 1.0

    def __call__(self, current, candidate):
        calibration = log_alpha(candidate.log_ics, current.log_ics)
        return candidate.log_p - current.log_p + self.strength * calibration


def literal_eq7_reward(current, candidate):
    """Eq. 7 as printed: ``alpha * log p(y_u | z_u) - log p(y | z)``."""
    alpha = torch.exp(log_alpha(candidate.log_ics, current.log_ics))
    return alpha * candidate.log_p - current.log_p


#: ``calibrate`` parameter value -> reward rule.
REWARD_RULES = {
    True: calibrated_reward,
    False: uncalibrated_reward,
    "literal": literal_eq7_reward,
}


def get_reward_rule(calibrate, strength=1.0):
    """Resolve the ``calibrate`` parameter to a reward rule.

    ``strength`` (``calibration_strength``) scales ``log alpha`` of the
    calibrated rule (``calibrate=True``); the other rules ignore it.
    """
    if callable(calibrate):
        return calibrate
    if calibrate is True and strength != 1.0:
        return CalibratedReward(float(strength))
    for key, rule in REWARD_RULES.items():
        if type(key) is type(calibrate) and key == calibrate:
            return rule
    raise ValueError(
        f"calibrate must be True, False, 'literal' or a callable "
        f"rule(current, candidate) -> rewards, got {calibrate!r}"
    )
