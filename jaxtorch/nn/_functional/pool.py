"""nn.functional: max/avg/adaptive/LP pooling.

Every pool gathers its windows explicitly (index arrays computed from static shapes, so XLA sees
constants) into a trailing window axis. Max pooling then takes the FIRST maximum of each window with
argmax + take_along_axis, which gives torch's indices and sends the gradient to that one element, as
torch does (JAX's reduce_window max would split or move it on ties).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
from jax import lax
import numpy as np

from ..._ops import _threefry
from ..._ops._dispatch import apply
from ..._dtype import int64
from ..._tensor import Tensor

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "max_unpool1d", "max_unpool2d",
           "max_unpool3d", "fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]


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


def _window_argmax(g):
    """Position of each window's (last axis) FIRST maximum, or its LAST NaN, as torch picks them; keepdims."""
    am = jnp.argmax(g, axis=-1)
    if jnp.issubdtype(g.dtype, jnp.inexact):  # torch takes the LAST NaN of a window (argmax: the first)
        nan = jnp.isnan(g)
        last_nan = g.shape[-1] - 1 - jnp.argmax(nan[..., ::-1], axis=-1)
        am = jnp.where(nan.any(-1), last_nan, am)
    return am[..., None]


def _max_windows(x, tables, with_indices):
    g, valid, flat = _gather_windows(x, tables)
    g = jnp.where(valid, g, _lowest(x.dtype))
    am = _window_argmax(g)
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


# ----------------------------------------------------------------------------- max unpooling
# Forward: each output cell takes the value of the LAST input element that names it (torch's serial CPU
# loop; its threaded loop races on duplicates), found by a scatter-max of input positions so
# the result is deterministic. Backward: torch's is a plain gather, so EVERY input element receives the
# gradient of the cell it names, duplicates included; JAX's scatter-set derivative would feed only the
# winner, hence the custom_vjp.
@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _scatter_last(x, idx, size: int):
    return _scatter_last_fwd(x, idx, size)[0]


def _scatter_last_fwd(x, idx, size: int):
    planes, n = x.shape
    safe = jnp.where((idx >= 0) & (idx < size), idx, size)  # out-of-range (only when traced) is dropped
    pos = jnp.broadcast_to(jnp.arange(n, dtype=jnp.int64), (planes, n))
    rows = jnp.arange(planes, dtype=jnp.int64)[:, None]
    winner = jnp.full((planes, size), -1, jnp.int64).at[rows, safe].max(pos, mode="drop")
    picked = jnp.take_along_axis(x, jnp.clip(winner, 0, n - 1), axis=1)
    return jnp.where(winner >= 0, picked, jnp.zeros((), x.dtype)), idx


def _scatter_last_bwd(size: int, idx, g):
    ok = (idx >= 0) & (idx < size)
    gx = jnp.take_along_axis(g, jnp.clip(idx, 0, size - 1), axis=1)
    return jnp.where(ok, gx, jnp.zeros((), g.dtype)), None


_scatter_last.defvjp(_scatter_last_fwd, _scatter_last_bwd)


def _max_unpool_impl(x, idx, *, outs):
    nd = len(outs)
    lead = x.shape[:-nd]
    size = math.prod(outs)
    planes = math.prod(lead)
    n = math.prod(x.shape[-nd:])
    if size == 0 or planes == 0 or n == 0:
        return jnp.zeros(lead + outs, x.dtype)
    out = _scatter_last(x.reshape(planes, n), idx.reshape(planes, n), size)
    return out.reshape(lead + outs)


def _torch_tuple(v, nd: int) -> tuple:
    """torch's _single/_pair/_triple: a sequence is kept as given (any length), a number is repeated."""
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd


def _unpool_sizes(input: Tensor, kernel: tuple, stride: tuple, padding: tuple, output_size) -> tuple:
    """The spatial output size: the inverse of max_pool's size formula, or output_size when it is in range."""
    nk = len(kernel)
    default = [(input.shape[-nk + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(nk)]
    if output_size is None:
        sizes = default
    else:
        if len(output_size) == nk + 2:
            output_size = output_size[2:]
        if len(output_size) != nk:
            raise ValueError(f"output_size should be a sequence containing {nk} or {nk + 2} elements, but it has a "
                             f"length of '{len(output_size)}'")
        for d in range(nk):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
        sizes = output_size
    for d in range(nk):
        if sizes[d] < 0:
            raise ValueError(f"max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={sizes[d]}")
    return tuple(int(v) for v in sizes)


def _max_unpool(input: Tensor, indices: Tensor, kernel_size, stride, padding, output_size, nd: int) -> Tensor:
    from ..._ops._registry import _dt_name

    kernel = _torch_tuple(kernel_size, nd)
    strides = _torch_tuple(stride, nd) if stride is not None else kernel
    pads = _torch_tuple(padding, nd)
    outs = _unpool_sizes(input, kernel, strides, pads, output_size)
    # torch runs the 1-D case as a 2-D one over a trailing unit axis: its checks and messages see that shape
    kern = 3 if nd == 3 else 2
    extra = (1,) if nd == 1 else ()
    in_shape = list(input.shape) + list(extra)
    idx_shape = list(indices.shape) + list(extra)
    full = outs + extra
    if len(full) != kern:
        word = "three elements (depth, height, width)" if kern == 3 else "two elements (height, width)"
        raise RuntimeError(f"There should be exactly {word} in output_size, but got {len(full)} elements.")
    if indices.dtype != int64:
        raise RuntimeError("elements in indices should be type int64" if kern == 3 else
                           f"elements in indices should be type int64 but got: {_dt_name(indices.dtype)}")
    if len(in_shape) not in (kern + 1, kern + 2):
        raise RuntimeError(f"Input to max_unpooling{kern}d should be a {kern + 1}d or {kern + 2}d Tensor, but got a "
                           f"tensor with {len(in_shape)} dimensions.")
    if in_shape != idx_shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({in_shape}) but got "
                           f"indices tensor with shape: {idx_shape}")
    for d in range(1, len(in_shape)):
        if in_shape[d] == 0:
            raise RuntimeError(f"max_unpooling{kern}d_forward_out_cpu(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but got {in_shape} with dimension {d} being empty.")
    if kern == 3 and any(s <= 0 for s in strides):
        raise RuntimeError(f"strides should be greater than zero, but got stride: {list(strides)}")
    if not input.is_floating_point():
        raise NotImplementedError(f"\"max_unpool{kern}d\" not implemented for '{_dt_name(input.dtype)}'")
    size = math.prod(outs)
    values = _concrete(indices)
    if values is not None and values.size and size and in_shape[0]:
        bad = (values < 0) | (values >= size)
        if bad.any():
            # torch's serial loop keeps the LAST invalid index it meets (its threaded one races)
            flat_bad = bad.reshape(-1)
            last = int(values.reshape(-1)[flat_bad.size - 1 - np.argmax(flat_bad[::-1])])
            raise RuntimeError(f"Found an invalid max index: {last} (output volumes are of size "
                               f"{'x'.join(str(o) for o in full)})")
    return apply(_max_unpool_impl, (input, indices), (("outs", outs),), name=f"MaxUnpool{kern}DBackward0")


def _concrete(t: Tensor):
    """t's values on the host, or None while tracing (data-dependent checks are skipped under compile)."""
    v = t._value()
    return None if isinstance(v, jax.core.Tracer) else np.asarray(v)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool1d: put each value at its index in a zero tensor."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool2d (indices are flat h*W+w positions in each output plane)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool3d."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


# ----------------------------------------------------------------------------- fractional max pooling
def _fractional_starts(u, length: int, k: int, out: int, cdt):
    """Window starts along one axis for per-plane samples u (..., ) in [0, 1): pseudo-random, increasing.

    The windows are spaced alpha = (length - k) / (out - 1) apart: start_i = floor((i + u) * alpha) -
    floor(u * alpha), the last one pinned to length - k so the windows span the input. Computed in the
    input's precision (float32 for float32 inputs, as torch does) so the integer starts agree exactly.
    """
    if out == 1:
        return jnp.full(u.shape + (1,), length - k, jnp.int64)
    alpha = np.asarray(length - k, cdt) / np.asarray(out - 1, cdt)
    i = jnp.arange(out - 1, dtype=cdt)
    u = u[..., None]
    s = jnp.floor((i + u) * alpha) - jnp.floor(u * alpha)
    last = jnp.full(u.shape, length - k, jnp.int64)
    return jnp.concatenate([s.astype(jnp.int64), last], axis=-1)


def _fractional_impl(x, samples, *, kernel, outs, with_indices):
    nd = len(kernel)
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x[None]
    batch, planes = x.shape[:2]
    spatial = x.shape[2:]
    if any(o == 0 for o in outs) or batch == 0:
        out = jnp.zeros((batch, planes) + outs, x.dtype)
        idx = jnp.zeros(out.shape, jnp.int64)
    else:
        cdt = x.dtype if x.dtype in (jnp.float32, jnp.float64) else jnp.float32  # half types: float math
        u = samples[:batch].astype(cdt)
        # sample columns: 2-D uses (w, h), 3-D (t, h, w) -- found by comparing against torch
        cols = (1, 0) if nd == 2 else (0, 1, 2)
        strides = [math.prod(spatial[d + 1:]) for d in range(nd)]
        flat = 0
        for d in range(nd):
            start = _fractional_starts(u[..., cols[d]], spatial[d], kernel[d], outs[d], cdt)
            pos = start[..., :, None] + jnp.arange(kernel[d], dtype=jnp.int64)  # (N, C, o_d, k_d)
            shape = [batch, planes] + [1] * (2 * nd)
            shape[2 + d], shape[2 + nd + d] = outs[d], kernel[d]
            flat = flat + pos.reshape(shape) * strides[d]
        n_out, n_win = math.prod(outs), math.prod(kernel)
        flat = flat.reshape(batch, planes, n_out * n_win)
        xf = x.reshape(batch, planes, -1)
        windows = jnp.take_along_axis(xf, flat, axis=2).reshape(batch, planes, n_out, n_win)
        am = _window_argmax(lax.stop_gradient(windows))
        idx = jnp.take_along_axis(flat.reshape(batch, planes, n_out, n_win), am, axis=-1)[..., 0]
        # gather the winners from x itself: the gradient then scatter-adds onto them, as torch's backward does
        out = jnp.take_along_axis(xf, idx.reshape(batch, planes, n_out), axis=2)
        out, idx = out.reshape((batch, planes) + outs), idx.reshape((batch, planes) + outs)
    if unbatched:
        out, idx = out[0], idx[0]
    return (out, idx) if with_indices else out


def _fractional_uniform(key, *, shape, dtype):
    return _threefry.uniform(key, shape, dtype)


def _fractional(input: Tensor, kernel_size, output_size, output_ratio, return_indices, _random_samples, nd: int):
    from ..._ops._checks import wrap_dim
    from ..._ops._registry import _dt_name
    from ...random import draw

    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if nd == 2:
            if not isinstance(output_ratio, (tuple, list)):  # torch's 2-D wrapper takes len() of the ratio
                raise TypeError(f"object of type '{type(output_ratio).__name__}' has no len()")
            if len(output_ratio) > 2:
                raise ValueError("fractional_max_pool2d requires output_ratio to either be a single Int or tuple of "
                                 "Ints.")
        ratio = _torch_tuple(output_ratio, nd)
        output_size = [int(input.shape[wrap_dim(-nd + d, input.ndim)] * ratio[d]) for d in range(nd)]
    kernel = _torch_tuple(kernel_size, nd)
    outs = _torch_tuple(output_size, nd)
    which = "tuple of Ints" if nd == 2 else "tuple of three Ints"
    if len(kernel) not in (1, nd):
        raise RuntimeError(f"{name}: kernel_size must either be a single Int or {which}")
    if len(outs) not in (1, nd):
        raise RuntimeError(f"{name}: output_size must either be a single Int or {which}")
    kernel = tuple(int(k) for k in kernel) * (nd if len(kernel) == 1 else 1)
    outs = tuple(int(o) for o in outs) * (nd if len(outs) == 1 else 1)
    samples = _random_samples
    if samples is None:
        chan_dim = wrap_dim(-nd - 1, input.ndim)  # torch reads input.size(-3) / size(-4) here
        if not input.is_floating_point():
            raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{_dt_name(input.dtype)}'")
        batch = 1 if input.ndim == nd + 1 else input.shape[0]
        shape = (batch, input.shape[chan_dim], nd)
        samples = draw(None, _fractional_uniform, (), (("shape", shape), ("dtype", np.dtype(input._value().dtype))),
                       "rand")
    where = "fractional_max_pool3d_out()" if nd == 3 else "fractional_max_pool2d()"
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{where}: Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    for d in range(input.ndim - nd - 1, input.ndim):
        if input.shape[d] == 0 and d > 0:
            raise RuntimeError(f"{where}: Expected input to have non-zero size for non-batch dimensions, but got"
                               f"{list(input.shape)} with dimension {d} being empty.")
    words = ("time", "height", "width") if nd == 3 else ("height", "width")
    for d in range(nd):
        length = input.shape[-nd + d]
        # torch's 3-D check is one stricter than its 2-D one
        if outs[d] + kernel[d] - 1 > length - (nd == 3):
            raise RuntimeError(f"{where}: pool {words[d]} {kernel[d]} too large relative to input {words[d]} {length}")
    if samples.requires_grad:
        raise RuntimeError(f"The function '{name}' is not differentiable with respect to argument 'random_samples'. "
                           "This input cannot have requires_grad True.")
    if samples.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.ndim}")
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    batch = 1 if input.ndim == nd + 1 else input.shape[0]
    if samples.shape[0] < batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.shape[1] != input.shape[-nd - 1]:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[2] != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got {samples.shape[2]}.")
    if not input.is_floating_point():
        raise NotImplementedError(f"\"{name}_out_frame\" not implemented for '{_dt_name(input.dtype)}'")
    static = (("kernel", kernel), ("outs", outs), ("with_indices", bool(return_indices)))
    return apply(_fractional_impl, (input, samples), static, name=f"FractionalMaxPool{nd}DBackward0")


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """2-D fractional max pooling (Graham 2014): pseudo-random window starts, one sample pair per plane.

    Without _random_samples the samples are drawn from jaxtorch's generator (honours manual_seed; not
    torch's stream). With them, outputs and indices equal torch's.
    """
    return _fractional(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 2)


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """3-D fractional max pooling; samples (N, C, 3) in [0, 1)."""
    return _fractional(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 3)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples: Tensor | None = None):
    return _fractional(input, kernel_size, output_size, output_ratio, True, _random_samples, 2)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples: Tensor | None = None):
    return _fractional(input, kernel_size, output_size, output_ratio, True, _random_samples, 3)
