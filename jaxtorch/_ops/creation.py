"""Tensor creation (from data, sizes, buffers and DLPack), dtype/device conversion, clone, copy_, fill_ and
resize_."""

from __future__ import annotations

import array
import builtins
import math
import numbers
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as _dt
from .._device import current_default, default_device, jax_device, to_device
from .._tensortype import check_layout as _check_layout
from .._tensor import Size, Tensor
from ._dispatch import apply, exact_scalar, host_constant, host_impl, int_host_impl, jitted
from ._registry import register


def meta_tensor(shape, dtype, requires_grad: bool = False) -> Tensor:
    """A tensor on the 'meta' device: a shape and a dtype, no data (its payload is a jax.ShapeDtypeStruct)."""
    t = Tensor._make(jax.ShapeDtypeStruct(tuple(shape), _dt.to_dtype(dtype).np))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _wants_meta(device) -> bool:
    d = current_default() if device is None else device
    return d is not None and to_device(d).type == "meta"


def _finish(t: Tensor, device=None, requires_grad=False) -> Tensor:
    if device is None:
        device = current_default()
    if device is not None:
        d = to_device(device)
        if d.type == "meta":
            t._data = jax.ShapeDtypeStruct(t._data.shape, t._data.dtype)
        elif d != default_device() or d.type != "cpu":
            t._data = jax.device_put(t._data, jax_device(d))
    if requires_grad:
        if not t.dtype.is_inexact:  # factories word this differently from requires_grad_()
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


def _np_from_data(data):
    """numpy array + inferred torch dtype for torch.tensor's data argument."""
    if isinstance(data, Tensor):
        return np.asarray(data._value()), data.dtype
    if isinstance(data, np.ndarray):
        return data, _dt.from_np(data.dtype)
    if isinstance(data, jax.Array):
        return data, _dt.from_np(data.dtype)
    if isinstance(data, np.generic):
        return np.asarray(data), _dt.from_np(data.dtype)
    if isinstance(data, bool):
        return np.asarray(data), _dt.bool_
    if isinstance(data, numbers.Integral):
        return np.asarray(data, dtype=np.int64), _dt.int64
    if isinstance(data, numbers.Real):
        return np.asarray(data, dtype=np.float64), _dt.get_default_dtype()
    if isinstance(data, numbers.Complex):
        return np.asarray(data, dtype=np.complex128), _dt._default_complex()
    if isinstance(data, (list, tuple)):
        kinds = set()
        flat = _flatten_check(data, kinds)
        if not flat and not kinds:
            return np.asarray(data, dtype=np.float32).reshape(_nested_shape(data)), _dt.get_default_dtype()
        if "t" in kinds:
            # a list holding tensors: each element keeps its dtype; promote them
            arr = np.asarray([np.asarray(x._value()) if isinstance(x, Tensor) else x for x in flat])
            d = None
            for x in flat:
                xd = x.dtype if isinstance(x, Tensor) else _dt.scalar_dtype(x)
                d = xd if d is None else _dt.promote_types(d, xd)
            return arr.reshape(_nested_shape(data)), d
        if "c" in kinds:
            d, npd = _dt._default_complex(), np.complex128
        elif "f" in kinds:
            d, npd = _dt.get_default_dtype(), np.float64
        elif "i" in kinds:
            d, npd = _dt.int64, np.int64
        else:
            d, npd = _dt.bool_, np.bool_
        return np.asarray(flat, dtype=npd).reshape(_nested_shape(data)), d
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _nested_shape(data):
    shape = []
    while isinstance(data, (list, tuple)):
        shape.append(len(data))
        if not data:
            break
        data = data[0]
    if isinstance(data, Tensor):
        shape.extend(data.shape)
    elif isinstance(data, np.ndarray):
        shape.extend(data.shape)
    return tuple(shape)


def _flatten_check(data, kinds, depth=0, expect=None):
    out = []
    if depth == 0:
        expect = _nested_shape(data)
    for x in data:
        if isinstance(x, (list, tuple)):
            if depth + 1 >= len(expect) or len(x) != expect[depth + 1]:
                raise ValueError(f"expected sequence of length {expect[depth + 1] if depth + 1 < len(expect) else 0} "
                                 f"at dim {depth + 1} (got {len(x)})")
            out.extend(_flatten_check(x, kinds, depth + 1, expect))
        elif isinstance(x, (Tensor, np.ndarray)) or isinstance(x, np.generic) and not isinstance(x, np.bool_):
            # numpy scalars keep their dtype (and promote with the rest), as in torch
            kinds.add("t")
            if not isinstance(x, Tensor):
                x = Tensor._make(jnp.asarray(x))
            out.append(x)
        elif isinstance(x, bool) or isinstance(x, np.bool_):
            kinds.add("b")
            out.append(bool(x))
        elif isinstance(x, numbers.Integral):
            kinds.add("i")
            out.append(int(x))
        elif isinstance(x, numbers.Real):
            kinds.add("f")
            out.append(float(x))
        elif isinstance(x, numbers.Complex):
            kinds.add("c")
            out.append(builtins.complex(x))
        else:
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    if "t" in kinds and len(kinds) > 1:
        out = [x if isinstance(x, Tensor) else Tensor._make(jnp.asarray(x)) for x in out]
    return out


def _to_array(np_arr, d: _dt.dtype):
    return jnp.asarray(np_arr, dtype=d.np)


@register(method=False)
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    from ..storage import is_storage, tensor_from_storage

    if is_storage(data):  # torch.tensor of a storage aliases it (unlike any other data)
        return tensor_from_storage(data, dtype, device, requires_grad=requires_grad)
    if isinstance(data, (bytearray, memoryview, array.array)):  # sequences of numbers, as torch reads them
        data = list(data) if isinstance(data, bytearray) else data.tolist()
    arr, inferred = _np_from_data(data)
    d = _dt.to_dtype(dtype) if dtype is not None else inferred
    if arr is data and isinstance(data, np.ndarray):
        # torch.tensor copies. JAX's CPU client may instead alias a suitably aligned numpy buffer, so
        # later writes to the caller's array (or to the torch tensor it views) would show through.
        arr = data.copy()
    t = Tensor._make(_to_array(arr, d))
    return _finish(t, device, requires_grad)


@register(method=False)
def as_tensor(data, dtype=None, device=None) -> Tensor:
    from ..storage import is_storage, tensor_from_storage

    if is_storage(data):  # aliased, as in torch
        return tensor_from_storage(data, dtype, device)
    if isinstance(data, Tensor):
        t = data if dtype is None or data.dtype == _dt.to_dtype(dtype) else data.to(dtype)
        return t if device is None else t.to(device)
    return tensor(data, dtype=dtype, device=device)


@register(method=False)
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """torch.asarray. A storage is aliased, as in torch. An object with the buffer protocol (bytes, bytearray,
    memoryview, array.array, mmap) is read as torch.frombuffer reads it (its bytes as `dtype`, default the
    default dtype) -- but copied: JAX arrays cannot share a Python buffer's memory, so `copy=False` raises."""
    from ..storage import is_storage, tensor_from_storage

    if is_storage(obj):
        return tensor_from_storage(obj, dtype, device, copy=copy, requires_grad=requires_grad)
    if not isinstance(obj, (Tensor, np.ndarray, np.generic, jax.Array, list, tuple, numbers.Number)):
        try:
            memoryview(obj)
        except TypeError:
            pass
        else:
            if copy is False:
                raise ValueError("jaxtorch: asarray(copy=False) cannot alias a Python buffer's memory (JAX arrays "
                                 "are immutable); jaxtorch reads buffers into a copy")
            t = frombuffer(obj, dtype=_dt.get_default_dtype() if dtype is None else dtype)
            t = _finish(t, device)
            return t.requires_grad_(requires_grad) if requires_grad else t
    if copy is False and isinstance(obj, (list, tuple)):
        raise ValueError("can't alias arbitrary sequence into a tensor.")
    t = as_tensor(obj, dtype=dtype, device=device)
    if copy and t is obj:
        t = t.clone()
    return t.requires_grad_(requires_grad) if requires_grad else t


@register(method=False)
def from_numpy(ndarray: np.ndarray) -> Tensor:
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_np(ndarray.dtype)
    return Tensor._make(jnp.asarray(ndarray))


def from_jax(array) -> Tensor:
    """Wrap a jax.Array (zero-copy) as a Tensor."""
    return Tensor._make(jnp.asarray(array))


def _size_args(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"empty(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _full_impl(value, *, shape, dtype):
    return jnp.full(shape, value, dtype)


def _zeros_impl(*, shape, dtype):
    return jnp.zeros(shape, dtype)


def _ones_impl(*, shape, dtype):
    return jnp.ones(shape, dtype)


def _fill(shape, dtype, value, device, requires_grad):
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if _wants_meta(device):
        return _finish(meta_tensor(shape, d), None, requires_grad)
    arr = None
    v = None if isinstance(value, Tensor) else exact_scalar(value, d.np)
    if v is not None:
        arr = host_constant(np.full, (("shape", shape), ("fill_value", v), ("dtype", d.np)),
                            math.prod(shape) * np.dtype(d.np).itemsize)
    if arr is not None:
        return _finish(Tensor._make(arr), device, requires_grad)
    if value == 0 and not isinstance(value, Tensor):
        arr = jitted(_zeros_impl, (("shape", shape), ("dtype", d.np)))()
    elif value == 1 and not isinstance(value, Tensor):
        arr = jitted(_ones_impl, (("shape", shape), ("dtype", d.np)))()
    else:
        arr = jitted(_full_impl, (("shape", shape), ("dtype", d.np)))(value)
    return _finish(Tensor._make(arr), device, requires_grad)


@register(method=False)
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    _check_layout(layout, "zeros")
    sizes = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list, Size)) else size
    if any(isinstance(s, numbers.Integral) and s < 0 for s in sizes):
        raise RuntimeError("zeros: Dimension size must be non-negative.")  # torch's zeros-specific message
    return _fill(_size_args(size), dtype, 0, device, requires_grad)


@register(method=False)
def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    _check_layout(layout, "ones")
    return _fill(_size_args(size), dtype, 1, device, requires_grad)


@register(method=False)
def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    # JAX has no uninitialised memory: empty() is zeros(), which is a valid "arbitrary" content.
    _check_layout(layout, "empty")
    return _fill(_size_args(size), dtype, 0, device, requires_grad)


@register(method=False)
def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False, **kw):
    return _fill(_size_args((size,)), dtype, 0, device, requires_grad)


@register(method=False)
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, **kw):
    _check_layout(layout, "full")
    if dtype is None:
        if isinstance(fill_value, Tensor):
            dtype = fill_value.dtype
        else:
            dtype = _dt.scalar_dtype(fill_value)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _fill(_size_args((size,)) if not isinstance(size, int) else (size,), dtype, fill_value, device,
                 requires_grad)


def _like(name, value):
    def op(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
        _check_layout(layout)
        d = dtype if dtype is not None else input.dtype
        if device is None and input.is_meta:  # *_like functions keep the input's device
            device = "meta"
        return _fill(tuple(input.shape), d, value, device, requires_grad)

    op.__name__ = name
    register(name, method=False)(op)
    return op


zeros_like = _like("zeros_like", 0)
ones_like = _like("ones_like", 1)
empty_like = _like("empty_like", 0)


@register(method=False)
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    _check_layout(layout, "full_like")
    d = dtype if dtype is not None else input.dtype
    if device is None and input.is_meta:
        device = "meta"
    return _fill(tuple(input.shape), d, fill_value, device, requires_grad)


def _arange_impl(start, step, *, n, dtype):
    return (start + step * jnp.arange(n, dtype=dtype if jnp.issubdtype(dtype, jnp.integer) else jnp.float64)
            ).astype(dtype)


def _fits(dtype, *values) -> bool:
    info = np.iinfo(dtype)
    return builtins.all(info.min <= v <= info.max for v in values)


def _arange_host(*, start, step, n, dtype):
    """Integer aranges (start and step Python ints, every value within int64): exact on both paths."""
    return (start + step * np.arange(n, dtype=np.int64)).astype(dtype)


@register(method=False)
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_layout(layout, "arange")
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, numbers.Integral) for v in vals) else _dt.get_default_dtype()
    d = _dt.to_dtype(dtype)
    n = builtins.max(0, math.ceil((end - start) / step))
    if d.is_floating_point:
        # torch computes float aranges in double then casts, which this matches
        arr = jitted(_arange_impl, (("n", n), ("dtype", d.np)))(float(start), float(step))
    else:
        arr = None
        if isinstance(start, int) and isinstance(step, int) and np.issubdtype(d.np, np.integer) and \
                _fits(d.np, start, start + step * builtins.max(n - 1, 0)):
            arr = host_constant(_arange_host, (("start", start), ("step", step), ("n", n), ("dtype", d.np)),
                                n * np.dtype(d.np).itemsize)
        if arr is None:
            arr = jitted(_arange_impl, (("n", n), ("dtype", d.np)))(start, step)
    return _finish(Tensor._make(arr), device, requires_grad)


@register(method=False)
def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, **kw):
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    arr = jitted(_arange_impl, (("n", n), ("dtype", d.np)))(float(start), float(step))
    return _finish(Tensor._make(arr), device, requires_grad)


def _linspace_impl(start, end, *, steps, dtype):
    if steps == 1:
        return jnp.full((1,), start, dtype)
    # torch's formula: the first half counts up from start, the second half down from end
    step = (end - start) / (steps - 1)
    i = jnp.arange(steps, dtype=jnp.float64 if dtype == jnp.float64 else jnp.float32)
    half = steps // 2
    up = start + step * i
    down = end - step * (steps - 1 - i)
    return jnp.where(i < half, up, down).astype(dtype)


@register(method=False)
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_layout(layout, "linspace")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if steps == 0:
        return _fill((0,), d, 0, device, requires_grad)
    comp = d.np if d.is_floating_point else np.dtype(np.float64)
    arr = jitted(_linspace_impl, (("steps", int(steps)), ("dtype", comp)))(start, end)
    if not d.is_floating_point:
        arr = arr.astype(d.np)
    return _finish(Tensor._make(arr), device, requires_grad)


@register(method=False)
def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, **kw):
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    lin = linspace(start, end, steps, dtype=_dt.float64)
    return _finish(Tensor._make(jnp.power(base, lin._data).astype(d.np)), device, requires_grad)


def _eye_impl(*, n, m, dtype):
    return jnp.eye(n, m, dtype=dtype)


@register(method=False)
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_layout(layout, "eye")
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    m = n if m is None else m
    arr = jitted(_eye_impl, (("n", int(n)), ("m", int(m)), ("dtype", d.np)))()
    return _finish(Tensor._make(arr), device, requires_grad)


@register(method=False)
def tril_indices(row, col, offset=0, *, dtype=None, device=None, **kw):
    r, c = np.tril_indices(row, offset, col)
    return tensor(np.stack([r, c]).astype(np.int64), dtype=dtype or _dt.int64, device=device)


@register(method=False)
def triu_indices(row, col, offset=0, *, dtype=None, device=None, **kw):
    r, c = np.triu_indices(row, offset, col)
    return tensor(np.stack([r, c]).astype(np.int64), dtype=dtype or _dt.int64, device=device)


def _complex_impl(re, im):
    return lax_complex(re, im)


def lax_complex(re, im):
    return jax.lax.complex(*jnp.broadcast_arrays(re, im))


@register(method=False)
def complex(real, imag, *, out=None):
    if real.dtype != imag.dtype:
        raise RuntimeError(f"Expected object of scalar type {real.dtype} but got scalar type {imag.dtype} for "
                           "second argument")
    return apply(_complex_impl, (real, imag), (), "complex")


def _polar_impl(a, t):
    return jax.lax.complex(a * jnp.cos(t), a * jnp.sin(t))


@register(method=False)
def polar(abs, angle, *, out=None):
    return apply(_polar_impl, (abs, angle), (), "polar")


# ---------------------------------------------------------------------------------------------
# from other libraries' memory: the buffer protocol and DLPack


@register(method=False, out=False)
def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False) -> Tensor:
    """A 1-D tensor of `count` elements of `dtype` (all that fit when count < 0) read from an object with the
    Python buffer protocol, skipping `offset` bytes. Unlike torch's, the tensor holds a copy: JAX arrays are
    immutable and cannot share a Python buffer's memory, so later writes to the buffer are not seen by the
    tensor, and writes to the tensor do not reach the buffer. (For the same reason torch's warning about
    non-writable buffers does not apply and is not given.)"""
    for name, value in (("count", count), ("offset", offset)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"frombuffer(): argument '{name}' must be int, not {type(value).__name__}")
    d = _dt.to_dtype(dtype)
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    if not view.c_contiguous:
        raise RuntimeError("could not retrieve buffer from object")
    raw = view.cast("B") if view.format != "B" or view.ndim != 1 else view
    nbytes, size = len(raw), d.itemsize
    if nbytes == 0 or count == 0:
        raise ValueError(f"both buffer length ({nbytes}) and count ({count}) must not be 0")
    if offset < 0 or offset >= nbytes:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({nbytes} bytes) minus 1")
    if count < 0:
        if (nbytes - offset) % size:
            raise ValueError(f"buffer length ({nbytes - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({size})")
        count = (nbytes - offset) // size
    elif offset + count * size > nbytes:
        raise ValueError(f"requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) must not "
                         f"be greater than actual buffer length ({nbytes} bytes)")
    if requires_grad and not d.is_inexact:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    a = np.frombuffer(raw, dtype=np.uint8, count=count * size, offset=offset).copy()
    a = (a != 0) if d == _dt.bool_ else a.view(d.np)  # a bool tensor holds only 0 and 1
    t = Tensor._make(jnp.asarray(a))
    if requires_grad:
        t.requires_grad_(True)
    return t


class _Capsule:
    """Lets a bare DLPack capsule (from a legacy to_dlpack) be read by jax.dlpack.from_dlpack."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU


@register(method=False, out=False)
def from_dlpack(ext_tensor) -> Tensor:
    """A tensor from any object with __dlpack__ (numpy, JAX, torch arrays) or a DLPack capsule."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    src = ext_tensor if hasattr(ext_tensor, "__dlpack__") else _Capsule(ext_tensor)
    return Tensor._make(jax.dlpack.from_dlpack(src))


@register(method=False, out=False)
def to_dlpack(tensor):
    """A DLPack capsule of the tensor's payload."""
    return tensor._value().__dlpack__()


# ---------------------------------------------------------------------------------------------
# Tensor.new_*


@register("new_tensor", function=False)
def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, **kw):
    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def _new_fill(value):
    def fn(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return _fill(_size_args(size), dtype or self.dtype, value, device, requires_grad)

    return fn


register("new_zeros", function=False)(_new_fill(0))
register("new_ones", function=False)(_new_fill(1))
register("new_empty", function=False)(_new_fill(0))


@register("new_full", function=False)
def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, **kw):
    return _fill(_size_args((size,)), dtype or self.dtype, fill_value, device, requires_grad)


@register("new", function=False)
def new(self, *args, **kwargs) -> Tensor:
    """The legacy constructor: sizes give an uninitialized tensor, data a tensor, both of self's dtype."""
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("device", None)  # one device per process here
    dtype = self.dtype if dtype is None else dtype
    if not args:
        return empty(0, dtype=dtype)
    if len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if src.dtype != dtype:
            raise TypeError(f"expected {dtype} (got {src.dtype})")
        return src
    if len(args) == 1 and not isinstance(args[0], int) and not type(args[0]).__name__ == "Size":
        return tensor(args[0], dtype=dtype)
    sizes = tuple(args[0]) if len(args) == 1 and not isinstance(args[0], int) else args
    return empty(*sizes, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# conversion


def _convert_impl(x, *, dtype):
    if jnp.issubdtype(x.dtype, jnp.complexfloating) and not jnp.issubdtype(dtype, jnp.complexfloating):
        x = jnp.real(x)
    return x.astype(dtype)


@int_host_impl(_convert_impl)
def _convert_host(x, *, dtype):  # between integer and bool dtypes: wraps (or tests != 0) on both paths
    return x.astype(dtype)


def convert(t: Tensor, d: _dt.dtype) -> Tensor:
    if t._data.dtype == d.np:
        return t
    return apply(_convert_impl, (t,), (("dtype", d.np),), "to_copy")


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("memory_format", None)
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, _dt.dtype):
            dtype = a
        elif isinstance(a, bool):
            pass
        elif a is not None:
            device = a
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments: {sorted(kwargs)}")
    return dtype, device, copy


@register("to", function=False)
def _to(self, *args, **kwargs):
    dtype, device, copy = _parse_to(args, dict(kwargs))
    t = self
    if dtype is not None:
        t = convert(t, _dt.to_dtype(dtype))
    if device is not None:
        d = to_device(device)
        if d.type == "meta" or t.is_meta:
            if d.type != "meta":
                raise NotImplementedError("Cannot copy out of meta tensor; no data! Please use torch.nn.Module."
                                          "to_empty() instead of torch.nn.Module.to() when moving module from meta to "
                                          "a different device.")
            if not t.is_meta:
                t = meta_tensor(t.shape, t.dtype)
            if copy and t is self:
                t = meta_tensor(t.shape, t.dtype)
            return t
        jd = jax_device(d)
        data = t._value()
        if isinstance(data, np.ndarray) or (not isinstance(data, jax.core.Tracer) and jd not in data.devices()):
            moved = apply(_device_put_impl, (t,), (("device", jd),), "to_copy")
            t = moved
    if copy and t is self:
        t = t.clone()
    return t


def _device_put_impl(x, *, device):
    return jax.device_put(x, device)



def _dtype_method(d):
    def fn(self, memory_format=None):
        return convert(self, d)

    return fn


for _name, _d in (("float", _dt.float32), ("double", _dt.float64), ("half", _dt.float16), ("bfloat16", _dt.bfloat16),
                  ("long", _dt.int64), ("int", _dt.int32), ("short", _dt.int16), ("char", _dt.int8),
                  ("byte", _dt.uint8), ("bool", _dt.bool_), ("cfloat", _dt.complex64), ("cdouble", _dt.complex128)):
    register(_name, function=False)(_dtype_method(_d))


_TYPE_PREFIX = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                "complex64": "ComplexFloat", "complex128": "ComplexDouble", "complex32": "ComplexHalf",
                "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}
_PREFIX_TYPE = {v: k for k, v in _TYPE_PREFIX.items()}


@register("type", function=False)
def _type(self, dtype=None, non_blocking=False, **kwargs):
    """Tensor.type(): the legacy type name ('torch.FloatTensor', 'torch.cuda.LongTensor'), or a conversion to the
    type named by a string or a typed-tensor class."""
    from .._tensortype import tensortype

    if kwargs and set(kwargs) != {"async"}:
        raise TypeError(f"type() got an unexpected keyword argument {next(iter(kwargs))!r}")
    if dtype is None:
        name = _TYPE_PREFIX.get(self.dtype.name, self.dtype.name)
        return f"torch.{'cuda.' if self.device.type == 'cuda' else ''}{name}Tensor"
    cuda = False
    if isinstance(dtype, tensortype):
        dtype, cuda = dtype.dtype, dtype.is_cuda
    elif isinstance(dtype, str):
        text = dtype
        cuda = text.startswith("torch.cuda.")
        stem = text[len("torch.cuda."):] if cuda else text[len("torch."):] if text.startswith("torch.") else ""
        if not stem.endswith("Tensor") or stem[:-len("Tensor")] not in _PREFIX_TYPE:
            raise ValueError(f"invalid type: {text!r}")
        dtype = _dt.to_dtype(_PREFIX_TYPE[stem[:-len("Tensor")]])
    out = convert(self, _dt.to_dtype(dtype))
    if cuda and out.device.type != "cuda":
        out = _to(out, "cuda")
    return out


@register("type_as", function=False)
def _type_as(self, other):
    return convert(self, other.dtype)


@register("cpu", function=False)
def _cpu(self, memory_format=None):
    return _to(self, "cpu")


@register("cuda", function=False)
def _cuda(self, device=None, non_blocking=False, memory_format=None):
    return _to(self, "cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))


def _identity_impl(x):
    return x


@host_impl(_identity_impl)
def _identity_host(x):
    return x.copy()


@register()
def clone(input, *, memory_format=None):
    return apply(_identity_impl, (input,), (), "clone")


def _copy_impl(dst, src, *, dtype):
    return jnp.broadcast_to(src.astype(dtype) if not jnp.issubdtype(src.dtype, jnp.complexfloating)
                            or jnp.issubdtype(dtype, jnp.complexfloating) else jnp.real(src).astype(dtype),
                            dst.shape)


@register("copy_", function=False)
def _copy_(self, src, non_blocking=False):
    if not isinstance(src, Tensor):
        src = tensor(src, dtype=self.dtype)
    try:
        np.broadcast_shapes(tuple(src.shape), tuple(self.shape))
        if len(src.shape) > len(self.shape) or np.broadcast_shapes(tuple(src.shape), tuple(self.shape)) != tuple(
                self.shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(tuple(src.shape), tuple(self.shape)))}"
                           if _broadcastable(src.shape, self.shape) else
                           f"The size of tensor a ({self.shape[-1] if self.ndim else 1}) must match the size of "
                           f"tensor b ({src.shape[-1] if src.ndim else 1}) at non-singleton dimension "
                           f"{self.ndim - 1 if self.ndim else 0}") from None
    new = apply(_copy_impl, (self, src), (("dtype", self._data.dtype),), "copy")
    return self._inplace_assign(new, "copy")


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(tuple(a), tuple(b))
        return True
    except ValueError:
        return False



def _fill_impl(x, v, *, dtype):
    return jnp.full(x.shape, v, dtype)


@host_impl(_fill_impl)
def _fill_host(x, v, *, dtype):
    e = exact_scalar(v, dtype)
    return NotImplemented if e is None else np.full(x.shape, e, dtype)


@register("fill_", out=False)
def _fill_(self, value):
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
    new = apply(_fill_impl, (self, value), (("dtype", self._data.dtype),), "fill")
    return self._inplace_assign(new, "fill")


@register("zero_", out=False)
def _zero_(self):
    return _fill_(self, 0)


@register(method=False, out=False)
def fill(input, value):
    return _fill_(input.clone(), value)


# ---------------------------------------------------------------------------------------------
# layout-aware factories and resize_
#
# The Tensor facade derives strides from view chains, so a non-contiguous layout is made as torch lays it
# out in memory: a zero "storage" tensor viewed through permute / as_strided, giving torch's stride() and
# is_contiguous() (values zero, as empty()). A tensor that requires grad must be a true leaf (a view of a
# hidden base would let in-place ops slip past the leaf check), so it is made contiguous instead, as is a
# tensor with no elements.


def _strided_view_ok(shape, requires_grad) -> bool:
    return not requires_grad and math.prod(shape) > 0


@register(method=False)
def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False) -> Tensor:
    _check_layout(layout, "empty_permuted")
    shape = _size_args((size,))
    perm = tuple(int(p) for p in physical_layout)
    if len(shape) != len(perm):
        raise RuntimeError("Number of dimensions in size does not match the length of the physical_layout; i.e. "
                           f"len(size) = {len(shape)} is not equal to len(physical_layout) = {len(perm)}")
    seen = set()
    for i, p in enumerate(perm):
        if not 0 <= p < len(shape):
            raise RuntimeError(f"Dimension out of range (expected to be between 0 and {len(shape) - 1}, but got {p} "
                               f"at index {i}).  NB: negative dims not currently supported; file an issue if you "
                               "want it.")
        if p in seen:
            raise RuntimeError("Duplicate dim not allowed")
        seen.add(p)
    if perm == tuple(builtins.range(len(perm))) or not _strided_view_ok(shape, requires_grad):
        return _fill(shape, dtype, 0, device, requires_grad)
    storage = _fill(tuple(shape[p] for p in perm), dtype, 0, device, False)
    # dim perm[i] of the result is dim i of the storage: view it through the inverse permutation
    return storage.permute(*np.argsort(perm).tolist())


@register("new_empty_strided", function=False)
def _new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                       pin_memory=False) -> Tensor:
    _check_layout(layout, "_new_empty_strided")
    shape = _size_args((size,))
    if len(tuple(stride)) != len(shape):
        raise RuntimeError(f"dimensionality of sizes ({len(shape)}) must match dimensionality of strides "
                           f"({len(tuple(stride))})")
    stride = tuple(int(st) for st in stride)
    if any(st < 0 for st in stride):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)} and strides={list(stride)}")
    dtype = dtype or self.dtype
    if stride == _contiguous_strides(shape) or not _strided_view_ok(shape, requires_grad):
        return _fill(shape, dtype, 0, device, requires_grad)
    storage = _fill((1 + sum((n - 1) * st for n, st in zip(shape, stride)),), dtype, 0, device, False)
    return storage.as_strided(shape, stride)


def _contiguous_strides(shape) -> tuple:
    out, acc = [], 1
    for n in reversed(shape):
        out.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(out))



def _resize_impl(x, *, shape):
    # torch keeps the first min(old, new) elements in flattened order; new memory is uninitialised in
    # torch, zeros here (as empty())
    flat = x.reshape(-1)
    n = math.prod(shape)
    flat = flat[:n] if n <= flat.size else jnp.concatenate([flat, jnp.zeros((n - flat.size,), x.dtype)])
    return flat.reshape(shape)


def _resize_sizes(sizes) -> tuple:
    if not sizes:
        raise TypeError('resize_() missing 1 required positional arguments: "size"')
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Size)):
        sizes = tuple(sizes[0])
    for i, s in enumerate(sizes):
        if isinstance(s, bool) or not isinstance(s, (numbers.Integral, Tensor)):
            raise TypeError(f"resize_(): argument 'size' (position {i + 1}) must be tuple of ints, not "
                            f"{type(s).__name__}")
    shape = tuple(int(s) for s in sizes)
    if any(s < 0 for s in shape):
        raise RuntimeError("numel: integer multiplication overflow")  # torch's wording for a negative size
    return shape


@register("resize_", function=False)
def _resize_(self, *sizes, memory_format=None) -> Tensor:
    import sys

    shape = _resize_sizes(sizes)
    if self._requires_grad:  # torch refuses even under no_grad and even for an unchanged size
        raise RuntimeError("cannot resize variables that require grad")
    # torch re-points the storage of a resized tensor; its views keep aliasing the (maybe reallocated)
    # old storage. Our views re-derive from their base by replaying a view chain that assumes the base's
    # shape, so resizing a view or a base with live views cannot keep torch's aliasing: refuse instead.
    box = self._version_box
    if self._base is not None:
        base = self._base
        # a view whose base is reachable only through it (e.g. `torch.arange(6).reshape(2, 3)`) aliases
        # nothing observable: it becomes a standalone tensor. Counts: the attribute(s), this local, the
        # argument of getrefcount.
        if sys.getrefcount(base) > 3 or sys.getrefcount(box) > 4:
            raise RuntimeError("resize_: cannot resize a tensor that is a view of another live tensor (its "
                               "aliasing with the base cannot be kept); resize a clone() instead")
        version = self._version
        self._data = self._value()
        self._base, self._view_chain, self._detached_view, self._vc = None, (), False, None
        self._version_box = box = [version, 0]
        del base
    # every live view holds the base's version box: references beyond self's attribute, this local and
    # getrefcount's argument mean views (or .data/.detach() aliases) are alive
    if box is not None and sys.getrefcount(box) > 3:
        raise RuntimeError("resize_: cannot resize a tensor that has live views (their aliasing cannot be kept); "
                           "resize a clone() instead")
    if shape == tuple(self._data.shape):
        return self
    self._value()  # torch.compile: the write below is a read-modify-write of this tensor
    self._data = jitted(_resize_impl, (("shape", shape),))(self._data)
    self._bump()
    return self


@register("resize_as_", out=False)
def _resize_as_(self, other: Tensor, memory_format=None) -> Tensor:
    return _resize_(self, tuple(other.shape))


@register("resize", function=False)
def resize(self, *sizes) -> Tensor:
    """Deprecated out-of-place resize: a reshape to a size of as many elements."""
    warnings.warn("non-inplace resize is deprecated", stacklevel=2)
    sizes = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int) else sizes
    n = int(np.prod(sizes))
    if n != self.numel():
        raise RuntimeError(f"requested resize to {'x'.join(map(str, sizes))} ({n} elements in total), but the given "
                           f"tensor has a size of {'x'.join(map(str, self.shape))} ({self.numel()} elements). "
                           "autograd's resize can only change the shape of a given tensor, while preserving the "
                           "number of elements. ")
    return self.reshape(sizes)


@register("resize_as", function=False)
def resize_as(self, tensor) -> Tensor:
    warnings.warn("non-inplace resize_as is deprecated", stacklevel=2)
    n = tensor.numel()
    if n != self.numel():
        raise RuntimeError(f"requested resize to {'x'.join(map(str, tensor.shape))} ({n} elements in total), but "
                           f"the given tensor has a size of {'x'.join(map(str, self.shape))} ({self.numel()} "
                           "elements). autograd's resize can only change the shape of a given tensor, while "
                           "preserving the number of elements. ")
    return self.reshape(tuple(tensor.shape))
