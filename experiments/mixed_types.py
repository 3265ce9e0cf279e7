"""Categorical columns read natively vs ordinal-coded by hand vs gradient boosting.

The set-up of ``examples/plot_mixed_types.py`` over several seeds: the
breast cancer table with its ten "worst" features and three "se" features
binned into "low" / "mid" / "high" strings at the training tertiles, 3% of
those categorical entries missing (training and test), and 2 of the 3
modalities missing in every test row. Each seed draws its own split and
missingness. Scored: DyMo on the strings (``categorical_features``),
DyMo on the same table coded 0/1/2 by hand (NaN kept), and
``HistGradientBoostingClassifier(categorical_features="from_dtype")``.

    python experiments/mixed_types.py
    python experiments/mixed_types.py --seeds 0 1 --epochs 30
"""

import argparse

import _paths  # noqa: F401 (puts benchmarks/ on sys.path for _common)
import numpy as np
import pandas as pd
from _common import limit_threads
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities, load_breast_cancer_modalities

LEVELS = np.array(["low", "mid", "high"], dtype=object)


def mixed_tables(seed):
    data = load_breast_cancer_modalities(as_frame=True)
    modalities = data.modalities
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, stratify=data.target, random_state=seed)
    X_test = drop_modalities(X_test, modalities, rate=0.6, random_state=seed + 1)
    binned = modalities["worst"] + modalities["se"][:3]
    rng = np.random.RandomState(seed)
    tables = []
    for frame in (X_train, X_test):
        out = frame.copy()
        for col in binned:
            edges = np.nanquantile(X_train[col], [1 / 3, 2 / 3])
            codes = np.minimum(np.digitize(frame[col], edges), 2)
            values = np.where(frame[col].isna(), None, LEVELS[codes])
            values[rng.rand(len(frame)) < 0.03] = None
            out[col] = values
        tables.append(out)
    return modalities, binned, tables[0], tables[1], y_train, y_test


def scores(seed, epochs):
    modalities, binned, X_train, X_test, y_train, y_test = mixed_tables(seed)
    order = {level: float(i) for i, level in enumerate(LEVELS)}

    def ordinal(frame):
        return frame.assign(**{c: frame[c].map(order).astype(float) for c in binned})

    def as_category(frame):
        return frame.astype({c: pd.CategoricalDtype(list(LEVELS)) for c in binned})

    params = dict(modalities=modalities, max_epochs=epochs, batch_size=64, random_state=seed)
    native = DyMoClassifier(**params).fit(X_train, y_train)
    hand = DyMoClassifier(**params).fit(ordinal(X_train), y_train)
    hgb = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    hgb.fit(as_category(X_train), y_train)
    return {
        "DyMo, categories as strings": native.score(X_test, y_test),
        "DyMo, ordinal-coded by hand": hand.score(ordinal(X_test), y_test),
        "HistGradientBoosting, from_dtype": hgb.score(as_category(X_test), y_test),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    limit_threads(1)
    rows = pd.DataFrame([scores(seed, args.epochs) for seed in args.seeds], index=args.seeds)
    print(rows.round(3).to_string())
    print(pd.DataFrame({"mean": rows.mean(), "std": rows.std()}).round(3).to_string())
