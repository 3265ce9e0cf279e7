"""``TensorBatches`` gives the batches skorch's default DataLoader gives."""

import numpy as np
import pytest
import torch
from skorch.dataset import Dataset, ValidSplit
from torch.utils.data import DataLoader

from sklearn_dymo._network._batches import TensorBatches


def _dataset(n=37):
    g = torch.Generator().manual_seed(0)
    X = {"x": torch.randn(n, 3, generator=g), "observed": torch.rand(n, 2, generator=g) < 0.5}
    return Dataset(X, torch.arange(n))


def _same_batches(ours, reference):
    ours, reference = list(ours), list(reference)
    assert len(ours) == len(reference)
    for (X, y), (X_ref, y_ref) in zip(ours, reference):
        assert X.keys() == X_ref.keys()
        for key in X:
            assert torch.equal(X[key], X_ref[key])
        assert torch.equal(y, y_ref)


@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_equal_the_dataloaders_over_epochs(shuffle):
    data = _dataset()
    ours = TensorBatches(data, 8, shuffle=shuffle, generator=torch.Generator().manual_seed(3))
    reference = DataLoader(data, batch_size=8, shuffle=shuffle,
                           generator=torch.Generator().manual_seed(3))
    assert len(ours) == len(reference) == 5
    for _ in range(3):  # the generator moves on alike from epoch to epoch
        _same_batches(ours, reference)


def test_subsets_of_a_split_are_indexed_through():
    data = _dataset(40)
    train, valid = ValidSplit(0.25, stratified=False, random_state=0)(data)
    for part in (train, valid):
        _same_batches(TensorBatches(part, 7), DataLoader(part, batch_size=7))
    # A shuffled subset draws only rows of that subset.
    rows = torch.cat([y for _, y in TensorBatches(valid, 4, shuffle=True,
                                                  generator=torch.Generator())])
    assert sorted(rows.tolist()) == sorted(np.asarray(valid.indices).tolist())


def test_other_datasets_fall_back_to_a_dataloader():
    data = torch.utils.data.TensorDataset(torch.arange(10.0), torch.arange(10))
    batches = list(TensorBatches(data, 4))
    assert [len(y) for _, y in batches] == [4, 4, 2]
