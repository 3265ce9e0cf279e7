"""
pandas DataFrames with named modalities, end to end
===================================================

Name columns and modalities, keep the DataFrame index through missingness,
prediction and selection, and turn ``selection_path_`` and
``selection_rewards_`` into tables keyed by the original row labels.
The classifier's default is ``selection="observed"``, which adds nothing;
this example passes ``selection="iterative"`` (the paper's Algorithm 1).
"""

# %%
# A DataFrame and modalities given by column names
# ------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from sklearn_dymo import DyMoClassifier
from sklearn_dymo.datasets import drop_modalities, load_breast_cancer_modalities
from sklearn_dymo.plotting import SelectionMatrixDisplay

data = load_breast_cancer_modalities(as_frame=True)
frame = data.data
frame.index = [f"patient-{i:03d}" for i in range(len(frame))]
target = pd.Series(np.asarray(data.target_names)[data.target], index=frame.index)
modalities = data.modalities  # {"mean": ["mean radius", ...], "se": [...], ...}
print({name: columns[:2] + ["..."] for name, columns in modalities.items()})

X_train, X_test, y_train, y_test = train_test_split(
    frame, target, test_size=0.3, stratify=target, random_state=0
)
# drop_modalities keeps the DataFrame, its columns and its index.
X_test = drop_modalities(X_test, modalities, rate=0.5, random_state=0)
print(X_test.iloc[:3, [0, 10, 20]])

# %%
# Fit and predict with string labels
# ----------------------------------
clf = DyMoClassifier(modalities=modalities, selection="iterative", max_epochs=30,
                    batch_size=64, random_state=0)
clf.fit(X_train, y_train)
print("classes:", clf.classes_, "modalities:", clf.modality_names_)
predicted = pd.Series(clf.predict(X_test), index=X_test.index)
print(f"accuracy: {np.mean(predicted == y_test):.3f}")

# %%
# One row per patient: what was observed, what was added
# ------------------------------------------------------
observed = pd.DataFrame(
    {name: X_test[columns].notna().all(axis=1) for name, columns in modalities.items()}
)
report = pd.DataFrame({
    "observed": observed.apply(lambda row: ", ".join(row.index[row]), axis=1),
    "added": [", ".join(path) for path in clf.selection_path_],
    "predicted": predicted,
    "true": y_test,
})
print(report.head(8).to_string())

# %%
# Rewards keyed by patient
# ------------------------
# ``selection_rewards_`` is indexed by the patient, ready to join with
# anything else you know about them.
rewards = clf.selection_rewards_.rename_axis("patient")
print(rewards.head().to_string())
print(rewards.groupby("modality", observed=False)["accepted"].mean()
      .rename("fraction of candidates accepted"))

# %%
# Selection matrix
# ----------------
# Rows are the patterns of observed modalities; cells the fraction of those
# patients that added a recovered modality.
fig, ax = plt.subplots(figsize=(6, 3))
SelectionMatrixDisplay.from_selection(clf.selection_path_, observed.to_numpy(),
                                      clf.modality_names_, ax=ax)
fig.tight_layout()
