"""Settings that would fail inside torch or skorch fail in fit, named."""

import numpy as np
import pytest
import torch

from sklearn_dymo import DyMoClassifier, DyMoRegressor
from sklearn_dymo._network._checks import check_training_losses

from ..conftest import FAST


def _fit(toy_data, estimator=DyMoClassifier, **params):
    X, y, modalities = toy_data
    settings = {**FAST, "max_epochs": 2, **params}
    if estimator is DyMoRegressor:
        y = X[:, 0] + 0.1 * y
    return estimator(modalities=modalities, random_state=0, **settings).fit(X, y)


def test_optimizer_without_weight_decay(toy_data):
    # Rprop takes no weight_decay: passed only when it is not 0.
    _fit(toy_data, optimizer=torch.optim.Rprop)
    with pytest.raises(ValueError, match="Rprop does not accept the keywords \\['weight_decay'\\]"):
        _fit(toy_data, optimizer=torch.optim.Rprop, weight_decay=0.01)


def _wrong_shape(observed, generator=None):
    return observed  # (B, M), not (B, A, M)


def _not_bool(observed, generator=None):
    return observed[:, None, :].float()


@pytest.mark.parametrize("sampler, message", [
    (_wrong_shape, "masks of shape \\(8, 3\\)"),
    (_not_bool, "bool tensor, got dtype torch.float32"),
])
def test_custom_sampler_is_checked_before_training(toy_data, sampler, message):
    with pytest.raises((ValueError, TypeError), match=message):
        _fit(toy_data, subset_sampler=sampler)


def test_network_too_large_for_memory_is_refused(toy_data):
    with pytest.raises(ValueError, match="parameters: .* GiB .*Lower d_model=1048576"):
        _fit(toy_data, d_model=2**20, n_heads=2)


@pytest.mark.parametrize("estimator", [DyMoClassifier, DyMoRegressor])
@pytest.mark.parametrize("lr", [1e3, 1e10])
def test_diverging_training_fails_in_fit(toy_data, estimator, lr):
    with pytest.raises(RuntimeError, match=f"training diverged.*lr={lr}.*Lower lr"):
        _fit(toy_data, estimator, lr=lr, max_epochs=4)


def test_loss_rules():
    check_training_losses([0.7, 1.3, 0.9], 1e-3, initial=0.69)  # contrastive switch-on
    with pytest.raises(RuntimeError, match="grew from 0.69"):
        check_training_losses([5e3, 1e4], 1e-3, initial=0.69)
    with pytest.raises(RuntimeError, match="not finite from epoch 2"):
        check_training_losses([0.7, np.nan], 1e-3)
