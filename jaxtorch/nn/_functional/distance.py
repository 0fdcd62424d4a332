"""nn.functional: distances and similarities (cosine_similarity, pairwise_distance, pdist, normalize)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops._checks import broadcast_error, wrap_dim
from ..._ops._dispatch import apply
from ..._ops._promote import result_np, to_float_np
from ..._tensor import Tensor
from ... import _autocast as _ac

__all__ = ["cosine_similarity", "pairwise_distance", "pdist", "normalize"]


def _pnorm(x, p, axis, keepdims=False):
    if p == 2:
        return jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=keepdims))
    if p == float("inf"):
        return jnp.max(jnp.abs(x), axis=axis, keepdims=keepdims)
    if p == float("-inf"):
        return jnp.min(jnp.abs(x), axis=axis, keepdims=keepdims)
    if p == 0:
        return jnp.sum((x != 0).astype(x.dtype), axis=axis, keepdims=keepdims)
    if p == 1:
        return jnp.sum(jnp.abs(x), axis=axis, keepdims=keepdims)
    return jnp.sum(jnp.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _safe_norm2(x, axis, keepdims):
    # sqrt with a zero (not nan) gradient at 0, as torch's norm backward gives
    sq = jnp.sum(x * x, axis=axis, keepdims=keepdims)
    safe = jnp.where(sq > 0, sq, 1.0)
    return jnp.where(sq > 0, jnp.sqrt(safe), 0.0).astype(x.dtype)


def _cosine_similarity(x1, x2, eps, *, dim):
    x1, x2 = jnp.broadcast_arrays(x1, x2)
    n1 = _safe_norm2(x1, dim, True)
    n2 = _safe_norm2(x2, dim, True)
    # torch clamps the norms in place under no_grad: the clamp is invisible to autograd
    n1 = n1 + lax.stop_gradient(jnp.maximum(n1, eps) - n1)
    n2 = n2 + lax.stop_gradient(jnp.maximum(n2, eps) - n2)
    return jnp.sum((x1 / n1) * (x2 / n2), axis=dim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    x1, x2 = _ac.cast("cosine_similarity", x1, x2)
    broadcast_error(x1, x2)
    nd = max(x1.ndim, x2.ndim)
    d = wrap_dim(dim, nd)
    return apply(_cosine_similarity, (x1, x2, float(eps)), (("dim", d),), "cosine_similarity")


def _norm_p(x, p, axis, keepdims):
    if p == 2:
        return _safe_norm2(x, axis, keepdims)
    return _pnorm(x, p, axis, keepdims)


def _pairwise_distance(x1, x2, eps, *, p, keepdim, dtype):
    x1, x2 = lax.convert_element_type(x1, dtype), lax.convert_element_type(x2, dtype)  # ints: default float
    d = x1 - x2 + eps
    return _norm_p(d, p, -1 if d.ndim else None, keepdim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    broadcast_error(x1, x2)
    return apply(_pairwise_distance, (x1, x2, float(eps)),
                 (("p", float(p)), ("keepdim", bool(keepdim)), ("dtype", to_float_np(result_np(x1, x2)))),
                 "pairwise_distance")


def _pdist(x, *, p):
    n = x.shape[0]
    i, j = np.triu_indices(n, 1)
    d = x[i] - x[j]
    return _norm_p(d, p, -1, False)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    input = _ac.cast1("pdist", input)
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return apply(_pdist, (input,), (("p", float(p)),), "pdist")


def _normalize(x, eps, *, p, dim):
    n = _norm_p(x, p, dim, True)
    return x / jnp.maximum(n, eps)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """x / max(||x||_p, eps) along dim."""
    d = wrap_dim(dim, input.ndim)
    r = apply(_normalize, (input, float(eps)), (("p", float(p)), ("dim", d)), "normalize")
    if out is not None:
        return out.copy_(r)
    return r
