"""
A custom recoverer: a small torch autoencoder
=============================================

Any object with ``fit`` and ``transform`` can recover missing modalities
for :class:`~sklearn_dymo.DyMoClassifier`. Here we write a denoising
autoencoder in torch that learns to rebuild a whole modality from the
others, compare it with :class:`~sklearn.impute.KNNImputer`, and let
DyMo's selection decide, per sample, which recovered modalities to use.
"""

# %%
# The recoverer
# -------------
# ``fit`` sees the training ``X`` (float64, NaN where missing) and
# ``transform`` an ``X`` of the same width. During training we hide whole
# modalities at random (``groups``), because that is the missingness the
# recoverer meets at predict time, and the loss only counts entries that
# were present in the data. The network also gets the missingness mask, so
# it can tell a hidden value from a real zero.
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import KNNImputer
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted
from torch import nn

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities, load_breast_cancer_modalities


class AutoencoderRecoverer(TransformerMixin, BaseEstimator):
    """Fill NaN entries with a denoising autoencoder trained on hidden modalities.

    Parameters
    ----------
    groups : list of lists of int, default=None
        Column positions of each modality; training hides whole groups.
        None hides single columns.
    hidden : int, default=32
        Width of the bottleneck.
    max_epochs : int, default=200
    lr : float, default=3e-3
    random_state : int or None, default=None
    """

    def __init__(self, groups=None, hidden=32, max_epochs=200, lr=3e-3, random_state=None):
        self.groups = groups
        self.hidden = hidden
        self.max_epochs = max_epochs
        self.lr = lr
        self.random_state = random_state

    def _inputs(self, z, missing):
        # Hidden entries become 0 (the mean after scaling) and the mask says so.
        z = torch.as_tensor(np.where(missing, 0.0, z), dtype=torch.float32)
        return torch.cat([z, torch.as_tensor(missing, dtype=torch.float32)], dim=1)

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = np.nanmean(X, axis=0)
        self.scale_ = np.nanstd(X, axis=0) + 1e-8
        z = (X - self.mean_) / self.scale_
        present = ~np.isnan(z)
        n, d = X.shape
        groups = self.groups if self.groups is not None else [[j] for j in range(d)]
        member = np.zeros((len(groups), d), dtype=bool)
        for g, columns in enumerate(groups):
            member[g, columns] = True

        rng = np.random.default_rng(self.random_state)
        # Seed the weights without touching torch's global random state.
        with torch.random.fork_rng():
            torch.manual_seed(int(rng.integers(2**31)))
            self.network_ = nn.Sequential(
                nn.Linear(2 * d, 64), nn.GELU(), nn.Linear(64, self.hidden), nn.GELU(),
                nn.Linear(self.hidden, 64), nn.GELU(), nn.Linear(64, d),
            )
        optimizer = torch.optim.Adam(self.network_.parameters(), lr=self.lr)
        target = torch.as_tensor(np.nan_to_num(z), dtype=torch.float32)
        weight = torch.as_tensor(present, dtype=torch.float32)
        for _ in range(self.max_epochs):
            # Hide about a third of the groups of every row, never all of them.
            hide = rng.random((n, len(groups))) < 1 / 3
            hide[hide.all(1), rng.integers(len(groups))] = False
            missing = ~present | (hide.astype(float) @ member > 0)
            reconstruction = self.network_(self._inputs(z, missing))
            loss = (weight * (reconstruction - target) ** 2).sum() / weight.sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=np.float64)
        missing = np.isnan(X)
        z = (X - self.mean_) / self.scale_
        with torch.no_grad():
            reconstruction = self.network_(self._inputs(z, missing)).double().numpy()
        return np.where(missing, reconstruction * self.scale_ + self.mean_, X)


# %%
# Data: breast cancer, two of three modalities missing at test time
# -----------------------------------------------------------------
data = load_breast_cancer_modalities()
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, test_size=0.3, stratify=data.target, random_state=0
)
X_test_missing = drop_modalities(X_test, data.modalities, rate=0.6, random_state=0)
groups = list(data.modalities.values())

# %%
# How well does each recoverer rebuild the hidden modalities?
# -----------------------------------------------------------
# We know the true values, so compare the recovered entries with them, in
# units of each column's standard deviation.
recoverers = {
    "KNNImputer": KNNImputer(),
    "autoencoder": AutoencoderRecoverer(groups=groups, random_state=0),
}
hidden = np.isnan(X_test_missing)
column_std = X_train.std(axis=0)
for name, recoverer in recoverers.items():
    recovered = recoverer.fit(X_train).transform(X_test_missing)
    error = ((recovered - X_test) / column_std)[hidden]
    print(f"{name:>12}: RMSE on hidden entries = {np.sqrt(np.mean(error**2)):.3f} std")

# %%
# DyMo with each recoverer
# ------------------------
# Training uses observed modalities only, so with the same ``random_state``
# both classifiers train the same network; only the recovered candidates
# differ at predict time. The classifier's default is
# ``selection="observed"``; these use iterative selection (the paper's
# Algorithm 1), which is what the recoverer feeds.
accuracy = {}
for name, recoverer in recoverers.items():
    clf = DyMoClassifier(modalities=data.modalities, recoverer=recoverer,
                         selection="iterative", max_epochs=30, batch_size=64,
                         random_state=0).fit(X_train, y_train)
    for strategy in ("observed", "all", "iterative"):
        result = clf.select_modalities(X_test_missing, selection=strategy)
        accuracy[name, strategy] = np.mean(clf.classes_[result.proba.argmax(1)] == y_test)
    added = sum(len(path) for path in clf.select_modalities(X_test_missing).path)
    print(f"{name:>12}: DyMo added {added} recovered modalities to "
          f"{len(X_test_missing)} test rows")

for (name, strategy), value in accuracy.items():
    print(f"{name:>12} / {strategy:<9}: {value:.3f}")

# %%
# Accuracy by recoverer and strategy
# ----------------------------------
strategies = ["observed", "all", "iterative"]
labels = ["observed only", "all recovered", "DyMo selection"]
x = np.arange(len(strategies))
fig, ax = plt.subplots(figsize=(7, 3.5))
for k, name in enumerate(recoverers):
    values = [accuracy[name, s] for s in strategies]
    bars = ax.bar(x + (k - 0.5) * 0.38, values, width=0.38, label=name)
    ax.bar_label(bars, fmt="%.3f", fontsize="small")
ax.set_xticks(x, labels)
ax.set_ylim(min(accuracy.values()) - 0.05, 1.0)
ax.set_ylabel("test accuracy")
ax.set_title("two of three modalities missing per test row")
ax.legend(loc="lower right")
fig.tight_layout()
