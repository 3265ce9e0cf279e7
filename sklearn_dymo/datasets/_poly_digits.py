"""PolyMNIST-like data from scikit-learn's bundled 8x8 digits."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.utils import Bunch, check_random_state

#: Style of each of the first five modalities, cleanest first.
STYLES = ("clean", "mirrored", "inverted", "shifted", "noisy")
_NOISE = (0.05, 0.15, 0.3, 0.45, 0.7)


def _style(images, style, noise, texture, rng):
    out = images.copy()
    if style == "mirrored":
        out = out[:, :, ::-1]
    elif style == "inverted":
        out = 1.0 - out
    elif style == "shifted":
        out = np.roll(out, shift=(1, 1), axis=(1, 2))
    elif style == "noisy":
        out = out * rng.uniform(0.5, 1.0, size=(len(out), 1, 1))
    out = out + 0.3 * texture + noise * rng.standard_normal(out.shape)
    return out.reshape(len(out), -1)


def make_poly_digits(n_samples=None, n_modalities=5, *, random_state=None,
                     as_frame=False, return_X_y=False):
    """Multimodal digits in the spirit of PolyMNIST.

    Each modality of a sample holds a *different* 8x8 image of the same
    digit, drawn from scikit-learn's bundled ``load_digits``, rendered in
    its own style (clean, mirrored, inverted, shifted, noisy) on its own
    background texture, with noise rising from the first modality to the
    last: some modalities are cleaner than others.

    Parameters
    ----------
    n_samples : int, default=None
        Number of samples; ``None`` gives one per bundled digit (1,797).
    n_modalities : int, default=5
        Modalities of 64 columns each; styles repeat after five, with more
        noise.
    random_state : int, RandomState instance or None, default=None
    as_frame : bool, default=False
        Return ``data`` as a DataFrame with named columns (``clean_p00``...);
        ``modalities`` then lists column names instead of positions.
    return_X_y : bool, default=False
        Return ``(data, target)`` only.

    Returns
    -------
    data : Bunch
        ``data`` (n_samples, 64 * n_modalities), ``target`` (digit 0-9),
        ``modalities`` (dict name -> columns), ``feature_names``,
        ``target_names``.

    Examples
    --------
    >>> from sklearn_dymo.datasets import make_poly_digits
    >>> data = make_poly_digits(random_state=0)
    >>> data.data.shape
    (1797, 320)
    >>> list(data.modalities)
    ['clean', 'mirrored', 'inverted', 'shifted', 'noisy']
    """
    rng = check_random_state(random_state)
    digits = load_digits()
    images = digits.images / 16.0
    labels = digits.target
    n = len(labels) if n_samples is None else int(n_samples)
    anchor = np.arange(n) if n_samples is None else rng.randint(len(labels), size=n)
    y = labels[anchor]
    by_class = [np.flatnonzero(labels == k) for k in range(10)]

    names, blocks = [], []
    for m in range(n_modalities):
        style = STYLES[m % len(STYLES)]
        names.append(style if m < len(STYLES) else f"{style}{m // len(STYLES)}")
        if m == 0:
            pick = anchor
        else:  # another image of the same digit
            pick = np.empty(n, dtype=int)
            for k in range(10):
                rows = np.flatnonzero(y == k)
                pick[rows] = rng.choice(by_class[k], size=rows.size)
        texture = rng.uniform(-1, 1, size=(8, 8))
        noise = _NOISE[m % len(_NOISE)] * (1 + m // len(STYLES))
        blocks.append(_style(images[pick], style, noise, texture, rng))
    X = np.hstack(blocks)
    feature_names = [f"{name}_p{j:02d}" for name in names for j in range(64)]
    if as_frame:
        X = pd.DataFrame(X, columns=feature_names)
        modalities = {name: feature_names[64 * m:64 * (m + 1)] for m, name in enumerate(names)}
    else:
        modalities = {name: list(range(64 * m, 64 * (m + 1))) for m, name in enumerate(names)}
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, modalities=modalities, feature_names=feature_names,
                 target_names=np.arange(10))
