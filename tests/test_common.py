"""scikit-learn's common estimator checks."""

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_dymo import (
    DyMoClassifier,
    DyMoRegressor,
    ModalityKNNImputer,
    ModalityRecoverer,
)

# Small but able to learn sklearn's check data (accuracy > 0.83 on blobs).
CHECKED_CLASSIFIER = DyMoClassifier(
    d_model=16, n_heads=2, encoder_hidden=32, latent_dim=8, tokens_per_modality=1,
    max_epochs=20, batch_size=32, lr=3e-3, random_state=0,
)
# The self-tuned selection holds out rows inside fit: check it the same way.
CHECKED_AUTO = clone(CHECKED_CLASSIFIER).set_params(selection="auto")
# The same network, able to fit sklearn's regression check data (R^2 > 0.5).
CHECKED_REGRESSOR = DyMoRegressor(
    d_model=16, n_heads=2, encoder_hidden=32, latent_dim=8, tokens_per_modality=1,
    max_epochs=20, batch_size=32, lr=3e-3, random_state=0,
)
CHECKED_REGRESSOR_AUTO = clone(CHECKED_REGRESSOR).set_params(selection="auto")

EXPECTED_FAILURES = {
    "check_dict_unchanged": (
        "predict and predict_proba record selection_path_ and selection_rewards_, "
        "the per-sample explanation of the last prediction, by design"
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "the network is trained by mini-batches on sampled modality subsets: a row "
        "repeated k times is drawn in k places of an epoch under k subsets and dropout "
        "masks, a row of weight k once, so the two fits agree in expectation, not to "
        "1e-7. Measured on 120 blob rows with integer weights 0-2: mean |dp| 0.018 "
        "between the weighted and the repeated fit, 0.0075 between two seeds of the "
        "repeated fit, equal accuracy. A weight of 0 is exactly the same as dropping "
        "the row (tests/test_sample_weight.py)"
    ),
}


def expected_failed_checks(estimator):
    if isinstance(estimator, (DyMoClassifier, DyMoRegressor)):
        return EXPECTED_FAILURES
    return {}


@parametrize_with_checks(
    [CHECKED_CLASSIFIER, CHECKED_AUTO, CHECKED_REGRESSOR, CHECKED_REGRESSOR_AUTO,
     ModalityRecoverer(), ModalityKNNImputer(),
     ModalityKNNImputer(n_neighbors=2, chunk_size=3)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
