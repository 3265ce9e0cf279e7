"""
Regression with dynamic modality selection: diabetes progression
================================================================

:class:`~sklearn_dymo.DyMoRegressor` predicts a mean and a standard
deviation from any subset of modalities. Here the two modalities of the
diabetes data are the patient's ``demographics`` (age, sex, BMI, blood
pressure) and a ``serum`` lab panel (six blood measurements); every test
patient misses one of them. For each patient DyMo adds the recovered
modality only when it shrinks the predicted variance enough (the reward
``0.5 * log(var_S / var_{S+u})`` in nats), after a calibration that checks
the recovered latent looks like real training data. The variance of a
prediction from a recovered modality includes what its recovery does not
know (``recovery_std_``, measured out of fold in ``fit``), and the
network's own variance is recalibrated on held-out training rows.
"""

# %%
# Data: demographics and serum, one of them missing per test patient
# ------------------------------------------------------------------
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

from sklearn_dymo import DyMoRegressor
from sklearn_dymo.datasets import drop_modalities, load_diabetes_modalities

data = load_diabetes_modalities()
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, test_size=0.3, random_state=0)
X_test_missing = drop_modalities(X_test, data.modalities, rate=0.5, random_state=0)
print(f"{X_train.shape[0]} training patients, modalities: {list(data.modalities)}")

# %%
# Fit one network that predicts a Gaussian from any subset of modalities
# ----------------------------------------------------------------------
reg = DyMoRegressor(modalities=data.modalities, max_epochs=20, random_state=0)
reg.fit(X_train, y_train)

# %%
# Compare selection strategies from the same fitted model
# -------------------------------------------------------
# ``select_modalities`` returns the mean (column 0) and the standard
# deviation (column 1) of each prediction, in the target's units.
for strategy in ("observed", "all", "iterative"):
    out = reg.select_modalities(X_test_missing, selection=strategy).proba
    covered = np.mean(np.abs(y_test - out[:, 0]) <= 1.96 * out[:, 1])
    print(f"{strategy:>9}: R^2 {r2_score(y_test, out[:, 0]):.3f}, "
          f"95% interval covers {covered:.0%} of the patients")

# On this small, noisy data a KNN-recovered modality does not help on
# average: recovering the serum panel from demographics (or the reverse)
# moves the predicted mean by about ``recovery_std_``, which the reward
# counts, so iterative selection rarely adds one and stays level with
# observed-only, while ``all`` loses R^2 (docs/benchmarks.md, "Regression").
print("recovery std per modality:",
      {name: round(float(v), 1) for name, v in zip(reg.modality_names_, reg.recovery_std_)})
mean, std = reg.predict(X_test_missing, return_std=True)  # stores the selection
rewards = reg.selection_rewards_
print(rewards.head(6).to_string(index=False))

# %%
# Picture: the predicted intervals and what selection added
# ---------------------------------------------------------
# Left: each test patient's predicted 95% interval, sorted by the predicted
# mean, with the true progression; patients whose missing modality was
# added are drawn in blue. Right: the rewards of the recovered candidates,
# by modality; those above 0 were accepted.
added = np.array([len(p) > 0 for p in reg.selection_path_])
order = np.argsort(mean)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
for flag, color, label in ((False, "#999999", "observed only"),
                           (True, "#1f77b4", "recovered modality added")):
    rows = order[added[order] == flag]
    pos = np.flatnonzero(added[order] == flag)
    ax1.errorbar(pos, mean[rows], yerr=1.96 * std[rows], fmt="o", ms=3, color=color,
                 alpha=0.6, label=label)
ax1.plot(np.arange(len(order)), y_test[order], "k.", ms=4, label="true value")
ax1.set_xlabel("test patients, sorted by predicted mean")
ax1.set_ylabel("disease progression")
ax1.legend(loc="upper left")
for i, (_, part) in enumerate(rewards.groupby("modality", observed=True)):
    jitter = np.random.RandomState(0).uniform(-0.15, 0.15, len(part))
    ax2.scatter(i + jitter, part["reward"], c=np.where(part["accepted"], "#1f77b4", "#999999"),
                s=12)
ax2.axhline(0.0, color="k", lw=0.8)
names = list(rewards.groupby("modality", observed=True).groups)
ax2.set_xticks(range(len(names)), names)
ax2.set_ylabel("reward (nats)")
ax2.set_title("recovered candidates: accepted (blue) or not")
fig.tight_layout()
try:
    out_dir = Path(__file__).resolve().parent
except NameError:  # run inside sphinx-gallery or a notebook
    out_dir = Path.cwd()
fig.savefig(out_dir / "plot_regression.png", dpi=100)
print(f"saved {out_dir / 'plot_regression.png'}")

# sphinx_gallery_thumbnail_path = "images/thumbnails/plot_regression.png"
