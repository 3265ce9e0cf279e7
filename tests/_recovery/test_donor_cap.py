"""Above ``max_donors`` training rows, ModalityKNNImputer keeps a fixed sample of donors."""

import numpy as np
import pytest

from sklearn_dymo import DyMoClassifier, ModalityKNNImputer
from sklearn_dymo._recovery._donor_cap import MIN_PER_PATTERN, capped_donors
from sklearn_dymo._recovery._patterns import pattern_ids

from ..conftest import FAST
from .test_knn import WIDTHS, block_missing


def rare_modality_rows(n=3000, n_rare=12, seed=0):
    """Whole-modality missingness where the last modality is observed by ``n_rare`` rows."""
    train, _ = block_missing(seed, n_train=n, n_test=1, train_rate=0.3)
    rng = np.random.default_rng(seed)
    start = sum(WIDTHS[:-1])
    train[:, start:] = np.nan
    rare = rng.choice(n, size=n_rare, replace=False)
    train[rare, start:] = rng.normal(size=(n_rare, WIDTHS[-1]))
    return train, rare


def test_no_cap_or_enough_room_keeps_every_row():
    missing = np.isnan(block_missing(0, n_train=100)[0])
    rng = np.random.RandomState(0)
    np.testing.assert_array_equal(capped_donors(missing, None, 5, rng), np.arange(100))
    np.testing.assert_array_equal(capped_donors(missing, 100, 5, rng), np.arange(100))


def test_cap_keeps_rare_modalities_and_every_pattern():
    train, rare = rare_modality_rows()
    missing = np.isnan(train)
    kept = capped_donors(missing, 200, 5, np.random.RandomState(0))
    assert kept.size == 200
    assert np.all(np.diff(kept) > 0)
    # The rare modality keeps n_neighbors of its 12 observers, though a
    # random sample of 200 of 3,000 rows would expect fewer than one.
    assert np.isin(rare, kept).sum() >= 5
    ids = pattern_ids(missing)
    counts = np.bincount(ids)
    kept_counts = np.bincount(ids[kept], minlength=counts.size)
    floor = min(MIN_PER_PATTERN, 100 // counts.size)
    assert np.all(kept_counts >= np.minimum(counts, floor))


def test_common_patterns_keep_their_share():
    train, _ = block_missing(1, n_train=4000, train_rate=0.3)
    missing = np.isnan(train)
    kept = capped_donors(missing, 1000, 5, np.random.RandomState(1))
    ids = pattern_ids(missing)
    full = np.bincount(ids) / ids.size
    sample = np.bincount(ids[kept], minlength=full.size) / kept.size
    # Rare patterns are over-sampled, but within half the cap.
    assert np.all(sample >= 0.5 * full)
    assert sample[full.argmax()] < full.max()


def test_capped_imputer_searches_only_the_kept_donors():
    train, test = block_missing(2, n_train=600, n_test=80, train_rate=0.3)
    capped = ModalityKNNImputer(max_donors=150, random_state=0).fit(train)
    assert capped.donor_indices_.size == 150
    assert capped.train_X_.shape == (150, train.shape[1])
    on_kept = ModalityKNNImputer(max_donors=None).fit(train[capped.donor_indices_])
    # Rows that observe nothing get the column means, compared below.
    some = ~np.isnan(test).all(axis=1)
    np.testing.assert_array_equal(capped.transform(test[some]), on_kept.transform(test[some]))
    # The fallback means still come from every training row.
    np.testing.assert_allclose(capped.column_means_, np.nanmean(train, axis=0))


def test_cap_above_the_training_size_is_exact():
    train, test = block_missing(3, n_train=300)
    exact = ModalityKNNImputer(max_donors=None).fit(train)
    default = ModalityKNNImputer().fit(train)
    np.testing.assert_array_equal(default.donor_indices_, np.arange(300))
    np.testing.assert_array_equal(default.transform(test), exact.transform(test))


def test_random_state_fixes_the_sample():
    train, _ = block_missing(4, n_train=500)
    first = ModalityKNNImputer(max_donors=100, random_state=7).fit(train).donor_indices_
    again = ModalityKNNImputer(max_donors=100, random_state=7).fit(train).donor_indices_
    other = ModalityKNNImputer(max_donors=100, random_state=8).fit(train).donor_indices_
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_a_cap_below_the_donor_sets_falls_back_to_the_means():
    # Every column observed by its own few rows: with 3 donors kept, most
    # columns have no kept observer, and get the training means.
    rng = np.random.default_rng(5)
    train = np.full((40, 8), np.nan)
    for j in range(8):
        train[rng.choice(40, size=5, replace=False), j] = rng.normal(size=5)
    imputer = ModalityKNNImputer(n_neighbors=1, max_donors=3, random_state=0).fit(train)
    out = imputer.transform(np.full((2, 8), np.nan))
    np.testing.assert_allclose(out, np.broadcast_to(np.nanmean(train, axis=0), (2, 8)))


def test_dymo_seeds_the_default_recoverer(toy_data):
    X, y, modalities = toy_data
    X = X.copy()
    X[::3, 0:2] = np.nan
    fits = [DyMoClassifier(modalities=modalities, recoverer=ModalityKNNImputer(max_donors=40),
                           random_state=seed, **{**FAST, "max_epochs": 1}).fit(X, y)
            for seed in (0, 0, 1)]
    donors = [f.recoverer_.donor_indices_ for f in fits]
    np.testing.assert_array_equal(donors[0], donors[1])
    assert not np.array_equal(donors[0], donors[2])


@pytest.mark.parametrize("value", [0, 2.5, True])
def test_bad_max_donors_is_named(value):
    with pytest.raises(ValueError, match="max_donors must be a positive integer"):
        ModalityKNNImputer(max_donors=value).fit(np.ones((3, 2)))
