"""nn.functional: batch/instance/layer/group/RMS/local-response normalisation.

batch_norm and instance_norm in training mode update the running statistics IN PLACE (as torch does),
from the same fused op that normalises, so compile sees one op and the buffer writes.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
from jax import lax

from ..._ops._dispatch import apply
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ... import _autocast as _ac

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "local_response_norm",
           "normalize"]

_LOW = (jnp.float16, jnp.bfloat16)


def _compute_dtype(dt):
    return jnp.float32 if dt in _LOW else dt


def _bshape(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _affine(y, w, b, ndim):
    if w is not None:
        y = y * _bshape(w, ndim).astype(y.dtype)
    if b is not None:
        y = y + _bshape(b, ndim).astype(y.dtype)
    return y


def _bn_train_impl(x, w, b, rm, rv, momentum, *, eps, stat_axes, group_n):
    """Normalise with batch statistics over stat_axes; return new running stats too when given.

    group_n > 0 (instance norm): per-(n, c) statistics, the running stats get the average over n."""
    dt = x.dtype
    xc = x.astype(_compute_dtype(dt))
    mean = jnp.mean(xc, axis=stat_axes, keepdims=True)
    var = jnp.mean(jnp.square(xc - mean), axis=stat_axes, keepdims=True)
    y = ((xc - mean) * lax.rsqrt(var + eps)).astype(dt)
    y = _affine(y, w, b, x.ndim)
    if rm is None:
        return y
    n = math.prod(x.shape[a] for a in stat_axes)
    bmean = jax.lax.stop_gradient(mean.reshape(mean.shape[:2] if group_n else (-1,)))
    bvar = jax.lax.stop_gradient(var.reshape(var.shape[:2] if group_n else (-1,))) * (n / max(n - 1, 1))
    if group_n:
        bmean, bvar = bmean.mean(0), bvar.mean(0)
    m = jnp.asarray(momentum, rm.dtype)
    new_rm = (1 - m) * rm + m * bmean.astype(rm.dtype)
    new_rv = (1 - m) * rv + m * bvar.astype(rv.dtype)
    return y, new_rm, new_rv


def _bn_eval_impl(x, w, b, rm, rv, *, eps):
    dt = x.dtype
    xc = x.astype(_compute_dtype(dt))
    y = (xc - _bshape(rm, x.ndim)) * lax.rsqrt(_bshape(rv, x.ndim) + eps)
    return _affine(y.astype(dt), w, b, x.ndim)


def _write_stats(running_mean: Tensor, running_var: Tensor, new_mean: Tensor, new_var: Tensor) -> None:
    with no_grad():
        running_mean._inplace_assign(Tensor._make(new_mean._value()))
        running_var._inplace_assign(Tensor._make(new_var._value()))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum=0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over all dims but 1; in training, running stats are updated in place."""
    c = input.shape[1] if input.dim() > 1 else input.shape[0]
    if training:
        size_prods = input.shape[0] * math.prod(input.shape[2:])
        if size_prods == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    stat_axes = (0,) + tuple(range(2, input.dim()))
    if training:
        static = (("eps", float(eps)), ("stat_axes", stat_axes), ("group_n", 0))
        if running_mean is None:
            return apply(_bn_train_impl, (input, weight, bias, None, None, None), static,
                         name="NativeBatchNormBackward0")
        y, nm, nv = apply(_bn_train_impl, (input, weight, bias, running_mean, running_var, momentum), static,
                          name="NativeBatchNormBackward0")
        _write_stats(running_mean, running_var, nm, nv)
        return y
    if running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    return apply(_bn_eval_impl, (input, weight, bias, running_mean, running_var), (("eps", float(eps)),),
                 name="NativeBatchNormBackward0")


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum=0.1, eps: float = 1e-5) -> Tensor:
    """Per-sample, per-channel normalisation; running stats (if given) get the batch-averaged stats."""
    if use_input_stats:
        spatial = math.prod(input.shape[2:])
        if spatial == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
        static = (("eps", float(eps)), ("stat_axes", tuple(range(2, input.dim()))), ("group_n", input.shape[0]))
        if running_mean is None:
            return apply(_bn_train_impl, (input, weight, bias, None, None, None), static,
                         name="NativeBatchNormBackward0")
        y, nm, nv = apply(_bn_train_impl, (input, weight, bias, running_mean, running_var, momentum), static,
                          name="NativeBatchNormBackward0")
        _write_stats(running_mean, running_var, nm, nv)
        return y
    if running_mean is None or running_var is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    return apply(_bn_eval_impl, (input, weight, bias, running_mean, running_var), (("eps", float(eps)),),
                 name="NativeBatchNormBackward0")


def _ln_stats(x, axes, eps):
    mean = jnp.mean(x, axis=axes, keepdims=True)
    xc = x - mean
    rstd = lax.rsqrt(jnp.mean(xc * xc, axis=axes, keepdims=True) + eps)
    return xc * rstd, rstd


@functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def _ln_normalize(x, axes, eps):
    """(x - mean) / sqrt(var + eps) over `axes`, with a closed-form derivative.

    Plain autodiff of the mean/variance chain gives XLA a longer backward (separate reductions through
    the variance and mean branches); this tangent rule transposes to the usual two-reduction backward.
    On XLA:CPU the compiled GPT-tiny step then costs ~30% less CPU time (docs/performance.md); the
    rule is itself differentiable, so double backward and forward-mode still work."""
    return _ln_stats(x, axes, eps)[0]


@_ln_normalize.defjvp
def _ln_normalize_jvp(axes, eps, primals, tangents):
    (x,), (t,) = primals, tangents
    xhat, rstd = _ln_stats(x, axes, eps)
    tc = t - jnp.mean(t, axis=axes, keepdims=True)
    return xhat, rstd * (tc - xhat * jnp.mean(tc * xhat, axis=axes, keepdims=True))


def _layer_norm_impl(x, w, b, *, nd, eps):
    axes = tuple(range(x.ndim - nd, x.ndim))
    dt = x.dtype
    y = _ln_normalize(x.astype(_compute_dtype(dt)), axes, eps).astype(dt)
    if w is not None:
        y = y * w.astype(dt)
    if b is not None:
        y = y + b.astype(dt)
    return y


def _norm_shape(normalized_shape) -> tuple:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def _check_norm_shape(input: Tensor, shape: tuple) -> None:
    nd = len(shape)
    if input.dim() < nd or tuple(input.shape[input.dim() - nd:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing normalized_shape dims (biased variance)."""
    shape = _norm_shape(normalized_shape)
    _check_norm_shape(input, shape)
    input, weight, bias = _ac.cast("layer_norm", input, weight, bias)
    return apply(_layer_norm_impl, (input, weight, bias), (("nd", len(shape)), ("eps", float(eps))),
                 name="NativeLayerNormBackward0")


def _rms_norm_impl(x, w, *, nd, eps):
    axes = tuple(range(x.ndim - nd, x.ndim))
    dt = x.dtype
    xc = x.astype(_compute_dtype(dt))
    e = jnp.finfo(dt).eps if eps is None else eps
    y = (xc * lax.rsqrt(jnp.mean(jnp.square(xc), axis=axes, keepdims=True) + e)).astype(dt)
    return y * w.astype(dt) if w is not None else y


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing dims; eps None means finfo(input.dtype).eps."""
    shape = _norm_shape(normalized_shape)
    _check_norm_shape(input, shape)
    return apply(_rms_norm_impl, (input, weight), (("nd", len(shape)), ("eps", None if eps is None else float(eps))),
                 name="RmsNormBackward0")


def _group_norm_impl(x, w, b, *, groups, eps):
    dt = x.dtype
    xc = x.astype(_compute_dtype(dt)).reshape((x.shape[0], groups, -1))
    mean = jnp.mean(xc, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(xc - mean), axis=-1, keepdims=True)
    y = ((xc - mean) * lax.rsqrt(var + eps)).reshape(x.shape).astype(dt)
    return _affine(y, w, b, x.ndim) if x.ndim > 1 else y


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over groups of channels (and all spatial dims) per sample."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    c = input.shape[1]
    if c % num_groups != 0:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    input, weight, bias = _ac.cast("group_norm", input, weight, bias)
    return apply(_group_norm_impl, (input, weight, bias), (("groups", int(num_groups)), ("eps", float(eps))),
                 name="NativeGroupNormBackward0")


def _lrn_impl(x, alpha, beta, k, *, size, dtype):
    # Average of x^2 over a window of `size` channels (zero padded size//2 before, (size-1)//2 after),
    # counting the padding, as torch's avg_pool-based definition does.
    sq = jnp.square(x)
    pad = [(0, 0)] * x.ndim
    pad[1] = (size // 2, (size - 1) // 2)
    sq = jnp.pad(sq, pad)
    c = x.shape[1]
    acc = sum(lax.slice_in_dim(sq, i, i + c, axis=1) for i in range(size))
    if jnp.issubdtype(x.dtype, jnp.inexact):
        avg = acc / size
    else:  # torch averages integer squares with an integer avg_pool: the mean is truncated
        avg = lax.convert_element_type(acc // size, dtype)
    div = (avg * alpha + k) ** beta
    return lax.convert_element_type(x, dtype) / div


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Normalise each element by the energy of `size` neighbouring channels."""
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    from ..._ops._promote import to_float_np

    return apply(_lrn_impl, (input, float(alpha), float(beta), float(k)),
                 (("size", int(size)), ("dtype", to_float_np(input._value().dtype))),
                 name="DivBackward0")


def _normalize_impl(x, p, *, dim, eps):
    n = jnp.sum(jnp.abs(x) ** p, axis=dim, keepdims=True) ** (1.0 / p)
    return x / jnp.maximum(n, eps)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """x / max(||x||_p, eps) along dim."""
    from ..._ops._checks import wrap_dim

    r = apply(_normalize_impl, (input, float(p)), (("dim", wrap_dim(dim, input.dim())), ("eps", float(eps))),
              name="DivBackward0")
    if out is not None:
        out.copy_(r)
        return out
    return r
