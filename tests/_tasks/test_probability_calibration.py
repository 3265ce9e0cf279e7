"""Temperature scaling of predict_proba on held-out rows (probability_calibration)."""

import numpy as np
import pytest
import torch
from sklearn.metrics import log_loss

from sklearn_dymo import DyMoClassifier
from sklearn_dymo._tasks._holdout import holdout_split
from sklearn_dymo._tasks._temperature import (
    MIN_PREDICTIONS_PER_SIZE,
    ProbabilityTemperature,
    fit_temperature,
)

from ..conftest import FAST


def _labels_at_temperature(logits, temperature, seed=0):
    proba = torch.softmax(logits / temperature, -1).numpy()
    rng = np.random.default_rng(seed)
    return torch.as_tensor((rng.random(len(proba))[:, None] > proba.cumsum(1)).sum(1))


def test_fitted_temperature_recovers_the_one_labels_were_drawn_at():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(4000, 3, dtype=torch.float64, generator=gen) * 4
    y = _labels_at_temperature(logits, 2.5)
    assert fit_temperature(logits, y, torch.ones(len(y), dtype=torch.float64)) == pytest.approx(
        2.5, rel=0.1)


def test_separable_held_out_rows_do_not_sharpen():
    # Every held-out row right: the log-loss optimum is T -> 0; only T >= 1 is allowed.
    logits = torch.randn(200, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    y = logits.argmax(1)
    assert fit_temperature(logits, y, torch.ones(200, dtype=torch.float64)) == pytest.approx(
        1.0, abs=1e-3)


def test_sizes_with_few_predictions_take_the_pooled_temperature():
    gen = torch.Generator().manual_seed(2)
    n_big, n_small = 1000, MIN_PREDICTIONS_PER_SIZE - 1
    logits = torch.randn(n_big + n_small, 3, dtype=torch.float64, generator=gen) * 4
    masks = np.zeros((n_big + n_small, 3), dtype=bool)
    masks[:n_big, :2] = True       # size 2: many predictions, drawn at T = 3
    masks[n_big:, :] = True        # size 3: too few for a temperature of their own
    y = torch.cat([_labels_at_temperature(logits[:n_big], 3.0),
                   logits[n_big:].argmax(1)])
    temperature = ProbabilityTemperature.fit(logits, y, masks)
    pooled = fit_temperature(logits, y, torch.ones(len(y), dtype=torch.float64))
    assert temperature.by_size[1] == pytest.approx(3.0, rel=0.15)
    assert temperature.by_size[2] == pooled
    assert temperature.by_size[0] == pooled   # no prediction from one modality
    scaled = temperature.scale(logits[:2], torch.as_tensor(masks[:2]))
    torch.testing.assert_close(scaled, logits[:2] / temperature.by_size[1])


def test_stratified_holdout_keeps_every_class_in_training():
    classes = np.r_[np.zeros(200, int), np.ones(3, int), np.full(60, 2)]
    fit, held = holdout_split(len(classes), 0.4, seed=0, classes=classes)
    assert np.bincount(classes[fit], minlength=3).min() >= 1
    np.testing.assert_array_equal(np.sort(np.r_[fit, held]), np.arange(len(classes)))
    # Each class keeps its share out, rounded down (the rare one keeps 1 of 3 out).
    np.testing.assert_array_equal(np.bincount(classes[held], minlength=3), [80, 1, 24])


@pytest.fixture(scope="module")
def noisy_fits():
    """A small table with 25 % flipped labels: a network trained long is overconfident."""
    rng = np.random.RandomState(0)
    n = 300
    y = rng.randint(0, 2, size=n)
    X = y[:, None] + rng.normal(size=(n, 6)) * 0.8
    y_noisy = np.where(rng.rand(n) < 0.25, 1 - y, y)
    modalities = {"a": [0, 1], "b": [2, 3], "c": [4, 5]}
    params = dict(FAST, max_epochs=60, label_smoothing=0.0, modalities=modalities,
                  random_state=0)
    on = DyMoClassifier(probability_calibration="temperature", **params).fit(
        X[:200], y_noisy[:200])
    off = DyMoClassifier(**params).fit(X[:200], y_noisy[:200])   # the default: off
    return on, off, X[200:], y_noisy[200:]


def test_temperature_softens_an_overconfident_network(noisy_fits):
    on, off, X_test, y_test = noisy_fits
    assert off.probability_temperature_ is None
    assert (on.probability_temperature_ >= 1.0).all()
    assert on.probability_temperature_.max() > 1.2
    assert log_loss(y_test, on.predict_proba(X_test)) < log_loss(
        y_test, off.predict_proba(X_test)) - 0.05


def test_temperature_changes_probabilities_not_labels(noisy_fits):
    on, _, X_test, _ = noisy_fits
    proba = on.predict_proba(X_test)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(1), 1.0)
    temperature = on._task.temperature
    try:
        on._task.temperature = None
        raw = on.predict_proba(X_test)
    finally:
        on._task.temperature = temperature
    np.testing.assert_array_equal(raw.argmax(1), proba.argmax(1))
    # Softened: the largest probability is never larger than the network's own.
    assert (proba.max(1) <= raw.max(1) + 1e-12).all()
    assert (proba.max(1) < raw.max(1) - 1e-3).any()


def test_no_rows_to_hold_out_means_no_temperature(toy_data):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, probability_calibration="temperature",
                         probability_holdout=0.0,
                         random_state=0, **dict(FAST, max_epochs=2)).fit(X, y)
    assert clf.probability_temperature_ is None
