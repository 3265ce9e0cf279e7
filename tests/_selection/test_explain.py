"""explain_selection: per-row results as data, stateless and blockwise."""

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from sklearn_dymo import DyMoClassifier, SelectionResult


@pytest.fixture(scope="module")
def fitted_and_X(toy_data):
    X, y, modalities = toy_data
    clf = DyMoClassifier(modalities=modalities, recoverer=SimpleImputer(),
                         selection="iterative", max_epochs=3,
                         d_model=16, n_heads=2, encoder_hidden=16, latent_dim=8,
                         batch_size=64, lr=5e-3, random_state=0).fit(X, y)
    rng = np.random.RandomState(3)
    X_test = X[:90].copy()
    for columns in modalities.values():
        X_test[np.ix_(rng.rand(90) < 0.5, columns)] = np.nan
    X_test[0, :] = np.nan  # nothing observed
    # Labels unlike positions, so that index alignment is really tested.
    frame = pd.DataFrame(X_test, index=pd.Index(rng.permutation(1000)[:90], name="row"))
    return clf, frame


def test_table_agrees_with_selection(fitted_and_X):
    clf, X = fitted_and_X
    before = dict(clf.__dict__)
    explanation = clf.explain_selection(X)
    assert isinstance(explanation, SelectionResult)
    assert clf.__dict__.keys() == before.keys()  # stores nothing
    table = explanation.table
    assert table.index.equals(X.index)
    result = clf.select_modalities(X)
    names = clf.modality_names_
    for m, name in enumerate(names):
        columns = clf.modality_columns_[m]
        np.testing.assert_array_equal(table[f"observed__{name}"],
                                      ~np.isnan(X.to_numpy()[:, columns]).any(axis=1))
    # The steps, sorted, are the path.
    for row, path in zip(table.itertuples(), result.path):
        steps = {name: getattr(row, f"step__{name}") for name in names}
        added = sorted((s, n) for n, s in steps.items() if not pd.isna(s))
        assert tuple(n for _, n in added) == path
        assert [s for s, _ in added] == list(range(len(path)))
    proba = table[[f"proba__{k}" for k in clf.classes_]].to_numpy()
    np.testing.assert_array_equal(proba, clf.predict_proba(X))
    np.testing.assert_array_equal(table["prediction"], clf.predict(X))
    assert table.dtypes[f"step__{names[0]}"] == "Int64"

    rewards = explanation.rewards
    assert list(rewards.columns) == ["step", "modality", "reward", "accepted"]
    assert len(rewards) == len(result.rewards)
    # Keyed by the row labels: the accepted candidates are the steps of the table.
    for label, step, modality in rewards.loc[rewards["accepted"],
                                             ["step", "modality"]].itertuples():
        assert table.loc[label, f"step__{modality}"] == step


@pytest.mark.parametrize("selection", ["iterative", "simultaneous", "all", "observed"])
@pytest.mark.parametrize("n_blocks", [1, 3, 7])
def test_blocks_concatenate_to_the_whole(fitted_and_X, selection, n_blocks):
    clf, X = fitted_and_X
    whole = clf.explain_selection(X, selection=selection)
    parts = [clf.explain_selection(X.iloc[rows], selection=selection)
             for rows in np.array_split(np.arange(len(X)), n_blocks)]
    pd.testing.assert_frame_equal(pd.concat([p.table for p in parts]), whole.table)
    pd.testing.assert_frame_equal(pd.concat([p.rewards for p in parts]), whole.rewards)


def test_strategies_without_rewards_add_at_step_zero(fitted_and_X):
    clf, X = fitted_and_X
    every = clf.explain_selection(X, selection="all")
    assert every.rewards.empty
    steps = every.table[[f"step__{n}" for n in clf.modality_names_]]
    observed = every.table[[f"observed__{n}" for n in clf.modality_names_]].to_numpy()
    np.testing.assert_array_equal(steps.isna().to_numpy(), observed)
    assert (steps.fillna(0).to_numpy() == 0).all()
    # A row that observed nothing falls back to every recovered modality.
    only = clf.explain_selection(X.iloc[:1], selection="observed").table
    assert not only.filter(like="observed__").to_numpy().any()
    assert (only.filter(like="step__").to_numpy() == 0).all()


def test_array_input_is_numbered_from_zero(fitted_and_X):
    clf, X = fitted_and_X
    explanation = clf.explain_selection(X.to_numpy()[:5])
    assert explanation.table.index.equals(pd.RangeIndex(5))
    assert set(explanation.rewards.index) <= set(range(5))


def test_explain_needs_a_fitted_model():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        DyMoClassifier().explain_selection(np.zeros((2, 2)))


def test_partly_observed_modality_follows_min_observed_fraction(fitted_and_X):
    clf, X = fitted_and_X
    X = X[X.iloc[:, 1].notna()].iloc[:10].copy()
    X.iloc[:, 0] = np.nan  # half of the first modality's columns
    first = clf.modality_names_[0]
    default = clf.min_observed_fraction
    strict = clf.set_params(min_observed_fraction=1.0).explain_selection(X).table
    assert not strict[f"observed__{first}"].any()
    lenient = clf.set_params(min_observed_fraction=0.5).explain_selection(X).table
    clf.set_params(min_observed_fraction=default)
    assert lenient[f"observed__{first}"].all()
    assert lenient[f"step__{first}"].isna().all()
