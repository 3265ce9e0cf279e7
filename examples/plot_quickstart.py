"""
Quickstart: dynamic modality selection on poly digits
=====================================================

Fit :class:`~sklearn_dymo.DyMoClassifier` on complete multimodal digits,
lose 80% of the modalities of every test sample, and compare, from the same
fitted model, predicting from the observed modalities only, from all
recovered modalities, and with DyMo's calibrated iterative selection,
next to a HistGradientBoosting baseline trained on the same data.
The classifier's default is ``selection="observed"``; this example passes
``selection="iterative"`` (the paper's Algorithm 1) to show the selection.
"""

# %%
# Data: five modalities, each a different image of the same digit
# ----------------------------------------------------------------
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities, make_poly_digits

data = make_poly_digits(random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, test_size=0.3, stratify=data.target, random_state=0
)
X_test_missing = drop_modalities(X_test, data.modalities, rate=0.8, random_state=0)
print(f"{X_train.shape[0]} training rows, modalities: {list(data.modalities)}")
print(f"test rows with 80% of modalities missing: {X_test_missing.shape[0]}")

# %%
# Fit one network that predicts from any subset of modalities
# -----------------------------------------------------------
clf = DyMoClassifier(modalities=data.modalities, selection="iterative",
                    max_epochs=40, random_state=0)
clf.fit(X_train, y_train)

# %%
# Compare selection strategies from the same fitted model
# -------------------------------------------------------
results = {}
for strategy in ("observed", "all", "iterative"):
    result = clf.select_modalities(X_test_missing, selection=strategy)
    results[strategy] = result
hgb = HistGradientBoostingClassifier(random_state=0).fit(X_train, y_train)

scores = {
    "observed only": np.mean(clf.classes_[results["observed"].proba.argmax(1)] == y_test),
    "all recovered": np.mean(clf.classes_[results["all"].proba.argmax(1)] == y_test),
    "DyMo (iterative, calibrated)": np.mean(
        clf.classes_[results["iterative"].proba.argmax(1)] == y_test),
    "HistGradientBoosting on NaN": hgb.score(X_test_missing, y_test),
}
for name, score in scores.items():
    print(f"{name:>30}: {score:.3f}")

# %%
# Which recovered modalities did each sample use?
# -----------------------------------------------
clf.predict(X_test_missing)
for i in range(8):
    observed = [m for m, cols in data.modalities.items()
                if not np.isnan(X_test_missing[i, cols]).any()]
    print(f"sample {i}: observed {observed}, added {list(clf.selection_path_[i])}")
rewards = clf.selection_rewards_
print(rewards.head(10).to_string(index=False))

# %%
# Picture: accuracies and how often each recovered modality was accepted
# ----------------------------------------------------------------------
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.barh(list(scores), list(scores.values()), color=["#999", "#999", "#1f77b4", "#d62728"])
ax1.set_xlim(0, 1)
ax1.set_xlabel("test accuracy (80% of modalities missing)")
for y_pos, value in enumerate(scores.values()):
    ax1.text(value + 0.01, y_pos, f"{value:.3f}", va="center")
rate = rewards.groupby("modality", observed=False)["accepted"].mean()
ax2.bar(rate.index.astype(str), rate.to_numpy(), color="#1f77b4")
ax2.set_ylabel("fraction of candidates accepted")
ax2.set_title("recovered modalities accepted by DyMo")
fig.tight_layout()
try:
    out_dir = Path(__file__).resolve().parent
except NameError:  # run inside sphinx-gallery or a notebook
    out_dir = Path.cwd()
fig.savefig(out_dir / "plot_quickstart.png", dpi=100)
print(f"saved {out_dir / 'plot_quickstart.png'}")

# sphinx_gallery_thumbnail_path = "images/thumbnails/plot_quickstart.png"
