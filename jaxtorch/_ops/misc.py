"""Tensor ops that fit no other family: set membership, statistics, histograms, combinatorics, directional splits,
renorm, numerical integration and differentiation, index_reduce, and the softmax / padding names OpInfo uses."""

from __future__ import annotations

import builtins
import itertools
import math
import numbers
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as _dt
from .._tensor import Tensor
from ..autograd import grad_mode as _gm
from . import shape as _shape
from ._checks import wrap_dim
from ._dispatch import apply, int_host_impl
from ._promote import result_np, to_float_np
from ._registry import _dt_name, register

_LINEAR, _LOWER, _HIGHER, _MIDPOINT, _NEAREST = "linear", "lower", "higher", "midpoint", "nearest"


def _concrete(t: Tensor):
    """The numpy value of t when it is concrete (eager), else None (under a trace data checks are skipped)."""
    v = t._value()
    return None if isinstance(v, jax.core.Tracer) else np.asarray(v)


def _as_tensor(x, like: Tensor | None = None) -> Tensor:
    from .creation import tensor

    if isinstance(x, Tensor):
        return x
    return tensor(x) if like is None else tensor(x, dtype=result_np(like, x))


# ---------------------------------------------------------------------------------------------- isin


def _isin_impl(e, t, *, dtype, invert):
    hit = jnp.any(e.astype(dtype).reshape(e.shape + (1,)) == t.astype(dtype).reshape(-1), axis=-1) \
        if t.size else jnp.zeros(e.shape, bool)
    return ~hit if invert else hit


@int_host_impl(_isin_impl)
def _isin_host(e, t, *, dtype, invert):
    return np.isin(e.astype(dtype), t.astype(dtype), invert=invert)


@register(method=False)
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of `elements` is in `test_elements` (either may be a Python scalar)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin() received an invalid combination of arguments - got ({type(elements).__name__}, "
                        f"{type(test_elements).__name__}), but expected one of: (Tensor elements, Tensor "
                        "test_elements), (Number element, Tensor test_elements), (Tensor elements, Number "
                        "test_element)")
    dtype = result_np(elements, test_elements)
    e = _as_tensor(elements)
    t = _as_tensor(test_elements)
    return apply(_isin_impl, (e, t), (("dtype", dtype), ("invert", bool(invert))), "isin")


# ------------------------------------------------------------------------------------------ quantile


def _lerp(a, b, w):
    # torch's CPU lerp: the formula switches at w = 0.5 so both ends are exact
    return jnp.where(w < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def _quantile_impl(x, q, *, dim, keepdim, scalar_q, interp, ignore_nan):
    nd = x.ndim
    v = x.reshape(-1) if dim is None else jnp.moveaxis(x, dim, -1)
    srt = jnp.sort(v, axis=-1)  # NaNs sort last, as in torch
    n = srt.shape[-1]
    qv = q.astype(x.dtype).reshape(-1)
    if ignore_nan:
        count = jnp.sum(~jnp.isnan(srt), axis=-1, keepdims=True).astype(x.dtype)
        ranks = qv * (count - 1)
        ranks = jnp.where(ranks < 0, n - 1, ranks)  # all-NaN slices read the last (NaN) element
    else:
        ranks = jnp.broadcast_to(qv * (n - 1), srt.shape[:-1] + qv.shape)
        ranks = jnp.where(jnp.isnan(srt[..., -1:]), n - 1, ranks)  # any NaN: the result is NaN
    if interp in (_LOWER, _HIGHER, _NEAREST):
        r = {_LOWER: jnp.floor, _HIGHER: jnp.ceil, _NEAREST: jnp.round}[interp](ranks)
        out = jnp.take_along_axis(srt, r.astype(jnp.int64), axis=-1)
    else:
        below = jnp.floor(ranks)
        lo = jnp.take_along_axis(srt, below.astype(jnp.int64), axis=-1)
        hi = jnp.take_along_axis(srt, jnp.ceil(ranks).astype(jnp.int64), axis=-1)
        w = jnp.full_like(ranks, 0.5) if interp == _MIDPOINT else ranks - below
        out = _lerp(lo, hi, w)
    if not ignore_nan:
        out = jnp.where(jnp.isnan(srt[..., -1:]), jnp.nan, out)
    out = jnp.moveaxis(out, -1, 0)  # the quantiles lead
    if keepdim:
        out = out.reshape(out.shape[:1] + (1,) * nd) if dim is None else jnp.expand_dims(out, dim + 1)
    return out[0] if scalar_q else out


def _quantile(op, input, q, dim, keepdim, interpolation, ignore_nan):
    name = "quantile"  # torch's messages say quantile() for nanquantile too
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qv = _concrete(q)
        if qv is not None and qv.size and not ((qv >= 0) & (qv <= 1)).all():
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        scalar_q = q.ndim == 0
    else:
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        from .creation import tensor

        q, scalar_q = tensor(float(q), dtype=input.dtype), True
    if interpolation not in (_LINEAR, _LOWER, _HIGHER, _MIDPOINT, _NEAREST):
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    d = None if dim is None else wrap_dim(dim, input.ndim)
    if d is not None and input.ndim == 0:
        input = input.reshape(1)
        out = apply(_quantile_impl, (input, q), (("dim", 0), ("keepdim", False), ("scalar_q", scalar_q),
                                                 ("interp", interpolation), ("ignore_nan", ignore_nan)), op)
        return out
    return apply(_quantile_impl, (input, q), (("dim", d), ("keepdim", bool(keepdim)), ("scalar_q", scalar_q),
                                              ("interp", interpolation), ("ignore_nan", ignore_nan)), op)


@register()
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear") -> Tensor:
    """The q-th quantiles of input (over all elements, or along dim); NaN where a slice holds a NaN."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


@register()
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear") -> Tensor:
    """quantile ignoring NaNs (NaN only where a slice is all NaN)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


# ------------------------------------------------------------------------------------- cov, corrcoef


def _cov_impl(x, fw, aw, *, correction, dtype):
    x = x.astype(dtype)
    if x.ndim < 2:
        x = x.reshape(1, -1)
    n = x.shape[1]
    w = None if fw is None else fw.astype(dtype)
    if aw is not None:
        w = aw.astype(dtype) if w is None else w * aw.astype(dtype)
    if w is None:
        avg = jnp.mean(x, axis=1)
        norm = jnp.asarray(n - correction, dtype)
    else:
        w_sum = jnp.sum(w)
        avg = jnp.sum(x * w, axis=1) / w_sum
        if correction == 0:
            norm = w_sum
        elif aw is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * jnp.sum(w * aw.astype(dtype)) / w_sum
    norm = jnp.maximum(norm, 0).astype(dtype)
    xc = x - avg[:, None]
    c = xc @ jnp.conj((xc if w is None else xc * w).T)
    c = c / norm
    return c.reshape(()) if c.shape == (1, 1) else c


def _check_weights(kind, w, n_obs, integral):
    if w is None:
        return
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {kind} to have one or fewer dimensions but got {kind} with {w.ndim} "
                           "dimensions")
    if integral and (w.is_floating_point() or w.is_complex()):
        raise RuntimeError(f"cov(): expected {kind} to have integral dtype but got {kind} with "
                           f"{_dt_name(w.dtype)} dtype")
    if not integral and not w.is_floating_point():
        raise RuntimeError(f"cov(): expected {kind} to have floating point dtype but got {kind} with "
                           f"{_dt_name(w.dtype)} dtype")
    if w.numel() != n_obs:
        raise RuntimeError(f"cov(): expected {kind} to have the same numel as there are observations in the input "
                           f"but got {w.numel()} != {n_obs}")
    v = _concrete(w)
    if v is not None and (v < 0).any():
        raise RuntimeError(f"cov(): {kind} cannot be negative")


@register()
def cov(input, *, correction=1, fweights=None, aweights=None) -> Tensor:
    """Covariance of the variables in the rows of input (observations in columns)."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    n_obs = input.shape[-1] if input.ndim else 1
    _check_weights("fweights", fweights, n_obs, True)
    _check_weights("aweights", aweights, n_obs, False)
    if fweights is None and aweights is None and n_obs - correction <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=3)
    dt = input.dtype
    for w in (fweights, aweights):
        dt = dt if w is None else _dt.promote_types(dt, w.dtype)
    dtype = to_float_np(dt.np)
    return apply(_cov_impl, (input, fweights, aweights), (("correction", correction), ("dtype", dtype)), "cov")


def _corrcoef_impl(c):
    if c.ndim == 0:
        return c / c
    d = jnp.diagonal(c)
    std = jnp.sqrt(jnp.real(d) if jnp.iscomplexobj(d) else d)
    c = c / std[:, None]
    c = c / std[None, :]
    if jnp.iscomplexobj(c):
        return c
    # clamp to [-1, 1] with torch's gradient (1 on the closed interval): jnp.clip would halve it at +-1
    return jnp.where(c > 1, jnp.ones_like(c), jnp.where(c < -1, -jnp.ones_like(c), c))


@register()
def corrcoef(input) -> Tensor:
    """Pearson correlation coefficients of the rows of input."""
    return apply(_corrcoef_impl, (cov(input),), (), "corrcoef")


# ------------------------------------------------------------------------------ block_diag, products


def _block_diag_impl(*xs, dtype, shape):
    out = jnp.zeros(shape, dtype)
    r = c = 0
    for x in xs:
        x = x.reshape((1, 1) if x.ndim == 0 else (1, -1) if x.ndim == 1 else x.shape)
        out = out.at[r:r + x.shape[0], c:c + x.shape[1]].set(x.astype(dtype))
        r, c = r + x.shape[0], c + x.shape[1]
    return out


@register(method=False)
def block_diag(*tensors) -> Tensor:
    """A block-diagonal matrix of 0-, 1- and 2-D tensors."""
    if not tensors:
        from .creation import empty

        return empty(1, 0)
    rows = cols = 0
    dt = None
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        shp = (1, 1) if t.ndim == 0 else (1, t.shape[0]) if t.ndim == 1 else tuple(t.shape)
        rows, cols = rows + shp[0], cols + shp[1]
        dt = t.dtype if dt is None else _dt.promote_types(dt, t.dtype)
    return apply(_block_diag_impl, tuple(tensors), (("dtype", dt.np), ("shape", (rows, cols))), "block_diag")


def _cartesian_impl(*xs):
    grids = jnp.meshgrid(*xs, indexing="ij")
    return jnp.stack([g.reshape(-1) for g in grids], axis=1)


@register(method=False)
def cartesian_prod(*tensors) -> Tensor:
    """All tuples of one element from each 1-D tensor, as rows."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]  # torch returns its argument itself
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if any(t.dtype != tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    return apply(_cartesian_impl, tuple(tensors), (), "cartesian_prod")


def _take0_impl(x, *, idx, shape):
    return jnp.take(x, np.asarray(idx, dtype=np.int64), axis=0).reshape(shape)


@register(method=False)
def combinations(input, r: int = 2, with_replacement: bool = False) -> Tensor:
    """All length-r combinations of the elements of a 1-D tensor (itertools order), as rows."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        from .creation import empty

        return empty(0, dtype=input.dtype)
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = tuple(gen(range(input.shape[0]), r))
    flat = tuple(i for row in rows for i in row)
    return apply(_take0_impl, (input,), (("idx", flat), ("shape", (len(rows), r))), "combinations")


# --------------------------------------------------------------------------------------- histogram


def _torch_linspace(lo, hi, steps, dtype):
    # torch's linspace kernel: the first half counts up from lo, the second half down from hi
    step = (hi - lo) / (steps - 1)
    i = jnp.arange(steps)
    return jnp.where(i < steps // 2, lo + step * i.astype(dtype), hi - step * (steps - 1 - i).astype(dtype))


def _bin_positions(v, edges_in, bins, lo, hi):
    """(edges, bin index of each value of the 1-D v, whether it falls in a bin) for one dimension."""
    dtype = v.dtype
    if edges_in is None:
        if lo is None:
            mn = jnp.min(v) if v.size else jnp.zeros((), dtype)  # an empty input gets the range [0, 1]
            mx = jnp.max(v) if v.size else jnp.ones((), dtype)
        else:
            mn, mx = jnp.asarray(lo, jnp.float64), jnp.asarray(hi, jnp.float64)
        mn, mx = mn.astype(jnp.float64), mx.astype(jnp.float64)
        same = mn == mx  # an empty range is widened, as numpy does
        mn, mx = jnp.where(same, mn - 0.5, mn).astype(dtype), jnp.where(same, mx + 0.5, mx).astype(dtype)
        edges = _torch_linspace(mn, mx, bins + 1, dtype)
    else:
        edges = edges_in
    nb = edges.shape[0] - 1
    pos = jnp.searchsorted(edges, v, side="right") - 1
    pos = jnp.where(v == edges[-1], nb - 1, pos)  # the last bin is closed on the right
    return edges, pos, (v >= edges[0]) & (v <= edges[-1])


def _histogramdd_impl(x, w, *edges_in, bins, ranges, density):
    dtype = x.dtype
    pts = x.reshape(-1, x.shape[-1])
    edges, lin, ok = [], jnp.zeros(pts.shape[0], jnp.int64), jnp.ones(pts.shape[0], bool)
    for d in builtins.range(pts.shape[1]):
        lo, hi = ranges[d] if ranges is not None else (None, None)
        e, pos, valid = _bin_positions(pts[:, d], edges_in[d] if edges_in else None, bins[d], lo, hi)
        edges.append(e)
        lin = lin * (e.shape[0] - 1) + pos
        ok = ok & valid
    shape = tuple(e.shape[0] - 1 for e in edges)
    total = math.prod(shape)
    vals = jnp.ones(pts.shape[0], dtype) if w is None else w.reshape(-1).astype(dtype)
    hist = jnp.zeros((total,), dtype).at[jnp.where(ok, lin, total)].add(vals, mode="drop").reshape(shape)
    if density:
        hist = hist / jnp.sum(hist)
        for d, e in enumerate(edges):
            shp = [1] * len(shape)
            shp[d] = -1
            hist = hist / (e[1:] - e[:-1]).reshape(shp)
    return (hist, *edges)


def _histogram_args(input, bins, range, weight, n_dims):
    """torch's checks; returns (edge tensors or (), bin counts, ranges) for n_dims dimensions."""
    if not input.is_floating_point() or input.dtype in (_dt.float16, _dt.bfloat16):
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_dt_name(input.dtype)}'")
    n = input.shape[-1] if n_dims is None else 1
    want = list(input.shape[:-1]) if n_dims is None else list(input.shape)
    if weight is not None and list(weight.shape) != want:
        raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                           f"input tensor excluding its innermost dimension, but got input with shape "
                           f"{[input.numel() // builtins.max(n, 1), n]} and weight with shape {list(weight.shape)}")
    if isinstance(bins, Tensor) or (isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor)):
        edges = [bins] if isinstance(bins, Tensor) else list(bins)
        for d, e in enumerate(edges):
            if e.ndim != 1:
                raise RuntimeError("torch.histogramdd: bins tensor should have one dimension, but got "
                                   f"{e.ndim} dimensions in the bins tensor for dimension {d}")
            if e.dtype != input.dtype:
                raise RuntimeError("torch.histogramdd: input tensor and bins tensors should have the same dtype, but "
                                   f"got input with dtype {_dt_name(input.dtype).lower()} and bins for dimension {d} "
                                   f"with dtype {_dt_name(e.dtype).lower()}")
        return tuple(edges), (None,) * n, None
    counts = [int(bins)] * n if isinstance(bins, numbers.Integral) else [int(b) for b in bins]
    for d, c in enumerate(counts):
        if c <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {c} for dimension {d}")
    ranges = None
    if range is not None:
        r = [float(v) for v in range]
        ranges = tuple((r[2 * d], r[2 * d + 1]) for d in builtins.range(n))
        for d, (lo, hi) in enumerate(ranges):
            if lo > hi:
                raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} "
                                   f"for dimension {d}")
    return (), tuple(counts), ranges


@register()
def histogram(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges) of input's values; bins is a count (equal widths) or the edges tensor."""
    from .. import return_types

    edges, counts, ranges = _histogram_args(input, bins, range, weight, 1)
    # torch does not differentiate histograms: the results are plain data
    with _gm.no_grad():
        hist, out_edges = apply(_histogramdd_impl, (input.reshape(-1, 1), weight, *edges),
                                (("bins", counts), ("ranges", ranges), ("density", bool(density))), "histogram")
    return return_types.histogram(hist, out_edges)


_histogramdd_type = None


@register(method=False)
def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges) of the points in input's last dimension; bins: a count, one per dimension, or edges."""
    from .. import return_types

    global _histogramdd_type
    if _histogramdd_type is None:
        _histogramdd_type = getattr(return_types, "histogramdd", None) or return_types._make(
            "histogramdd", ("hist", "bin_edges"))
    edges, counts, ranges = _histogram_args(input, bins, range, weight, None)
    with _gm.no_grad():
        out = apply(_histogramdd_impl, (input, weight, *edges),
                    (("bins", counts), ("ranges", ranges), ("density", bool(density))), "histogramdd")
    return _histogramdd_type(out[0], list(out[1:]))


# -------------------------------------------------------------------------------- splits, sum_to_size


def _dir_split(name, min_dim, dim_of, input, indices_or_sections):
    if input.ndim < min_dim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor with "
                           f"{input.ndim} dimensions!")
    d = dim_of(input.ndim)
    if isinstance(indices_or_sections, numbers.Integral) and not isinstance(indices_or_sections, bool):
        k = int(indices_or_sections)
        n = input.shape[d]
        if k == 0 or n % k:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                               f"{n} is not divisible by the split_size {k}!")
    return _shape.tensor_split(input, indices_or_sections, d)


@register()
def vsplit(input, indices_or_sections) -> tuple:
    """Split along dim 0 (views)."""
    return _dir_split("vsplit", 2, lambda nd: 0, input, indices_or_sections)


@register()
def hsplit(input, indices_or_sections) -> tuple:
    """Split along dim 1 (dim 0 for 1-D input) (views)."""
    return _dir_split("hsplit", 1, lambda nd: 1 if nd > 1 else 0, input, indices_or_sections)


@register()
def dsplit(input, indices_or_sections) -> tuple:
    """Split along dim 2 (views)."""
    return _dir_split("dsplit", 3, lambda nd: 2, input, indices_or_sections)


# torch's unsafe_* variants share storage without version tracking; jaxtorch's tracked views are the
# faithful (and safe) equivalent: values and write-through behaviour are the same
@register()
def unsafe_split(input, split_size, dim=0) -> tuple:
    """split without view tracking in torch; here the same views as split."""
    if not isinstance(split_size, numbers.Integral):
        raise TypeError("unsafe_split(): argument 'split_size' must be int")
    return _shape.split(input, split_size, dim)


@register()
def unsafe_chunk(input, chunks, dim=0) -> tuple:
    """chunk without view tracking in torch; here the same views as chunk."""
    return _shape.chunk(input, chunks, dim)


@register()
def unsafe_split_with_sizes(input, split_sizes, dim=0) -> tuple:
    """split_with_sizes without view tracking in torch; here the same views."""
    return _shape.split_with_sizes(input, split_sizes, dim)


def _sum_to_impl(x, *, lead, dims, dtype):
    x = x.astype(dtype)
    if lead:
        x = jnp.sum(x, axis=tuple(builtins.range(lead)))
    return jnp.sum(x, axis=dims, keepdims=True) if dims else x


@register(function=False)
def sum_to_size(self, *size) -> Tensor:
    """Sum the broadcast dimensions away so that the result has `size` (self must expand from it)."""
    size = _shape._sizes(size)
    shp = tuple(self.shape)
    ok = len(size) <= len(shp) and all(s == t or s == 1 for s, t in zip(reversed(size), reversed(shp)))
    if not ok:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shp)}}}.")
    if size == shp:
        return self
    lead = len(shp) - len(size)
    dims = tuple(i for i, s in enumerate(size) if s == 1 and shp[lead + i] != 1)
    dtype = self._data.dtype if self.is_floating_point() or self.is_complex() else np.dtype(np.int64)
    return apply(_sum_to_impl, (self,), (("lead", lead), ("dims", dims), ("dtype", dtype)), "sum_to_size")


# ------------------------------------------------------------------------------------------- renorm


def _renorm_impl(x, *, p, dim, maxnorm):
    axes = tuple(i for i in builtins.range(x.ndim) if i != dim)
    if p == math.inf:
        norm = jnp.max(jnp.abs(x), axis=axes, keepdims=True)
    else:
        # zeros contribute no gradient to the norm (torch's sgn(0) = 0), also where |x|**p's is 1 or inf
        nz = x != 0
        a = jnp.abs(jnp.where(nz, x, 1))
        s = jnp.sum(jnp.where(nz, a * a if p == 2 else a ** p, 0), axis=axes, keepdims=True)
        pos = s > 0  # keep the gradient finite at an all-zero slice (norm's derivative is undefined there)
        safe = jnp.where(pos, s, 1)
        norm = jnp.where(pos, jnp.sqrt(safe) if p == 2 else safe ** (1 / p), 0)
    factor = jnp.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1)
    return (x * factor).astype(x.dtype)


@register(inplace=True)
def renorm(input, p, dim, maxnorm) -> Tensor:
    """Scale each slice along dim whose p-norm exceeds maxnorm down to norm maxnorm."""
    if not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_dt_name(input.dtype)}")
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if not p > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    d = wrap_dim(dim, input.ndim)
    return apply(_renorm_impl, (input,), (("p", float(p)), ("dim", d), ("maxnorm", float(maxnorm))), "renorm")


# -------------------------------------------------------------------------------- trapezoid, gradient


def _slice(y, dim, start, stop):
    return lax.slice_in_dim(y, start, stop, axis=dim)


def _trapz_dx_impl(y, dx, *, dim, dtype, cumulative):
    y = y.astype(dtype)
    n = y.shape[dim]
    if cumulative:
        pairs = _slice(y, dim, builtins.min(1, n), n) + _slice(y, dim, 0, builtins.max(n - 1, 0))
        return jnp.cumsum((dx / 2.0) * pairs, axis=dim)
    if n == 0:
        return jnp.zeros(y.shape[:dim] + y.shape[dim + 1:], dtype)
    ends = jnp.take(y, 0, axis=dim) + jnp.take(y, n - 1, axis=dim)
    return (jnp.sum(y, axis=dim) - ends * 0.5) * dx


def _trapz_x_impl(y, x, *, dim, dtype, cumulative):
    y, x = y.astype(dtype), x.astype(dtype)
    n = y.shape[dim]
    if x.ndim == 1:
        shp = [1] * y.ndim
        shp[dim] = builtins.max(n - 1, 0)
        dx = jnp.diff(x).reshape(shp)
    else:
        dx = jnp.diff(x, axis=dim - y.ndim)
    s = dx * (_slice(y, dim, builtins.min(1, n), n) + _slice(y, dim, 0, builtins.max(n - 1, 0)))
    return (jnp.cumsum(s, axis=dim) if cumulative else jnp.sum(s, axis=dim)) / 2


def _trapz(name, y, x, dx, dim, cumulative):
    d = wrap_dim(dim, y.ndim)
    if isinstance(x, Tensor):
        n_x = x.shape[0] if x.ndim == 1 else (x.shape[d - y.ndim] if x.ndim >= y.ndim - d else -1)
        if n_x != y.shape[d]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        dtype = to_float_np(result_np(y, x))
        return apply(_trapz_x_impl, (y, x), (("dim", d), ("dtype", dtype), ("cumulative", cumulative)), name)
    if x is not None:  # a number passed positionally is the spacing
        dx = x
    dx = 1 if dx is None else dx
    dtype = to_float_np(result_np(y, dx))
    return apply(_trapz_dx_impl, (y, dx), (("dim", d), ("dtype", dtype), ("cumulative", cumulative)), name)


@register(method=False)
def trapezoid(y, x=None, *, dx=None, dim=-1) -> Tensor:
    """Trapezoidal rule along dim, with sample points x or uniform spacing dx (default 1)."""
    return _trapz("trapezoid", y, x, dx, dim, False)


@register(method=False)
def trapz(y, x=None, *, dx=None, dim=-1) -> Tensor:
    """Alias of trapezoid."""
    return _trapz("trapezoid", y, x, dx, dim, False)


@register(method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1) -> Tensor:
    """Cumulative trapezoidal rule along dim (one element shorter than y there)."""
    return _trapz("cumulative_trapezoid", y, x, dx, dim, True)


def _gradient_impl(f, *coords, dims, hs, edge_order, dtype):
    f = f.astype(dtype)
    out = []
    ci = iter(coords)
    for dim, h in zip(dims, hs):
        n = f.shape[dim]

        def sl(a, b, dim=dim, n=n):
            return lax.slice_in_dim(f, a % n if a < 0 else a, n + b if b <= 0 else b, axis=dim)

        if h is None:  # coordinates: the non-uniform second-order stencil
            c = next(ci).astype(dtype)
            shp = [1] * f.ndim
            shp[dim] = -1
            dx = jnp.diff(c).reshape(shp)
            dx1, dx2 = lax.slice_in_dim(dx, 0, n - 2, axis=dim), lax.slice_in_dim(dx, 1, n - 1, axis=dim)
            a = -dx2 / (dx1 * (dx1 + dx2))
            b = (dx2 - dx1) / (dx1 * dx2)
            cc = dx1 / (dx2 * (dx1 + dx2))
            center = a * sl(0, -2) + b * sl(1, -1) + cc * sl(2, 0)
            d0 = lax.slice_in_dim(dx, 0, 1, axis=dim)
            dn = lax.slice_in_dim(dx, n - 2, n - 1, axis=dim)
            if edge_order == 1:
                first = (sl(1, 2) - sl(0, 1)) / d0
                last = (sl(-1, 0) - sl(-2, -1)) / dn
            else:
                e1, e2 = d0, lax.slice_in_dim(dx, 1, 2, axis=dim)
                first = (-(2 * e1 + e2) / (e1 * (e1 + e2)) * sl(0, 1) + (e1 + e2) / (e1 * e2) * sl(1, 2)
                         - e1 / (e2 * (e1 + e2)) * sl(2, 3))
                e1, e2 = lax.slice_in_dim(dx, n - 3, n - 2, axis=dim), dn
                last = (e2 / (e1 * (e1 + e2)) * sl(-3, -2) - (e2 + e1) / (e1 * e2) * sl(-2, -1)
                        + (2 * e2 + e1) / (e2 * (e1 + e2)) * sl(-1, 0))
        else:
            center = (sl(2, 0) - sl(0, -2)) / (2 * h)
            if edge_order == 1:
                first = (sl(1, 2) - sl(0, 1)) / h
                last = (sl(-1, 0) - sl(-2, -1)) / h
            else:
                first = (-1.5 * sl(0, 1) + 2 * sl(1, 2) - 0.5 * sl(2, 3)) / h
                last = (0.5 * sl(-3, -2) - 2 * sl(-2, -1) + 1.5 * sl(-1, 0)) / h
        out.append(jnp.concatenate([first, center, last], axis=dim).astype(dtype))
    return tuple(out)


@register(method=False)
def gradient(input, *, spacing=1, dim=None, edge_order=1) -> tuple:
    """Central-difference estimates of input's derivative along each of `dim` (all dims by default)."""
    if dim is None:
        dims = tuple(builtins.range(input.ndim))
        what = f"'self.dim() = {input.ndim}', since dim argument was not given"
    else:
        dims = (wrap_dim(dim, input.ndim),) if isinstance(dim, numbers.Integral) else \
            tuple(wrap_dim(d, input.ndim) for d in dim)
        what = None
    if spacing is None:
        spacing = 1
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims) and what is None:
            raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length "
                               f"{len(spacing)} and a dim argument of length {len(dims)}.")
        if len(spacing) != len(dims):
            raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                               f"equal to {what}, but got a list of length {len(spacing)}")
        spacing = list(spacing)
    else:
        spacing = [spacing] * len(dims)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    coords, hs = [], []
    dtype = to_float_np(input._data.dtype)
    for d, s in zip(dims, spacing):
        if isinstance(s, Tensor) and s.ndim == 1:
            if s.shape[0] != input.shape[d]:
                raise RuntimeError(f"torch.gradient expected each tensor to be on the same device, and "
                                   f"spacing[{len(coords)}] to have size {input.shape[d]}")
            coords.append(s)
            hs.append(None)
            dtype = to_float_np(result_np(input, s))
        else:
            h = s.item() if isinstance(s, Tensor) else s
            hs.append(h)
    return apply(_gradient_impl, (input, *coords),
                 (("dims", dims), ("hs", tuple(hs)), ("edge_order", int(edge_order)), ("dtype", dtype)), "gradient")


# --------------------------------------------------------------------------------- small utilities


def _unravel_impl(idx, *, shape):
    out = []
    rest = idx.astype(jnp.int64)
    for s in reversed(shape):
        out.append(jnp.mod(rest, s))
        rest = jnp.floor_divide(rest, s)
    return tuple(reversed(out))


@register(method=False)
def unravel_index(indices, shape) -> tuple:
    """Coordinates in `shape` of flat indices (taken modulo the size, as torch does)."""
    if not isinstance(indices, Tensor):
        indices = _as_tensor(indices)
    if indices.is_floating_point() or indices.is_complex() or indices.dtype == _dt.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shp = (int(shape),) if isinstance(shape, numbers.Integral) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shp):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(shape)}")
    if not shp:
        return ()
    if 0 in shp and indices.numel():
        raise RuntimeError("ZeroDivisionError")  # torch's own (odd) message for a zero-sized dimension
    return apply(_unravel_impl, (indices,), (("shape", shp),), "unravel_index")


_C_NAMES = {"float32": "float", "float64": "double", "float16": "at::Half", "bfloat16": "at::BFloat16",
            "int64": "int64_t", "int32": "int32_t", "bool": "bool"}


@register(method=False)
def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False) -> Tensor:
    """A 0-d tensor holding s, of the default float dtype unless dtype is given."""
    from .creation import tensor

    if isinstance(s, Tensor):
        s = s.item()
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if isinstance(s, complex) and not d.is_complex:
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES.get(d.name, d.name)} without overflow")
    return tensor(s, dtype=d, device=device, requires_grad=requires_grad)


# ------------------------------------------------------------------------------------ index_reduce


def _index_reduce_impl(x, idx, src, *, axis, reduce, include_self):
    from .indexing import _scatter_reduce_impl

    if x.ndim == 0:
        x1 = x.reshape(1)
        return _index_reduce_impl(x1, idx.reshape(-1), src.reshape(-1), axis=0, reduce=reduce,
                                  include_self=include_self).reshape(())
    shp = [1] * src.ndim
    shp[axis] = -1
    full = jnp.broadcast_to(idx.astype(jnp.int64).reshape(shp), src.shape)
    return _scatter_reduce_impl(x, full, src, axis=axis, reduce=reduce, include_self=include_self)


@register(inplace=True)
def index_reduce(input, dim, index, source, reduce, *, include_self=True) -> Tensor:
    """Reduce (prod, mean, amax, amin) the slices of source into input at index along dim."""
    warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning, stacklevel=2)
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    d = wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
                         f"{_dt_name(index.dtype)} and size: {list(index.shape)}")
    if index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError("index_reduce_(): Expected dtype int32/int64 for index but got: "
                           f"{_dt_name(index.dtype)}")
    if input.dtype != source.dtype:
        raise RuntimeError(f"index_reduce_(): self ({_dt_name(input.dtype)}) and source ({_dt_name(source.dtype)}) "
                           "must have the same scalar type")
    n_src = source.shape[d] if source.ndim else 1
    if index.numel() != n_src:
        raise RuntimeError(f"index_reduce_(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({n_src}), for dim: {d}")
    s_in, s_src = list(input.shape), list(source.shape)
    if input.ndim and (len(s_in) != len(s_src) or s_in[:d] + s_in[d + 1:] != s_src[:d] + s_src[d + 1:]):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. Got "
                           f"self.shape = {s_in} source.shape = {s_src}")
    iv = _concrete(index)
    n = input.shape[d] if input.ndim else 1
    if iv is not None and iv.size and ((iv < -n) | (iv >= n)).any():
        raise IndexError("index out of range in self")
    return apply(_index_reduce_impl, (input, index, source),
                 (("axis", d), ("reduce", reduce), ("include_self", bool(include_self))), "index_reduce")


# ------------------------------------------------------------- names torch exposes for OpInfo's ops


@register()
def softmax(input, dim, dtype=None) -> Tensor:
    """torch.softmax / Tensor.softmax: nn.functional.softmax with a required dim."""
    from ..nn._functional.activation import softmax as f_softmax

    return f_softmax(input, dim, dtype=dtype)


@register()
def log_softmax(input, dim, dtype=None) -> Tensor:
    """torch.log_softmax / Tensor.log_softmax: nn.functional.log_softmax with a required dim."""
    from ..nn._functional.activation import log_softmax as f_log_softmax

    return f_log_softmax(input, dim, dtype=dtype)


@register(method=False)
def constant_pad_nd(input, pad, value=0) -> Tensor:
    """Constant padding (negative pads crop), pad given last dimension first as in nn.functional.pad."""
    from ..nn._functional.padding import pad as f_pad

    return f_pad(input, pad, "constant", value)
