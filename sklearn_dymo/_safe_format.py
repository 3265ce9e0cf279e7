"""A model file that loads without running code it was not told to trust.

``pickle.load`` calls whatever callables the file names, so a pickle from
an untrusted source can run arbitrary code. This format keeps pickle's
object graph but loads it with an unpickler that resolves only an
allowlist of names (the idea behind ``torch.load(weights_only=True)`` and
skops): sklearn-dymo's own fitted classes, numpy arrays and dtypes, a few
builtins, and restorers defined here. Everything else (a user's custom
recoverer, skorch callbacks passed as ``callbacks``) must be named in
``trusted``; :func:`get_untrusted_types` lists what a file needs.

What is written differs from a pickle of the estimator in three ways:

- the skorch net is not pickled (skorch unpickles its parts with
  ``torch.load``, which is outside the allowlist): the network's weights
  are saved as arrays, and ``load`` rebuilds the net from the estimator's
  parameters and loads them;
- torch tensors become numpy arrays, DataFrames plain columns;
- the per-call records of the last ``predict`` (``selection_path_``,
  ``selection_rewards_``) are left out: they describe a call, not the model.

The file is a zip archive: ``meta.json`` (format, versions, class) and
``state.pkl``.
"""

from __future__ import annotations

import io
import json
import pickle
import warnings
import zipfile

import numpy as np
import pandas as pd
import torch

#: Version of the file layout; bumped when it changes incompatibly.
FORMAT_VERSION = 1

#: Fitted attributes that record the last predict call, not the model.
_PER_CALL = ("selection_path_", "selection_rewards_")

#: Names ``load`` resolves without being told to trust them.
_TRUSTED = {
    ("builtins", name) for name in ("set", "frozenset", "slice", "complex", "bytearray",
                                    "range")
} | {
    ("collections", "OrderedDict"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.random._pickle", "__randomstate_ctor"),
    ("numpy.random._pickle", "__bit_generator_ctor"),
    ("numpy.random.mtrand", "RandomState"),
    ("torch", "device"),
} | {
    ("numpy.dtypes", name) for name in (
        "Float64DType", "Float32DType", "Int64DType", "Int32DType", "Int8DType",
        "UInt8DType", "BoolDType", "ObjectDType", "StrDType", "BytesDType")
} | {
    ("sklearn_dymo._safe_format", name) for name in ("_tensor", "_frame", "_series")
} | {
    ("sklearn_dymo._classifier", "DyMoClassifier"),
    ("sklearn_dymo._regressor", "DyMoRegressor"),
    ("sklearn_dymo._drift", "MissingnessPatterns"),
    ("sklearn_dymo._input._categorical", "CategoricalEncoding"),
    ("sklearn_dymo._input._categorical", "OneHotLayout"),
    ("sklearn_dymo._input._data_path", "DataPath"),
    ("sklearn_dymo._input._modalities", "ModalitySpec"),
    ("sklearn_dymo._input._tensors", "ColumnScaler"),
    ("sklearn_dymo._recovery._knn", "ModalityKNNImputer"),
    ("sklearn_dymo._recovery._recoverer", "ModalityRecoverer"),
    ("sklearn_dymo._recovery._partial_fill", "ModalityGaussian"),
    ("sklearn_dymo._recovery._recovery_choice", "RecoveryChoice"),
    ("sklearn_dymo._selection._prototypes", "SubsetStatistics"),
    ("sklearn_dymo._tasks._classification", "ClassificationTask"),
    ("sklearn_dymo._tasks._gaussian", "TargetEncoding"),
    ("sklearn_dymo._tasks._gaussian", "VarianceCalibration"),
    ("sklearn_dymo._tasks._regression", "RegressionTask"),
} | {
    ("sklearn.impute._base", "SimpleImputer"),
    ("sklearn.impute._knn", "KNNImputer"),
    ("sklearn.impute._iterative", "IterativeImputer"),
    ("sklearn.linear_model._bayes", "BayesianRidge"),
}


# ------------------------------------------------------------- restorers
def _tensor(array, dtype):
    return torch.from_numpy(np.array(array)).to(getattr(torch, dtype))


def _index(index):
    if isinstance(index, pd.RangeIndex):
        return ("range", index.start, index.stop, index.step, index.name)
    if isinstance(index, pd.MultiIndex):
        raise TypeError("a DataFrame with a MultiIndex cannot be saved in this format")
    return ("values", _column(index), index.name)


def _column(values):
    """A column as (kind, data): numbers as arrays, text as an object array."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return ("category", np.asarray(values.codes if hasattr(values, "codes")
                                       else pd.Categorical(values).codes),
                _column(pd.Index(dtype.categories)), bool(dtype.ordered))
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return ("string", np.asarray(values, dtype=object), str(dtype))
    if isinstance(dtype, np.dtype) and dtype.kind in "biufcmMO":
        return ("numpy", np.asarray(values))
    return ("extension", np.asarray(values, dtype=object), str(dtype))


def _restore_column(column):
    kind = column[0]
    if kind == "category":
        _, codes, categories, ordered = column
        return pd.Categorical.from_codes(codes, categories=_restore_column(categories),
                                         ordered=ordered)
    if kind == "numpy":
        return column[1]
    return pd.array(column[1], dtype=column[2])


def _restore_index(index):
    if index[0] == "range":
        return pd.RangeIndex(index[1], index[2], index[3], name=index[4])
    return pd.Index(_restore_column(index[1]), name=index[2])


def _frame(columns, data, index):
    frame = pd.DataFrame({i: _restore_column(c) for i, c in enumerate(data)},
                         index=_restore_index(index))
    frame.columns = _restore_index(columns)
    return frame


def _series(data, index, name):
    return pd.Series(_restore_column(data), index=_restore_index(index), name=name)


class _Pickler(pickle.Pickler):
    """Writes tensors as arrays and pandas objects as columns."""

    def reducer_override(self, obj):
        if isinstance(obj, torch.Tensor):
            dtype = str(obj.dtype).removeprefix("torch.")
            return _tensor, (obj.detach().cpu().numpy(), dtype)
        if isinstance(obj, pd.DataFrame):
            data = [_column(obj.iloc[:, j].array if isinstance(obj.dtypes.iloc[j],
                                                                pd.CategoricalDtype)
                            else obj.iloc[:, j].to_numpy()
                            if isinstance(obj.dtypes.iloc[j], np.dtype)
                            else obj.iloc[:, j].array)
                    for j in range(obj.shape[1])]
            return _frame, (_index(obj.columns), data, _index(obj.index))
        if isinstance(obj, pd.Series):
            values = obj.array if not isinstance(obj.dtype, np.dtype) else obj.to_numpy()
            return _series, (_column(values), _index(obj.index), obj.name)
        if isinstance(obj, pd.Index):
            raise TypeError("pandas Index outside a DataFrame: not supported")
        return NotImplemented


class _Stub:
    """Stands for an untrusted name while :func:`get_untrusted_types` reads a file."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, trusted, record=None):
        super().__init__(file)
        self.trusted = trusted
        self.record = record

    def find_class(self, module, name):
        if self.record is not None and (module == __name__ or (module, name) not in self.trusted):
            # Reading names only: stubs stand for the untrusted ones and for
            # the restorers (which would choke on a stub among their inputs).
            if module != __name__:
                self.record.add(f"{module}.{name}")
            return type(name, (_Stub,), {})
        if (module, name) in self.trusted:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"the file needs {module}.{name}, which is not trusted. Check where the "
            "file comes from; if you trust it, pass trusted=[..., "
            f"'{module}.{name}'] (get_untrusted_types lists all such names)"
        )


def _trusted_names(trusted):
    out = set(_TRUSTED)
    for item in trusted or ():
        if isinstance(item, str):
            module, _, name = item.rpartition(".")
        else:
            module, name = item.__module__, item.__qualname__
        if not module:
            raise ValueError(f"trusted entries are 'module.Name' strings, got {item!r}")
        out.add((module, name))
    return out


# ------------------------------------------------------------ the format
def _net_state(estimator):
    net = estimator.net_
    module_params = net.get_params_for("module")
    return {
        "module_state": {k: v.detach().cpu() for k, v in net.module_.state_dict().items()},
        "history": [dict(epoch) for epoch in net.history],
        "seed": module_params.get("seed"),
    }


def dump(estimator, file):
    """Write a fitted DyMo estimator to ``file`` (a path or binary file object)."""
    from sklearn.utils.validation import check_is_fitted

    from . import __version__
    from ._base import BaseDyMo

    if not isinstance(estimator, BaseDyMo):
        raise TypeError(
            f"dump saves DyMoClassifier and DyMoRegressor models, got "
            f"{type(estimator).__name__}; use skops or joblib for other objects"
        )
    check_is_fitted(estimator)
    state = {k: v for k, v in estimator.__getstate__().items()
             if k != "net_" and k not in _PER_CALL}
    state["net_"] = _net_state(estimator)
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=5).dump((type(estimator), state))
    meta = {"format": "sklearn-dymo", "format_version": FORMAT_VERSION,
            "sklearn_dymo": __version__, "torch": torch.__version__,
            "class": type(estimator).__name__}
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta.json", json.dumps(meta, indent=1))
        archive.writestr("state.pkl", buffer.getvalue())


def _read(file):
    with zipfile.ZipFile(file) as archive:
        meta = json.loads(archive.read("meta.json"))
        if meta.get("format") != "sklearn-dymo":
            raise ValueError("not a sklearn-dymo model file (written by sklearn_dymo.io.dump)")
        if meta.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError(
                f"the file has format version {meta['format_version']}; this sklearn-dymo "
                f"reads up to {FORMAT_VERSION}. Upgrade sklearn-dymo to load it."
            )
        return meta, archive.read("state.pkl")


def get_untrusted_types(file):
    """Names of the types and functions ``file`` needs beyond the trusted ones."""
    _, payload = _read(file)
    found = set()
    try:
        _Unpickler(io.BytesIO(payload), _trusted_names(()), record=found).load()
    except Exception:  # noqa: BLE001 - a stub in a trusted constructor: names are read
        pass
    return sorted(found)


def load(file, trusted=None):
    """Read a model written by :func:`dump`; refuses untrusted names."""
    _, payload = _read(file)
    cls, state = _Unpickler(io.BytesIO(payload), _trusted_names(trusted)).load()
    from ._base import BaseDyMo

    if not (isinstance(cls, type) and issubclass(cls, BaseDyMo)):
        raise ValueError("the file does not hold a DyMo estimator")
    net_state = state.pop("net_")
    estimator = cls.__new__(cls)
    estimator.__setstate__(state)
    _rebuild_net(estimator, net_state)
    return estimator


def _rebuild_net(estimator, net_state):
    from skorch.history import History

    device = torch.device(estimator.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        warnings.warn(
            f"the model was trained with device={estimator.device!r}, but CUDA is not "
            "available; it is loaded on the CPU", UserWarning, stacklevel=3)
        estimator.device = "cpu"
    path = estimator._data_path
    net = estimator._build_net(path.network_spec, estimator._task.n_outputs,
                               net_state["seed"])
    with torch.random.fork_rng(devices=[]):
        net.initialize()
    net.module_.load_state_dict(net_state["module_state"])
    net.history = History(net_state["history"])
    estimator.net_ = net
    estimator.device_ = str(net.device)
    if getattr(estimator, "subset_statistics_", None) is not None:
        estimator.subset_statistics_ = estimator.subset_statistics_.to(estimator.device_)
