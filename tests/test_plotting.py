"""sklearn_dymo.plotting: each display draws what the selection did.

Every test recomputes the expected numbers from the classifier's public
outputs (or from the input's NaN pattern) and compares them with what was
drawn: bar heights, image cells, tick labels, point coordinates.
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities
from sklearn_dymo.plotting import (
    LatentSpaceDisplay,
    PredictionTransitionDisplay,
    RewardDistributionDisplay,
    SelectionMatrixDisplay,
    StepsHistogramDisplay,
)


@pytest.fixture(scope="module")
def selection_run(toy_data):
    """A fitted classifier, test rows with missing modalities, and its outputs."""
    from .conftest import FAST
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, selection="iterative", random_state=0,
                         **FAST).fit(X, y)
    X_missing = drop_modalities(X[:120], modalities, rate=0.6, random_state=3)
    # Weak signal in one modality so that some candidates get rejected.
    X_missing[:, 4:] = np.where(np.isnan(X_missing[:, 4:]), np.nan, 0.0)
    clf.predict(X_missing)
    observed = np.stack([~np.isnan(X_missing[:, cols]).any(1)
                         for cols in modalities.values()], axis=1)
    return clf, X_missing, y[:120], observed


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_selection_matrix_cells_are_acceptance_rates(selection_run):
    clf, X_missing, _, observed = selection_run
    path, names = clf.selection_path_, clf.modality_names_
    display = SelectionMatrixDisplay.from_selection(path, observed, names)

    drawn = display.image_.get_array()
    for row, (label, n) in enumerate(display.counts.items()):
        pattern = np.array([name in label.split(" + ") for name in names])
        members = np.flatnonzero((observed == pattern).all(1))
        assert len(members) == n > 0
        for j, name in enumerate(names):
            if pattern[j]:
                assert drawn.mask[row, j]  # observed: not a candidate, blank
            else:
                expected = np.mean([name in path[i] for i in members])
                assert drawn[row, j] == pytest.approx(expected)
                assert display.texts_[row, j].get_text() == f"{expected:.2f}"
    assert display.counts.sum() == len(X_missing)
    assert list(display.counts) == sorted(display.counts, reverse=True)
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == names
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == [
        f"{label} (n={n})" for label, n in display.counts.items()]
    # Some recovered modality was accepted somewhere: the picture is not blank.
    assert np.nanmax(display.rates.to_numpy()) > 0


def test_selection_matrix_from_estimator_matches_predict(selection_run):
    clf, X_missing, _, observed = selection_run
    _, ax = plt.subplots()
    display = SelectionMatrixDisplay.from_estimator(clf, X_missing, ax=ax)
    assert display.ax_ is ax
    expected = SelectionMatrixDisplay.from_selection(
        clf.selection_path_, observed, clf.modality_names_).rates
    pd.testing.assert_frame_equal(display.rates, expected)


def test_selection_matrix_rejects_mismatched_observed(selection_run):
    clf, _, _, observed = selection_run
    with pytest.raises(ValueError, match="observed has shape"):
        SelectionMatrixDisplay.from_selection(clf.selection_path_, observed[:, :2],
                                              clf.modality_names_)


def test_reward_boxes_hold_the_rewards_of_each_group(selection_run):
    clf, X_missing, _, _ = selection_run
    rewards = clf.selection_rewards_
    display = RewardDistributionDisplay.from_estimator(clf, X_missing)

    groups = rewards.groupby([rewards.modality.astype(str), "accepted"])["reward"]
    assert set(display.boxes_) == {(m, bool(a)) for m, a in groups.groups}
    for (modality, accepted), values in groups:
        median_line = display.boxes_[(modality, bool(accepted))]["medians"][0]
        assert median_line.get_ydata()[0] == pytest.approx(np.median(values))
        if accepted:
            assert values.min() > 0  # Algorithm 1 accepts positive rewards only
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == clf.modality_names_
    assert display.ax_.get_yscale() == "symlog"
    # The linear band around 0 is narrower than most rewards.
    magnitude = np.abs(rewards["reward"].to_numpy())
    linthresh = display.ax_.yaxis.get_transform().linthresh
    assert linthresh == pytest.approx(np.quantile(magnitude[magnitude > 0], 0.1))
    assert {t.get_text() for t in display.ax_.get_legend().get_texts()} == {
        "accepted", "rejected"}


def test_reward_display_of_an_observed_only_model_draws_iterative_rewards(
        toy_data, selection_run):
    from .conftest import FAST
    X, y, modalities = toy_data
    _, X_missing, _, _ = selection_run
    clf = DyMoClassifier(modalities=modalities, random_state=0, **FAST).fit(X, y)
    assert clf.selection_params_["selection"] == "observed"  # the default

    display = RewardDistributionDisplay.from_estimator(clf, X_missing)
    expected = clf.select_modalities(X_missing, selection="iterative").rewards
    assert len(display.rewards) == len(expected) > 0
    np.testing.assert_allclose(display.rewards["reward"], expected["reward"])


def test_reward_display_explains_empty_rewards(selection_run):
    clf, X_missing, _, _ = selection_run
    with pytest.raises(ValueError, match="no candidate was evaluated"):
        RewardDistributionDisplay.from_estimator(clf, X_missing, selection="observed")


def test_transition_bars_and_ribbons_count_samples(selection_run):
    clf, X_missing, y, _ = selection_run
    before = clf.classes_[clf.select_modalities(X_missing, selection="observed").proba.argmax(1)]
    after = clf.predict(X_missing)
    display = PredictionTransitionDisplay.from_estimator(clf, X_missing, y)

    ok_before, ok_after = before == y, after == y
    heights = {key: bar.get_height() for key, bar in display.bars_.items()}
    assert heights == {
        ("before", "correct"): ok_before.sum(), ("before", "incorrect"): (~ok_before).sum(),
        ("after", "correct"): ok_after.sum(), ("after", "incorrect"): (~ok_after).sum(),
    }
    flows = {("correct", "correct"): ok_before & ok_after,
             ("correct", "incorrect"): ok_before & ~ok_after,
             ("incorrect", "correct"): ~ok_before & ok_after,
             ("incorrect", "incorrect"): ~ok_before & ~ok_after}
    assert set(display.ribbons_) == {k for k, v in flows.items() if v.any()}
    for key, ribbon in display.ribbons_.items():
        ys = ribbon.get_paths()[0].vertices[:, 1]
        # A ribbon's thickness is its number of samples.
        assert ys.max() - ys.min() >= flows[key].sum() - 1e-9
        assert display.counts.loc[key] == flows[key].sum()
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == [
        "observed only", "after selection"]
    assert display.ax_.get_title() == (
        f"prediction transitions: {flows['incorrect', 'correct'].sum()} corrected, "
        f"{flows['correct', 'incorrect'].sum()} broken")


def test_transition_counts_reject_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        PredictionTransitionDisplay.from_predictions([0, 1], [0, 1], [0])


def test_steps_histogram_counts_reward_rounds(selection_run):
    clf, X_missing, _, observed = selection_run
    rewards, path = clf.selection_rewards_, clf.selection_path_
    display = StepsHistogramDisplay.from_estimator(clf, X_missing)

    steps = np.array([rewards.loc[rewards.index == i, "step"].nunique()
                      for i in range(len(X_missing))])
    np.testing.assert_array_equal(display.steps, steps)
    heights = [bar.get_height() for bar in display.bars_]
    assert heights == np.bincount(steps).tolist()
    assert sum(heights) == len(X_missing)
    # Iterative selection: one acceptance per step, plus at most one round
    # that rejects everything; fully observed samples take no step.
    lengths = np.array([len(p) for p in path])
    assert ((steps >= lengths) & (steps <= lengths + 1)).all()
    assert (steps[observed.all(1)] == 0).all()
    assert f"mean {steps.mean():.2f}" in display.ax_.get_title()


def test_latent_panels_share_one_projection(selection_run):
    clf, X_missing, y, _ = selection_run
    display = LatentSpaceDisplay.from_estimator(clf, X_missing, y)

    assert len(display.axes_) == 2
    observed_pts, selected_pts = (s.get_offsets() for s in display.scatters_.values())
    assert observed_pts.shape == selected_pts.shape == (len(X_missing), 2)
    n_classes = len(clf.classes_)
    for prototypes in display.prototype_scatters_.values():
        assert prototypes.get_offsets().shape == (n_classes, 2)
    # A sample that added nothing has the same modality set, hence the same
    # point, in both panels; one that added something moved.
    unchanged = np.array([len(p) == 0 for p in clf.selection_path_])
    assert unchanged.any() and (~unchanged).any()
    np.testing.assert_allclose(observed_pts[unchanged], selected_pts[unchanged], atol=1e-6)
    moved = np.linalg.norm(observed_pts[~unchanged] - selected_pts[~unchanged], axis=1)
    assert (moved > 1e-6).mean() > 0.9
    # Class colours follow y.
    colors = display.scatters_["observed modalities only"].get_facecolors()
    for c in np.unique(y):
        assert len(np.unique(colors[y == c], axis=0)) == 1


def test_latent_display_runs_on_the_fitted_device(selection_run):
    """A GPU-trained model loaded on a CPU-only machine keeps device="cuda"
    but runs on device_="cpu"; the display must follow device_."""
    import pickle
    clf, X_missing, y, _ = selection_run
    expected = LatentSpaceDisplay.from_estimator(clf, X_missing, y)
    loaded = pickle.loads(pickle.dumps(clf))
    loaded.set_params(device="cuda")  # what fit saw; device_ stays "cpu"
    display = LatentSpaceDisplay.from_estimator(loaded, X_missing, y)
    for title, scatter in expected.scatters_.items():
        np.testing.assert_allclose(display.scatters_[title].get_offsets(),
                                   scatter.get_offsets())


def test_latent_projection_is_the_given_transformer():
    rng = np.random.RandomState(0)
    latents = {"left": rng.normal(size=(10, 5)), "right": rng.normal(size=(10, 5))}
    prototypes = rng.normal(size=(2, 5))
    display = LatentSpaceDisplay.from_latents(latents, prototypes, labels=[0, 1] * 5,
                                              classes=[0, 1], projection=PCA(2))
    expected = PCA(2).fit_transform(np.vstack([latents["left"], latents["right"],
                                               prototypes]))
    np.testing.assert_allclose(display.scatters_["left"].get_offsets(), expected[:10])
    np.testing.assert_allclose(display.scatters_["right"].get_offsets(), expected[10:20])
    np.testing.assert_allclose(display.prototype_scatters_["left"].get_offsets(),
                               expected[20:])
    with pytest.raises(ValueError, match="one per panel"):
        display.plot(ax=[plt.subplots()[1]])


def test_dataframe_input_with_named_modalities(toy_data):
    from .conftest import FAST
    X, y, _ = toy_data
    frame = pd.DataFrame(X, columns=["a1", "a2", "b1", "b2", "c1", "c2"])
    modalities = {"alpha": ["a1", "a2"], "beta": ["b1", "b2"], "gamma": ["c1", "c2"]}
    clf = DyMoClassifier(modalities=modalities, random_state=0,
                         **dict(FAST, max_epochs=3)).fit(frame, y)
    missing = drop_modalities(frame.iloc[:40], modalities, rate=0.6, random_state=0)
    display = SelectionMatrixDisplay.from_estimator(clf, missing)
    assert list(display.rates.columns) == ["alpha", "beta", "gamma"]
    # rate 0.6 of 3 modalities keeps exactly one: three single-modality patterns.
    assert sorted(display.rates.index) == ["alpha", "beta", "gamma"]


def test_missing_matplotlib_names_the_extra(monkeypatch):
    from sklearn_dymo.plotting._matplotlib import import_pyplot

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "sklearn-dymo\[plotting\]"'):
        import_pyplot()


# ---------------------------------------------------------------- reliability
def test_reliability_bins_by_hand():
    from sklearn_dymo.plotting import reliability_bins

    y = np.array(["b", "a", "b", "b", "a"])
    proba = np.array([[0.05, 0.95], [0.7, 0.3], [0.6, 0.4], [0.1, 0.9], [0.45, 0.55]])
    confidence, accuracy, count, ece = reliability_bins(y, proba, n_bins=5)
    # top probabilities 0.95, 0.7, 0.6, 0.9, 0.55 -> bins 4, 3, 3, 4, 2
    np.testing.assert_array_equal(count, [0, 0, 1, 2, 2])
    np.testing.assert_allclose(confidence[2:], [0.55, 0.65, 0.925])
    np.testing.assert_allclose(accuracy[2:], [0.0, 0.5, 1.0])
    assert ece == pytest.approx((0.55 + 2 * 0.15 + 2 * 0.075) / 5)
    with pytest.raises(ValueError, match="not among the classes"):
        reliability_bins(np.array(["a", "c"]), proba[:2], classes=["a", "b"])
    with pytest.raises(ValueError, match="3 columns for 2 classes"):
        reliability_bins(y, np.full((5, 3), 1 / 3))


def test_reliability_display_from_estimator(selection_run):
    from sklearn_dymo.plotting import ReliabilityDisplay, reliability_bins

    clf, X_missing, y, _ = selection_run
    display = ReliabilityDisplay.from_estimator(clf, X_missing, y, n_bins=5)
    confidence, accuracy, count, ece = reliability_bins(y, clf.predict_proba(X_missing), 5)
    assert display.ece == ece
    seen = count > 0
    np.testing.assert_allclose(display.line_.get_xdata(), confidence[seen])
    np.testing.assert_allclose(display.line_.get_ydata(), accuracy[seen])
    assert "DyMoClassifier" in display.line_.get_label()
