"""torch.distributions.utils: broadcasting, probs <-> logits, lazy properties, triangular packing."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any, Generic, TypeVar

import jax
import numpy as np

import jaxtorch as torch
from jaxtorch import Tensor

euler_constant: float = 0.57721566490153286060  # Euler-Mascheroni constant

__all__ = [
    "broadcast_all",
    "logits_to_probs",
    "clamp_probs",
    "probs_to_logits",
    "lazy_property",
    "tril_matrix_to_vec",
    "vec_to_tril_matrix",
]

_Number = (int, float, bool)


def _is_traced(t) -> bool:
    """Whether a tensor's values are unknown because it is being traced (torch.compile, jax.jit)."""
    return isinstance(t, Tensor) and isinstance(t._value(), jax.core.Tracer)


def _is_all_true(valid) -> bool:
    """`valid.all()` as a Python bool. Under a trace the values are unknown, so validation (which can only
    raise) is skipped there rather than breaking the trace: compiled code validates nothing."""
    if _is_traced(valid):
        return True
    return bool(valid.all())


def broadcast_all(*values) -> tuple[Tensor, ...]:
    """Broadcast Numbers and Tensors together; Numbers become tensors of the first tensor's dtype (or the
    default dtype)."""
    if not all(isinstance(v, (Tensor,) + _Number) for v in values):
        raise ValueError(
            "Input arguments must all be instances of Number, torch.Tensor or objects implementing __torch_function__."
        )
    if not all(isinstance(v, Tensor) for v in values):
        dtype = torch.get_default_dtype()
        for v in values:
            if isinstance(v, Tensor):
                dtype = v.dtype
                break
        values = tuple(v if isinstance(v, Tensor) else torch.tensor(v, dtype=dtype) for v in values)
    shape = torch.broadcast_shapes(*(v.shape for v in values))
    # a tensor that already has the broadcast shape is returned itself, as torch.broadcast_tensors does
    return tuple(v if v.shape == shape else v.expand(shape) for v in values)


def _standard_normal(shape, dtype, device) -> Tensor:
    return torch.randn(tuple(shape), dtype=dtype, device=device)


def _sum_rightmost(value, dim: int):
    """Sum out the `dim` rightmost dimensions."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: sigmoid for binary, softmax over the last dimension otherwise."""
    if is_binary:
        return torch.sigmoid(logits)
    return torch.nn.functional.softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """Clamp into [eps, 1 - eps] of the dtype, so that logs and logits stay finite."""
    eps = torch.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from probabilities (clamped first): log-odds for binary, log-probabilities otherwise."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return torch.log(ps_clamped) - torch.log1p(-ps_clamped)
    return torch.log(ps_clamped)


T = TypeVar("T", contravariant=True)
R = TypeVar("R", covariant=True)


class lazy_property(Generic[T, R]):
    """A property computed on first access and then stored on the instance (under enable_grad, so a
    value computed inside no_grad still tracks its parameters)."""

    def __init__(self, wrapped: Callable[[T], R]) -> None:
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type: Any = None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with torch.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What a lazy_property reads as on the class: both a lazy_property and a property (for Sphinx)."""

    def __init__(self, wrapped: Callable) -> None:
        property.__init__(self, wrapped)


def _tril_flat_index(n: int, diag: int) -> np.ndarray:
    rows, cols = np.tril_indices(n, k=diag)  # row-major, the order of torch's boolean-mask read
    return (rows * n + cols).astype(np.int64)


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The lower triangle (below the `diag` diagonal, inclusive) of the last two dims, row by row."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    index = torch.tensor(_tril_flat_index(n, diag))
    return mat.reshape(tuple(mat.shape[:-2]) + (n * n,)).index_select(-1, index)


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """Inverse of tril_matrix_to_vec: a square matrix with `vec` in its lower triangle, zeros elsewhere."""
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    eps = torch.finfo(vec.dtype).eps
    if abs(round(n) - n) > eps:  # torch tests one sign only and then fails in the indexing
        raise ValueError(
            f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as "
            "the lower triangular part of a square D x D matrix."
        )
    n = round(n)
    # gather from vec padded with one zero: positions off the triangle read the zero
    source = np.full(n * n, vec.shape[-1], dtype=np.int64)
    source[_tril_flat_index(n, diag)] = np.arange(vec.shape[-1])
    padded = torch.cat([vec, vec.new_zeros(tuple(vec.shape[:-1]) + (1,))], -1)
    return padded.index_select(-1, torch.tensor(source)).reshape(tuple(vec.shape[:-1]) + (n, n))
