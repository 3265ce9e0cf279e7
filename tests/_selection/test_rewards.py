import math

import pytest
import torch

from sklearn_dymo._selection._calibration import log_alpha, log_ics
from sklearn_dymo._selection._prototypes import SubsetStatistics
from sklearn_dymo._selection._rewards import (
    LatentScore,
    calibrated_reward,
    get_reward_rule,
    literal_eq7_reward,
    uncalibrated_reward,
)


def _score(log_p, log_ics_):
    return LatentScore(torch.tensor(log_p, dtype=torch.float64),
                       torch.tensor(log_ics_, dtype=torch.float64))


def test_calibration_lowers_the_reward_of_less_representative_candidates():
    current = _score([-0.5], [-1.0])
    less_representative = _score([-0.3], [-4.0])  # alpha = e^-3
    more_representative = _score([-0.3], [-0.2])  # alpha = 1
    assert uncalibrated_reward(current, less_representative).item() == pytest.approx(0.2)
    assert calibrated_reward(current, less_representative).item() == pytest.approx(0.2 - 3.0)
    assert calibrated_reward(current, more_representative).item() == pytest.approx(0.2)
    # Eq. 7 read literally *raises* it: alpha * log p is closer to 0.
    literal = literal_eq7_reward(current, less_representative).item()
    assert literal == pytest.approx(math.exp(-3.0) * -0.3 + 0.5)
    assert literal > uncalibrated_reward(current, less_representative).item()


def test_tiny_ics_stays_finite_in_log_space():
    current = _score([-0.1], [-1e6])
    candidate = _score([-0.1], [-2e6])
    r = calibrated_reward(current, candidate)
    assert torch.isfinite(r).all() and r.item() == pytest.approx(-1e6)
    assert log_alpha(torch.tensor([-2e6]), torch.tensor([-1e6])).item() == -1e6


def test_log_ics_matches_half_normal_tail():
    stats = SubsetStatistics(
        n_modalities=1, exact=True,
        prototypes=torch.tensor([[[1.0, 0.0]]]),
        sigma=torch.tensor([[0.5]], dtype=torch.float64),
        mean_prototypes=torch.tensor([[1.0, 0.0]]),
        subsets=torch.ones(1, 1, dtype=torch.bool),
    )
    z = torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 1e4]])
    masks = torch.ones(3, 1, dtype=torch.bool)
    got = log_ics(z, torch.zeros(3, dtype=torch.long), masks, stats, "sqeuclidean")
    # ICS = 2 * (1 - Phi(d / sigma)): 1 at the prototype, 2*(1-Phi(2)) at d=1.
    from scipy.stats import norm
    assert got[0].item() == pytest.approx(0.0)
    assert got[1].item() == pytest.approx(math.log(2 * norm.sf(2.0)))
    assert torch.isfinite(got[2]) and got[2] < -1e8


def test_rule_lookup():
    assert get_reward_rule(True) is calibrated_reward
    assert get_reward_rule(False) is uncalibrated_reward
    assert get_reward_rule("literal") is literal_eq7_reward
    with pytest.raises(ValueError, match="calibrate must be"):
        get_reward_rule("yes")
    with pytest.raises(ValueError, match="calibrate must be"):
        get_reward_rule(1)
