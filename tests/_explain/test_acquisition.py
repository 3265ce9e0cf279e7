"""suggest_measurements: the expected gain of measuring each missing modality."""

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from sklearn_dymo import DyMoClassifier
from sklearn_dymo._explain._samples import DonorSamples

from ..conftest import FAST


@pytest.fixture(scope="module")
def only_a(label_data):
    """Rows that observed ``a`` only: ``b`` (noise) and ``c`` (the label) are missing."""
    X, _, _ = label_data
    rows = X[:40].copy()
    rows[:, 2:] = np.nan
    return pd.DataFrame(rows, index=[f"r{i}" for i in range(40)])


def test_the_modality_that_determines_the_label_ranks_first(clf, only_a):
    table = clf.suggest_measurements(only_a)
    assert list(table.columns) == ["modality", "rank", "expected_gain", "label_change"]
    assert list(table["modality"].cat.categories) == clf.modality_names_
    assert len(table) == 2 * len(only_a)
    assert table.index.unique().equals(only_a.index)  # X's order, each row twice
    first = table[table["rank"] == 1]
    assert (first["modality"] == "c").all()
    gain = table.set_index("modality", append=True)["expected_gain"].unstack()
    assert gain["c"].median() > 10 * gain["b"].median()
    assert (table["expected_gain"] >= 0).all()
    assert table["label_change"].between(0, 1).all()
    # Measuring the label's modality changes some predictions; the noise hardly any.
    change = table.set_index("modality", append=True)["label_change"].unstack()
    assert change["c"].mean() > change["b"].mean()


def test_costs_reorder_the_ranking(clf, only_a):
    plain = clf.suggest_measurements(only_a)
    costly = clf.suggest_measurements(only_a, costs={"a": 1.0, "b": 1.0, "c": 1e6})
    assert list(costly.columns) == ["modality", "rank", "expected_gain", "label_change",
                                    "cost", "gain_per_cost"]
    np.testing.assert_allclose(costly["gain_per_cost"], costly["expected_gain"] / costly["cost"])
    first = costly[costly["rank"] == 1]
    assert (first["modality"] == "b").mean() > 0.5
    # The gains themselves do not depend on the costs.
    key = ["modality"]
    a = plain.set_index(key, append=True)["expected_gain"].sort_index()
    b = costly.set_index(key, append=True)["expected_gain"].sort_index()
    pd.testing.assert_series_equal(a, b)


def test_regressor(reg, only_a):
    table = reg.suggest_measurements(only_a)
    assert list(table.columns) == ["modality", "rank", "expected_gain", "mean_change"]
    assert (table[table["rank"] == 1]["modality"] == "c").all()
    assert (table["mean_change"] >= 0).all()


def test_rows_and_blocks(clf, X_test):
    table = clf.suggest_measurements(X_test)
    # One entry per modality a row did not observe (half of b counts as observed).
    observed = clf.explain_selection(X_test).table.filter(like="observed__").to_numpy()
    counts = table.groupby(level=0, sort=False).size()
    expected = pd.Series((~observed).sum(axis=1), index=X_test.index)
    pd.testing.assert_series_equal(counts, expected[expected > 0], check_names=False)
    for _, group in table.groupby(level=0, sort=False):
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert group["expected_gain"].is_monotonic_decreasing
    blocks = pd.concat([clf.suggest_measurements(X_test.iloc[:9]),
                        clf.suggest_measurements(X_test.iloc[9:])])
    pd.testing.assert_frame_equal(blocks, table)


def test_samples_are_the_recoverers_neighbours(clf, label_data):
    """With the default recoverer, the samples are the k nearest training rows."""
    X, _, _ = label_data
    samples = DonorSamples(clf._data_path, 5)
    rows = X[:3].copy()
    rows[:, 4:] = np.nan
    found = samples.nearest(rows, np.array([[False, False, True]] * 3))
    assert found[0] is None and found[1] is None
    positions, donors = found[2]
    np.testing.assert_array_equal(positions, [0, 1, 2])
    # The recoverer's training rows (the rows the network trained on).
    train = clf.recoverer_.train_X_
    distance = np.sqrt(((train[:, None, :4] - rows[None, :, :4]) ** 2).sum(-1) * 6 / 4)
    for i in range(3):
        np.testing.assert_array_equal(donors[i], np.argsort(distance[:, i], kind="stable")[:5])
    # A partly observed modality keeps what the row has; the samples fill its gaps.
    partial = rows.copy()
    partial[0, 4] = 1.5
    values = samples.values(partial, 2, donors)
    assert (values[0, :, 0] == 1.5).all()
    np.testing.assert_array_equal(values[0, :, 1], train[donors[0], 5])
    # The recovered value is the mean of the samples.
    recovered = clf.recoverer_.transform(rows)
    np.testing.assert_allclose(samples.values(rows, 2, donors).mean(axis=1),
                               recovered[:, 4:], atol=1e-12)


def test_other_recoverers_draw_from_kept_training_rows(label_data, only_a):
    X, y, modalities = label_data
    model = DyMoClassifier(modalities=modalities, recoverer=SimpleImputer(), random_state=0,
                           **{**FAST, "max_epochs": 4}).fit(X, y)
    assert model._data_path.reference_rows.shape == X.shape
    table = model.suggest_measurements(only_a, n_samples=3)
    assert len(table) == 2 * len(only_a)
    assert (table[table["rank"] == 1]["modality"] == "c").mean() > 0.5


@pytest.mark.parametrize("costs, match", [
    ({"a": 1, "b": 1}, "no cost for modalities \\['c'\\]"),
    ({"a": 1, "b": 1, "c": 1, "d": 2}, "modalities \\['d'\\] that the model does not have"),
    ({"a": 1, "b": 0, "c": 1}, "cost of modality 'b' must be a positive"),
    ({"a": 1, "b": float("nan"), "c": 1}, "positive finite"),
])
def test_bad_costs(clf, only_a, costs, match):
    with pytest.raises(ValueError, match=match):
        clf.suggest_measurements(only_a, costs=costs)


def test_bad_n_samples(clf, only_a):
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        clf.suggest_measurements(only_a, n_samples=0)
    with pytest.raises(TypeError, match="costs must be a dict"):
        clf.suggest_measurements(only_a, costs=[1, 2, 3])
