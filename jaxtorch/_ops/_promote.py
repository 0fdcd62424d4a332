"""Result dtypes of ops, by torch's rules (computed in Python, cached; passed to JAX explicitly)."""

from __future__ import annotations

import numbers

import jax.numpy as jnp
import numpy as np

from .. import _dtype as _dt
from .._tensor import Tensor
from ._registry import register

_cache: dict = {}


def clear_cache():
    _cache.clear()


def _sig(x):
    if isinstance(x, Tensor):
        d = x._data
        return (d.ndim > 0, d.dtype)
    if isinstance(x, bool):
        return ("s", bool)
    if isinstance(x, numbers.Integral):
        return ("s", int)
    if isinstance(x, numbers.Real):
        return ("s", float)
    if isinstance(x, numbers.Complex):
        return ("s", complex)
    if x is None:
        return None
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


_SCALAR_SAMPLE = {bool: True, int: 1, float: 1.0, complex: 1j}


def result_np(*operands) -> np.dtype:
    """numpy dtype of torch's promoted result type of the operands."""
    if len(operands) == 2:
        a, b = operands
        if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype == b._data.dtype:
            return a._data.dtype
    key = tuple(_sig(x) for x in operands)
    r = _cache.get(key)
    if r is None:
        dims, zeros, scalars = [], [], []
        for s in key:
            if s is None:
                continue
            if s[0] == "s":
                scalars.append(_SCALAR_SAMPLE[s[1]])
            elif s[0]:
                dims.append(_dt.from_np(s[1]))
            else:
                zeros.append(_dt.from_np(s[1]))
        r = _cache[key] = _dt.result_type_of(dims, zeros, scalars).np
    return r


def is_float_np(d) -> bool:
    return jnp.issubdtype(d, jnp.inexact)


def to_float_np(d) -> np.dtype:
    """The dtype a 'floating' op computes in: ints and bool go to the default float dtype."""
    if jnp.issubdtype(d, jnp.inexact):
        return d
    return _dt.get_default_dtype().np


def dtype_np(d) -> np.dtype | None:
    if d is None:
        return None
    return _dt.to_dtype(d).np


@register(method=False, out=False)
def result_type(tensor1, tensor2) -> _dt.dtype:
    """torch.result_type: the dtype an op of these two operands (tensors or Python scalars) gives."""
    return _dt.from_np(result_np(tensor1, tensor2))
