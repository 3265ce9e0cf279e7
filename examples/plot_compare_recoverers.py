"""
Comparing recoverers under rising missing rates
===============================================

How much does the choice of recoverer matter, and how much of the damage
of a weak one does DyMo's selection undo? We train one network on complete
poly digits, then recover test rows with
:class:`~sklearn.impute.SimpleImputer`, :class:`~sklearn.impute.KNNImputer`
and :class:`~sklearn.impute.IterativeImputer` while 20% to 80% of each
row's modalities are missing.
"""

# %%
# One network for every recoverer
# -------------------------------
# The network is trained on observed modalities only, so it does not
# depend on the recoverer. We fit it once on the output of a
# :class:`~sklearn_dymo.ModalityRecoverer` (the training data is complete:
# its indicator columns are all 0), and at test time put each recoverer's
# own ``ModalityRecoverer`` in front of it. The classifier reads the
# ``missing__<column>`` indicators to know what each row observed.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.experimental import enable_iterative_imputer
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split

from sklearn_dymo import DyMoClassifier, ModalityRecoverer
from sklearn_dymo.datasets import drop_modalities, make_poly_digits

data = make_poly_digits(random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, test_size=0.3, stratify=data.target, random_state=0
)
clf = DyMoClassifier(modalities=data.modalities, max_epochs=25, random_state=0)
clf.fit(ModalityRecoverer(SimpleImputer()).fit_transform(X_train), y_train)

# %%
# Three recoverers
# ----------------
# ``IterativeImputer`` with its defaults fits a ``BayesianRidge`` per
# column and round: minutes on 320 columns. A Ridge on the 20 most
# correlated columns is the light version (see the recoverers guide).
recoverers = {
    "SimpleImputer (mean)": SimpleImputer(),
    "KNNImputer": KNNImputer(),
    "IterativeImputer (Ridge)": IterativeImputer(
        estimator=Ridge(), n_nearest_features=20, max_iter=5, random_state=0),
}
fitted = {name: ModalityRecoverer(rec).fit(X_train) for name, rec in recoverers.items()}

# %%
# Accuracy at each missing rate
# -----------------------------
rates = [0.2, 0.4, 0.6, 0.8]
observed_only = []
accuracy = {(name, s): [] for name in recoverers for s in ("all", "iterative")}
for rate in rates:
    X_missing = drop_modalities(X_test, data.modalities, rate=rate, random_state=0)
    for k, (name, step) in enumerate(fitted.items()):
        X_recovered = step.transform(X_missing)
        for strategy in ("all", "iterative"):
            proba = clf.select_modalities(X_recovered, selection=strategy).proba
            accuracy[name, strategy].append(np.mean(clf.classes_[proba.argmax(1)] == y_test))
        if k == 0:  # observed-only predictions ignore the recovered values
            proba = clf.select_modalities(X_recovered, selection="observed").proba
            observed_only.append(np.mean(clf.classes_[proba.argmax(1)] == y_test))
    print(f"rate {rate:.1f}: observed only {observed_only[-1]:.3f}, " + ", ".join(
        f"{name}: all {accuracy[name, 'all'][-1]:.3f} / DyMo "
        f"{accuracy[name, 'iterative'][-1]:.3f}" for name in recoverers))

# %%
# Using every recovered modality versus letting DyMo select
# ---------------------------------------------------------
# Left: every recovered modality is used, so the prediction is only as
# good as the recoverer. Right: DyMo adds a recovered modality only when it
# raises the calibrated reward; the black line (observed modalities only)
# is the same on both sides.
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, strategy, title in zip(axes, ("all", "iterative"),
                               ("all recovered modalities", "DyMo selection")):
    ax.plot(rates, observed_only, "k--o", label="observed only")
    for name in recoverers:
        ax.plot(rates, accuracy[name, strategy], "-o", label=name)
    ax.set_title(title)
    ax.set_xlabel("fraction of modalities missing per test row")
    ax.set_xticks(rates)
axes[0].set_ylabel("test accuracy")
axes[1].legend(loc="lower left")
fig.tight_layout()

# sphinx_gallery_thumbnail_path = "images/thumbnails/plot_compare_recoverers.png"
