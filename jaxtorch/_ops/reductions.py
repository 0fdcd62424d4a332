"""Reductions, scans, sorting and selection."""

from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as _dt
from .. import return_types as rt
from .. import _autocast
from .._tensor import Tensor
from ._checks import wrap_dim, wrap_dims
from ._dispatch import apply, int_host_impl
from ._promote import dtype_np, to_float_np
from ._registry import register


def _dims(dim, ndim):
    """Normalise torch's dim argument (None, int, tuple/list) to a sorted tuple of axes, or None for all."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        return tuple(sorted(wrap_dims(dim, ndim))) if ndim else ()
    return (wrap_dim(dim, ndim),) if ndim else ()


def _sum_dtype(d, dtype):
    if dtype is not None:
        return dtype_np(dtype)
    if jnp.issubdtype(d, jnp.inexact):
        return d
    return np.dtype(np.int64)


def _sum_impl(x, *, axis, keepdims, dtype):
    return jnp.sum(x.astype(dtype), axis=axis, keepdims=keepdims)


@int_host_impl(_sum_impl)
def _sum_host(x, *, axis, keepdims, dtype):
    return np.sum(x.astype(dtype), axis=axis, keepdims=keepdims)


@register()
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    d = _sum_dtype(input._data.dtype, dtype)
    return apply(_sum_impl, (input,), (("axis", _dims(dim, input.ndim)), ("keepdims", bool(keepdim)), ("dtype", d)),
                 "sum")


@register()
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    d = _sum_dtype(input._data.dtype, dtype)
    return apply(_nansum_impl, (input,), (("axis", _dims(dim, input.ndim)), ("keepdims", bool(keepdim)), ("dtype", d)),
                 "nansum")


def _nansum_impl(x, *, axis, keepdims, dtype):
    return jnp.nansum(x.astype(dtype), axis=axis, keepdims=keepdims)


def _mean_impl(x, *, axis, keepdims, dtype):
    return jnp.mean(x.astype(dtype), axis=axis, keepdims=keepdims)


def _check_float_reduce(name, input, dtype):
    d = dtype_np(dtype) if dtype is not None else input._data.dtype
    if not jnp.issubdtype(d, jnp.inexact):
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {_dtname(_dt.from_np(d))}")
    return d


def _dtname(d):
    from ._registry import _dt_name

    return _dt_name(d)


@register()
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    d = _check_float_reduce("mean", input, dtype)
    return apply(_mean_impl, (input,), (("axis", _dims(dim, input.ndim)), ("keepdims", bool(keepdim)), ("dtype", d)),
                 "mean")


def _nanmean_impl(x, *, axis, keepdims, dtype):
    return jnp.nanmean(x.astype(dtype), axis=axis, keepdims=keepdims)


@register()
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    d = _check_float_reduce("nanmean", input, dtype)
    return apply(_nanmean_impl, (input,), (("axis", _dims(dim, input.ndim)), ("keepdims", bool(keepdim)),
                                           ("dtype", d)), "nanmean")


def _prod_impl(x, *, axis, keepdims, dtype):
    return jnp.prod(x.astype(dtype), axis=axis, keepdims=keepdims)


@register()
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    input = _autocast.cast1("prod", input)  # torch's autocast runs prod in float32
    d = _sum_dtype(input._data.dtype, dtype)
    if dim is not None and not isinstance(dim, int):
        raise TypeError("prod(): argument 'dim' must be int")
    return apply(_prod_impl, (input,), (("axis", _dims(dim, input.ndim)), ("keepdims", bool(keepdim)), ("dtype", d)),
                 "prod")


def _var_impl(x, *, axis, correction, keepdims):
    return jnp.var(x, axis=axis, ddof=correction, keepdims=keepdims)


def _std_impl(x, *, axis, correction, keepdims):
    return jnp.std(x, axis=axis, ddof=correction, keepdims=keepdims)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _var_args(dim, unbiased, keepdim, correction):
    # torch.var(input, unbiased) / var(input, dim, unbiased, keepdim) / var(input, dim, *, correction, keepdim)
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return dim, _correction(unbiased, correction), keepdim


@register()
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    dim, c, keepdim = _var_args(dim, unbiased, keepdim, correction)
    if not input.is_floating_point() and not input.is_complex():
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return apply(_var_impl, (input,), (("axis", _dims(dim, input.ndim)), ("correction", c),
                                       ("keepdims", bool(keepdim))), "var")


@register()
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    dim, c, keepdim = _var_args(dim, unbiased, keepdim, correction)
    if not input.is_floating_point() and not input.is_complex():
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return apply(_std_impl, (input,), (("axis", _dims(dim, input.ndim)), ("correction", c),
                                       ("keepdims", bool(keepdim))), "std")


@register(method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, _var_args(dim, 0, 0, 0)[0], keepdim)


@register(method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, _var_args(dim, 0, 0, 0)[0], keepdim)


def _amax_impl(x, *, axis, keepdims):
    return jnp.max(x, axis=axis, keepdims=keepdims)


def _amin_impl(x, *, axis, keepdims):
    return jnp.min(x, axis=axis, keepdims=keepdims)


def _check_nonempty(name, input, dim):
    if input.numel() == 0:
        if dim is None:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        d = wrap_dim(dim, input.ndim)
        if input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


@register()
def amax(input, dim=(), keepdim=False, *, out=None):
    _check_nonempty("amax", input, None if dim in ((), None) else (dim if isinstance(dim, int) else dim[0]))
    return apply(_amax_impl, (input,), (("axis", _dims(dim, input.ndim)), ("keepdims", bool(keepdim))), "amax")


@register()
def amin(input, dim=(), keepdim=False, *, out=None):
    _check_nonempty("amin", input, None if dim in ((), None) else (dim if isinstance(dim, int) else dim[0]))
    return apply(_amin_impl, (input,), (("axis", _dims(dim, input.ndim)), ("keepdims", bool(keepdim))), "amin")


def _max_all_impl(x):
    return jnp.max(x)


def _min_all_impl(x):
    return jnp.min(x)


int_host_impl(_max_all_impl)(np.max)
int_host_impl(_min_all_impl)(np.min)


def _max_dim_impl(x, *, axis, keepdims):
    idx = jnp.argmax(x, axis=axis, keepdims=True)
    vals = jnp.take_along_axis(x, idx, axis=axis)
    if not keepdims:
        vals, idx = jnp.squeeze(vals, axis), jnp.squeeze(idx, axis)
    return vals, idx.astype(jnp.int64)


def _min_dim_impl(x, *, axis, keepdims):
    idx = jnp.argmin(x, axis=axis, keepdims=True)
    vals = jnp.take_along_axis(x, idx, axis=axis)
    if not keepdims:
        vals, idx = jnp.squeeze(vals, axis), jnp.squeeze(idx, axis)
    return vals, idx.astype(jnp.int64)


def _nd_input(input):
    return input if input.ndim else input.reshape(1)


@register()
def max(input, dim=None, keepdim=False, *, out=None):
    if isinstance(dim, Tensor):
        from .pointwise import maximum

        return maximum(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        return apply(_max_all_impl, (input,), (), "max")
    _check_nonempty("max", input, dim)
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        v, i = apply(_max_dim_impl, (input.reshape(1),), (("axis", 0), ("keepdims", False)), "max")
        return rt.max(v, i)
    v, i = apply(_max_dim_impl, (input,), (("axis", d), ("keepdims", bool(keepdim))), "max")
    return rt.max(v, i)


@register()
def min(input, dim=None, keepdim=False, *, out=None):
    if isinstance(dim, Tensor):
        from .pointwise import minimum

        return minimum(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("min(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        return apply(_min_all_impl, (input,), (), "min")
    _check_nonempty("min", input, dim)
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        v, i = apply(_min_dim_impl, (input.reshape(1),), (("axis", 0), ("keepdims", False)), "min")
        return rt.min(v, i)
    v, i = apply(_min_dim_impl, (input,), (("axis", d), ("keepdims", bool(keepdim))), "min")
    return rt.min(v, i)


@register()
def aminmax(input, *, dim=None, keepdim=False, out=None):
    d = () if dim is None else dim
    return rt.aminmax(amin(input, d, keepdim), amax(input, d, keepdim))


def _argmax_impl(x, *, axis, keepdims):
    if axis is None:
        r = jnp.argmax(x.reshape(-1))
        return (r.reshape((1,) * x.ndim) if keepdims else r).astype(jnp.int64)
    return jnp.argmax(x, axis=axis, keepdims=keepdims).astype(jnp.int64)


def _argmin_impl(x, *, axis, keepdims):
    if axis is None:
        r = jnp.argmin(x.reshape(-1))
        return (r.reshape((1,) * x.ndim) if keepdims else r).astype(jnp.int64)
    return jnp.argmin(x, axis=axis, keepdims=keepdims).astype(jnp.int64)


def _arg_host(np_fn):
    def twin(x, *, axis, keepdims):  # both paths pick the first of equal values
        if axis is None:
            r = np.asarray(np_fn(x.reshape(-1)))
            return (r.reshape((1,) * x.ndim) if keepdims else r).astype(np.int64)
        return np.asarray(np_fn(x, axis=axis, keepdims=keepdims)).astype(np.int64)

    return twin


int_host_impl(_argmax_impl)(_arg_host(np.argmax))
int_host_impl(_argmin_impl)(_arg_host(np.argmin))


@register()
def argmax(input, dim=None, keepdim=False):
    _check_nonempty("argmax", input, dim)
    axis = None if dim is None else (wrap_dim(dim, input.ndim) if input.ndim else None)
    return apply(_argmax_impl, (input,), (("axis", axis), ("keepdims", bool(keepdim))), "argmax")


@register()
def argmin(input, dim=None, keepdim=False):
    _check_nonempty("argmin", input, dim)
    axis = None if dim is None else (wrap_dim(dim, input.ndim) if input.ndim else None)
    return apply(_argmin_impl, (input,), (("axis", axis), ("keepdims", bool(keepdim))), "argmin")


def _logsumexp_impl(x, *, axis, keepdims, dtype):
    return jax.nn.logsumexp(x.astype(dtype), axis=axis, keepdims=keepdims)


@register()
def logsumexp(input, dim=None, keepdim=False, *, out=None):
    d = to_float_np(input._data.dtype)
    return apply(_logsumexp_impl, (input,), (("axis", _dims(dim, input.ndim) if dim is not None else None),
                                             ("keepdims", bool(keepdim)), ("dtype", d)), "logsumexp")


def _all_impl(x, *, axis, keepdims):
    return jnp.all(x, axis=axis, keepdims=keepdims)


def _any_impl(x, *, axis, keepdims):
    return jnp.any(x, axis=axis, keepdims=keepdims)


int_host_impl(_all_impl)(np.all)  # integer/bool inputs only: XLA:CPU reads float subnormals as 0
int_host_impl(_any_impl)(np.any)


@register()
def all(input, dim=None, keepdim=False, *, out=None):
    r = apply(_all_impl, (input,), (("axis", _dims(dim, input.ndim)), ("keepdims", bool(keepdim))), "all")
    return r if input._data.dtype != np.uint8 else r.to(_dt.uint8)


@register()
def any(input, dim=None, keepdim=False, *, out=None):
    r = apply(_any_impl, (input,), (("axis", _dims(dim, input.ndim)), ("keepdims", bool(keepdim))), "any")
    return r if input._data.dtype != np.uint8 else r.to(_dt.uint8)


def _cumsum_impl(x, *, axis, dtype):
    return jnp.cumsum(x.astype(dtype), axis=axis)


@int_host_impl(_cumsum_impl)
def _cumsum_host(x, *, axis, dtype):
    return np.cumsum(x.astype(dtype), axis=axis)


def _cumprod_impl(x, *, axis, dtype):
    return jnp.cumprod(x.astype(dtype), axis=axis)


@register(inplace=True)
def cumsum(input, dim, *, dtype=None, out=None):
    d = _sum_dtype(input._data.dtype, dtype)
    if input.ndim == 0:
        wrap_dim(dim, 0)
        return input.to(_dt.from_np(d)).clone()
    return apply(_cumsum_impl, (input,), (("axis", wrap_dim(dim, input.ndim)), ("dtype", d)), "cumsum")


@register(inplace=True)
def cumprod(input, dim, *, dtype=None, out=None):
    d = _sum_dtype(input._data.dtype, dtype)
    if input.ndim == 0:
        wrap_dim(dim, 0)
        return input.to(_dt.from_np(d)).clone()
    return apply(_cumprod_impl, (input,), (("axis", wrap_dim(dim, input.ndim)), ("dtype", d)), "cumprod")


def _cumext_impl(x, *, axis, op):
    n = x.shape[axis]
    idx = jnp.broadcast_to(jnp.arange(n).reshape((-1,) + (1,) * (x.ndim - axis - 1)), x.shape)

    def comb(a, b):
        va, ia = a
        vb, ib = b
        take_b = (vb >= va) if op == "max" else (vb <= va)
        take_b = take_b | jnp.isnan(vb) if jnp.issubdtype(x.dtype, jnp.floating) else take_b
        take_b = take_b & ~(jnp.isnan(va) & ~jnp.isnan(vb)) if jnp.issubdtype(x.dtype, jnp.floating) else take_b
        return jnp.where(take_b, vb, va), jnp.where(take_b, ib, ia)

    v, i = lax.associative_scan(comb, (x, idx), axis=axis)
    return v, i.astype(jnp.int64)


@register()
def cummax(input, dim):
    if input.ndim == 0:
        return rt.cummax(input.clone(), _zeros_idx(input))
    v, i = apply(_cumext_impl, (input,), (("axis", wrap_dim(dim, input.ndim)), ("op", "max")), "cummax")
    return rt.cummax(v, i)


@register()
def cummin(input, dim):
    if input.ndim == 0:
        return rt.cummin(input.clone(), _zeros_idx(input))
    v, i = apply(_cumext_impl, (input,), (("axis", wrap_dim(dim, input.ndim)), ("op", "min")), "cummin")
    return rt.cummin(v, i)


def _zeros_idx(input):
    from .creation import zeros

    return zeros((), dtype=_dt.int64)


def _logcumsumexp_impl(x, *, axis):
    return lax.cumlogsumexp(x, axis=axis)


@register()
def logcumsumexp(input, dim):
    if input.ndim == 0:
        return input.clone()
    return apply(_logcumsumexp_impl, (input,), (("axis", wrap_dim(dim, input.ndim)),), "logcumsumexp")


def _sort_impl(x, *, axis, descending, stable):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    n = x.shape[axis]
    idx = jnp.broadcast_to(jnp.arange(n).reshape((-1,) + (1,) * (x.ndim - axis - 1)), x.shape)
    key = x
    if descending:
        # sort by the negated order key, keeping NaN first as torch does for descending
        if jnp.issubdtype(x.dtype, jnp.floating):
            key = jnp.where(jnp.isnan(x), -jnp.inf, -x)
            nanfirst = jnp.where(jnp.isnan(x), 0, 1)
            _, _, vals, ids = lax.sort((nanfirst, key, x, idx), dimension=axis, num_keys=2, is_stable=True)
            return vals, ids.astype(jnp.int64)
        if x.dtype == jnp.bool_:
            key = ~x
        elif jnp.issubdtype(x.dtype, jnp.unsignedinteger):
            key = jnp.iinfo(x.dtype).max - x
        else:
            key = -x.astype(jnp.int64) if x.dtype != jnp.int64 else jnp.where(x == jnp.iinfo(jnp.int64).min,
                                                                               jnp.iinfo(jnp.int64).max, -x)
    _, vals, ids = lax.sort((key, x, idx), dimension=axis, num_keys=1, is_stable=True)
    return vals, ids.astype(jnp.int64)


@register()
def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    if isinstance(dim, bool):
        raise TypeError("sort(): argument 'dim' must be int, not bool")
    axis = wrap_dim(dim, input.ndim) if input.ndim else 0
    v, i = apply(_sort_impl, (input,), (("axis", axis), ("descending", bool(descending)), ("stable", True)), "sort")
    return rt.sort(v, i)


@register()
def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


@register()
def msort(input):
    return sort(input, 0).values


def _topk_impl(x, *, k, axis, largest):
    xm = jnp.moveaxis(x, axis, -1)
    v, i = _sort_impl(xm, axis=xm.ndim - 1, descending=largest, stable=True)
    v, i = v[..., :k], i[..., :k]
    return jnp.moveaxis(v, -1, axis), jnp.moveaxis(i, -1, axis)


@register()
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    axis = wrap_dim(dim, input.ndim) if input.ndim else 0
    n = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if input.ndim == 0:
        return rt.topk(input.clone(), _zeros_idx(input))
    v, i = apply(_topk_impl, (input,), (("k", int(k)), ("axis", axis), ("largest", bool(largest))), "topk")
    return rt.topk(v, i)


@register()
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    axis = wrap_dim(dim, input.ndim) if input.ndim else 0
    n = input.shape[axis] if input.ndim else 1
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {axis}")
    if input.ndim == 0:
        return rt.kthvalue(input.clone(), _zeros_idx(input))
    v, i = apply(_kth_impl, (input,), (("k", int(k)), ("axis", axis), ("keepdims", bool(keepdim))), "kthvalue")
    return rt.kthvalue(v, i)


def _kth_impl(x, *, k, axis, keepdims):
    v, i = _sort_impl(x, axis=axis, descending=False, stable=True)
    v = lax.index_in_dim(v, k - 1, axis, keepdims=keepdims)
    i = lax.index_in_dim(i, k - 1, axis, keepdims=keepdims)
    return v, i


def _median_all_impl(x):
    flat = jnp.sort(x.reshape(-1))
    n = flat.shape[0]
    has_nan = jnp.any(jnp.isnan(flat)) if jnp.issubdtype(x.dtype, jnp.floating) else False
    v = flat[(n - 1) // 2]
    return jnp.where(has_nan, jnp.asarray(jnp.nan, x.dtype), v) if jnp.issubdtype(x.dtype, jnp.floating) else v


def _median_dim_impl(x, *, axis, keepdims):
    n = x.shape[axis]
    v, i = _sort_impl(x, axis=axis, descending=False, stable=True)
    k = (n - 1) // 2
    mv = lax.index_in_dim(v, k, axis, keepdims=True)
    mi = lax.index_in_dim(i, k, axis, keepdims=True)
    if jnp.issubdtype(x.dtype, jnp.floating):
        # a NaN in the slice makes the median NaN, at the first NaN's index (sorted last)
        isn = jnp.isnan(x)
        anynan = jnp.any(isn, axis=axis, keepdims=True)
        first_nan = jnp.argmax(isn, axis=axis, keepdims=True).astype(jnp.int64)
        mv = jnp.where(anynan, jnp.asarray(jnp.nan, x.dtype), mv)
        mi = jnp.where(anynan, first_nan, mi)
    if not keepdims:
        mv, mi = jnp.squeeze(mv, axis), jnp.squeeze(mi, axis)
    return mv, mi


@register()
def median(input, dim=None, keepdim=False, *, out=None):
    if dim is None:
        if input.numel() == 0:
            from .creation import full

            return full((), float("nan"), dtype=input.dtype)
        return apply(_median_all_impl, (input,), (), "median")
    if input.ndim == 0:
        return rt.median(input.clone(), _zeros_idx(input))
    v, i = apply(_median_dim_impl, (input,), (("axis", wrap_dim(dim, input.ndim)), ("keepdims", bool(keepdim))),
                 "median")
    return rt.median(v, i)


def _nanmedian_all_impl(x):
    if not jnp.issubdtype(x.dtype, jnp.floating):  # no NaNs: the lower median
        return _median_all_impl(x)
    flat = jnp.sort(x.reshape(-1))
    cnt = jnp.sum(~jnp.isnan(flat))
    k = jnp.maximum((cnt - 1) // 2, 0)
    return jnp.where(cnt > 0, flat[k], jnp.asarray(jnp.nan, x.dtype))


@register()
def nanmedian(input, dim=None, keepdim=False, *, out=None):
    if dim is None:
        return apply(_nanmedian_all_impl, (input,), (), "nanmedian")
    if input.ndim == 0:
        return rt.nanmedian(input.clone(), _zeros_idx(input))
    v, i = apply(_nanmedian_dim_impl, (input,), (("axis", wrap_dim(dim, input.ndim)), ("keepdims", bool(keepdim))),
                 "nanmedian")
    return rt.nanmedian(v, i)


def _nanmedian_dim_impl(x, *, axis, keepdims):
    v, i = _sort_impl(x, axis=axis, descending=False, stable=True)  # NaNs sort last
    if jnp.issubdtype(x.dtype, jnp.floating):
        cnt = jnp.sum(~jnp.isnan(x), axis=axis, keepdims=True)
        k = jnp.maximum((cnt - 1) // 2, 0)
    else:
        k = jnp.full([1 if d == axis else n for d, n in enumerate(x.shape)], (x.shape[axis] - 1) // 2)
    mv, mi = jnp.take_along_axis(v, k, axis=axis), jnp.take_along_axis(i, k, axis=axis)
    if not keepdims:
        mv, mi = jnp.squeeze(mv, axis), jnp.squeeze(mi, axis)
    return mv, mi


def _mode_impl(x, *, axis, keepdims):
    xm = jnp.moveaxis(x, axis, -1)
    n = xm.shape[-1]
    s = jnp.sort(xm, axis=-1)
    eq = s[..., :, None] == xm[..., None, :]
    counts = jnp.sum(s[..., :, None] == s[..., None, :], axis=-1)
    best = jnp.max(counts, axis=-1, keepdims=True)
    # smallest value with the highest count; index of its last occurrence (as torch's CPU kernel)
    cand = jnp.where(counts == best, jnp.arange(n), n)
    pos = jnp.min(cand, axis=-1)
    val = jnp.take_along_axis(s, pos[..., None], axis=-1)[..., 0]
    occ = jnp.where(xm == val[..., None], jnp.arange(n), -1)
    idx = jnp.max(occ, axis=-1).astype(jnp.int64)
    del eq
    if keepdims:
        val, idx = jnp.expand_dims(val, axis), jnp.expand_dims(idx, axis)
    return val, idx


@register()
def mode(input, dim=-1, keepdim=False, *, out=None):
    if input.ndim == 0:
        return rt.mode(input.clone(), _zeros_idx(input))
    v, i = apply(_mode_impl, (input,), (("axis", wrap_dim(dim, input.ndim)), ("keepdims", bool(keepdim))), "mode")
    return rt.mode(v, i)


def _count_nonzero_impl(x, *, axis):
    return jnp.count_nonzero(x, axis=axis).astype(jnp.int64)


@register()
def count_nonzero(input, dim=None):
    return apply(_count_nonzero_impl, (input,), (("axis", _dims(dim, input.ndim)),), "count_nonzero")


@jax.custom_jvp
def _abs_pow(x, p):
    return jnp.abs(x) ** p


@_abs_pow.defjvp
def _abs_pow_jvp(primals, tangents):
    # d|x|^p = p |x|^(p-1) sgn(x) dx, taken as 0 where x == 0 (torch's subgradient there, also for p < 1,
    # where the true derivative is infinite)
    (x, p), (t, _) = primals, tangents
    a = jnp.abs(x)
    nz = a > 0
    safe = jnp.where(nz, a, 1)
    d = p * safe ** (p - 1) * jnp.real(jnp.conj(jnp.sign(x)) * t)
    return a ** p, jnp.where(nz, d, jnp.zeros((), d.dtype))


def _norm_impl(x, *, p, axis, keepdims, dtype):
    from .pointwise import _abs_torch  # |x| with torch's zero gradient at 0

    x = x.astype(dtype)
    a = _abs_torch(x)
    if p == "fro" or p == 2:
        if axis is None:
            return _root(jnp.sum(jnp.real(x * jnp.conj(x))), 2).reshape((1,) * x.ndim if keepdims else ())
        return _root(jnp.sum(jnp.real(x * jnp.conj(x)), axis=axis, keepdims=keepdims), 2)
    if p == "nuc":
        return jnp.linalg.norm(x, "nuc", axis=axis, keepdims=keepdims)
    if p == float("inf"):
        return jnp.max(a, axis=axis, keepdims=keepdims)
    if p == float("-inf"):
        return jnp.min(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return jnp.sum((a != 0).astype(a.dtype), axis=axis, keepdims=keepdims)
    if p == 1:
        return jnp.sum(a, axis=axis, keepdims=keepdims)
    return _root(jnp.sum(_abs_pow(x, float(p)), axis=axis, keepdims=keepdims), p)


def _root(s, p):
    # s ** (1/p) whose gradient at s == 0 is 0 (torch's subgradient of a norm at zero), not inf * 0 = nan
    if p < 0:  # (sum a^p)^(1/p) with p < 0: an empty sum gives inf, as torch does
        return s ** (1.0 / p)
    pos = s > 0
    r = jnp.sqrt(jnp.where(pos, s, 1)) if p == 2 else jnp.where(pos, s, 1) ** (1.0 / p)
    return jnp.where(pos, r, jnp.zeros((), r.dtype))


@register()
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    if not input.is_floating_point() and not input.is_complex():
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_dtname(input.dtype)}")
    if p is None:
        p = "fro"
    d = dtype_np(dtype) if dtype is not None else input._data.dtype
    axis = _dims(dim, input.ndim) if dim is not None else None
    if isinstance(p, str) and p == "fro" and axis is not None and len(axis) > 2:
        raise RuntimeError("frobenius norm expects two dims")
    if not isinstance(p, str):
        p = float(p)
    out_dtype = np.dtype(np.float32) if d == np.complex64 else (np.dtype(np.float64) if d == np.complex128 else d)
    r = apply(_norm_impl, (input,), (("p", p), ("axis", axis), ("keepdims", bool(keepdim)), ("dtype", d)), "norm")
    return r if r._data.dtype == out_dtype else r.to(_dt.from_np(out_dtype))


def _dist_impl(a, b, *, p, dtype):
    return _norm_impl(a.astype(dtype) - b.astype(dtype), p=p, axis=None, keepdims=False, dtype=dtype)


@register()
def dist(input, other, p=2):
    from ._promote import result_np

    return apply(_dist_impl, (input, other), (("p", float(p)), ("dtype", result_np(input, other))), "dist")


def _bincount_impl(x, w, *, length):
    return jnp.bincount(x, weights=w, length=length)


@register()
def bincount(input, weights=None, minlength=0):
    if input.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if input.numel() and int(input.min().item()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    length = builtins.max(int(input.max().item()) + 1 if input.numel() else 0, minlength)
    r = apply(_bincount_impl, (input, weights), (("length", length),), "bincount")
    if weights is None:
        return r.to(_dt.int64)
    return r.to(_dt.float64) if not weights.is_floating_point() else r.to(weights.dtype if weights.dtype != _dt.float32
                                                                          else _dt.float64)


def _histc_impl(x, *, bins, lo, hi):
    lo_, hi_ = (jnp.min(x), jnp.max(x)) if lo == hi else (lo, hi)
    h, _ = jnp.histogram(x, bins=bins, range=(lo_, hi_))
    return h.astype(x.dtype)


@register()
def histc(input, bins=100, min=0, max=0, *, out=None):
    return apply(_histc_impl, (input,), (("bins", int(bins)), ("lo", float(min)), ("hi", float(max))), "histc")


def _unique_impl(x, *, sorted_, return_inverse, return_counts, size):
    u, inv, cnt = jnp.unique(x.reshape(-1), return_inverse=True, return_counts=True, size=size)
    return u, inv.reshape(x.shape).astype(jnp.int64), cnt.astype(jnp.int64)


@register()
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    if dim is not None:
        a = np.asarray(input._value())
        u, inv, cnt = np.unique(a, return_inverse=True, return_counts=True, axis=dim)
        from .creation import tensor

        res = [tensor(u)]
        if return_inverse:
            res.append(tensor(inv.reshape(-1).astype(np.int64)))
        if return_counts:
            res.append(tensor(cnt.astype(np.int64)))
        return res[0] if len(res) == 1 else tuple(res)
    size = int(np.unique(np.asarray(input._value())).size)
    u, inv, cnt = apply(_unique_impl, (input,), (("sorted_", True), ("return_inverse", True), ("return_counts", True),
                                                 ("size", size)), "unique")
    res = [u]
    if return_inverse:
        res.append(inv)
    if return_counts:
        res.append(cnt)
    return res[0] if len(res) == 1 else tuple(res)


@register()
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    a = np.asarray(input._value()).reshape(-1) if dim is None else None
    if a is None:
        raise NotImplementedError("jaxtorch: unique_consecutive with dim is not supported yet")
    from .creation import tensor

    if a.size == 0:
        keep = np.zeros(0, bool)
    else:
        keep = np.concatenate([[True], a[1:] != a[:-1]])
    u = a[keep]
    res = [tensor(u)]
    if return_inverse:
        res.append(tensor((np.cumsum(keep) - 1).reshape(input.shape).astype(np.int64)))
    if return_counts:
        pos = np.flatnonzero(keep)
        res.append(tensor(np.diff(np.append(pos, a.size)).astype(np.int64)))
    return res[0] if len(res) == 1 else tuple(res)


def _diff_impl(x, *, n, axis):
    return jnp.diff(x, n=n, axis=axis)


@register()
def diff(input, n=1, dim=-1, prepend=None, append=None):
    from .shape import cat

    parts = [p for p in (prepend, input, append) if p is not None]
    x = cat(parts, dim) if len(parts) > 1 else input
    if x.dtype == _dt.bool_:
        return apply(_diff_bool_impl, (x,), (("n", int(n)), ("axis", wrap_dim(dim, x.ndim))), "diff")
    return apply(_diff_impl, (x,), (("n", int(n)), ("axis", wrap_dim(dim, x.ndim))), "diff")


def _diff_bool_impl(x, *, n, axis):
    for _ in builtins.range(n):
        x = lax.slice_in_dim(x, 1, None, axis=axis) ^ lax.slice_in_dim(x, 0, -1, axis=axis)
    return x


def _trace_impl(x, *, dtype):
    return jnp.trace(x).astype(dtype)


@register()
def trace(input):
    if input.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim " + str(input.ndim))
    return apply(_trace_impl, (input,), (("dtype", _sum_dtype(input._data.dtype, None)),), "trace")
