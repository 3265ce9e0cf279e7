"""skorch callbacks passed to the estimators work as they do in skorch."""

import numpy as np
import pytest
import torch
from skorch.callbacks import (
    Checkpoint,
    EarlyStopping,
    EpochScoring,
    InputShapeSetter,
    LRScheduler,
    ProgressBar,
)

from sklearn_dymo import DyMoClassifier, DyMoRegressor

from ..conftest import FAST

TINY = dict(FAST, max_epochs=3)


def _fit(toy_data, **params):
    X, y, modalities = toy_data
    return DyMoClassifier(modalities=modalities, random_state=0,
                          **{**TINY, **params}).fit(X, y)


def _names(clf):
    return [name for name, _ in clf.net_.callbacks_]


def test_epoch_table_reports_task_and_prototype_loss_apart(toy_data):
    clf = _fit(toy_data, max_epochs=4)
    history = clf.net_.history
    task = np.asarray(history[:, "train_task_loss"])
    proto = np.asarray(history[:, "train_proto_loss"])
    # The warm-up epoch has no contrastive term; afterwards it is on.
    assert proto[0] == 0.0 and (proto[1:] > 0).all()
    np.testing.assert_allclose(history[:, "train_loss"], task + proto, rtol=1e-5)


def test_epoch_scoring_on_training_and_validation_rows(toy_data):
    clf = _fit(toy_data, callbacks=[
        EpochScoring("accuracy", on_train=True, name="train_acc", lower_is_better=False),
        ("nll", EpochScoring("neg_log_loss", lower_is_better=False)),  # a named pair
    ])
    history = clf.net_.history
    # The label is visible in every modality: the scored predictions are the model's.
    assert history[-1, "train_acc"] > 0.8
    assert -1.1 < history[-1, "neg_log_loss"] < 0
    # A validation score needs held-out rows: fit holds out validation_fraction.
    assert history[-1, "valid_loss"] > 0
    assert clf.net_.train_split is not None


def test_epoch_scoring_of_a_regressor_is_in_the_units_of_y(toy_data):
    X, _, modalities = toy_data
    y = X[:, 0] + X[:, 2] - X[:, 4]
    scores = []
    for scale in (1.0, 1000.0):
        reg = DyMoRegressor(modalities=modalities, random_state=0, **TINY, callbacks=[
            EpochScoring("neg_root_mean_squared_error", on_train=True, name="rmse")])
        reg.fit(X, y * scale + 7.0)
        scores.append(reg.net_.history[-1, "rmse"])
    # Standardised targets train the same network; its RMSE is in y's units.
    assert scores[0] < 0
    np.testing.assert_allclose(scores[1], 1000.0 * scores[0], rtol=1e-4)


def test_skorch_early_stopping_without_early_stopping_parameter(toy_data):
    clf = _fit(toy_data, max_epochs=8, callbacks=[
        EarlyStopping(patience=2, threshold=10.0, threshold_mode="abs")])
    assert clf.n_iter_ == 3  # with threshold=10, no epoch after the first counts as better
    assert "valid_loss" in clf.net_.history[-1]


def test_early_stopping_monitors_the_validation_task_loss(toy_data):
    clf = _fit(toy_data, early_stopping=True)
    stopping = dict(clf.net_.callbacks_)["early_stopping"]
    assert stopping.monitor == "valid_loss" and stopping.threshold_mode == "abs"
    # valid_loss is the task loss alone: evaluation mode leaves out the contrastive term.
    crit = clf.net_.criterion_
    crit.eval()
    z = torch.nn.functional.normalize(torch.randn(4, 1, TINY["latent_dim"]), dim=-1)
    logits = torch.randn(4, 1, 3)
    masks = torch.ones(4, 1, 3, dtype=torch.bool)
    y = torch.tensor([0, 1, 2, 0])
    crit.contrastive_active = True
    expected = torch.nn.functional.cross_entropy(logits[:, 0], y,
                                                 label_smoothing=crit.label_smoothing)
    torch.testing.assert_close(crit(logits, z, masks, y), expected)


def test_user_lr_scheduler_replaces_the_cosine_schedule(toy_data):
    clf = _fit(toy_data, lr_schedule="cosine", callbacks=[
        LRScheduler(policy=torch.optim.lr_scheduler.StepLR, step_size=1, gamma=0.5)])
    assert "lr_schedule" not in _names(clf)
    lr = clf.net_.optimizer_.param_groups[0]["lr"]
    assert lr == pytest.approx(TINY["lr"] * 0.5 ** TINY["max_epochs"])


def test_checkpoint_saves_and_restores_the_best_epoch(toy_data, tmp_path):
    clf = _fit(toy_data, callbacks=[Checkpoint(dirname=str(tmp_path), load_best=True)])
    assert (tmp_path / "params.pt").exists()
    # Checkpoint's default monitors valid_loss_best: a validation split is held out.
    assert any(row["event_cp"] for row in clf.net_.history)
    assert clf.predict(toy_data[0][:5]).shape == (5,)


def test_progress_bar_is_not_doubled(toy_data, capsys):
    clf = _fit(toy_data, verbose=2, callbacks=[ProgressBar()])
    assert sum(isinstance(cb, ProgressBar) for _, cb in clf.net_.callbacks_) == 1
    assert "train_task_loss" in capsys.readouterr().out  # verbose=1's epoch table


def test_unusable_callback_names_what_to_do(toy_data):
    with pytest.raises(ValueError, match="InputShapeSetter cannot be used.*remove it"):
        _fit(toy_data, callbacks=[InputShapeSetter()])
