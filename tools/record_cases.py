"""Record (or check) the outputs of a fixed set of fitted DyMo cases.

A refactor of the estimators' assembly must leave every output unchanged:
``python tools/record_cases.py record out.pkl`` on the code before it,
``python tools/record_cases.py check out.pkl`` after each step (max abs
difference 0 on probabilities and means, identical selection paths and
rewards). Cases: both estimators, several selections, categorical columns,
partly observed rows, indicator columns from a Pipeline step, pickles.
"""

import pickle
import sys
import warnings

import numpy as np
import pandas as pd
import torch

torch.set_num_threads(1)

from sklearn.impute import KNNImputer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from sklearn_dymo import DyMoClassifier, DyMoRegressor, ModalityRecoverer  # noqa: E402
from sklearn_dymo.datasets import (  # noqa: E402
    drop_modalities,
    load_breast_cancer_modalities,
    load_diabetes_modalities,
)

FAST = dict(d_model=16, n_heads=2, encoder_hidden=16, latent_dim=8, max_epochs=4,
            batch_size=64, lr=5e-3, random_state=0)


def partial(X, rate, seed):
    """Hide single entries too (partly observed modalities)."""
    rng = np.random.default_rng(seed)
    X = np.array(X, dtype=float)
    X[rng.random(X.shape) < rate] = np.nan
    return X


def outputs(est, X):
    out = {}
    if hasattr(est, "predict_proba"):
        out["proba"] = est.predict_proba(X)
    else:
        mean, std = est.predict(X, return_std=True)
        out["mean"], out["std"] = mean, std
    last = est[-1] if hasattr(est, "steps") else est
    out["path"] = list(last.selection_path_)
    out["rewards"] = last.selection_rewards_.copy()
    if isinstance(X, pd.DataFrame) and "sample" not in out["rewards"].columns:
        # Rewards are keyed by X's labels; compare by position.
        out["rewards"].index = X.index.get_indexer(out["rewards"].index)
    if not hasattr(est, "steps"):
        expl = est.explain_selection(X)
        out["table"] = expl.table
        out["expl_rewards"] = expl.rewards
        res = est.select_modalities(X, selection="all")
        out["all_proba"] = res.proba
    return out


def cases():
    bc = load_breast_cancer_modalities()
    X, y = bc.data, bc.target
    Xtr, ytr = X[:400], y[:400]
    Xte = drop_modalities(X[400:], bc.modalities, rate=0.5, random_state=1)
    Xte_p = partial(Xte, 0.15, 2)
    Xtr_m = drop_modalities(Xtr, bc.modalities, rate=0.3, random_state=3)
    labels = np.array(["benign", "malignant"])[y]

    c = DyMoClassifier(modalities=bc.modalities, **FAST).fit(Xtr, ytr)
    yield "clf_iterative", c, Xte_p
    yield "clf_iterative_pickle", pickle.loads(pickle.dumps(c)), Xte_p
    yield "clf_simultaneous_knn", DyMoClassifier(
        modalities=bc.modalities, recoverer=KNNImputer(), selection="simultaneous",
        max_candidates=2, **FAST).fit(Xtr_m, labels[:400]), Xte_p
    yield "clf_auto", DyMoClassifier(modalities=bc.modalities, selection="auto",
                                     **FAST).fit(Xtr_m, ytr), Xte
    yield "clf_sqeuclid_literal", DyMoClassifier(
        modalities=bc.modalities, distance="sqeuclidean", calibrate="literal",
        scaling="standard", linear_path=False, early_stopping=True,
        **FAST).fit(Xtr_m, ytr), Xte

    # Categorical columns in a DataFrame.
    rng = np.random.default_rng(0)
    df = pd.DataFrame(X[:, :10], columns=[f"num{i}" for i in range(10)])
    df["colour"] = pd.Categorical(rng.choice(["red", "green", "blue"], len(df)))
    df["size"] = np.where(y == 1, "big", "small").astype(object)
    df.loc[rng.random(len(df)) < 0.2, "size"] = None
    mods = {"a": [f"num{i}" for i in range(5)], "b": [f"num{i}" for i in range(5, 10)],
            "c": ["colour", "size"]}
    dte = df.iloc[400:].copy()
    dte.iloc[::3, :5] = np.nan
    dte.iloc[1::4, 5:8] = np.nan
    yield "clf_categorical", DyMoClassifier(modalities=mods, **FAST).fit(
        df.iloc[:400], labels[:400]), dte

    # Indicators from a ModalityRecoverer step.
    pipe = make_pipeline(ModalityRecoverer(), DyMoClassifier(**FAST))
    yield "clf_pipeline_indicators", pipe.fit(Xtr_m, ytr), Xte

    db = load_diabetes_modalities()
    Xd, yd = db.data, db.target
    Xdte = partial(drop_modalities(Xd[300:], db.modalities, rate=0.5, random_state=4), 0.1, 5)
    r = DyMoRegressor(modalities=db.modalities, **FAST).fit(Xd[:300], yd[:300])
    yield "reg_iterative", r, Xdte
    yield "reg_pickle", pickle.loads(pickle.dumps(r)), Xdte
    Xdtr_m = drop_modalities(Xd[:300], db.modalities, rate=0.3, random_state=6)
    yield "reg_auto", DyMoRegressor(modalities=db.modalities, selection="auto",
                                    **FAST).fit(Xdtr_m, yd[:300]), Xdte
    yield "reg_no_recovery_variance", DyMoRegressor(
        modalities=db.modalities, recovery_variance=False, variance_holdout=0.0,
        selection="simultaneous", **FAST).fit(Xdtr_m, yd[:300]), Xdte


def canonical_rewards(frame):
    """Rewards as (row, step, modality, reward, accepted) rows in a fixed order."""
    frame = frame.copy()
    if "sample" in frame.columns:
        frame.index = pd.Index(frame.pop("sample").to_numpy())
    frame = frame.reset_index(drop=False)
    frame.columns = ["row", *frame.columns[1:]]
    frame["code"] = frame["modality"].cat.codes
    frame = frame.sort_values(["row", "step", "code"], kind="stable")
    return frame.drop(columns="code").reset_index(drop=True)


def same(a, b, name, key):
    if key in ("rewards", "expl_rewards"):
        a, b = canonical_rewards(a), canonical_rewards(b)
    if isinstance(a, np.ndarray):
        diff = np.max(np.abs(a - b)) if a.size else 0.0
        ok = a.shape == b.shape and diff == 0
    elif isinstance(a, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
            ok = True
        except AssertionError as err:
            print(err)
            ok = False
    else:
        ok = a == b
    print(f"{'ok  ' if ok else 'DIFF'} {name}:{key}")
    return ok


def main(mode, path):
    warnings.simplefilter("ignore")
    got = {name: outputs(est, X) for name, est, X in cases()}
    if mode == "record":
        with open(path, "wb") as f:
            pickle.dump(got, f)
        print(f"recorded {len(got)} cases")
        return 0
    with open(path, "rb") as f:
        want = pickle.load(f)
    ok = True
    for name in want:
        for key in want[name]:
            ok &= same(want[name][key], got[name][key], name, key)
    print("IDENTICAL" if ok else "DIFFERENT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
