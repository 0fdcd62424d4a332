"""nn.functional: dropout family. Mask sampling and masking are one dispatched op (via random.draw)."""

from __future__ import annotations

import warnings

import jax.numpy as jnp

from ..._ops import _threefry
from ...random import draw
from ..._tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766  # -SELU's negative saturation value: scale * alpha


def _keep_mask(key, x, p, feature_dims):
    # feature_dims: number of leading dims that get independent draws (the rest share one draw)
    shape = x.shape if feature_dims is None else x.shape[:feature_dims] + (1,) * (x.ndim - feature_dims)
    u = _threefry.uniform(key, shape, jnp.float32 if x.dtype != jnp.float64 else jnp.float64)
    return (u >= p).astype(x.dtype)


def _dropout(key, x, p, *, feature_dims):
    keep = _keep_mask(key, x, p, feature_dims)
    scale = jnp.where(p < 1, 1 / jnp.maximum(1 - p, 1e-30), 0.0).astype(x.dtype)
    return x * keep * scale


def _alpha_dropout(key, x, p, *, feature_dims):
    keep = _keep_mask(key, x, p, feature_dims)
    a = 1 / jnp.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    b = (keep - 1) * (_ALPHA * a) + _ALPHA * a * p
    return (x * (keep * a) + b).astype(x.dtype)


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _run(impl, input: Tensor, p: float, training: bool, inplace: bool, feature_dims, name: str) -> Tensor:
    _check_p(p)
    if not training or p == 0:
        return input
    if not input.is_floating_point():
        raise RuntimeError(f"result type Float can't be cast to the desired output type {input.dtype}")
    out = draw(None, impl, (input, float(p)), (("feature_dims", feature_dims),), name)
    if inplace:
        return input._inplace_assign(out, name)
    return out


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p)."""
    return _run(_dropout, input, p, training, inplace, None, "dropout")


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    return _run(_alpha_dropout, input, p, training, inplace, None, "alpha_dropout")


def _feature(input: Tensor, p, training, inplace, batched_ndim: int, name: str, impl=_dropout) -> Tensor:
    nd = input.ndim
    if nd not in (batched_ndim - 1, batched_ndim):
        if name == "dropout1d":
            raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that "
                               "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
                               "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
                               "inputs).")
        if name in ("dropout2d", "dropout3d"):
            warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will result in an "
                          "error in a future release.", stacklevel=3)
    # unbatched input: the channel dim is dim 0, so draws are per channel only
    feature_dims = 1 if nd == batched_ndim - 1 else 2
    if nd < 2:
        feature_dims = nd
    return _run(impl, input, p, training, inplace, feature_dims, name)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    return _feature(input, p, training, inplace, 3, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
        _check_p(p)
        if not training or p == 0:
            return input
        return _run(_dropout, input, p, training, inplace, 2, "dropout2d")
    return _feature(input, p, training, inplace, 4, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    return _feature(input, p, training, inplace, 5, "dropout3d")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    _check_p(p)
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _run(_alpha_dropout, input, p, training, inplace, 2, "feature_alpha_dropout")
