"""verbose: silent at 0; at 1 the epoch table, and a progress bar on large predicts."""

import sys

import numpy as np
import pytest

from sklearn_dymo import DyMoClassifier, _progress

from .conftest import FAST


@pytest.fixture(scope="module")
def fitted(toy_data):
    X, y, modalities = toy_data
    return DyMoClassifier(modalities=modalities, random_state=0,
                          **dict(FAST, max_epochs=2)).fit(X, y)


@pytest.fixture
def large_is_small(monkeypatch):
    """Make 240 rows count as "large", and draw bars although stderr is captured."""
    monkeypatch.setattr(_progress, "PROGRESS_MIN_ROWS", 100)
    monkeypatch.setattr(_progress, "FORCE_PROGRESS", True)


def test_bar_appears_at_verbose_1_on_a_large_predict(fitted, toy_data, large_is_small, capfd):
    X = toy_data[0]
    fitted.set_params(verbose=1)
    try:
        proba = fitted.predict_proba(X)
    finally:
        fitted.set_params(verbose=0)
    out, err = capfd.readouterr()
    assert "DyMoClassifier predict" in err and "240" in err
    assert out == ""
    np.testing.assert_allclose(proba, fitted.predict_proba(X))  # the bar changes nothing


def test_plain_progress_without_tqdm(fitted, toy_data, large_is_small, capfd, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import tqdm.auto fails
    fitted.set_params(verbose=1)
    try:
        fitted.predict(toy_data[0])
    finally:
        fitted.set_params(verbose=0)
    assert "DyMoClassifier predict: 240 / 240 rows" in capfd.readouterr().err


def test_no_bar_below_the_threshold_or_off_a_terminal(fitted, toy_data, monkeypatch, capfd):
    fitted.set_params(verbose=1)
    try:
        fitted.predict(toy_data[0])  # 240 rows: below PROGRESS_MIN_ROWS
        monkeypatch.setattr(_progress, "PROGRESS_MIN_ROWS", 100)
        fitted.predict(toy_data[0])  # large, but stderr is no terminal here
    finally:
        fitted.set_params(verbose=0)
    assert capfd.readouterr() == ("", "")


def test_nothing_prints_at_verbose_0(toy_data, large_is_small, capfd):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, random_state=0, **dict(FAST, max_epochs=2))
    clf.fit(X, y).predict(X)
    clf.explain_selection(X)
    assert capfd.readouterr() == ("", "")


def test_verbose_1_prints_the_epoch_table(toy_data, capsys):
    X, y, modalities = toy_data
    DyMoClassifier(modalities=modalities, random_state=0, verbose=1,
                   **dict(FAST, max_epochs=2)).fit(X, y)
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[:5] == ["epoch", "train_loss", "train_proto_loss", "train_task_loss", "lr"]
