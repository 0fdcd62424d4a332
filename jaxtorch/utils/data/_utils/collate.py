"""Collation: turn a list of samples into a batch, recursing through dicts, tuples, lists and namedtuples.

`default_collate` follows torch's rules: tensors are stacked, numpy arrays and numpy scalars become tensors,
Python floats become float64 tensors, ints int64 (bools bool), strings and bytes stay lists, a tuple
sample gives a list of fields, mappings keep their type, namedtuples keep theirs.

Worker processes collate with `numpy_collate_fn_map` instead: the same rules, but the stacked arrays stay
numpy (wrapped in `NumpyTensor`) so a worker never runs a JAX op for batching and the batch crosses the
process boundary as plain numpy; the main process turns every `NumpyTensor` into a Tensor
(`from_transport`).
"""

from __future__ import annotations

import collections.abc
import copy
import re
from typing import Any, Callable

import numpy as np

from ...._tensor import Tensor

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map", "numpy_collate_fn_map",
           "NumpyTensor", "to_transport", "from_transport"]

_np_str_obj = re.compile(r"[SaUO]")
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


class NumpyTensor:
    """A numpy array standing for a Tensor while it travels from a worker to the main process."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __reduce__(self):
        return (NumpyTensor, (self.array,))


def _check_shapes(arrays: list) -> None:
    first = tuple(arrays[0].shape)
    for i, a in enumerate(arrays):
        if tuple(a.shape) != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                               f"and {list(a.shape)} at entry {i}")


def collate(batch: list, *, collate_fn_map: dict | None = None) -> Any:
    """Collate `batch` using the per-type functions in `collate_fn_map` (checked by exact type, then isinstance)."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                out = copy.copy(elem)  # keeps the mapping's own type and any extra attributes
                out.update(fields)
                return out
            return elem_type(fields)
        except TypeError:
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(list(s), collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [collate(list(s), collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields  # torch gives a list for tuple samples
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                out = copy.copy(elem)
                for i, f in enumerate(fields):
                    out[i] = f
                return out
            return elem_type(fields)
        except TypeError:
            return fields
    raise TypeError(_ERR.format(elem_type))


# --- to Tensors (the main process) ----------------------------------------------------------------

def _host(array: np.ndarray) -> Tensor:
    """A batch as a host tensor: its numpy payload moves to the device with the first op that uses
    it (usually the training step), so batching itself never dispatches a JAX op."""
    from .... import _dtype

    _dtype.from_np(array.dtype)  # torch's error for dtypes tensors cannot hold
    return Tensor._make(array)


def _collate_tensor(batch, *, collate_fn_map=None):
    from .... import stack

    if all(isinstance(t._data, np.ndarray) for t in batch):  # host tensors made by transforms
        arrays = [t._data for t in batch]
        _check_shapes(arrays)
        return _host(np.stack(arrays))
    return stack(batch, 0)


def _collate_ndarray(batch, *, collate_fn_map=None):
    if _np_str_obj.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERR.format(batch[0].dtype))
    _check_shapes(batch)
    return _host(np.stack(batch))


def _collate_np_scalar(batch, *, collate_fn_map=None):
    from .... import as_tensor

    return as_tensor(batch)


def _collate_float(batch, *, collate_fn_map=None):
    return _host(np.asarray(batch, dtype=np.float64))


def _collate_int(batch, *, collate_fn_map=None):
    from ...._ops.creation import _np_from_data

    arr, dtype = _np_from_data(list(batch))  # Python bools give bool, ints int64, as torch.tensor
    return _host(np.asarray(arr, dtype=dtype.np))


def _collate_str(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict[type | tuple, Callable] = {
    Tensor: _collate_tensor,
    (np.ndarray, np.memmap): _collate_ndarray,
    (np.bool_, np.number, np.object_): _collate_np_scalar,
    float: _collate_float,
    int: _collate_int,
    str: _collate_str,
    bytes: _collate_str,
}


def default_collate(batch: list) -> Any:
    """Stack a list of samples into a batch following torch's rules (see the module docstring)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data: Any) -> Any:
    """Turn numpy arrays (and numpy scalars) inside `data` into Tensors; used when auto-batching is off."""
    from .... import as_tensor

    elem_type = type(data)
    if isinstance(data, np.ndarray) and _np_str_obj.search(data.dtype.str) is None:
        return as_tensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            return elem_type({k: default_convert(v) for k, v in data.items()})
        except TypeError:
            return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


# --- to numpy (worker processes) ------------------------------------------------------------------

def _np_collate_tensor(batch, *, collate_fn_map=None):
    arrays = [np.asarray(t._value()) for t in batch]
    _check_shapes(arrays)
    return NumpyTensor(np.stack(arrays))


def _np_collate_ndarray(batch, *, collate_fn_map=None):
    if _np_str_obj.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERR.format(batch[0].dtype))
    _check_shapes(batch)
    return NumpyTensor(np.stack(batch))


def _np_collate_np_scalar(batch, *, collate_fn_map=None):
    return NumpyTensor(np.asarray(batch))


def _np_collate_float(batch, *, collate_fn_map=None):
    return NumpyTensor(np.asarray(batch, dtype=np.float64))


def _np_collate_int(batch, *, collate_fn_map=None):
    # Python bools give a bool tensor, any int among them int64 (as torch.tensor does)
    if all(isinstance(b, bool) for b in batch):
        return NumpyTensor(np.asarray(batch, dtype=np.bool_))
    return NumpyTensor(np.asarray(batch, dtype=np.int64))


numpy_collate_fn_map: dict[type | tuple, Callable] = {
    Tensor: _np_collate_tensor,
    (np.ndarray, np.memmap): _np_collate_ndarray,
    (np.bool_, np.number, np.object_): _np_collate_np_scalar,
    float: _np_collate_float,
    int: _np_collate_int,
    str: _collate_str,
    bytes: _collate_str,
}


def numpy_collate(batch: list) -> Any:
    """default_collate's rules with numpy leaves (NumpyTensor): what worker processes run."""
    return collate(batch, collate_fn_map=numpy_collate_fn_map)


def numpy_convert(data: Any) -> Any:
    """default_convert's rules with numpy leaves: a worker's version of default_convert."""
    if isinstance(data, Tensor):
        return NumpyTensor(np.asarray(data._value()))
    if isinstance(data, np.ndarray) and _np_str_obj.search(data.dtype.str) is None:
        return NumpyTensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return NumpyTensor(np.asarray(data))
    return _walk(data, numpy_convert, leaf=lambda x: x)


def _walk(data: Any, fn: Callable, leaf: Callable) -> Any:
    if isinstance(data, dict):
        try:
            out = copy.copy(data)
            out.update({k: fn(v) for k, v in data.items()})
            return out
        except TypeError:
            return {k: fn(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(fn(d) for d in data))
    if isinstance(data, tuple):
        return tuple(fn(d) for d in data) if type(data) is tuple else data
    if isinstance(data, list):
        return [fn(d) for d in data]
    return leaf(data)


def to_transport(data: Any) -> Any:
    """Replace Tensors inside a (user-collated) batch by NumpyTensor so the worker ships plain numpy."""
    if isinstance(data, Tensor):
        return NumpyTensor(np.asarray(data._value()))
    return _walk(data, to_transport, leaf=lambda x: x)


def from_transport(data: Any) -> Any:
    """Replace every NumpyTensor inside `data` by a Tensor (in the main process)."""
    if isinstance(data, NumpyTensor):
        return _host(data.array)
    if isinstance(data, (str, bytes, int, float)) or data is None:
        return data
    return _walk(data, from_transport, leaf=lambda x: x)
