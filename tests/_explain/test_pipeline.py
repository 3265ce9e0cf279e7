"""Every explanation and plotting entry point accepts a fitted Pipeline."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_dymo import DyMoClassifier, ModalityRecoverer, inspection
from sklearn_dymo.plotting import (
    LatentSpaceDisplay,
    ModalityAttributionDisplay,
    PredictionTransitionDisplay,
    RewardDistributionDisplay,
    SelectionMatrixDisplay,
    StepsHistogramDisplay,
)

from ..conftest import FAST


@pytest.fixture(scope="module")
def pipeline(label_data):
    """A scaler that returns an array (the row labels are lost on the way)."""
    X, y, modalities = label_data
    return make_pipeline(StandardScaler(), DyMoClassifier(
        modalities=modalities, selection="iterative", random_state=0,
        **{**FAST, "max_epochs": 4})).fit(X, y)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _direct(pipeline, X):
    """What the last step says about ``X`` sent through the first."""
    return pipeline[-1], pipeline[0].transform(X)


def test_inspection_functions_match_the_last_step(pipeline, X_test):
    final, Xt = _direct(pipeline, X_test)
    selection = inspection.select_modalities(pipeline, X_test)
    np.testing.assert_array_equal(selection.proba, pipeline.predict_proba(X_test))
    assert selection.used.index.equals(X_test.index)
    explained = inspection.explain_selection(pipeline, X_test)
    expected = final.explain_selection(Xt)
    pd.testing.assert_frame_equal(explained.table.reset_index(drop=True), expected.table)
    assert explained.table.index.equals(X_test.index)
    assert explained.rewards.index.isin(X_test.index).all()
    np.testing.assert_array_equal(explained.rewards.to_numpy(), expected.rewards.to_numpy())

    attributions = inspection.explain_modalities(pipeline, X_test)
    assert attributions.index.equals(X_test.index)
    np.testing.assert_array_equal(attributions.to_numpy(),
                                  final.explain_modalities(Xt).to_numpy())
    suggestions = inspection.suggest_measurements(pipeline, X_test, {"a": 1, "b": 2, "c": 3})
    direct = final.suggest_measurements(Xt, {"a": 1, "b": 2, "c": 3})
    np.testing.assert_array_equal(suggestions.to_numpy(), direct.to_numpy())
    np.testing.assert_array_equal(suggestions.index, X_test.index[direct.index])


def test_a_plain_estimator_and_a_recoverer_step(clf, label_data, X_test):
    """The functions take the estimator itself too; a ModalityRecoverer step works."""
    pd.testing.assert_frame_equal(inspection.explain_modalities(clf, X_test),
                                  clf.explain_modalities(X_test))
    X, y, modalities = label_data
    model = make_pipeline(ModalityRecoverer(SimpleImputer()), DyMoClassifier(
        modalities=modalities, random_state=0, **{**FAST, "max_epochs": 3})).fit(X, y)
    table = inspection.suggest_measurements(model, X_test)
    assert table.index.isin(X_test.index).all() and len(table)
    attributions = inspection.explain_modalities(model, X_test)
    assert attributions.index.equals(X_test.index)


def test_wrong_models_are_refused(X_test):
    with pytest.raises(TypeError, match="last step of the Pipeline is FunctionTransformer"):
        inspection.explain_modalities(
            make_pipeline(FunctionTransformer()).fit(X_test), X_test)
    with pytest.raises(TypeError, match="expected a fitted DyMoClassifier"):
        inspection.select_modalities(StandardScaler(), X_test)


def test_every_display_accepts_a_pipeline(pipeline, label_data, X_test):
    final, Xt = _direct(pipeline, X_test)
    y = label_data[1][:len(X_test)]
    display = SelectionMatrixDisplay.from_estimator(pipeline, X_test)
    expected = SelectionMatrixDisplay.from_estimator(final, Xt)
    pd.testing.assert_frame_equal(display.rates, expected.rates)
    display = RewardDistributionDisplay.from_estimator(pipeline, X_test)
    assert len(display.rewards) == len(final.select_modalities(Xt).rewards)
    display = StepsHistogramDisplay.from_estimator(pipeline, X_test)
    np.testing.assert_array_equal(display.steps,
                                  StepsHistogramDisplay.from_estimator(final, Xt).steps)
    display = PredictionTransitionDisplay.from_estimator(pipeline, X_test, y)
    expected = PredictionTransitionDisplay.from_estimator(final, Xt, y)
    pd.testing.assert_frame_equal(display.counts, expected.counts)
    LatentSpaceDisplay.from_estimator(pipeline, X_test)
    display = ModalityAttributionDisplay.from_estimator(pipeline, X_test)
    expected = ModalityAttributionDisplay.from_estimator(final, Xt, kind="beeswarm")
    pd.testing.assert_series_equal(display.importances, expected.importances)
