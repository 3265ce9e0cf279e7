"""The methods of the benchmark suite: DyMo and the peers users pick (benchmark code).

Each method is a *family*: one ``fit`` on the training rows and one or more
named outputs from it (DyMo's default prediction, and its observed-only and
all-modalities selections from the same fit). :data:`FAMILIES` maps a
family name to a :class:`Family` whose ``make(modalities, seed)`` returns an
object with ``fit(X, y)`` and ``outputs(X) -> {method: proba}``. ``X`` is a
DataFrame (numeric and ``category`` columns, NaN where missing), ``y`` holds
integer class codes ``0..K-1``, every ``proba`` has ``K`` columns in that order.

Every peer is run the way its documentation recommends, on one thread:

=====================  ====================================================================
method                 configuration
=====================  ====================================================================
lightgbm               ``LGBMClassifier()`` defaults; NaN and ``category`` columns native
xgboost                ``XGBClassifier(tree_method="hist", enable_categorical=True)``; NaN
                       native
catboost               ``CatBoostClassifier()`` defaults (1,000 iterations); numeric NaN
                       native, categorical columns as ``cat_features`` (NaN -> "NaN")
hgb                    ``HistGradientBoostingClassifier(categorical_features="from_dtype")``
                       on the NaN data
realmlp, tabm          pytabkit ``RealMLP_TD_Classifier`` / ``TabM_D_Classifier`` on CPU;
                       their docs ask for imputed numeric columns: median + missing-value
                       indicators (``SimpleImputer(add_indicator=True)``); categorical NaN
                       is pytabkit's own missing code
iterimp_lr             one-hot categoricals (NaN rows stay NaN), ``IterativeImputer`` (Ridge,
                       3 rounds, 100 nearest columns: ``_common.make_imputers``) ->
                       ``StandardScaler`` -> ``LogisticRegression``
knn_hgb                the same one-hot matrix, ``KNNImputer(5)`` -> ``HistGradientBoosting``
modality_stack         one HistGradientBoosting per modality (rows where that modality has an
                       observed entry), out-of-fold probabilities (3 folds) plus availability
                       flags -> ``LogisticRegression`` (late fusion with availability flags)
dymo                   ``DyMoClassifier(modalities=...)`` defaults: outputs ``dymo``,
                       ``dymo_observed`` and ``dymo_all`` (``select_modalities``)
=====================  ====================================================================

TabPFN and TabICL are not here: their weights download at the first fit,
and nothing can be downloaded on these machines.
"""

from __future__ import annotations

import importlib.util
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler


@dataclass(frozen=True)
class Family:
    """A method family: ``make(modalities, seed, **params)`` -> fit/outputs object."""

    name: str
    make: Callable
    outputs: tuple  # method names it produces
    requires: tuple = ()  # import names it needs
    cheap: bool = True  # part of the quick peer run (no pytabkit networks)
    # a DyMo variant's constructor parameters (a dict: not part of the hash)
    params: dict | None = field(default=None, hash=False, compare=False)


def categorical_columns(X):
    return [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]


def _full_proba(proba, classes, n_classes):
    """Probabilities over the model's ``classes`` -> ``n_classes`` columns."""
    out = np.zeros((proba.shape[0], n_classes))
    out[:, np.asarray(classes, dtype=int)] = proba
    return out


class _Single:
    """A peer with one output: a fitted estimator's ``predict_proba``."""

    def __init__(self, name, estimator, prepare=None):
        self.name = name
        self.estimator = estimator
        self.prepare = prepare  # fitted per call of fit: X -> model input

    def fit(self, X, y):
        self.n_classes_ = int(y.max()) + 1
        if self.prepare is not None:
            X = self.prepare.fit(X).transform(X)
        self.estimator.fit(X, y)
        return self

    def outputs(self, X):
        if self.prepare is not None:
            X = self.prepare.transform(X)
        proba = self.estimator.predict_proba(X)
        return {self.name: _full_proba(proba, self.estimator.classes_, self.n_classes_)}


# ------------------------------------------------------------ preprocessing
class OneHotNaN:
    """DataFrame -> float matrix: numeric columns as they are, each categorical
    column as its one-hot block (categories of ``fit``), NaN in the whole block
    where the entry is missing (what an imputer should fill)."""

    def fit(self, X):
        self.cats_ = {c: list(X[c].cat.categories) for c in categorical_columns(X)}
        self.columns_ = list(X.columns)
        return self

    def transform(self, X):
        blocks = []
        for c in self.columns_:
            if c in self.cats_:
                codes = pd.Categorical(X[c], categories=self.cats_[c]).codes
                block = (codes[:, None] == np.arange(len(self.cats_[c]))[None, :]).astype(float)
                block[codes < 0] = np.nan
                blocks.append(block)
            else:
                blocks.append(X[c].to_numpy(dtype=np.float64)[:, None])
        return np.hstack(blocks)


class ImputedNumeric:
    """Numeric columns median-imputed with missing-value indicators; categoricals kept
    (pytabkit's own encoder codes their NaN as missing)."""

    def fit(self, X):
        self.num_ = [c for c in X.columns if c not in set(categorical_columns(X))]
        self.imputer_ = SimpleImputer(strategy="median", add_indicator=True,
                                      keep_empty_features=True)
        self.imputer_.fit(X[self.num_].to_numpy(dtype=np.float64))
        return self

    def transform(self, X):
        values = self.imputer_.transform(X[self.num_].to_numpy(dtype=np.float64))
        names = [f"num_{i}" for i in range(values.shape[1])]
        out = pd.DataFrame(values, columns=names, index=X.index)
        for c in categorical_columns(X):
            out[f"cat_{c}"] = X[c]
        return out


class StringCategories:
    """CatBoost input: categorical columns as strings, NaN as the string "NaN"."""

    def fit(self, X):
        self.cat_ = categorical_columns(X)
        return self

    def transform(self, X):
        X = X.copy()
        for c in self.cat_:
            X[c] = X[c].astype(str).where(X[c].notna(), "NaN")
        return X


class _Imputed:
    """One-hot -> imputer (fitted on the training rows): the input of an imputing peer."""

    def __init__(self, imputer):
        self.imputer = imputer

    def fit(self, X):
        self.encoder_ = OneHotNaN().fit(X)
        self.imputer_ = clone(self.imputer).fit(self.encoder_.transform(X))
        return self

    def transform(self, X):
        return self.imputer_.transform(self.encoder_.transform(X))


# -------------------------------------------------------------------- peers
def make_lightgbm(modalities, seed):
    from lightgbm import LGBMClassifier

    return _Single("lightgbm", LGBMClassifier(random_state=seed, n_jobs=1, verbose=-1))


def make_xgboost(modalities, seed):
    from xgboost import XGBClassifier

    return _Single("xgboost", XGBClassifier(tree_method="hist", enable_categorical=True,
                                            random_state=seed, n_jobs=1))


class _CatBoost(_Single):
    def fit(self, X, y):
        self.estimator.set_params(cat_features=categorical_columns(X) or None)
        return super().fit(X, y)


def make_catboost(modalities, seed):
    from catboost import CatBoostClassifier

    model = CatBoostClassifier(random_seed=seed, thread_count=1, verbose=0,
                               allow_writing_files=False)
    return _CatBoost("catboost", model, StringCategories())


def make_hgb(modalities, seed):
    return _Single("hgb", HistGradientBoostingClassifier(categorical_features="from_dtype",
                                                         random_state=seed))


def make_realmlp(modalities, seed):
    from pytabkit import RealMLP_TD_Classifier

    return _Single("realmlp", RealMLP_TD_Classifier(device="cpu", random_state=seed,
                                                    n_threads=1), ImputedNumeric())


def make_tabm(modalities, seed):
    from pytabkit import TabM_D_Classifier

    return _Single("tabm", TabM_D_Classifier(device="cpu", random_state=seed, n_threads=1),
                   ImputedNumeric())


def make_iterimp_lr(modalities, seed):
    from _common import make_imputers
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return _Single("iterimp_lr", model, _Imputed(make_imputers(seed)["iterative"]))


def make_knn_hgb(modalities, seed):
    from _common import make_imputers

    model = HistGradientBoostingClassifier(random_state=seed)
    return _Single("knn_hgb", model, _Imputed(make_imputers(seed)["knn"]))


class ModalityStack:
    """Late fusion: one HistGradientBoosting per modality + availability flags.

    Each modality's model trains on the rows where that modality has at
    least one observed entry (HistGradientBoosting handles the other gaps),
    and gives out-of-fold probabilities for them (``n_folds`` stratified
    folds). The meta-learner (``LogisticRegression``) sees, per modality,
    those probabilities (the training class frequencies where the modality
    is absent) and a flag saying whether it was present.
    """

    def __init__(self, modalities, seed, n_folds=3, min_rows=20):
        self.modalities = modalities
        self.seed = seed
        self.n_folds = n_folds
        self.min_rows = min_rows

    def _base(self):
        return HistGradientBoostingClassifier(categorical_features="from_dtype",
                                              random_state=self.seed)

    def fit(self, X, y):
        self.n_classes_ = K = int(y.max()) + 1
        self.prior_ = np.bincount(y, minlength=K) / len(y)
        self.models_ = {}
        blocks = []
        for name, cols in self.modalities.items():
            present = X[cols].notna().to_numpy().any(axis=1)
            block = np.tile(self.prior_, (len(y), 1))
            counts = np.bincount(y[present], minlength=K)
            folds = min(self.n_folds, counts[counts > 0].min()) if present.any() else 0
            if present.sum() >= self.min_rows and (counts > 0).sum() >= 2 and folds >= 2:
                Xm, ym = X.loc[present, cols], y[present]
                oof = np.zeros((len(ym), K))
                cv = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
                for tr, te in cv.split(Xm, ym):
                    model = self._base().fit(Xm.iloc[tr], ym[tr])
                    oof[te] = _full_proba(model.predict_proba(Xm.iloc[te]), model.classes_, K)
                block[present] = oof
                self.models_[name] = self._base().fit(Xm, ym)
            blocks += [block, present[:, None].astype(float)]
        self.meta_ = LogisticRegression(max_iter=2000).fit(np.hstack(blocks), y)
        return self

    def outputs(self, X):
        K, blocks = self.n_classes_, []
        for name, cols in self.modalities.items():
            present = X[cols].notna().to_numpy().any(axis=1)
            block = np.tile(self.prior_, (len(X), 1))
            model = self.models_.get(name)
            if model is not None and present.any():
                block[present] = _full_proba(model.predict_proba(X.loc[present, cols]),
                                             model.classes_, K)
            blocks += [block, present[:, None].astype(float)]
        proba = self.meta_.predict_proba(np.hstack(blocks))
        return {"modality_stack": _full_proba(proba, self.meta_.classes_, K)}


def make_modality_stack(modalities, seed):
    return ModalityStack(modalities, seed)


# --------------------------------------------------------------------- DyMo
class DyMoMethods:
    """One ``DyMoClassifier`` fit; outputs its iterative selection (``predict_proba``,
    unless ``params`` name another ``selection``) and the observed-only /
    all-modalities selections (``select_modalities``).

    ``params`` are extra constructor parameters (an ablation or a candidate
    default); ``prefix`` names the outputs (``dymo``, ``dymo_observed``,
    ``dymo_all``, or ``dymo-<name>...`` for a named variant).
    """

    def __init__(self, modalities, seed, prefix="dymo", params=None):
        self.modalities = modalities
        self.seed = seed
        self.prefix = prefix
        self.params = params or {}

    def fit(self, X, y):
        from sklearn_dymo import DyMoClassifier

        # The ``dymo`` output is iterative selection, as the report labels it;
        # observed-only and all-modalities come from the same fit.
        params = {"selection": "iterative", **self.params}
        self.model_ = DyMoClassifier(modalities=self.modalities, random_state=self.seed,
                                     **params).fit(X, y)
        return self

    def outputs(self, X):
        out = {self.prefix: self.model_.predict_proba(X)}
        for selection in ("observed", "all"):
            out[f"{self.prefix}_{selection}"] = self.model_.select_modalities(
                X, selection=selection).proba
        return out

    def timed_outputs(self, X):
        """Like ``outputs``, with the seconds each one took."""
        out, seconds = {}, {}
        t = time.perf_counter()
        out[self.prefix] = self.model_.predict_proba(X)
        seconds[self.prefix] = time.perf_counter() - t
        for selection in ("observed", "all"):
            name = f"{self.prefix}_{selection}"
            t = time.perf_counter()
            out[name] = self.model_.select_modalities(X, selection=selection).proba
            seconds[name] = time.perf_counter() - t
        return out, seconds


def dymo_family(name=None, params=None):
    """The family of the default DyMo (``name=None``) or of a named variant."""
    prefix = "dymo" if name is None else f"dymo-{name}"

    def make(modalities, seed):
        return DyMoMethods(modalities, seed, prefix, params)

    return Family(prefix, make, (prefix, f"{prefix}_observed", f"{prefix}_all"),
                  ("torch",), cheap=False, params=params)


#: family name -> Family, in report order (peers first).
FAMILIES = {f.name: f for f in (
    Family("lightgbm", make_lightgbm, ("lightgbm",), ("lightgbm",)),
    Family("xgboost", make_xgboost, ("xgboost",), ("xgboost",)),
    Family("catboost", make_catboost, ("catboost",), ("catboost",)),
    Family("hgb", make_hgb, ("hgb",)),
    Family("iterimp_lr", make_iterimp_lr, ("iterimp_lr",)),
    Family("knn_hgb", make_knn_hgb, ("knn_hgb",)),
    Family("modality_stack", make_modality_stack, ("modality_stack",)),
    Family("realmlp", make_realmlp, ("realmlp",), ("pytabkit",), cheap=False),
    Family("tabm", make_tabm, ("tabm",), ("pytabkit",), cheap=False),
    dymo_family(),
)}

#: Readable names of the outputs, for the report.
LABELS = {
    "lightgbm": "LightGBM", "xgboost": "XGBoost", "catboost": "CatBoost",
    "hgb": "HistGB (NaN)", "iterimp_lr": "IterImp + LogReg", "knn_hgb": "KNNImp + HistGB",
    "modality_stack": "per-modality HistGB + meta", "realmlp": "RealMLP", "tabm": "TabM",
    "dymo": "DyMo iterative", "dymo_observed": "DyMo (default: observed)",
    "dymo_all": "DyMo all",
}
#: Outputs that are not DyMo: the peers the criteria compare against.
PEERS = tuple(m for f in FAMILIES.values() if not f.name.startswith("dymo") for m in f.outputs)


def missing_requirements(family):
    """Import names of ``family`` that are not installed (empty when it can run)."""
    return [r for r in family.requires if importlib.util.find_spec(r) is None]


def fit_and_predict(family, modalities, seed, X_train, y_train, tests):
    """Fit ``family`` once and score each test matrix.

    ``tests``: dict key -> X_test. Returns ``(fit_s, {key: {method: (proba,
    predict_s)}})``; ``predict_s`` is the time of that output alone where the
    family can tell (DyMo), otherwise the time of the one predict call.
    """
    model = family.make(modalities, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        model.fit(X_train, y_train)
        fit_s = time.perf_counter() - t
        out = {}
        for key, X_test in tests.items():
            if hasattr(model, "timed_outputs"):
                probas, seconds = model.timed_outputs(X_test)
            else:
                t = time.perf_counter()
                probas = model.outputs(X_test)
                seconds = dict.fromkeys(probas, time.perf_counter() - t)
            out[key] = {m: (p, seconds[m]) for m, p in probas.items()}
    return fit_s, out
