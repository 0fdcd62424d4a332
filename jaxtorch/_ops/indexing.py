"""Indexing: __getitem__/__setitem__ (basic indexing makes views), gather/scatter family, masks."""

from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as _dt
from .._tensor import Tensor
from ._checks import wrap_dim
from ._dispatch import apply, exact_scalar, host_impl
from ._promote import result_np
from ._registry import register
from .shape import make_view

# An index is encoded as a static tuple of items:
#   ("i", n) int, ("s", start, stop, step) slice, ("n",) None, ("e",) Ellipsis, ("t", k) the k-th tensor arg


def _encode(index, ndim, shape):
    if not isinstance(index, tuple):
        index = (index,)
    items, tensors = [], []
    # count dims consumed, to expand Ellipsis and bounds-check ints
    consumed = 0
    for ix in index:
        if ix is None or ix is Ellipsis:
            continue
        if isinstance(ix, Tensor) and ix.dtype == _dt.bool_ or isinstance(ix, bool):
            consumed += ix.ndim if isinstance(ix, Tensor) else 0
        else:
            consumed += 1
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    dim = 0
    advanced = False
    for ix in index:
        if ix is None:
            items.append(("n",))
        elif ix is Ellipsis:
            items.append(("e",))
            dim += ndim - consumed
        elif isinstance(ix, bool):
            # a Python bool adds a dim of size 1 (True) or 0 (False)
            advanced = True
            tensors.append(Tensor._make(jnp.asarray([ix])))
            items.append(("b0",))
            items[-1] = ("t", len(tensors) - 1, "bool0")
        elif isinstance(ix, numbers.Integral) and not isinstance(ix, Tensor):
            n = shape[dim]
            if not -n <= ix < n:
                raise IndexError(f"index {ix} is out of bounds for dimension {dim} with size {n}")
            items.append(("i", int(ix) % n))
            dim += 1
        elif isinstance(ix, slice):
            start, stop, step = ix.start, ix.stop, ix.step
            start = int(start) if start is not None else None
            stop = int(stop) if stop is not None else None
            step = int(step) if step is not None else 1
            if step <= 0:
                raise ValueError("step must be greater than zero")
            items.append(("s",) + slice(start, stop, step).indices(shape[dim]))
            dim += 1
        else:
            advanced = True
            if not isinstance(ix, Tensor):
                from .creation import tensor

                ix = tensor(ix)
                if ix.dtype not in (_dt.bool_,) and not ix.dtype.is_floating_point:
                    ix = ix.to(_dt.int64)
            if ix.dtype == _dt.bool_ or ix.dtype == _dt.uint8:
                ix = ix.to(_dt.bool_) if ix.dtype == _dt.uint8 else ix
                for k in range(ix.ndim):
                    if dim + k < ndim and ix.shape[k] != shape[dim + k]:
                        raise IndexError(f"The shape of the mask {list(ix.shape)} at index {k} does not match the "
                                         f"shape of the indexed tensor {list(shape)} at index {dim + k}")
                tensors.append(ix)
                items.append(("t", len(tensors) - 1, "mask"))
                dim += ix.ndim
            else:
                if ix.is_floating_point() or ix.is_complex():
                    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
                _check_index_bounds(ix, shape[dim], dim)
                tensors.append(ix)
                items.append(("t", len(tensors) - 1, "int"))
                dim += 1
    return tuple(items), tensors, advanced


def _check_index_bounds(ix: Tensor, n: int, dim: int):
    d = ix._value()
    if isinstance(d, jax.core.Tracer) or d.size == 0:
        return
    a = np.asarray(d)
    bad = (a >= n) | (a < -n)
    if bad.any():
        v = int(a[bad].reshape(-1)[0])
        raise IndexError(f"index {v} is out of bounds for dimension {dim} with size {n}")


def _decode(items, tensors):
    out = []
    for it in items:
        k = it[0]
        if k == "i":
            out.append(it[1])
        elif k == "s":
            out.append(slice(it[1], it[2], it[3]))
        elif k == "n":
            out.append(None)
        elif k == "e":
            out.append(Ellipsis)
        else:
            t = tensors[it[1]]
            if it[2] == "bool0":
                out.append(t[0])
            else:
                out.append(t)
    return tuple(out)


def _basic_index_impl(x, *, items):
    return x[_decode(items, ())]


@host_impl(_basic_index_impl)
def _basic_index_host(x, *, items):
    try:
        return x[_decode(items, ())]
    except IndexError:
        return NotImplemented  # jnp's clamping rules (and errors) apply


def _adv_index_impl(x, *tensors, items):
    return x[_decode(items, tensors)]


@host_impl(_adv_index_impl)
def _adv_index_host(x, *tensors, items):
    if any(t.dtype.kind not in "iu" for t in tensors):
        return NotImplemented
    try:  # NumPy's advanced-indexing rules are jnp's; out-of-range indices (jnp clamps) take the jitted path
        return x[_decode(items, tensors)]
    except IndexError:
        return NotImplemented


def _masks_to_ints(items, tensors):
    """Boolean masks have data-dependent shapes: turn them into integer indices (needs concrete values)."""
    new_items, new_tensors = [], []
    for it in items:
        if it[0] == "t" and it[2] in ("mask", "bool0"):
            m = tensors[it[1]]
            d = m._value()
            if isinstance(d, jax.core.Tracer):
                from .._errors import raise_concrete

                raise_concrete("Indexing with a boolean mask (its result shape depends on the data)")
            if it[2] == "bool0":
                new_items.append(("n",))
                if not bool(np.asarray(d)[0]):
                    new_tensors.append(Tensor._make(jnp.zeros((0,), jnp.int64)))
                    new_items[-1] = ("t", len(new_tensors) - 1, "int")
                continue
            nz = np.nonzero(np.asarray(d))
            for arr in nz:
                new_tensors.append(Tensor._make(jnp.asarray(arr.astype(np.int64))))
                new_items.append(("t", len(new_tensors) - 1, "int"))
        elif it[0] == "t":
            new_tensors.append(tensors[it[1]])
            new_items.append(("t", len(new_tensors) - 1, it[2]))
        else:
            new_items.append(it)
    return tuple(new_items), new_tensors


@register("__getitem__", function=False)
def _getitem(self, index):
    if isinstance(index, list) and not any(isinstance(i, (list, Tensor, slice)) for i in index) and index == []:
        index = Tensor._make(jnp.zeros((0,), jnp.int64))
    items, tensors, advanced = _encode(index, self.ndim, tuple(self.shape))
    if not advanced:
        return make_view(self, _basic_index_impl, (("items", items),), "select" if len(items) == 1 and
                         items[0][0] == "i" else "slice")
    if any(it[0] == "t" and it[2] in ("mask", "bool0") for it in items):
        items, tensors = _masks_to_ints(items, tensors)
    return apply(_adv_index_impl, (self, *tensors), (("items", items),), "index")



def _setitem_impl(x, v, *tensors, items):
    return x.at[_decode(items, tensors)].set(jnp.asarray(v).astype(x.dtype))


def _mask_set_impl(x, m, v):
    m = m.reshape(m.shape + (1,) * (x.ndim - m.ndim))
    return jnp.where(m, jnp.asarray(v).astype(x.dtype), x)


@register("__setitem__", function=False)
def _setitem(self, index, value):
    if not isinstance(value, (Tensor, numbers.Number)):
        from .creation import tensor

        value = tensor(value, dtype=self.dtype)
    # x[mask] = scalar / broadcastable value: a `where`, which also works under tracing
    if isinstance(index, Tensor) and index.dtype == _dt.bool_ and (
            not isinstance(value, Tensor) or value.ndim == 0):
        if tuple(index.shape) != tuple(self.shape[:index.ndim]):
            raise IndexError(f"The shape of the mask {list(index.shape)} at index 0 does not match the shape of the "
                             f"indexed tensor {list(self.shape)} at index 0")
        new = apply(_mask_set_impl, (self, index, value), (), "index_put")
        self._inplace_assign(new, "index_put")
        return
    items, tensors, advanced = _encode(index, self.ndim, tuple(self.shape))
    if any(it[0] == "t" and it[2] in ("mask", "bool0") for it in items):
        items, tensors = _masks_to_ints(items, tensors)
    if isinstance(value, Tensor):
        target = self[index] if not advanced else None
        tshape = tuple(target.shape) if target is not None else None
        if tshape is not None:
            try:
                bs = np.broadcast_shapes(tuple(value.shape), tshape)
                if bs != tshape:
                    raise ValueError
            except ValueError:
                # torch allows leading 1s in value beyond the target's rank
                vs = tuple(value.shape)
                while len(vs) > len(tshape) and vs[0] == 1:
                    vs = vs[1:]
                try:
                    if np.broadcast_shapes(vs, tshape) != tshape:
                        raise ValueError
                    value = value.reshape(vs)
                except ValueError:
                    bad = next(i for i in range(1, min(len(vs), len(tshape)) + 1)
                               if vs[-i] != 1 and vs[-i] != tshape[-i])
                    raise RuntimeError(f"The expanded size of the tensor ({tshape[-bad]}) must match the existing size "
                                       f"({vs[-bad]}) at non-singleton dimension {len(tshape) - bad}.  Target sizes: "
                                       f"{list(tshape)}.  Tensor sizes: {list(value.shape)}") from None
    new = apply(_setitem_impl, (self, value, *tensors), (("items", items),), "index_put")
    # torch writes basic indexing through a view (unless the index selects the whole tensor)
    self._inplace_assign(new, "copy_view" if not advanced and not _selects_all(items, self.shape) else "index_put")


def _selects_all(items, shape) -> bool:
    k = [i for i, it in enumerate(items) if it[0] == "e"]
    left, right = (items[:k[0]], items[k[0] + 1:]) if k else (items, ())
    dims = list(zip(left, shape)) + list(zip(right, shape[len(shape) - len(right):]))
    return all(it[0] == "s" and it[1:] == (0, n, 1) for it, n in dims)



# ---------------------------------------------------------------------------------------------


def _gather_impl(x, idx, *, axis):
    return jnp.take_along_axis(x, idx, axis=axis, mode="clip")


@register()
def gather(input, dim, index, *, sparse_grad=False, out=None):
    d = wrap_dim(dim, input.ndim)
    if index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(index.ndim):
        if k != d and index.shape[k] > input.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index.shape)} to be "
                               f"smaller than self {list(input.shape)} apart from dimension {d}")
    if input.ndim:
        _check_index_bounds(index, input.shape[d], d)
    # torch allows index smaller than input in non-gather dims: slice input to match
    if input.ndim and tuple(index.shape[k] for k in range(index.ndim) if k != d) != tuple(
            input.shape[k] for k in range(input.ndim) if k != d):
        sl = tuple(slice(0, index.shape[k]) if k != d else slice(None) for k in range(input.ndim))
        input = input[sl]
    if input.ndim == 0:
        return apply(_gather_impl, (input.reshape(1), index.reshape(1)), (("axis", 0),), "gather").reshape(
            index.shape)
    return apply(_gather_impl, (input, index), (("axis", d),), "gather")


@register()
def take_along_dim(input, indices, dim=None, *, out=None):
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    d = wrap_dim(dim, input.ndim)
    shape = list(np.broadcast_shapes(tuple(input.shape[:d]) + (1,) + tuple(input.shape[d + 1:]),
                                     tuple(indices.shape[:d]) + (1,) + tuple(indices.shape[d + 1:])))
    ishape = list(shape)
    ishape[d] = input.shape[d]
    xshape = list(shape)
    xshape[d] = indices.shape[d]
    return gather(input.expand(ishape), d, indices.expand(xshape))


def _scatter_index(idx_shape, axis, ndim):
    grids = jnp.meshgrid(*[jnp.arange(n) for n in idx_shape], indexing="ij")
    return grids


def _scatter_impl(x, idx, src, *, axis, reduce):
    grids = _scatter_index(idx.shape, axis, x.ndim)
    grids[axis] = idx
    src = jnp.broadcast_to(jnp.asarray(src).astype(x.dtype), idx.shape) if jnp.ndim(src) == 0 else \
        src[tuple(slice(0, n) for n in idx.shape)].astype(x.dtype)
    at = x.at[tuple(grids)]
    if reduce is None:
        return at.set(src)
    if reduce in ("add", "sum"):
        return at.add(src)
    if reduce in ("multiply", "prod"):
        return at.multiply(src)
    if reduce == "amax":
        return at.max(src)
    if reduce == "amin":
        return at.min(src)
    raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")


def _check_scatter(name, input, dim, index, src):
    d = wrap_dim(dim, input.ndim)
    if index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim and input.ndim > 0:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if input.ndim:
        _check_index_bounds(index, input.shape[d], d)
    return d


@register(inplace=True)
def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    if src is None:
        src = value
    d = _check_scatter("scatter", input, dim, index, src)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor) and src.dtype != input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    return apply(_scatter_impl, (input, index, src), (("axis", d), ("reduce", reduce)), "scatter")


@register(inplace=True)
def scatter_add(input, dim, index, src):
    d = _check_scatter("scatter_add", input, dim, index, src)
    return apply(_scatter_impl, (input, index, src), (("axis", d), ("reduce", "add")), "scatter_add")


def _segmented_mul(a, b):
    (fa, va), (fb, vb) = a, b
    return fa | fb, jnp.where(fb, vb, va * vb)


def _segment_prod(g, src, shape):
    """Per destination of `shape`, the product of the src elements scattered there (1 where none): a
    sort, a segmented product scan and a gather, all differentiable with repeated indices (jnp's
    scatter-multiply has no gradient unless the indices are unique)."""
    strides = np.cumprod((1,) + tuple(shape[::-1]))[-2::-1] if shape else ()
    lin = sum((jnp.broadcast_to(gi, src.shape).astype(jnp.int64) * int(st) for gi, st in zip(g, strides)),
              jnp.zeros(src.shape, jnp.int64))
    lin = jnp.reshape(lin, (-1,))
    order = jnp.argsort(lin, stable=True)
    ls, vs = lin[order], src.reshape(-1)[order]
    start = jnp.concatenate([jnp.ones((1,), bool), ls[1:] != ls[:-1]])
    _, cum = lax.associative_scan(_segmented_mul, (start, vs))
    dest = jnp.arange(int(np.prod(shape)), dtype=jnp.int64)
    last = jnp.searchsorted(ls, dest, side="right") - 1  # the end of each destination's run
    safe = jnp.clip(last, 0, ls.size - 1)
    present = (last >= 0) & (ls[safe] == dest)
    return jnp.where(present, cum[safe], jnp.ones((), src.dtype)).reshape(shape)


def _scatter_reduce_impl(x, idx, src, *, axis, reduce, include_self):
    grids = _scatter_index(idx.shape, axis, x.ndim)
    grids[axis] = idx
    g = tuple(grids)
    src = src[tuple(slice(0, n) for n in idx.shape)].astype(x.dtype)
    if reduce == "mean":
        cnt = jnp.zeros(x.shape, x.dtype).at[g].add(1)
        base = x if include_self else jnp.zeros_like(x)
        s = base.at[g].add(src)
        n = cnt + (1 if include_self else 0)
        r = s / jnp.maximum(n, 1) if jnp.issubdtype(x.dtype, jnp.inexact) else s // jnp.maximum(n, 1)
        return jnp.where(cnt > 0, r, x)
    ident = {"sum": 0, "prod": 1}
    if reduce in ident:
        base = x if include_self else jnp.where(jnp.zeros(x.shape, bool).at[g].set(True), ident[reduce], x)
        if reduce == "sum":
            return base.at[g].add(src)
        if jnp.issubdtype(x.dtype, jnp.inexact) and src.size:
            return base * _segment_prod(g, src, x.shape)
        return base.at[g].multiply(src)
    touched = jnp.zeros(x.shape, bool).at[g].set(True)
    if reduce == "amax":
        lo = jnp.finfo(x.dtype).min if jnp.issubdtype(x.dtype, jnp.floating) else jnp.iinfo(x.dtype).min
        base = x if include_self else jnp.where(touched, lo, x)
        return base.at[g].max(src)
    hi = jnp.finfo(x.dtype).max if jnp.issubdtype(x.dtype, jnp.floating) else jnp.iinfo(x.dtype).max
    base = x if include_self else jnp.where(touched, hi, x)
    return base.at[g].min(src)


@register(inplace=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if input.ndim == 0:  # a 0-d tensor is scattered as a 1-element vector
        return scatter_reduce(input.reshape(1), 0, index.reshape(1), src.reshape(1), reduce,
                              include_self=include_self).reshape(())
    d = _check_scatter("scatter_reduce", input, dim, index, src)
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    return apply(_scatter_reduce_impl, (input, index, src),
                 (("axis", d), ("reduce", reduce), ("include_self", bool(include_self))), "scatter_reduce")


def _index_select_impl(x, idx, *, axis):
    return jnp.take(x, idx, axis=axis)


@register()
def index_select(input, dim, index, *, out=None):
    d = wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.is_floating_point():
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    n = input.shape[d] if input.ndim else 1
    _check_index_bounds(index, n, d)
    if input.ndim == 0:
        return apply(_index_select_impl, (input.reshape(1), index.reshape(-1)), (("axis", 0),), "index_select"
                     ).reshape(())  # torch keeps a 0-d input 0-d
    return apply(_index_select_impl, (input, index.reshape(-1)), (("axis", d),), "index_select")


def _along(x, idx, src, axis):
    """(x, index tuple, src) for an index_* update; a 0-d x is handled as shape (1,), as torch does."""
    if x.ndim == 0:
        return x.reshape(1), (idx.reshape(-1),), (None if src is None else jnp.reshape(src, (-1,)))
    return x, (slice(None),) * axis + (idx,), src


def _index_add_impl(x, idx, src, alpha, *, axis):
    y, ix, src = _along(x, idx, src, axis)
    return y.at[ix].add((alpha * src).astype(x.dtype)).reshape(x.shape)


@register(inplace=True)
def index_add(input, dim, index, source, *, alpha=1):
    d = wrap_dim(dim, input.ndim)
    _check_index_bounds(index, input.shape[d] if input.ndim else 1, d)
    return apply(_index_add_impl, (input, index, source, alpha), (("axis", d),), "index_add")


def _index_copy_impl(x, idx, src, *, axis):
    y, ix, src = _along(x, idx, src, axis)
    return y.at[ix].set(src.astype(x.dtype)).reshape(x.shape)


@register(inplace=True)
def index_copy(input, dim, index, source):
    d = wrap_dim(dim, input.ndim)
    _check_index_bounds(index, input.shape[d] if input.ndim else 1, d)
    return apply(_index_copy_impl, (input, index, source), (("axis", d),), "index_copy")


def _index_fill_impl(x, idx, v, *, axis):
    y, ix, _ = _along(x, idx, None, axis)
    return y.at[ix].set(jnp.asarray(v).astype(x.dtype)).reshape(x.shape)


@register(inplace=True)
def index_fill(input, dim, index, value):
    d = wrap_dim(dim, input.ndim)
    _check_index_bounds(index, input.shape[d] if input.ndim else 1, d)
    return apply(_index_fill_impl, (input, index, value), (("axis", d),), "index_fill")


def _index_put_impl(x, v, *idx, accumulate):
    if accumulate:
        return x.at[idx].add(jnp.asarray(v).astype(x.dtype))
    return x.at[idx].set(jnp.asarray(v).astype(x.dtype))


@register(inplace=True, torch_inplace=True)
def index_put(input, indices, values, accumulate=False):
    idx = []
    for t in indices:
        if t is not None and t.dtype == _dt.bool_:
            idx.extend(nonzero(t, as_tuple=True))
        else:
            idx.append(t)
    return apply(_index_put_impl, (input, values, *idx), (("accumulate", bool(accumulate)),), "index_put")


def _masked_fill_impl(x, m, v):
    return jnp.where(m, jnp.asarray(v).astype(x.dtype), x)


@host_impl(_masked_fill_impl)
def _masked_fill_host(x, m, v):
    e = exact_scalar(v, x.dtype)
    if e is None or m.dtype != np.bool_:
        return NotImplemented
    return np.where(m, e, x)


@register(inplace=True)
def masked_fill(input, mask, value):
    if mask.dtype != _dt.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    try:
        return apply(_masked_fill_impl, (input, mask, value), (), "masked_fill")
    except (TypeError, ValueError) as e:
        from ._checks import broadcast_error

        broadcast_error(input, mask, e)
        raise


def _masked_scatter_impl(x, m, src, *, n):
    m = jnp.broadcast_to(m, x.shape)
    pos = jnp.cumsum(m.reshape(-1)) - 1
    vals = src.reshape(-1)[jnp.clip(pos, 0, None)]
    return jnp.where(m.reshape(-1), vals.astype(x.dtype), x.reshape(-1)).reshape(x.shape)


@register(inplace=True)
def masked_scatter(input, mask, source):
    return apply(_masked_scatter_impl, (input, mask, source), (("n", 0),), "masked_scatter")


@register()
def masked_select(input, mask, *, out=None):
    if mask.dtype != _dt.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    x = input.expand(shape) if tuple(input.shape) != shape else input
    m = mask.expand(shape) if tuple(mask.shape) != shape else mask
    return x[m]


def _nonzero_impl(x, *, size):
    return jnp.stack(jnp.nonzero(x, size=size), axis=-1).astype(jnp.int64)


@register()
def nonzero(input, *, out=None, as_tuple=False):
    d = input._value()
    if isinstance(d, jax.core.Tracer):
        from .._errors import raise_concrete

        raise_concrete("torch.nonzero (its result shape depends on the data)")
    n = int(np.count_nonzero(np.asarray(d)))
    if input.ndim == 0:
        r = Tensor._make(jnp.zeros((n, 0), jnp.int64))
    else:
        r = apply(_nonzero_impl, (input,), (("size", n),), "nonzero")
    if as_tuple:
        if input.ndim == 0:
            return (Tensor._make(jnp.zeros((n,), jnp.int64)),)
        return tuple(r[:, i] for i in range(input.ndim))
    return r


@register()
def argwhere(input):
    return nonzero(input)


def _take_impl(x, idx):
    return jnp.take(x.reshape(-1), idx)


@register()
def take(input, index):
    _check_index_bounds(index, input.numel(), 0)
    return apply(_take_impl, (input, index), (), "take")


def _put_impl(x, idx, src, *, accumulate):
    flat = x.reshape(-1)
    flat = flat.at[idx.reshape(-1)].add(src.reshape(-1).astype(x.dtype)) if accumulate else \
        flat.at[idx.reshape(-1)].set(src.reshape(-1).astype(x.dtype))
    return flat.reshape(x.shape)


@register(inplace=True)
def put(input, index, source, accumulate=False):
    return apply(_put_impl, (input, index, source), (("accumulate", bool(accumulate)),), "put")


def _searchsorted_impl(seq, v, *, right):
    side = "right" if right else "left"
    if seq.ndim == 1:
        return jnp.searchsorted(seq, v, side=side).astype(jnp.int64)
    f = jnp.vectorize(lambda s, x: jnp.searchsorted(s, x, side=side), signature="(n),(m)->(m)")
    return f(seq, v).astype(jnp.int64)


@register(method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    if isinstance(input, numbers.Number):
        from .creation import tensor

        input = tensor(input)
    right = right or side == "right"
    r = apply(_searchsorted_impl, (sorted_sequence, input), (("right", bool(right)),), "searchsorted")
    return r.to(_dt.int32) if out_int32 else r


@register(method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False):
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


_ = result_np


# ---------------------------------------------------------------------------------------------
# nonzero_static: nonzero with a static row count, so it traces under jax.jit / torch.compile


def _nonzero_static_impl(x, *, size, fill_value):
    if x.ndim == 0:  # torch: a 0-d input gives (size, 0) whatever its value
        return jnp.zeros((size, 0), jnp.int64)
    idx = jnp.nonzero(x, size=size, fill_value=fill_value)
    return jnp.stack(idx, axis=-1).astype(jnp.int64)


@register()
def nonzero_static(input, *, size, fill_value=-1):
    for arg, v in (("size", size), ("fill_value", fill_value)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"nonzero_static(): argument '{arg}' must be int, not {type(v).__name__}")
    if size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    return apply(_nonzero_static_impl, (input,), (("size", int(size)), ("fill_value", int(fill_value))),
                 "nonzero_static")


# ---------------------------------------------------------------------------------------------
# fill_diagonal_


def _fill_diagonal_impl(x, value, *, positions):
    flat = x.reshape(-1).at[np.asarray(positions, dtype=np.int64)].set(jnp.asarray(value).astype(x.dtype))
    return flat.reshape(x.shape)


@register(function=False)
def fill_diagonal_(self, fill_value, wrap=False) -> Tensor:
    """Fill the main diagonal (of a 2-D tensor, or of an n-D one with equal dims); `wrap` restarts the
    diagonal every ncols+1 rows of a tall matrix, as torch does."""
    shape = tuple(self.shape)
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and any(s != shape[0] for s in shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    n = min(shape)
    numel = int(np.prod(shape))
    step = sum(int(np.prod(shape[i + 1:])) for i in range(len(shape)))
    if len(shape) == 2 and wrap and shape[0] > shape[1] + 1:
        positions = tuple(range(0, numel, step))
    else:
        positions = tuple(k * step for k in range(n))
    new = apply(_fill_diagonal_impl, (self, fill_value), (("positions", positions),), "fill_diagonal")
    return self._inplace_assign(new, "fill_diagonal_")
