"""torch.masked's functional reductions and normalizations on strided tensors.

Each function validates its arguments and works out dtypes in Python (torch's rules and errors), then
runs ONE pure jnp function through `apply`: the mask is broadcast to the input inside it, masked-out
elements are replaced by the reduction's identity (0 for sum, 1 for prod, -inf / the integer minimum
for amax, ...), and the plain reduction runs on the result. `jnp.where` routes no gradient to
masked-out elements, as torch's masked ops do.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as _dt
from .._tensor import Tensor
from .._ops._dispatch import apply
from .._ops._promote import dtype_np
from .._ops._registry import _dt_name
from .._ops.reductions import _argmax_impl, _argmin_impl, _nanmedian_dim_impl, _root

__all__ = ["sum", "prod", "cumsum", "cumprod", "amax", "amin", "argmax", "argmin", "mean", "median", "norm",
           "var", "std", "logsumexp", "logaddexp", "softmax", "log_softmax", "softmin", "normalize"]

_INT_TO_INT64 = {np.dtype(np.uint8), np.dtype(np.bool_), np.dtype(np.int8), np.dtype(np.int16),
                 np.dtype(np.int32)}
_F32 = np.dtype(np.float32)  # torch.masked uses torch.float32 literally (not the default dtype) in places
_INF = float("inf")


# ---------------------------------------------------------------------------------------------------
# pure helpers (run inside the jitted functions)

def _is_float(d) -> bool:
    return jnp.issubdtype(d, jnp.inexact)


def _identity(kind: str, dtype):
    """The fill value for masked-out elements: the identity of the reduction."""
    if kind == "zero":
        return 0
    if kind == "one":
        return 1
    if kind == "nan":
        return jnp.nan
    low = kind == "lowest"
    if _is_float(dtype):
        return -jnp.inf if low else jnp.inf
    info = jnp.iinfo(dtype)
    return int(info.min) if low else int(info.max)


def _mask_of(x, mask):
    return jnp.broadcast_to(mask.astype(jnp.bool_), x.shape)


def _fill(x, mask, kind: str):
    if mask is None:
        return x
    return jnp.where(_mask_of(x, mask), x, jnp.asarray(_identity(kind, x.dtype), x.dtype))


def _cast(x, dtype):
    """x.to(dtype) as torch's CPU kernels do it: a float out of int32/int64 range (inf, nan) becomes the
    integer minimum (x86's "integer indefinite"), where XLA would saturate."""
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    if _is_float(x.dtype) and dtype in (np.dtype(np.int32), np.dtype(np.int64)):
        info = np.iinfo(dtype)
        ok = (x >= float(info.min)) & (x < -float(info.min))
        return jnp.where(ok, lax.convert_element_type(x, dtype), jnp.asarray(info.min, dtype))
    return lax.convert_element_type(x, dtype)


def _true_div(a, b, dtype):
    return lax.convert_element_type(a, dtype) / lax.convert_element_type(b, dtype)


# ---------------------------------------------------------------------------------------------------
# the jitted bodies

def _reduce_impl(x, mask, *, op, fill, axis, keepdims, dtype, cdtype):
    """sum / prod (cast, then reduce), amax / amin / logsumexp (reduce in cdtype, then cast)."""
    x = _fill(x, mask, fill)
    if op == "sum":
        return jnp.sum(lax.convert_element_type(x, dtype), axis=axis, keepdims=keepdims)
    if op == "prod":
        return jnp.prod(lax.convert_element_type(x, dtype), axis=axis, keepdims=keepdims)
    if op == "amax":
        r = jnp.max(x, axis=axis, keepdims=keepdims)
    elif op == "amin":
        r = jnp.min(x, axis=axis, keepdims=keepdims)
    else:  # logsumexp: integer inputs compute in floating point
        r = jax.nn.logsumexp(lax.convert_element_type(x, cdtype), axis=axis, keepdims=keepdims)
    return _cast(r, dtype)


def _arg_impl(x, mask, *, op, axis, keepdims, dtype):
    x = _fill(x, mask, "lowest" if op == "argmax" else "highest")
    idx = (_argmax_impl if op == "argmax" else _argmin_impl)(x, axis=axis, keepdims=keepdims)
    return _cast(idx, dtype)


def _scan_impl(x, mask, *, op, axis, dtype):
    x = lax.convert_element_type(_fill(x, mask, "zero" if op == "cumsum" else "one"), dtype)
    if x.ndim == 0:
        return x
    return jnp.cumsum(x, axis=axis) if op == "cumsum" else jnp.cumprod(x, axis=axis)


def _count(x, mask, axis, keepdims):
    if mask is None:  # every element counts: a constant
        n = int(np.prod([x.shape[a] for a in axis]))
        shape = tuple(1 if i in axis else s for i, s in enumerate(x.shape) if keepdims or i not in axis)
        return jnp.full(shape, n, jnp.int64)
    return jnp.sum(_mask_of(x, mask).astype(jnp.int64), axis=axis, keepdims=keepdims)


def _mean_impl(x, mask, *, axis, keepdims, dtype):
    total = jnp.sum(lax.convert_element_type(_fill(x, mask, "zero"), dtype), axis=axis, keepdims=keepdims)
    return _true_div(total, _count(x, mask, axis, keepdims), dtype)  # 0 / 0 = nan for fully masked slices


def _var_impl(x, mask, *, axis, keepdims, correction, dtype, mean_dtype, diff_dtype, compute_dtype, take_sqrt):
    count = _count(x, mask, axis, True)
    total = jnp.sum(lax.convert_element_type(_fill(x, mask, "zero"), dtype), axis=axis, keepdims=True)
    centred = lax.convert_element_type(x, diff_dtype) - _true_div(total, count, mean_dtype).astype(diff_dtype)
    sq = jnp.sum(lax.convert_element_type(_fill(centred * centred, mask, "zero"), compute_dtype), axis=axis,
                 keepdims=keepdims)
    if not keepdims:
        count = count.reshape(sq.shape)
    count = lax.convert_element_type(count, compute_dtype)
    if correction != 0:
        count = jnp.maximum(count - correction, 0)
    out = _cast(sq / count, dtype)
    if take_sqrt:
        out = jnp.sqrt(out if _is_float(out.dtype) else lax.convert_element_type(out, _F32))
    return out


def _median_impl(x, mask, *, axis, keepdims, dtype, check):
    if not _is_float(x.dtype):  # integer input: computed in float32 so that nan can mark empty slices
        x = lax.convert_element_type(x, _F32)
    x = _fill(x, mask, "nan")
    out = x if x.ndim == 0 else _nanmedian_dim_impl(x, axis=axis, keepdims=keepdims)[0]
    if not check:
        return out
    return _cast(out, dtype), jnp.any(jnp.isnan(out))


def _vector_norm(x, p, axis, keepdims):
    # |x| as x * sign(x): its derivative at 0 is sign(0) = 0, torch's subgradient (jnp.abs's is 1)
    a = x * jnp.sign(x)
    if p == 2:
        return _root(jnp.sum(x * x, axis=axis, keepdims=keepdims), 2)
    if p == _INF:
        return jnp.max(a, axis=axis, keepdims=keepdims)
    if p == -_INF:
        return jnp.min(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return jnp.sum((a != 0).astype(a.dtype), axis=axis, keepdims=keepdims)
    if p == 1:
        return jnp.sum(a, axis=axis, keepdims=keepdims)
    if p < 0:  # any zero makes the norm 0, and torch's gradient 0 for the whole slice (not inf * 0 = nan)
        has_zero = jnp.any(a == 0, axis=axis, keepdims=True)
        r = _root(jnp.sum(jnp.where(has_zero, 1, a) ** p, axis=axis, keepdims=keepdims), p)
        return jnp.where(has_zero if keepdims else jnp.squeeze(has_zero, axis), 0, r)
    return _root(jnp.sum(a ** p, axis=axis, keepdims=keepdims), p)


def _norm_impl_masked(x, mask, *, p, axis, keepdims, dtype):
    x = lax.convert_element_type(_fill(x, mask, "highest" if p == -_INF else "zero"), dtype)
    return _vector_norm(x, p, axis, keepdims)


def _normalize_impl(x, mask, eps, *, p, axis, dtype, out_dtype):
    nrm = _norm_impl_masked(x, mask, p=p, axis=axis, keepdims=True, dtype=dtype)
    denom = jnp.maximum(nrm, eps)
    return _true_div(_fill(x, mask, "zero"), denom, out_dtype)


def _logaddexp_impl(a, b, a_mask, b_mask, *, cdtype, dtype):
    a = lax.convert_element_type(_fill(a, a_mask, "lowest"), cdtype)
    b = lax.convert_element_type(_fill(b, b_mask, "lowest"), cdtype)
    return _cast(jnp.logaddexp(a, b), dtype)


def _softmax_impl(x, mask, *, axis, dtype, kind):
    x = lax.convert_element_type(_fill(x, mask, "highest" if kind == "softmin" else "lowest"), dtype)
    if kind == "softmin":
        x = -x
    flat = x.reshape(1) if x.ndim == 0 else x  # a 0-d input is a one-element slice (nan when masked out)
    r = jax.nn.log_softmax(flat, axis=axis) if kind == "log_softmax" else jax.nn.softmax(flat, axis=axis)
    return r.reshape(x.shape)


# ---------------------------------------------------------------------------------------------------
# argument handling (torch's errors)

def _canonical_dims(dim, ndim: int) -> tuple:
    """torch.masked's dim normalisation: None and () mean all dims; a sorted tuple of wrapped dims."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    n = max(ndim, 1)
    seq = (dim,) if isinstance(dim, int) else tuple(dim)
    dims: list = []
    for d in seq:
        if d in dims:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        dims.append(d % n)
    if len(set(dims)) != len(dims):  # e.g. (1, -1): the underlying reduction's own check
        d = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(sorted(dims))


def _axes(dim, ndim: int) -> tuple:
    """jnp axes for torch.masked's dims (a 0-d input has none)."""
    dims = _canonical_dims(dim, ndim)
    return dims if ndim else ()


def _one_axis(dim, ndim: int) -> int:
    """Single-dim functions (cumsum, softmax, median, ...) take the first of the canonical dims."""
    dims = _canonical_dims(dim, ndim)
    return dims[0] if dims else 0


def _input_mask(input: Tensor, mask):
    """Check that mask broadcasts to input (torch's errors); broadcasting itself happens in jnp."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise AttributeError(f"'{type(mask).__name__}' object has no attribute 'shape'")
    ms, s = tuple(mask.shape), tuple(input.shape)
    if ms != s:
        if len(ms) > len(s):
            raise IndexError("_input_mask expected broadcastable mask (got mask dimensionality higher than of "
                             "the input)")
        padded = (1,) * (len(s) - len(ms)) + ms
        for i in range(len(s) - 1, -1, -1):
            if padded[i] != s[i] and padded[i] != 1:
                raise RuntimeError(f"The expanded size of the tensor ({s[i]}) must match the existing size "
                                   f"({padded[i]}) at non-singleton dimension {i}.  Target sizes: "
                                   f"[{', '.join(map(str, s))}].  Tensor sizes: [{', '.join(map(str, ms))}]")
    return mask.detach() if mask.requires_grad else mask  # the mask is never differentiated


def _np(t: Tensor) -> np.dtype:
    return np.dtype(t._data.dtype)


def _word(d) -> str:
    return _dt_name(_dt.from_np(np.dtype(d)))


def _check_identity(name: str, input: Tensor, mask, fill: str):
    if mask is not None and fill in ("lowest", "highest") and _np(input) == np.bool_:
        raise NotImplementedError(f"identity of {name} on torch.bool input")


def _out_dtype(input: Tensor, dtype) -> np.dtype:
    return _np(input) if dtype is None else dtype_np(dtype)


def _int_promoted(input: Tensor, dtype) -> np.dtype:
    if dtype is not None:
        return dtype_np(dtype)
    d = _np(input)
    return np.dtype(np.int64) if d in _INT_TO_INT64 else d


def _check_nonempty(name: str, input: Tensor, dims: tuple):
    """Reductions without an identity cannot reduce an empty dim (torch's error)."""
    for d in dims:
        if input.ndim and input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _reduce(op, fill, input, dim, keepdim, dtype, cdtype, mask):
    _check_identity(op, input, mask, fill)
    if op in ("amax", "amin"):
        _check_nonempty(op, input, _canonical_dims(dim, input.ndim))
    mask = _input_mask(input, mask)
    static = (("op", op), ("fill", fill), ("axis", _axes(dim, input.ndim)), ("keepdims", bool(keepdim)),
              ("dtype", dtype), ("cdtype", cdtype))
    return apply(_reduce_impl, (input, mask), static, f"masked_{op}")


# ---------------------------------------------------------------------------------------------------
# public API

def sum(input: Tensor, dim=None, *, keepdim: bool | None = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Sum of the masked-in elements (masked-out ones count as 0); small integer types sum in int64."""
    return _reduce("sum", "zero", input, dim, keepdim, _int_promoted(input, dtype), None, mask)


def prod(input: Tensor, dim=None, *, keepdim: bool | None = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Product of the masked-in elements (masked-out ones count as 1)."""
    return _reduce("prod", "one", input, dim, keepdim, _int_promoted(input, dtype), None, mask)


def amax(input: Tensor, dim=None, *, keepdim: bool | None = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Maximum of the masked-in elements; a fully masked-out slice gives -inf (or the integer minimum)."""
    return _reduce("amax", "lowest", input, dim, keepdim, _out_dtype(input, dtype), None, mask)


def amin(input: Tensor, dim=None, *, keepdim: bool | None = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Minimum of the masked-in elements; a fully masked-out slice gives inf (or the integer maximum)."""
    return _reduce("amin", "highest", input, dim, keepdim, _out_dtype(input, dtype), None, mask)


def logsumexp(input: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """log(sum(exp(x))) over the masked-in elements; -inf for a fully masked-out slice."""
    d = _np(input)
    cdtype = d if _is_float(d) else _dt.get_default_dtype().np
    return _reduce("logsumexp", "lowest", input, dim, keepdim, _out_dtype(input, dtype), cdtype, mask)


def _arg(op, input, dim, keepdim, dtype, mask):
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"{op}(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    _check_identity(op, input, mask, "lowest")
    mask = _input_mask(input, mask)
    axis = None
    if dim is not None:
        axis = _canonical_dims(dim, input.ndim)[0] if input.ndim else None
        _check_nonempty(op, input, (axis,) if input.ndim else ())
    elif input.numel() == 0:
        raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
    static = (("op", op), ("axis", axis), ("keepdims", bool(keepdim)), ("dtype", _out_dtype(input, dtype)))
    return apply(_arg_impl, (input, mask), static, f"masked_{op}")


def argmax(input: Tensor, dim: int | None = None, *, keepdim: bool | None = False, dtype=None,
           mask: Tensor | None = None) -> Tensor:
    """Index of the largest masked-in element, in the input's dtype unless `dtype` says otherwise."""
    return _arg("argmax", input, dim, keepdim, dtype, mask)


def argmin(input: Tensor, dim: int | None = None, *, keepdim: bool | None = False, dtype=None,
           mask: Tensor | None = None) -> Tensor:
    """Index of the smallest masked-in element, in the input's dtype unless `dtype` says otherwise."""
    return _arg("argmin", input, dim, keepdim, dtype, mask)


def _scan(op, input, dim, dtype, mask):
    d = _out_dtype(input, dtype)
    if d == np.bool_:
        raise NotImplementedError(f'"{op}_out_cpu" not implemented for \'Bool\'')
    mask = _input_mask(input, mask)
    axis = _one_axis(dim, input.ndim)
    return apply(_scan_impl, (input, mask), (("op", op), ("axis", axis), ("dtype", d)), f"masked_{op}")


def cumsum(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Cumulative sum along dim, masked-out elements counting as 0."""
    return _scan("cumsum", input, dim, dtype, mask)


def cumprod(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Cumulative product along dim, masked-out elements counting as 1."""
    return _scan("cumprod", input, dim, dtype, mask)


def mean(input: Tensor, dim=None, *, keepdim: bool | None = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Mean of the masked-in elements; nan for a fully masked-out slice."""
    d = _out_dtype(input, dtype)
    if not _is_float(d):
        src = "Input" if dtype is None else "Optional"
        raise ValueError(f"mean(): Could not infer output dtype. {src} dtype must be either a floating point or "
                         f"complex dtype. Got: {_dt.from_np(d)!r}")
    mask = _input_mask(input, mask)
    static = (("axis", _axes(dim, input.ndim)), ("keepdims", bool(keepdim)), ("dtype", d))
    return apply(_mean_impl, (input, mask), static, "masked_mean")


def median(input: Tensor, dim: int = -1, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Lower median of the masked-in elements along dim; nan for a fully masked-out slice (an error for
    integer input, which cannot hold nan)."""
    axis = _one_axis(dim, input.ndim)
    _check_nonempty("median", input, (axis,))
    mask = _input_mask(input, mask)
    check = not _is_float(_np(input))
    static = (("axis", axis), ("keepdims", bool(keepdim)), ("dtype", _out_dtype(input, dtype)), ("check", check))
    out = apply(_median_impl, (input, mask), static, "masked_median")
    if not check:
        return out
    out, has_nan = out
    if bool(has_nan):
        raise ValueError("masked median expects no fully masked out rows if dtype is not floating point")
    return out


def _vector_norm_checks(input: Tensor, ord, dtype):
    if ord is None or isinstance(ord, (str, bool)) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
                        f"{type(ord).__name__}")
    d = _np(input)
    if not _is_float(d):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_word(d)}")
    if dtype is None:
        return d
    want = dtype_np(dtype)
    if not _is_float(want):
        raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got {_word(want)}")
    if np.promote_types(d, want) != want:
        raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({_word(d)}) should be convertible without "
                           f"narrowing to the specified dtype ({_word(want)})")
    return want


def _norm_prep(input, ord, mask):
    if mask is not None and float(ord) == -_INF and not _is_float(_np(input)):
        raise AssertionError(f"input must be floating point, got {_dt.from_np(_np(input))!r}")


def _check_norm_nonempty(input: Tensor, p: float, dims: tuple):
    """ord inf and negative ords have no identity: an empty reduced dim is an error (torch's text, whose
    missing space is torch's)."""
    if not (p < 0 or p == _INF) or not input.ndim:
        return
    for d in dims:
        if input.shape[d] == 0:
            shown = ("-inf" if p < 0 else "inf") if abs(p) == _INF else (str(int(p)) if p.is_integer() else repr(p))
            raise RuntimeError(f"linalg.vector_norm cannot compute the {shown} norm on the dimension {d}because "
                               "this dimension is empty and the operation does not have an identity")


def _norm_setup(input, ord, dim, dtype, mask):
    """norm / normalize's shared argument checks; returns (mask, computation dtype)."""
    mask = _input_mask(input, mask)
    if isinstance(ord, (int, float)):
        _norm_prep(input, ord, mask)
    d = _vector_norm_checks(input, ord, dtype)
    _check_norm_nonempty(input, float(ord), _canonical_dims(dim, input.ndim))
    return mask, d


def norm(input: Tensor, ord: float | None = 2.0, dim=None, *, keepdim: bool | None = False, dtype=None,
         mask: Tensor | None = None) -> Tensor:
    """Vector ord-norm of the masked-in elements (masked-out ones count as 0, or inf for ord=-inf)."""
    mask, d = _norm_setup(input, ord, dim, dtype, mask)
    static = (("p", float(ord)), ("axis", _axes(dim, input.ndim)), ("keepdims", bool(keepdim)), ("dtype", d))
    return apply(_norm_impl_masked, (input, mask), static, "masked_norm")


def normalize(input: Tensor, ord: float, dim, *, eps: float = 1e-12, dtype=None,
              mask: Tensor | None = None) -> Tensor:
    """input / max(masked norm along dim, eps), with masked-out elements set to 0."""
    mask, d = _norm_setup(input, ord, dim, dtype, mask)
    out_dtype = np.promote_types(_np(input), d)
    static = (("p", float(ord)), ("axis", _axes(dim, input.ndim)), ("dtype", d), ("out_dtype", out_dtype))
    return apply(_normalize_impl, (input, mask, float(eps)), static, "masked_normalize")


def _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt):
    if unbiased is not None and correction is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    c = 1.0
    if unbiased is not None:
        c = 1.0 if unbiased else 0.0
    if correction is not None:
        c = float(correction)
    if dtype is None:
        d = _np(input) if _is_float(_np(input)) else _F32
    else:
        d = dtype_np(dtype)
    compute = d if _is_float(d) else _F32
    mean_dtype = d if _is_float(d) else _dt.get_default_dtype().np  # int total / int count: true division
    diff_dtype = _dt.promote_types(_dt.from_np(_np(input)), _dt.from_np(mean_dtype)).np
    mask = _input_mask(input, mask)
    static = (("axis", _axes(dim, input.ndim)), ("keepdims", bool(keepdim)), ("correction", c), ("dtype", d),
              ("mean_dtype", mean_dtype), ("diff_dtype", diff_dtype), ("compute_dtype", compute),
              ("take_sqrt", take_sqrt))
    return apply(_var_impl, (input, mask), static, "masked_std" if take_sqrt else "masked_var")


def var(input: Tensor, dim=None, unbiased: bool | None = None, *, correction: float | None = None,
        keepdim: bool | None = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Variance of the masked-in elements (Bessel-corrected by default); nan for a fully masked-out slice."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, False)


def std(input: Tensor, dim=None, unbiased: bool | None = None, *, correction: int | None = None,
        keepdim: bool | None = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Standard deviation of the masked-in elements; nan for a fully masked-out slice."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, True)


def logaddexp(input: Tensor, other: Tensor, *, dtype=None, input_mask: Tensor | None = None,
              other_mask: Tensor | None = None) -> Tensor:
    """log(exp(input) + exp(other)) with masked-out elements of either taken as -inf."""
    cdtype = _dt.promote_types(_dt.from_np(_np(input)), _dt.from_np(_np(other))).np
    if not _is_float(cdtype):
        raise NotImplementedError(f'"logaddexp_cpu" not implemented for \'{_word(cdtype)}\'')
    for t, m in ((input, input_mask), (other, other_mask)):
        _check_identity("logaddexp", t, m, "lowest")
    input_mask, other_mask = _input_mask(input, input_mask), _input_mask(other, other_mask)
    static = (("cdtype", cdtype), ("dtype", _out_dtype(input, dtype)))
    return apply(_logaddexp_impl, (input, other, input_mask, other_mask), static, "masked_logaddexp")


def _softmax_family(kind, input, dim, dtype, mask):
    axis = _one_axis(dim, input.ndim)
    d = _out_dtype(input, dtype)
    _check_identity(kind, input, mask, "lowest")
    if not _is_float(d):
        kernel = "log_softmax" if kind == "log_softmax" else "softmax"
        where = "lastdim_kernel_impl" if input.ndim <= 1 or axis == input.ndim - 1 else "kernel_impl"
        raise NotImplementedError(f'"{kernel}_{where}" not implemented for \'{_word(d)}\'')
    mask = _input_mask(input, mask)
    return apply(_softmax_impl, (input, mask), (("axis", axis), ("dtype", d), ("kind", kind)), f"masked_{kind}")


def softmax(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Softmax over the masked-in elements of each slice: 0 at masked-out positions, nan for a fully
    masked-out slice."""
    return _softmax_family("softmax", input, dim, dtype, mask)


def log_softmax(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """log of masked softmax: -inf at masked-out positions, nan for a fully masked-out slice."""
    return _softmax_family("log_softmax", input, dim, dtype, mask)


def softmin(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Masked softmax of -input: 0 at masked-out positions, nan for a fully masked-out slice."""
    return _softmax_family("softmin", input, dim, dtype, mask)
