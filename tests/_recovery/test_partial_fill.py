"""Gaps in partly observed modalities: the Gaussian conditional mean (partial_fill)."""


import numpy as np
import pytest
from sklearn.impute import SimpleImputer

from sklearn_dymo import DyMoClassifier
from sklearn_dymo._recovery._partial_fill import (
    MAX_COLUMNS,
    SOLVE_ROWS,
    ModalityGaussian,
    fill_partial_gaps,
    fit_modality_gaussians,
)

from ..conftest import FAST


def _gaussian(n_cols, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n_cols, n_cols))
    cov = a @ a.T + 0.5 * np.eye(n_cols)
    return rng.normal(size=n_cols), cov


def test_fill_is_the_conditional_mean_and_leaves_the_rest_alone():
    mean, cov = _gaussian(5)
    gaussian = ModalityGaussian(np.arange(1, 6), mean, np.linalg.inv(cov))
    rng = np.random.default_rng(1)
    values = rng.normal(size=(4, 7))
    missing = np.zeros((4, 7), dtype=bool)
    missing[0, [2, 4]] = True      # partly observed: refilled
    missing[1, 1:6] = True         # the whole modality missing: recoverer's values
    missing[2, [0, 6]] = True      # gaps outside the modality only
    values[missing] = np.nan
    recovered = np.where(missing, 99.0, values)
    before = recovered.copy()
    out = fill_partial_gaps(values, missing, recovered, [gaussian])
    np.testing.assert_array_equal(recovered, before)  # input not mutated
    u, o = np.array([1, 3]), np.array([0, 2, 4])       # positions inside the modality
    x_o = values[0, 1:6][o]
    expected = mean[u] + cov[np.ix_(u, o)] @ np.linalg.solve(cov[np.ix_(o, o)], x_o - mean[o])
    np.testing.assert_allclose(out[0, [2, 4]], expected, rtol=1e-9)
    keep = np.ones_like(missing)
    keep[0, [2, 4]] = False
    np.testing.assert_array_equal(out[keep], recovered[keep])


def test_fill_of_a_row_does_not_depend_on_the_rows_around_it():
    mean, cov = _gaussian(6, seed=2)
    gaussian = ModalityGaussian(np.arange(6), mean, np.linalg.inv(cov))
    rng = np.random.default_rng(3)
    n = SOLVE_ROWS + 40  # two batched solves
    values = rng.normal(size=(n, 6))
    missing = rng.random((n, 6)) < 0.4
    values[missing] = np.nan
    recovered = np.where(missing, 0.0, values)
    together = fill_partial_gaps(values, missing, recovered, [gaussian])
    for i in (0, 7, n - 1):
        alone = fill_partial_gaps(values[i:i + 1], missing[i:i + 1], recovered[i:i + 1],
                                  [gaussian])
        np.testing.assert_array_equal(alone[0], together[i])


def test_fill_does_not_depend_on_the_units_of_the_columns():
    # Ledoit-Wolf shrinks towards a multiple of the identity; on raw columns
    # of very different scales that would erase the small ones' relations.
    rng = np.random.default_rng(4)
    n = 60
    base = rng.normal(size=(n, 1))
    values = base + 0.3 * rng.normal(size=(n, 4))
    units = np.array([1e4, 1.0, 1e-3, 10.0])
    missing = np.zeros((n, 4), dtype=bool)
    missing[:10, [1, 2]] = True
    fills = []
    for scale in (np.ones(4), units):
        x = np.where(missing, np.nan, values * scale)
        gaussians = fit_modality_gaussians(x, missing, [np.arange(4)])
        fills.append(fill_partial_gaps(x, missing, np.nan_to_num(x), gaussians) / scale)
    np.testing.assert_allclose(fills[1][missing], fills[0][missing], rtol=1e-6)


def test_which_modalities_get_a_gaussian():
    rng = np.random.default_rng(0)
    n = 40
    values = rng.normal(size=(n, 3 + MAX_COLUMNS + 1 + 3))
    missing = np.zeros(values.shape, dtype=bool)
    columns = [np.arange(0, 3), np.arange(3, 4 + MAX_COLUMNS), np.arange(4 + MAX_COLUMNS,
                                                                         values.shape[1])]
    missing[5:, columns[2][0]] = True  # only 5 rows observe the third modality fully
    skip = np.zeros(values.shape[1], dtype=bool)
    skip[2] = True  # a one-hot column stays with the recoverer
    gaussians = fit_modality_gaussians(np.where(missing, np.nan, values), missing, columns,
                                       skip=skip)
    np.testing.assert_array_equal(gaussians[0].columns, [0, 1])
    assert gaussians[1] is None  # wider than MAX_COLUMNS
    assert gaussians[2] is None  # too few complete rows


@pytest.fixture(scope="module")
def related():
    """One modality whose second half is a linear function of its first half."""
    rng = np.random.default_rng(0)
    n = 300
    a = rng.normal(size=(n, 3))
    b = a @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, -1.0], [2.0, 0.0, 1.0]]) \
        + 0.05 * rng.normal(size=(n, 3))
    other = rng.normal(size=(n, 2))
    X = np.hstack([a, b, other])
    y = (a[:, 0] + other[:, 0] > 0).astype(int)
    return X, y, {"m": [0, 1, 2, 3, 4, 5], "o": [6, 7]}


def test_default_fills_gaps_from_the_modality_itself(related):
    X, y, modalities = related
    clf = DyMoClassifier(modalities=modalities, random_state=0, **FAST).fit(X, y)
    X_gap = X[:50].copy()
    X_gap[:, 3:6] = np.nan  # half of "m" missing: it stays observed
    x, observed = clf._prepare(X_gap)
    x_full, _ = clf._prepare(X[:50])
    assert observed[:, 0].all()
    # The gaps come back close to the truth (they are nearly determined by
    # the present half); the recoverer's KNN values do not.
    error = (x[:, 3:6] - x_full[:, 3:6]).abs().mean().item()
    clf.set_params(partial_fill="recoverer")
    x_knn, _ = clf._prepare(X_gap)
    error_knn = (x_knn[:, 3:6] - x_full[:, 3:6]).abs().mean().item()
    assert error < 0.5 * error_knn


def test_auto_leaves_a_chosen_recoverer_alone(related):
    X, y, modalities = related
    mean = SimpleImputer()
    auto = DyMoClassifier(modalities=modalities, recoverer=mean, random_state=0,
                          **FAST).fit(X, y)
    assert auto._data_path.gaussians is None
    forced = DyMoClassifier(modalities=modalities, recoverer=mean, partial_fill="gaussian",
                            random_state=0, **FAST).fit(X, y)
    X_gap = X[:20].copy()
    X_gap[:, 3:6] = np.nan
    assert not np.allclose(auto._prepare(X_gap)[0], forced._prepare(X_gap)[0])


def test_partial_fill_is_checked(related):
    X, y, modalities = related
    match = "'partial_fill' parameter of DyMoClassifier must be a str among"
    with pytest.raises(ValueError, match=match):
        DyMoClassifier(modalities=modalities, partial_fill="mean", **FAST).fit(X, y)



def test_joint_fill_draws_on_other_modalities_and_integrates_out_missing_ones():
    mean, cov = _gaussian(6, seed=5)
    owner = np.array([0, 0, 1, 1, 2, 2])  # modalities A, B, C of two columns each
    gaussian = ModalityGaussian(np.arange(6), mean, np.linalg.inv(cov), owner)
    rng = np.random.default_rng(6)
    values = rng.normal(size=(2, 6))
    missing = np.zeros((2, 6), dtype=bool)
    missing[0, [1, 4, 5]] = True  # a gap in A; B present; C wholly missing
    missing[1, [2, 3]] = True     # B wholly missing, nothing partly observed
    values[missing] = np.nan
    recovered = np.where(missing, 99.0, values)
    out = fill_partial_gaps(values, missing, recovered, [gaussian])
    o = np.array([0, 2, 3])  # conditioned on A's present entry and on B; C integrated out
    expected = mean[1] + cov[1, o] @ np.linalg.solve(cov[np.ix_(o, o)], values[0, o] - mean[o])
    np.testing.assert_allclose(out[0, 1], expected, rtol=1e-9)
    # The per-modality Gaussian of A alone gives another value: B mattered.
    alone = mean[1] + cov[1, 0] / cov[0, 0] * (values[0, 0] - mean[0])
    assert abs(expected - alone) > 1e-3
    np.testing.assert_array_equal(out[0, [4, 5]], [99.0, 99.0])  # C keeps the recoverer's
    np.testing.assert_array_equal(out[1], recovered[1])


def test_few_columns_get_one_joint_gaussian_when_rows_allow():
    rng = np.random.default_rng(7)
    n = 40
    values = rng.normal(size=(n, 5))
    missing = np.zeros(values.shape, dtype=bool)
    columns = [np.arange(0, 2), np.arange(2, 5)]
    (joint,) = fit_modality_gaussians(values, missing, columns)
    np.testing.assert_array_equal(joint.columns, np.arange(5))
    np.testing.assert_array_equal(joint.owner, [0, 0, 1, 1, 1])
    # Fewer than MIN_ROWS rows observe both modalities: the joint Gaussian
    # comes from pairwise moments.
    missing[5:20, 0] = True
    missing[20:, 4] = True
    (pairwise,) = fit_modality_gaussians(np.where(missing, np.nan, values), missing, columns)
    np.testing.assert_array_equal(pairwise.owner, [0, 0, 1, 1, 1])
    # A column too rarely present for any moment: one Gaussian per modality.
    missing[:36, 0] = True
    separate = fit_modality_gaussians(np.where(missing, np.nan, values), missing, columns)
    assert len(separate) == 2 and separate[0] is None and separate[1].owner is None
    np.testing.assert_array_equal(separate[1].columns, [2, 3, 4])
