"""
Visualising what DyMo selected
==============================

DyMo decides per sample which recovered modalities to use, so its
behaviour is invisible in a single accuracy number. The displays of
:mod:`sklearn_dymo.plotting` draw it: which modalities were added for
which missing pattern, the rewards behind those decisions, which
predictions changed, how many steps samples took (the paper's Fig. S3)
and what selection did to the latent space (the paper's Fig. 4).
The classifier's default is ``selection="observed"``, which adds nothing;
this example passes ``selection="iterative"`` (the paper's Algorithm 1).
"""

# %%
# Fit on poly digits, lose 80% of the modalities of every test row
# ----------------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities, make_poly_digits
from sklearn_dymo.plotting import (
    LatentSpaceDisplay,
    PredictionTransitionDisplay,
    RewardDistributionDisplay,
    SelectionMatrixDisplay,
    StepsHistogramDisplay,
)

data = make_poly_digits(random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, test_size=0.3, stratify=data.target, random_state=0
)
X_test = drop_modalities(X_test, data.modalities, rate=0.8, random_state=0)
clf = DyMoClassifier(modalities=data.modalities, selection="iterative",
                    max_epochs=25, random_state=0)
clf.fit(X_train, y_train)
y_pred = clf.predict(X_test)  # stores selection_path_ and selection_rewards_
print(f"accuracy after selection: {np.mean(y_pred == y_test):.3f}")

# What each test row observed, from its NaN pattern.
observed = np.stack(
    [~np.isnan(X_test[:, columns]).any(axis=1) for columns in data.modalities.values()],
    axis=1,
)

# %%
# Selection matrix
# ----------------
# One row per pattern of observed modalities (here every row observes one
# modality); a cell is the fraction of those rows that added the recovered
# modality. Blank cells are observed, not candidates.
fig, ax = plt.subplots(figsize=(8, 4))
SelectionMatrixDisplay.from_selection(clf.selection_path_, observed, clf.modality_names_,
                                      ax=ax)
fig.tight_layout()

# %%
# Rewards of accepted and rejected candidates
# -------------------------------------------
# Only candidates with a positive reward can be accepted; among those, one
# per step (the best). Rejected candidates above 0 lost to a better one.
fig, ax = plt.subplots(figsize=(8, 4))
RewardDistributionDisplay.from_rewards(clf.selection_rewards_, clf.modality_names_, ax=ax)
fig.tight_layout()

# %%
# Prediction transitions (Fig. 5a)
# --------------------------------
# Left: predictions from the observed modality only; right: after
# selection. Ribbons show how many mispredictions selection corrected, and
# how many correct predictions it broke.
before = clf.classes_[clf.select_modalities(X_test, selection="observed").proba.argmax(1)]
fig, ax = plt.subplots(figsize=(7, 4.5))
PredictionTransitionDisplay.from_predictions(y_test, before, y_pred, ax=ax)
fig.tight_layout()

# %%
# Steps per sample (Fig. S3)
# --------------------------
# A step is one round of rewards. A sample that accepts one modality and
# then rejects the rest takes two steps.
fig, ax = plt.subplots(figsize=(6, 4))
StepsHistogramDisplay.from_rewards(clf.selection_rewards_, len(X_test), ax=ax)
fig.tight_layout()

# %%
# Latent space with class prototypes (Fig. 4)
# -------------------------------------------
# The same test rows, encoded from the observed modality only (left) and
# from the modalities DyMo selected (right), projected with one PCA
# together with the class prototypes (stars).
display = LatentSpaceDisplay.from_estimator(clf, X_test[:300], y_test[:300])
display.figure_.tight_layout()

# sphinx_gallery_thumbnail_path = "images/thumbnails/plot_visualize_selection.png"
