"""Shape ops. Views (view, reshape-when-viewable, transpose, permute, squeeze, unsqueeze, expand,
narrow, select, diagonal, split, unbind, unfold, movedim) remember their base so in-place writes reach it."""

from __future__ import annotations

import builtins
import math

import jax.numpy as jnp
import numpy as np
from jax import lax

from .._tensor import Size, Tensor, apply_chain, dtype_view_impl, is_byte_chain
from ._checks import wrap_dim, wrap_dims
from ._dispatch import apply, host_impl
from ._promote import result_np
from ._registry import register


def make_view(src: Tensor, fn, static: tuple, name: str) -> Tensor:
    return apply(fn, (src,), static, name)._as_view_of(src, fn, static)


def _sizes(args) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = args[0]
    return tuple(int(a) for a in args)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[: neg[0]] + (numel // known,) + shape[neg[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _np_dtype_view(a: np.ndarray, dst: np.dtype) -> np.ndarray:
    """numpy's twin of dtype_view_impl (for host payloads)."""
    a = np.ascontiguousarray(a)
    b = a.reshape(a.shape if a.ndim else (1,))
    out = (b.view(np.uint8) != 0).reshape(b.shape[:-1] + (-1,)) if dst == np.bool_ else b.view(dst)
    return out.reshape(()) if a.ndim == 0 else out


def _reshape_impl(x, *, shape):
    return jnp.reshape(x, shape)


@host_impl(_reshape_impl)
def _reshape_host(x, *, shape):
    return np.reshape(x, shape)


def _view_strides(old_shape, old_strides, new_shape):
    """torch's computeStride: strides for viewing (old_shape, old_strides) as new_shape, or None."""
    if math.prod(old_shape) == 0:
        return True
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1] if old_strides else 1
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and
                             old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return new_strides


def _viewable(x: Tensor, shape) -> bool:
    if x.is_contiguous():
        return True
    st, _ = x._strides_offset()
    return _view_strides(tuple(x.shape), st, shape) is not None


_VIEW_SIGNATURES = "but expected one of:\n * (torch.dtype dtype)\n * (tuple of ints size)\n"
# Python types name torch dtypes in view(): the parser maps float to double, as for other dtype arguments
_PY_DTYPES = {builtins.float: "float64", builtins.int: "int64", builtins.bool: "bool", builtins.complex: "complex128"}


@register(function=False)
def view(self, *shape, **kwargs):
    from .. import _dtype as _dt

    if kwargs:
        if shape or len(kwargs) != 1 or next(iter(kwargs)) not in ("dtype", "size"):
            got = ", ".join([type(a).__name__ for a in shape] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
            raise TypeError(f"view() received an invalid combination of arguments - got ({got}), {_VIEW_SIGNATURES}")
        if "dtype" in kwargs:
            return _view_dtype(self, kwargs["dtype"])
        shape = (kwargs["size"],)
    if len(shape) == 1 and (isinstance(shape[0], _dt.dtype) or isinstance(shape[0], type) and shape[0] in _PY_DTYPES):
        return _view_dtype(self, shape[0])
    if not shape or any(isinstance(a, (str, _dt.dtype, type)) for a in shape):
        got = ", ".join(type(a).__name__ for a in shape)
        raise TypeError(f"view() received an invalid combination of arguments - got ({got}), {_VIEW_SIGNATURES}")
    shape = _infer_shape(_sizes(shape), self.numel())
    if not _viewable(self, shape):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                           "spans across two contiguous subspaces). Use .reshape(...) instead.")
    return make_view(self, _reshape_impl, (("shape", shape),), "view")


def _view_dtype(self, dtype):
    """Tensor.view(dtype): the same bytes read as another dtype; with a different element size the last
    dimension scales by the size ratio. A view as in torch: writes through it reach the base, and the
    base's later writes show through it (at the byte level: see `dtype_view_impl` in _tensor.py). As in
    torch the result is not differentiable: it never requires grad."""
    from .. import _dtype as _dt
    from ..autograd.grad_mode import no_grad

    d = _dt.to_dtype(_PY_DTYPES[dtype] if isinstance(dtype, type) and dtype in _PY_DTYPES else dtype)
    src_size, dst_size = self.element_size(), d.itemsize
    if src_size != dst_size:
        what = f"to view {_dt.SCALAR_NAMES[self.dtype.name]} as {_dt.SCALAR_NAMES[d.name]} (different element sizes)"
        if self.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        strides, offset = self._strides_offset()
        if dst_size > src_size:
            ratio = dst_size // src_size
            if self.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {self.shape[-1]}")
            if offset % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, but got {offset}")
        if strides[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {strides[-1]}")
        if dst_size > src_size:
            for i, st in enumerate(strides[:-1]):
                if st % ratio:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} {what}, but got {st}")
    chain = self._view_chain if self._base is not None else ()
    merge = bool(chain) and chain[-1][0] is dtype_view_impl
    if not merge and isinstance(self._value(), np.ndarray):
        # a host tensor (e.g. bytes read from a file) stays on the host: numpy reinterprets it in place
        out = Tensor._make(_np_dtype_view(self._data, d.np))._as_view_of(self, dtype_view_impl,
                                                                         (("src", self.dtype.np), ("dst", d.np)))
    elif merge:
        # a dtype view of a dtype view reads the base's bytes directly (u8 -> bool -> u8 keeps every byte)
        root = self._base
        chain = chain[:-1] + ((dtype_view_impl, (("src", dict(chain[-1][1])["src"]), ("dst", d.np))),)
        with no_grad():
            out = apply(apply_chain, (root,), (("chain", chain),), "view")
        out._base, out._view_chain, out._version_box = root, chain, root._box()
        out._derived_version = root._version_box[0]
        out._vc, out._storage_span = self._vc, self._storage_span
    else:
        static = (("src", self.dtype.np), ("dst", d.np))
        with no_grad():
            out = apply(dtype_view_impl, (self,), static, "view")._as_view_of(self, dtype_view_impl, static)
    out._detached_view = True  # autograd does not see through a reinterpretation of bytes
    return out


@register(out=False)
def reshape(input, *shape):
    shape = _infer_shape(_sizes(shape), input.numel())
    if _viewable(input, shape):
        return make_view(input, _reshape_impl, (("shape", shape),), "reshape")
    return apply(_reshape_impl, (input,), (("shape", shape),), "reshape")


@register(function=False)
def view_as(self, other):
    return view(self, tuple(other.shape))


@register(function=False)
def reshape_as(self, other):
    return reshape(self, tuple(other.shape))


@register(out=False)
def flatten(input, start_dim=0, end_dim=-1):
    nd = input.ndim
    if nd == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shp = tuple(input.shape)
    return reshape(input, shp[:s] + (math.prod(shp[s:e + 1]),) + shp[e + 1:])


@register(out=False)
def unflatten(input, dim, sizes):
    d = wrap_dim(dim, input.ndim)
    shp = tuple(input.shape)
    sizes = tuple(int(s) for s in sizes)
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        sizes = tuple(shp[d] // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != shp[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({shp[d]}) in the input tensor")
    return view(input, shp[:d] + sizes + shp[d + 1:]) if _viewable(input, shp[:d] + sizes + shp[d + 1:]) \
        else reshape(input, shp[:d] + sizes + shp[d + 1:])


@register(out=False)
def ravel(input):
    return reshape(input, (-1,))


def _transpose_impl(x, *, perm):
    return jnp.transpose(x, perm)


@host_impl(_transpose_impl)
def _transpose_host(x, *, perm):
    return np.transpose(x, perm)


def _transpose_inplace(self, dim0, dim1):
    r = transpose(self, dim0, dim1)
    self._data = r._data
    self._grad_fn, self._out_idx = r._grad_fn, r._out_idx
    return self


def _t_inplace(self):
    return _transpose_inplace(self, 0, 1) if self.ndim == 2 else self


# views: torch's functions take no out= (a result written elsewhere would not be a view)
@register(aliases=("swapaxes", "swapdims"), inplace=_transpose_inplace, out=False)
def transpose(input, dim0, dim1):
    nd = input.ndim
    if nd == 0:
        wrap_dim(dim0, 0), wrap_dim(dim1, 0)
        return make_view(input, _transpose_impl, (("perm", ()),), "transpose")
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    perm = list(range(nd))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return make_view(input, _transpose_impl, (("perm", tuple(perm)),), "transpose")


@register(inplace=_t_inplace, out=False)
def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    if input.ndim < 2:
        return make_view(input, _transpose_impl, (("perm", tuple(range(input.ndim))),), "t")
    return transpose(input, 0, 1)


@register("T", function=False, as_property=True)
def _T(self):
    return permute(self, tuple(range(self.ndim))[::-1])


@register("mT", function=False, as_property=True)
def _mT(self):
    return transpose(self, -2, -1)


@register("H", function=False, as_property=True)
def _H(self):
    return transpose(self, 0, 1).conj() if self.ndim == 2 else self.conj()


@register("mH", function=False, as_property=True)
def _mH(self):
    return transpose(self, -2, -1).conj()


@register(out=False)
def adjoint(input):
    return transpose(input, -2, -1).conj()


@register(out=False)
def permute(input, *dims):
    dims = _sizes(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to "
                           f"len(dims) = {len(dims)}")
    perm = wrap_dims(dims, input.ndim)
    return make_view(input, _transpose_impl, (("perm", perm),), "permute")


@register(aliases=("moveaxis",), out=False)
def movedim(input, source, destination):
    nd = input.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
                           f"the same number of dims as destination ({list(dst)} dims)")
    src, dst = wrap_dims(src, nd), wrap_dims(dst, nd)
    order = [d for d in range(nd) if d not in src]
    perm = [None] * nd
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(order)
    perm = tuple(p if p is not None else next(it) for p in perm)
    return make_view(input, _transpose_impl, (("perm", perm),), "movedim")


def _squeeze_impl(x, *, dims):
    return jnp.squeeze(x, dims) if dims else x


@host_impl(_squeeze_impl)
def _squeeze_host(x, *, dims):
    return np.squeeze(x, dims) if dims else x


def _reshape_inplace(self, name, r):
    if self._base is not None:
        raise RuntimeError(f"jaxtorch: {name}_ on a view is not supported; use {name}()")
    self._data = r._data
    if r._grad_fn is not None:
        self._grad_fn, self._out_idx = r._grad_fn, r._out_idx
    return self


def _squeeze_inplace(self, *args):
    return _reshape_inplace(self, "squeeze", squeeze(self, *args))


def _unsqueeze_inplace(self, *args):
    return _reshape_inplace(self, "unsqueeze", unsqueeze(self, *args))


@register(inplace=_squeeze_inplace, out=False)
def squeeze(input, dim=None):
    shp = tuple(input.shape)
    if dim is None:
        dims = tuple(i for i, s in enumerate(shp) if s == 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(d for d in wrap_dims(dims, len(shp)) if len(shp) and shp[d] == 1)
    return make_view(input, _squeeze_impl, (("dims", dims),), "squeeze")


def _unsqueeze_impl(x, *, dim):
    return jnp.expand_dims(x, dim)


@host_impl(_unsqueeze_impl)
def _unsqueeze_host(x, *, dim):
    return np.expand_dims(x, dim)


@register(inplace=_unsqueeze_inplace, out=False)
def unsqueeze(input, dim):
    d = wrap_dim(dim, input.ndim + 1)
    return make_view(input, _unsqueeze_impl, (("dim", d),), "unsqueeze")



def _expand_impl(x, *, shape):
    return jnp.broadcast_to(x, shape)


@host_impl(_expand_impl)
def _expand_host(x, *, shape):
    return np.broadcast_to(x, shape)


@register(function=False)
def expand(self, *sizes):
    sizes = _sizes(sizes)
    shp = tuple(self.shape)
    if len(sizes) < len(shp):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(shp)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({len(shp)})")
    pad = len(sizes) - len(shp)
    out = []
    for i, s in enumerate(sizes):
        if i < pad:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            out.append(s)
            continue
        cur = shp[i - pad]
        if s == -1:
            out.append(cur)
        elif cur == 1 or cur == s:
            out.append(s)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(shp)}")
    out = tuple(out)
    if out == shp:
        return make_view(self, _reshape_impl, (("shape", out),), "expand")
    return make_view(self, _expand_impl, (("shape", out),), "expand")


@register(function=False)
def expand_as(self, other):
    return expand(self, tuple(other.shape))


@register(out=False)
def broadcast_to(input, size):
    return expand(input, tuple(size))


@register()
def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


@register(method=False)
def broadcast_shapes(*shapes):
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape.") from None


def _slice_impl(x, *, dim, start, stop, step):
    return lax.slice_in_dim(x, start, stop, step, axis=dim)


@host_impl(_slice_impl)
def _slice_host(x, *, dim, start, stop, step):
    n = x.shape[dim]  # lax.slice_in_dim's reading: None is an end, a negative index counts from the end once
    lo = 0 if start is None else start + n if start < 0 else start
    hi = n if stop is None else stop + n if stop < 0 else stop
    if not (0 <= lo <= hi <= n and step >= 1):
        return NotImplemented  # lax's errors apply
    return x[(slice(None),) * dim + (slice(lo, hi, step),)]


def slice_view(input, dim, start, stop, step=1):
    return make_view(input, _slice_impl, (("dim", dim), ("start", start), ("stop", stop), ("step", step)), "slice")


@register(out=False)
def narrow(input, dim, start, length):
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(start, Tensor):
        start = int(start.item())
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return slice_view(input, d, start, start + length)


def _select_impl(x, *, dim, index):
    return lax.index_in_dim(x, index, axis=dim, keepdims=False)


@register(out=False)
def select(input, dim, index):
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    return make_view(input, _select_impl, (("dim", d), ("index", index % n)), "select")


@register(out=False)
def unbind(input, dim=0):
    d = wrap_dim(dim, input.ndim)
    return tuple(select(input, d, i) for i in range(input.shape[d]))


@register(out=False)
def split(tensor, split_size_or_sections, dim=0):
    d = wrap_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and not (s == 0 and n == 0):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = [int(x) for x in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(slice_view(tensor, d, start, start + s))
        start += s
    return tuple(out)


@register(out=False)
def split_with_sizes(input, split_sizes, dim=0):
    return split(input, list(split_sizes), dim)


@register(out=False)
def tensor_split(input, indices_or_sections, dim=0):
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        bounds = [0]
        for i in range(k):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        a2, b2 = builtins.min(builtins.max(a, 0), n), builtins.min(builtins.max(b, 0), n)
        out.append(slice_view(input, d, a2, builtins.max(a2, b2)))
    return tuple(out)


@register(out=False)
def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    size = -(-n // chunks) if n else 0
    return split(input, size if size else 1, d) if n else split(input, 0, d)


def _diagonal_impl(x, *, offset, d1, d2):
    return jnp.diagonal(x, offset, d1, d2)


@register(out=False)
def diagonal(input, offset=0, dim1=0, dim2=1):
    d1, d2 = wrap_dim(dim1, input.ndim), wrap_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return make_view(input, _diagonal_impl, (("offset", int(offset)), ("d1", d1), ("d2", d2)), "diagonal")


def _unfold_impl(x, *, dim, size, step):
    n = x.shape[dim]
    count = (n - size) // step + 1
    idx = (np.arange(count)[:, None] * step + np.arange(size)[None, :])
    y = jnp.take(x, idx.reshape(-1), axis=dim)
    y = y.reshape(x.shape[:dim] + (count, size) + x.shape[dim + 1:])
    return jnp.moveaxis(y, dim + 1, -1)


@register(function=False)
def unfold(self, dimension, size, step):
    d = wrap_dim(dimension, self.ndim) if self.ndim else 0
    n = self.shape[d] if self.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if self.ndim == 0:
        return unsqueeze(self, 0)
    return make_view(self, _unfold_impl, (("dim", d), ("size", int(size)), ("step", int(step))), "unfold")


def _as_strided_impl(x, *, size, stride, offset):
    idx = np.full(size, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shp = [1] * len(size)
        shp[d] = n
        idx = idx + (np.arange(n) * s).reshape(shp)
    return jnp.take(x.reshape(-1), idx)


@register(out=False)
def as_strided(input, size, stride, storage_offset=None):
    root = input._base if input._base is not None else input
    off = input.storage_offset() if storage_offset is None else int(storage_offset)
    static = (("size", tuple(size)), ("stride", tuple(stride)), ("offset", off))
    if input._base is not None and (input._storage_span is not None or is_byte_chain(input._view_chain)):
        # strides count elements of input's dtype in its storage, which the root's elements are not: stride
        # over the storage read as input's dtype (such views are never differentiable)
        from ..storage import UntypedStorage, _alias
        from .view_variants import _strided_view

        flat = _alias(UntypedStorage._of_tensor(input), input.dtype)
        r = _strided_view(flat, size, stride, off)
        r._vc = input._vc
        return r
    r = apply(_as_strided_impl, (root,), static, "as_strided")
    return r._as_view_of(root, _as_strided_impl, static)


@register(inplace=False)
def contiguous(self, memory_format=None):
    if self.is_contiguous():
        return self
    return self.clone()


# ---------------------------------------------------------------------------------------------
# non-view shape ops


def _cat_impl(*xs, dim, dtype):
    return jnp.concatenate([x.astype(dtype) for x in xs], axis=dim)


@host_impl(_cat_impl)
def _cat_host(*xs, dim, dtype):
    if any(x.dtype != dtype for x in xs):
        return NotImplemented  # conversions stay XLA's
    return np.concatenate(xs, axis=dim)


@register(aliases=("concat", "concatenate"))
def cat(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    # torch skips legacy 1-D empty tensors in cat
    nonempty = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = nonempty[0]
    d = wrap_dim(dim, ref.ndim)
    for i, t in enumerate(nonempty):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the list.")
    dt = result_np(*nonempty) if len(nonempty) > 1 else ref._data.dtype
    if len(nonempty) > 1:
        from .. import _dtype as _dt

        r = None
        for t in nonempty:
            r = t.dtype if r is None else _dt.promote_types(r, t.dtype)
        dt = r.np
    return apply(_cat_impl, tuple(nonempty), (("dim", d), ("dtype", dt)), "cat")


def _stack_impl(*xs, dim, dtype):
    return jnp.stack([x.astype(dtype) for x in xs], axis=dim)


@host_impl(_stack_impl)
def _stack_host(*xs, dim, dtype):
    if any(x.dtype != dtype for x in xs):
        return NotImplemented  # conversions stay XLA's
    return np.stack(xs, axis=dim)


@register()
def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t.shape != ref.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref.shape)} at entry 0 "
                               f"and {list(t.shape)} at entry {i}")
    from .. import _dtype as _dt

    r = None
    for t in tensors:
        r = t.dtype if r is None else _dt.promote_types(r, t.dtype)
    d = wrap_dim(dim, ref.ndim + 1)
    return apply(_stack_impl, tuple(tensors), (("dim", d), ("dtype", r.np)), "stack")


@register()
def hstack(tensors):
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


@register()
def vstack(tensors):
    return cat([atleast_2d(t) for t in tensors], 0)


@register()
def dstack(tensors):
    return cat([atleast_3d(t) for t in tensors], 2)


@register()
def column_stack(tensors):
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors])


row_stack = vstack
register("row_stack", method=False, out=False)(vstack)


@register()
def atleast_1d(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        t = tensors[0]
        return reshape(t, (1,)) if t.ndim == 0 else t
    ts = tensors[0] if len(tensors) == 1 else tensors
    return tuple(atleast_1d(t) for t in ts)


@register()
def atleast_2d(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        t = tensors[0]
        return reshape(t, (1,) * (2 - t.ndim) + tuple(t.shape)) if t.ndim < 2 else t
    ts = tensors[0] if len(tensors) == 1 else tensors
    return tuple(atleast_2d(t) for t in ts)


@register()
def atleast_3d(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        t = tensors[0]
        if t.ndim == 0:
            return reshape(t, (1, 1, 1))
        if t.ndim == 1:
            return reshape(t, (1, t.shape[0], 1))
        if t.ndim == 2:
            return unsqueeze(t, -1)
        return t
    ts = tensors[0] if len(tensors) == 1 else tensors
    return tuple(atleast_3d(t) for t in ts)


def _tile_impl(x, *, reps):
    return jnp.tile(x, reps)


@register(function=False)
def repeat(self, *sizes):
    sizes = _sizes(sizes)
    if len(sizes) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    return apply(_tile_impl, (self,), (("reps", sizes),), "repeat")


@register()
def tile(input, dims):
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return apply(_tile_impl, (input,), (("reps", dims),), "tile")


def _repeat_interleave_impl(x, *, repeats, dim, total):
    return jnp.repeat(x, repeats, axis=dim, total_repeat_length=total)


def _repeat_interleave_t_impl(x, r, *, dim, total):
    return jnp.repeat(x, r, axis=dim, total_repeat_length=total)


@register()
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:  # torch.repeat_interleave(repeats_tensor)
        r = input
        return repeat_interleave(_arange_like(r), r, 0)
    if dim is None:
        input = reshape(input, (-1,))
        dim = 0
    d = wrap_dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        total = int(repeats.sum().item()) if output_size is None else output_size
        return apply(_repeat_interleave_t_impl, (input, repeats), (("dim", d), ("total", total)), "repeat_interleave")
    r = int(repeats.item()) if isinstance(repeats, Tensor) else int(repeats)
    return apply(_repeat_interleave_impl, (input,), (("repeats", r), ("dim", d), ("total", r * input.shape[d])),
                 "repeat_interleave")


def _arange_like(r):
    from .creation import arange

    return arange(r.shape[0])


def _flip_impl(x, *, dims):
    return jnp.flip(x, dims)


@register()
def flip(input, dims):
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return apply(_flip_impl, (input,), (("dims", wrap_dims(dims, input.ndim) if input.ndim else ()),), "flip")


@register()
def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


@register()
def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def _roll_impl(x, *, shifts, dims):
    if dims is None:
        return jnp.roll(x.reshape(-1), shifts).reshape(x.shape)
    return jnp.roll(x, shifts, dims)


@register()
def roll(input, shifts, dims=None):
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError("roll: shifts and dims must be same length")
        return apply(_roll_impl, (input,), (("shifts", shifts[0]), ("dims", None)), "roll")
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return apply(_roll_impl, (input,), (("shifts", shifts), ("dims", tuple(wrap_dim(d, input.ndim) for d in dims))),
                 "roll")


def _rot90_impl(x, *, k, dims):
    return jnp.rot90(x, k, dims)


@register()
def rot90(input, k=1, dims=(0, 1)):
    return apply(_rot90_impl, (input,), (("k", int(k)), ("dims", tuple(wrap_dim(d, input.ndim) for d in dims))),
                 "rot90")


def _tril_impl(x, *, k):
    return jnp.tril(x, k)


def _triu_impl(x, *, k):
    return jnp.triu(x, k)


@register(inplace=True)
def tril(input, diagonal=0, *, out=None):
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return apply(_tril_impl, (input,), (("k", int(diagonal)),), "tril")


@register(inplace=True)
def triu(input, diagonal=0, *, out=None):
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return apply(_triu_impl, (input,), (("k", int(diagonal)),), "triu")


def _diag_impl(x, *, k):
    return jnp.diag(x, k)


@register()
def diag(input, diagonal=0):
    if input.ndim not in (1, 2):
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")
    return apply(_diag_impl, (input,), (("k", int(diagonal)),), "diag")


def _diag_embed_impl(x, *, offset, d1, d2):
    n = x.shape[-1] + builtins.abs(offset)
    eye = jnp.eye(n, k=offset, dtype=x.dtype)
    rows = jnp.arange(x.shape[-1]) + builtins.max(-offset, 0)
    out = jnp.zeros(x.shape[:-1] + (n, n), x.dtype)
    out = out.at[..., rows, rows + offset].set(x)
    del eye
    return jnp.moveaxis(out, (-2, -1), (d1, d2))


@register()
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    nd = input.ndim + 1
    return apply(_diag_embed_impl, (input,), (("offset", int(offset)), ("d1", wrap_dim(dim1, nd)),
                                              ("d2", wrap_dim(dim2, nd))), "diag_embed")


@register()
def diagflat(input, offset=0):
    return diag(reshape(input, (-1,)), offset)


@register()
def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = indexing or "ij"
    n = len(tensors)
    shape = tuple(t.numel() for t in tensors)
    if indexing == "xy" and n >= 2:
        shape = (shape[1], shape[0]) + shape[2:]
    out = []
    for i, t in enumerate(tensors):
        s = [1] * n
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        s[pos] = t.numel()
        out.append(expand(reshape(t, tuple(s)), shape))
    return tuple(out)


def _kron_impl(a, b, *, dtype):
    return jnp.kron(a.astype(dtype), b.astype(dtype))


@register()
def kron(input, other):
    return apply(_kron_impl, (input, other), (("dtype", result_np(input, other)),), "kron")
