"""Views that change the element type (view_as_real, view_as_complex), and the functional variants torch gives
its views: `<view>_copy` (the view's values as a fresh tensor) and `<view>_scatter` (a copy of the input with a
tensor written where the view would be)."""

from __future__ import annotations

import builtins
import inspect

import jax
import jax.numpy as jnp
from jax import lax

from .. import _dtype as _dt
from .._tensor import Tensor, scatter_chain
from ..autograd import grad_mode as _gm
from . import shape as _shape
from ._checks import wrap_dim
from ._dispatch import apply
from ._registry import _dt_name, _with_out, register


# ------------------------------------------------------------------------ view_as_real / view_as_complex
# Both are views of the other dtype's elements. jaxtorch's view machinery maps every view element to one
# base element (it runs the view's function on an integer iota of the base), which a complex<->real pair
# cannot satisfy (one complex element is two real ones). So these are views for reading -- a later write
# to the base shows through them, and strides/contiguity are torch's (derived from a concrete index map in
# real-element units) -- but a write THROUGH them (or through a view of them) raises instead of silently
# diverging: the write-back traces the view function on an integer index array, which we refuse.

_WRITE_THROUGH = ("jaxtorch: in-place writes through the result of {} (or a view of it) are not supported, "
                  "because jaxtorch cannot alias complex and real elements; write to the base tensor, or clone() "
                  "the view first")


def _index_map_only(x, name):
    if isinstance(x, jax.core.Tracer):  # the write-back path (scatter_chain) under jit: refuse
        raise RuntimeError(_WRITE_THROUGH.format(name))


def _view_as_real_impl(x):
    if jnp.iscomplexobj(x):
        return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)
    _index_map_only(x, "view_as_real")
    # the storage offsets of the view, counted in real elements: 2k and 2k+1
    return jnp.stack([2 * x, 2 * x + 1], axis=-1)


def _view_as_complex_impl(x):
    if jnp.issubdtype(x.dtype, jnp.floating):
        return lax.complex(x[..., 0], x[..., 1])
    _index_map_only(x, "view_as_complex")
    return x[..., 0] // 2  # storage offsets in complex elements


@register(method=False)
def view_as_real(input) -> Tensor:
    """The complex input as a real tensor with a trailing dimension of 2 (real, imaginary)."""
    if not input.is_complex():
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return _shape.make_view(input, _view_as_real_impl, (), "view_as_real")


@register(method=False)
def view_as_complex(input) -> Tensor:
    """A real tensor with a trailing dimension of 2 as a complex tensor."""
    if input.dtype not in (_dt.float16, _dt.float32, _dt.float64):
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, but got a tensor "
                           f"of scalar type: {_dt_name(input.dtype)}")
    if input.dtype == _dt.float16:
        raise RuntimeError("jaxtorch: view_as_complex of float16 (complex32) is not supported: JAX has no complex32")
    if input.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    st, off = input._strides_offset()
    if st[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in st[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if off % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return _shape.make_view(input, _view_as_complex_impl, (), "view_as_complex")


# ------------------------------------------------------------------------ scatter-into-copy variants


def _view_step(input: Tensor, make) -> tuple:
    """(the chain steps `make(input)` adds on top of input, the view's shape), computed without a tape."""
    with _gm.no_grad():
        v = make(input)
    return v._view_chain[len(input._view_chain) if input._base is not None else 0:], tuple(v.shape)


def _scatter_into(name, input, src, make):
    chain, shp = _view_step(input, make)
    if tuple(src.shape) != shp:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(shp)}")
    return apply(scatter_chain, (input, src), (("chain", chain),), name)


@register()
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1) -> Tensor:
    """A copy of input with src written into its diagonal(offset, dim1, dim2)."""
    return _scatter_into("diagonal_scatter", input, src, lambda t: _shape.diagonal(t, offset, dim1, dim2))


@register()
def select_scatter(input, src, dim, index) -> Tensor:
    """A copy of input with src written into its select(dim, index)."""
    return _scatter_into("select_scatter", input, src, lambda t: _shape.select(t, dim, index))


def _slice_of(t: Tensor, dim, start, end, step):
    d = wrap_dim(dim, t.ndim)
    n = t.shape[d]
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    start = 0 if start is None else int(start)
    end = n if end is None else int(end)
    start = builtins.min(builtins.max(start + n if start < 0 else start, 0), n)
    end = builtins.min(builtins.max(end + n if end < 0 else end, start), n)
    return _shape.slice_view(t, d, start, end, int(step))


@register()
def slice_scatter(input, src, dim=0, start=None, end=None, step=1) -> Tensor:
    """A copy of input with src written into its slice start:end:step along dim."""
    return _scatter_into("slice_scatter", input, src, lambda t: _slice_of(t, dim, start, end, step))


def _strided_view(t: Tensor, size, stride, offset):
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    need = offset + 1 + builtins.sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    if need > t.numel():
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {t.element_size()} requiring a storage size of {need * t.element_size()} are "
                           f"out of bounds for storage of size {t.numel() * t.element_size()}")
    static = (("size", size), ("stride", stride), ("offset", int(offset)))
    return _shape.make_view(t, _shape._as_strided_impl, static, "as_strided")


@register()
def as_strided_scatter(input, src, size, stride, storage_offset=None) -> Tensor:
    """A copy of input (laid out contiguously) with src written into its as_strided(size, stride, offset)."""
    off = 0 if storage_offset is None else int(storage_offset)
    return _scatter_into("as_strided_scatter", input, src, lambda t: _strided_view(t, size, stride, off))


# ------------------------------------------------------------------------- *_copy functional variants


def _expand_for_copy(input, size, *, implicit=False):
    return Tensor.expand(input, size)


def _slice_for_copy(input, dim=0, start=None, end=None, step=1):
    d = dim % builtins.max(input.ndim, 1)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    return input[(slice(None),) * d + (slice(start, end, step),)]


# name -> the view op it copies. Each *_copy runs the view op and clones the result(s): same values and
# gradients, but a fresh tensor that never aliases its input.
_COPY_OF = {
    "alias_copy": lambda input: input,
    "as_strided_copy": _shape.as_strided,
    "detach_copy": lambda input: input.detach(),
    "diagonal_copy": _shape.diagonal,
    "expand_copy": _expand_for_copy,
    "narrow_copy": _shape.narrow,
    "permute_copy": _shape.permute,
    "select_copy": _shape.select,
    "slice_copy": _slice_for_copy,
    "split_copy": lambda input, split_size, dim=0: _shape.split(input, split_size, dim),
    "split_with_sizes_copy": _shape.split_with_sizes,
    "squeeze_copy": _shape.squeeze,
    "t_copy": _shape.t,
    "transpose_copy": _shape.transpose,
    "unbind_copy": _shape.unbind,
    "unfold_copy": lambda input, dimension, size, step: Tensor.unfold(input, dimension, size, step),
    "unsqueeze_copy": _shape.unsqueeze,
    "view_as_complex_copy": view_as_complex,
    "view_as_real_copy": view_as_real,
    "view_copy": lambda input, *size: Tensor.view(input, *size),
}
_COPY_METHODS = {"narrow_copy"}  # the only ones torch also has as Tensor methods


def _make_copy_op(name, view_op):
    from .creation import clone

    def op(input, *args, **kwargs):
        r = view_op(input, *args, **kwargs)
        return tuple(clone(t) for t in r) if isinstance(r, (tuple, list)) else clone(r)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"`{name[:-5]}` as a fresh tensor that does not alias input."
    op.__signature__ = inspect.signature(view_op)  # the view op's arguments, for introspection
    return op


def _with_copy_out(op):
    """torch.<view>_copy's out=: written like any op's, but a list of outs (split_copy, unbind_copy) gives None."""
    function = _with_out(op, list_result=False)
    function.__module__ = "jaxtorch"  # torch.<name>, where pickle finds it
    return function


for _name, _view_op in _COPY_OF.items():
    _op = _make_copy_op(_name, _view_op)
    register(_name, method=_op if _name in _COPY_METHODS else False, out="fn")(_with_copy_out(_op))
