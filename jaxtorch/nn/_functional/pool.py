"""nn.functional: max/avg/adaptive/LP pooling.

Every pool gathers its windows explicitly (index arrays computed from static shapes, so XLA sees
constants) into a trailing window axis. Max pooling then takes the FIRST maximum of each window with
argmax + take_along_axis, which gives torch's indices and sends the gradient to that one element, as
torch does (JAX's reduce_window max would split or move it on ties).
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax import lax
import numpy as np

from ..._ops._dispatch import apply
from ..._tensor import Tensor

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices"]


# ----------------------------------------------------------------------------- window index tables (numpy)
def _sliding(L: int, out: int, k: int, s: int, p: int, d: int):
    idx = np.arange(out)[:, None] * s - p + np.arange(k)[None, :] * d
    return idx, (idx >= 0) & (idx < L)


def _adaptive(L: int, out: int):
    i = np.arange(out)
    start = (i * L) // out
    end = -((-(i + 1) * L) // out)
    k = int((end - start).max()) if out > 0 else 1
    idx = start[:, None] + np.arange(k)[None, :]
    return idx, idx < end[:, None]


def _gather_windows(x, tables):
    """x[..., L1..Ln] -> (x windows [..., o1..on, K], valid [o1..on, K], flat input index [o1..on, K])."""
    nd = len(tables)
    spatial = x.shape[-nd:]
    index, valid, flat = [], None, 0
    strides = [int(np.prod(spatial[d + 1:])) for d in range(nd)]
    for d, (idx, ok) in enumerate(tables):
        shape = [1] * (2 * nd)
        shape[d], shape[nd + d] = idx.shape
        cl = np.clip(idx, 0, spatial[d] - 1).reshape(shape)
        index.append(cl)
        ok = ok.reshape(shape)
        valid = ok if valid is None else valid & ok
        flat = flat + cl * strides[d]
    g = x[(Ellipsis, *index)]
    outs = g.shape[-2 * nd:-nd]
    k = int(np.prod(g.shape[-nd:]))
    valid = np.broadcast_to(valid, g.shape[-2 * nd:]).reshape(outs + (k,))
    flat = np.broadcast_to(flat, g.shape[-2 * nd:]).reshape(outs + (k,))
    return g.reshape(g.shape[:-nd] + (k,)), valid, flat


def _lowest(dtype):
    return -jnp.inf if jnp.issubdtype(dtype, jnp.floating) else jnp.iinfo(dtype).min


def _max_windows(x, tables, with_indices):
    g, valid, flat = _gather_windows(x, tables)
    g = jnp.where(valid, g, _lowest(x.dtype))
    am = jnp.argmax(g, axis=-1)
    if jnp.issubdtype(g.dtype, jnp.inexact):  # torch takes the LAST NaN of a window (argmax: the first)
        nan = jnp.isnan(g)
        last_nan = g.shape[-1] - 1 - jnp.argmax(nan[..., ::-1], axis=-1)
        am = jnp.where(nan.any(-1), last_nan, am)
    am = am[..., None]
    out = jnp.take_along_axis(g, am, axis=-1)[..., 0]
    if not with_indices:
        return out
    idx = jnp.take_along_axis(jnp.broadcast_to(jnp.asarray(flat, jnp.int64), g.shape), am, axis=-1)[..., 0]
    return out, idx


def _max_blocks(x, kernel, outs, with_indices):
    """Max over non-overlapping windows (kernel == stride, no padding/dilation) by reshaping, no gathers.

    Scans each window's elements in row-major order keeping the first maximum (the last NaN), like torch;
    the selects route the gradient to that one element and transpose to selects, not scatter-adds.
    """
    nd = len(kernel)
    lead = x.shape[:-nd]
    spatial = x.shape[-nd:]
    x = x[(Ellipsis,) + tuple(slice(0, o * k) for o, k in zip(outs, kernel))]  # floor mode: drop the rest
    blocks = x.reshape(lead + tuple(v for o, k in zip(outs, kernel) for v in (o, k)))
    strides = [math.prod(spatial[d + 1:]) for d in range(nd)]
    best = off = None
    for offsets in np.ndindex(*kernel):
        slot = blocks[(Ellipsis,) + tuple(v for i in offsets for v in (slice(None), i))]
        here = sum(i * st for i, st in zip(offsets, strides))
        if best is None:
            best, off = slot, jnp.zeros(slot.shape, jnp.int64)
            continue
        take = slot > best
        if jnp.issubdtype(x.dtype, jnp.inexact):
            take = take | jnp.isnan(slot)
        best = jnp.where(take, slot, best)
        if with_indices:
            off = jnp.where(take, jnp.int64(here), off)
    if not with_indices:
        return best
    base = 0
    for d in range(nd):
        shape = [1] * nd
        shape[d] = outs[d]
        base = base + (np.arange(outs[d]) * kernel[d] * strides[d]).reshape(shape)
    return best, off + jnp.asarray(base, jnp.int64)


def _max_pool_impl(x, *, kernel, stride, padding, dilation, outs, with_indices):
    nd = len(kernel)
    if (kernel == stride and not any(padding) and all(d == 1 for d in dilation)
            and all(o == L // k for o, L, k in zip(outs, x.shape[-nd:], kernel))):
        return _max_blocks(x, kernel, outs, with_indices)
    tables = [_sliding(x.shape[-nd + d], outs[d], kernel[d], stride[d], padding[d], dilation[d]) for d in range(nd)]
    return _max_windows(x, tables, with_indices)


def _avg_pool_impl(x, *, kernel, stride, padding, outs, count_include_pad, divisor_override):
    nd = len(kernel)
    tables, div = [], 1.0
    for d in range(nd):
        L = x.shape[-nd + d]
        tables.append(_sliding(L, outs[d], kernel[d], stride[d], padding[d], 1))
        start = np.arange(outs[d]) * stride[d] - padding[d]
        end = np.minimum(start + kernel[d], L + padding[d])
        size = end - start if count_include_pad else np.minimum(end, L) - np.maximum(start, 0)
        div = np.multiply.outer(div, size) if d else size.astype(np.float64)
    g, valid, _ = _gather_windows(x, tables)
    total = jnp.sum(jnp.where(valid, g, jnp.zeros((), x.dtype)), axis=-1)
    if divisor_override is not None:
        div = divisor_override
    if not jnp.issubdtype(x.dtype, jnp.inexact):  # torch divides integer sums in C++: truncates toward zero
        return lax.div(total, jnp.broadcast_to(jnp.asarray(div, x.dtype), total.shape))
    return total / jnp.asarray(div, x.dtype)


def _adaptive_max_impl(x, *, outs, with_indices):
    nd = len(outs)
    return _max_windows(x, [_adaptive(x.shape[-nd + d], outs[d]) for d in range(nd)], with_indices)


def _adaptive_avg_impl(x, *, outs):
    nd = len(outs)
    tables = [_adaptive(x.shape[-nd + d], outs[d]) for d in range(nd)]
    g, valid, _ = _gather_windows(x, tables)
    count = valid.sum(-1)
    return jnp.sum(jnp.where(valid, g, jnp.zeros((), x.dtype)), axis=-1) / jnp.asarray(count, x.dtype)


# ----------------------------------------------------------------------------- argument handling
def _tup(v, nd: int) -> tuple:
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return (int(v[0]),) * nd
        return tuple(int(i) for i in v)
    return (int(v),) * nd


def _out_size(L: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    num = L + 2 * p - d * (k - 1) - 1
    out = (-(-num // s) if ceil_mode else num // s) + 1
    if ceil_mode and (out - 1) * s >= L + p:
        out -= 1
    return out


def _check_dims(input: Tensor, nd: int, name: str, style: str) -> None:
    r = input.dim()
    if r in (nd + 1, nd + 2):
        return
    if style == "max1":
        raise RuntimeError(f"{name}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{list(input.shape)}")
    if style == "args":
        raise RuntimeError(f"Expected {nd + 1} to {nd + 2} dimensions, but got {r}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {name})")
    if style == "adaptive":
        sep = ":" if name.startswith("adaptive_max") else ""  # torch's two messages differ by this colon
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got{sep} {list(input.shape)}")
    raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")


def _too_small(input: Tensor, nd: int, outs: tuple, as_2d: bool = False) -> None:
    if any(o <= 0 for o in outs):
        lead = (input.shape[-nd - 1],) + ((1,) if as_2d else ())  # 1-D avg pools run as 2-D ones in torch
        ins = "x".join(str(i) for i in lead + tuple(input.shape[-nd:]))
        got = "x".join(str(i) for i in lead + outs)
        raise RuntimeError(f"Given input size: ({ins}). Calculated output size: ({got}). Output size is too small")


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    name = f"max_pool{nd}d"
    _check_dims(input, nd, name, "max1" if nd == 1 else "plain")
    k = _tup(kernel_size, nd)
    s = _tup(stride, nd) if stride is not None and stride != [] and stride != () else k
    p, d = _tup(padding, nd), _tup(dilation, nd)
    for kk, pp, dd in zip(k, p, d):
        if nd == 1 and pp > kk // 2:
            raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={pp} and "
                               f"kernel_size={kk}")
        if pp > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    outs = tuple(_out_size(input.shape[-nd + i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(nd))
    if nd == 1 and outs[0] <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {outs[0]}")
    _too_small(input, nd, outs)
    static = (("kernel", k), ("stride", s), ("padding", p), ("dilation", d), ("outs", outs),
              ("with_indices", bool(return_indices)))
    return apply(_max_pool_impl, (input,), static, name=f"MaxPool{nd}DWithIndicesBackward0")


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling; with return_indices also the flat index of each maximum."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling; with return_indices also the flat (h*W+w) index of each maximum."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """3-D max pooling."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 1)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 3)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    _check_dims(input, nd, f"avg_pool{nd}d", "args" if nd == 1 else "plain")
    k = _tup(kernel_size, nd)
    s = _tup(stride, nd) if stride is not None and stride != [] and stride != () else k
    p = _tup(padding, nd)
    for kk, pp in zip(k, p):
        if pp > kk // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation=1")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    outs = tuple(_out_size(input.shape[-nd + i], k[i], s[i], p[i], 1, ceil_mode) for i in range(nd))
    _too_small(input, nd, outs, as_2d=nd == 1)
    static = (("kernel", k), ("stride", s), ("padding", p), ("outs", outs),
              ("count_include_pad", bool(count_include_pad)),
              ("divisor_override", None if divisor_override is None else int(divisor_override)))
    return apply(_avg_pool_impl, (input,), static, name=f"AvgPool{nd}DBackward0")


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-D average pooling."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3)


def _adaptive_outs(input: Tensor, output_size, nd: int) -> tuple:
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd and not (len(output_size) == 1):
            raise RuntimeError(f"adaptive_pool{nd}d: output_size must be {nd}")
        sizes = tuple(output_size) if len(output_size) == nd else tuple(output_size) * nd
    else:
        sizes = (output_size,) * nd
    return tuple(int(input.shape[-nd + i]) if o is None else int(o) for i, o in enumerate(sizes))


def _adaptive_max(input, output_size, return_indices, nd):
    _check_dims(input, nd, f"adaptive_max_pool{nd}d", "args" if nd == 1 else "adaptive")
    outs = _adaptive_outs(input, output_size, nd)
    static = (("outs", outs), ("with_indices", bool(return_indices)))
    return apply(_adaptive_max_impl, (input,), static, name=f"AdaptiveMaxPool{nd}DBackward0")


def _adaptive_avg(input, output_size, nd):
    _check_dims(input, nd, f"adaptive_avg_pool{nd}d", "args" if nd == 1 else "adaptive")
    outs = _adaptive_outs(input, output_size, nd)
    return apply(_adaptive_avg_impl, (input,), (("outs", outs),), name=f"AdaptiveAvgPool{nd}DBackward0")


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-D adaptive max pooling (windows [floor(i*L/out), ceil((i+1)*L/out)))."""
    return _adaptive_max(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-D adaptive max pooling."""
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """3-D adaptive max pooling."""
    return _adaptive_max(input, output_size, return_indices, 3)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, True, 1)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, True, 2)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-D adaptive average pooling."""
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-D adaptive average pooling."""
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """3-D adaptive average pooling."""
    return _adaptive_avg(input, output_size, 3)


def _lp_pool_impl(x, norm_type, *, kernel, stride, outs, ceil_mode):
    nd = len(kernel)
    xp = x ** norm_type
    avg = _avg_pool_impl(xp, kernel=kernel, stride=stride, padding=(0,) * nd, outs=outs, count_include_pad=True,
                         divisor_override=None)
    scaled = jnp.sign(avg) * jnp.maximum(jnp.abs(avg), 0) * math.prod(kernel)
    return scaled ** (1.0 / norm_type)


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, nd):
    k = _tup(kernel_size, nd)
    s = _tup(stride, nd) if stride is not None else k
    outs = tuple(_out_size(input.shape[-nd + i], k[i], s[i], 0, 1, ceil_mode) for i in range(nd))
    _too_small(input, nd, outs)
    static = (("kernel", k), ("stride", s), ("outs", outs), ("ceil_mode", bool(ceil_mode)))
    return apply(_lp_pool_impl, (input, float(norm_type)), static, name="PowBackward1")


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """1-D power-average pooling: (sum x^p)^(1/p) over each window."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """2-D power-average pooling."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """3-D power-average pooling."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3)
