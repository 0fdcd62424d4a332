"""nn.functional: linear and bilinear maps."""

from __future__ import annotations

import jax.numpy as jnp

from ..._ops._dispatch import apply
from ..._tensor import Tensor
from ... import _autocast as _ac

__all__ = ["linear", "bilinear"]


def _linear(x, w, b):
    y = jnp.matmul(x, w.T) if w.ndim == 2 else jnp.matmul(x, w)
    return y if b is None else y + b


def _bilinear(x1, x2, w, b):
    y = jnp.einsum("...i,kij,...j->...k", x1, w, x2)
    return y if b is None else y + b


def _dims(t: Tensor) -> str:
    if t.ndim == 1:
        return f"1x{t.shape[0]}"
    n = 1
    for s in t.shape[:-1]:
        n *= s
    return f"{n}x{t.shape[-1]}"


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b."""
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and "
                           f"{weight.ndim}D")
    if input.shape[-1] != weight.shape[-1]:
        if weight.ndim == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_dims(input)} and "
                               f"{weight.shape[1]}x{weight.shape[0]})")
        raise RuntimeError(f"size mismatch, got input ({input.shape[-1]}), mat ({input.shape[-1]}x"
                           f"{weight.shape[-1]}), vec ({weight.shape[-1]})")
    input, weight, bias = _ac.cast("linear", input, weight, bias)
    if input.dtype != weight.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cname(input)} != {_cname(weight)}")
    return apply(_linear, (input, weight, bias), (), "linear")


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}


def _cname(t: Tensor) -> str:
    """The C++ type name torch prints in matmul dtype errors."""
    n = t.dtype.np.name if hasattr(t.dtype, "np") else str(t.dtype)
    return _C_NAMES.get(n, n)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1^T W_k x2 + b_k."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
                           f"{list(input2.shape[:-1])}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {weight.shape[2]}")
    return apply(_bilinear, (input1, input2, weight, bias), (), "bilinear")
