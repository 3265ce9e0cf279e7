import numpy as np
import pytest

#: Small, fast settings for tests; behaviour, not accuracy, is under test.
FAST = dict(d_model=16, n_heads=2, encoder_hidden=16, latent_dim=8,
            tokens_per_modality=1, max_epochs=8, batch_size=64, lr=5e-3)


@pytest.fixture
def fast_params():
    return dict(FAST)


@pytest.fixture(scope="session")
def toy_data():
    """Three 2-column modalities; the label is visible in each of them."""
    rng = np.random.RandomState(0)
    n = 240
    y = rng.randint(0, 3, size=n)
    centers = rng.normal(size=(3, 6)) * 2.5
    X = centers[y] + rng.normal(size=(n, 6))
    modalities = {"a": [0, 1], "b": [2, 3], "c": [4, 5]}
    return X, y, modalities
