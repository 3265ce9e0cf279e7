"""Mini-batches of the training tensors, taken with one index per tensor.

skorch's default iterator is a ``DataLoader``: it fetches every row of a
batch on its own and collates the rows in Python, about 1 ms per batch of
128 rows here (several percent of a DyMo epoch). ``TensorBatches`` takes
the rows of a batch from every tensor at once. With ``shuffle`` it draws
from the generator as a ``DataLoader`` with a ``RandomSampler`` does (per
epoch one int64 for its worker seed, then two ``randperm``: the order and
the unused remainder), so a net trained with either sees the same batches.
"""

from __future__ import annotations

import math

import torch
from skorch.dataset import Dataset
from skorch.utils import multi_indexing
from torch.utils.data import DataLoader, Subset


def _rows_source(dataset):
    """``(skorch Dataset, row indices or None)`` behind ``dataset``; None if unknown."""
    indices = None
    while isinstance(dataset, Subset):
        step = torch.as_tensor(dataset.indices, dtype=torch.long)
        indices = step if indices is None else step[indices]
        dataset = dataset.dataset
    if type(dataset) is not Dataset or dataset.X_is_ndframe:
        return None
    return dataset, indices


class TensorBatches:
    """skorch iterator: batches of a ``skorch.dataset.Dataset`` by bulk indexing.

    Parameters
    ----------
    dataset : skorch ``Dataset`` or a ``Subset`` of one
        Any other dataset is passed on to a ``DataLoader``.
    batch_size : int
    shuffle : bool, default=False
    generator : torch.Generator, optional
        Source of the shuffled order.
    **loader_params
        Only used with the ``DataLoader`` fallback.
    """

    def __init__(self, dataset, batch_size, shuffle=False, generator=None, **loader_params):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.loader_params = loader_params

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def _order(self, n):
        if not self.shuffle:
            return torch.arange(n)
        # As DataLoader: its base seed first, then RandomSampler's permutation
        # and the (empty) remainder it draws when an epoch runs out.
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        order = torch.randperm(n, generator=self.generator)
        torch.randperm(n, generator=self.generator)
        return order

    def __iter__(self):
        source = _rows_source(self.dataset)
        if source is None:
            yield from DataLoader(self.dataset, batch_size=self.batch_size,
                                  shuffle=self.shuffle, generator=self.generator,
                                  **self.loader_params)
            return
        data, rows = source
        order = self._order(len(self.dataset))
        if rows is not None:
            order = rows[order]
        for start in range(0, order.shape[0], self.batch_size):
            batch = order[start:start + self.batch_size]
            yield data.transform(_take(data.X, batch, data.X_indexing),
                                 _take(data.y, batch, data.y_indexing))


def _take(values, rows, indexing):
    """Rows ``rows`` (a LongTensor) of a tensor, a dict of tensors or anything skorch indexes."""
    if isinstance(values, torch.Tensor):
        return values.index_select(0, rows.to(values.device))
    if isinstance(values, dict) and all(isinstance(v, torch.Tensor) for v in values.values()):
        # skorch's multi_indexing costs ~1 ms per batch on a dict of tensors.
        return {k: _take(v, rows, None) for k, v in values.items()}
    return multi_indexing(values, rows.numpy(), indexing)
