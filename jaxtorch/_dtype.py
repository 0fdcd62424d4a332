"""torch dtypes on top of numpy/JAX dtypes, and torch's type-promotion rules.

Every jaxtorch op computes its result dtype with the functions here and passes it to JAX
explicitly, so results follow torch even though JAX runs with 64-bit types enabled.
"""

from __future__ import annotations

import builtins

import jax.numpy as jnp
import ml_dtypes
import numpy as np

__all__ = ["dtype", "get_default_dtype", "set_default_dtype", "promote_types", "result_type_of", "can_cast"]

# Categories, ordered: a higher category always wins over a lower one in promotion.
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A torch dtype (``torch.float32`` ...). Compare with ``==``/``is``; instances are singletons."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed", "_category", "_rank")

    def __init__(self, name: str, np_dtype, category: int, rank: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = category != _BOOL and name not in ("uint8", "uint16", "uint32", "uint64")
        self._category = category
        self._rank = rank

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        # dtypes pickle by name, so torch.load/torch.save and multiprocessing keep identity.
        return (_dtype_from_name, (self.name,))

    def to_real(self) -> dtype:
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> dtype:
        return {float32: complex64, float64: complex128, float16: complex64, bfloat16: complex64}.get(self, self)

    @property
    def is_inexact(self) -> bool:
        return self._category >= _FLOAT


bool_ = dtype("bool", np.bool_, _BOOL, 0)
uint8 = dtype("uint8", np.uint8, _INT, 1)
int8 = dtype("int8", np.int8, _INT, 1)
int16 = dtype("int16", np.int16, _INT, 2)
uint16 = dtype("uint16", np.uint16, _INT, 2)
int32 = dtype("int32", np.int32, _INT, 3)
uint32 = dtype("uint32", np.uint32, _INT, 3)
int64 = dtype("int64", np.int64, _INT, 4)
uint64 = dtype("uint64", np.uint64, _INT, 4)
float16 = dtype("float16", np.float16, _FLOAT, 1)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, _FLOAT, 1)
float32 = dtype("float32", np.float32, _FLOAT, 2)
float64 = dtype("float64", np.float64, _FLOAT, 3)
complex64 = dtype("complex64", np.complex64, _COMPLEX, 2)
complex128 = dtype("complex128", np.complex128, _COMPLEX, 3)
float8_e4m3fn = dtype("float8_e4m3fn", ml_dtypes.float8_e4m3fn, _FLOAT, 0)
float8_e5m2 = dtype("float8_e5m2", ml_dtypes.float8_e5m2, _FLOAT, 0)
float8_e4m3fnuz = dtype("float8_e4m3fnuz", ml_dtypes.float8_e4m3fnuz, _FLOAT, 0)
float8_e5m2fnuz = dtype("float8_e5m2fnuz", ml_dtypes.float8_e5m2fnuz, _FLOAT, 0)
float8_e8m0fnu = dtype("float8_e8m0fnu", ml_dtypes.float8_e8m0fnu, _FLOAT, 0)

ALL = [bool_, uint8, int8, int16, uint16, int32, uint32, int64, uint64, float16, bfloat16, float32, float64,
       complex64, complex128, float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu]
# torch's aliases; the canonical name is what repr prints.
ALIASES = {
    "bool": bool_, "uint8": uint8, "int8": int8, "int16": int16, "short": int16, "uint16": uint16,
    "int32": int32, "int": int32, "uint32": uint32, "int64": int64, "long": int64, "uint64": uint64,
    "float16": float16, "half": float16, "bfloat16": bfloat16, "float32": float32, "float": float32,
    "float64": float64, "double": float64, "complex64": complex64, "cfloat": complex64,
    "complex128": complex128, "cdouble": complex128, "float8_e4m3fn": float8_e4m3fn, "float8_e5m2": float8_e5m2,
    "float8_e4m3fnuz": float8_e4m3fnuz, "float8_e5m2fnuz": float8_e5m2fnuz, "float8_e8m0fnu": float8_e8m0fnu,
}

_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


def _dtype_from_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_np(np_dtype) -> dtype:
    """torch dtype of a numpy/JAX dtype (raises TypeError for ones torch lacks)."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        d = np.dtype(np_dtype)
        if d in _BY_NP:
            return _BY_NP[d]
        raise TypeError(f"can't convert np.ndarray of type {d}. The only supported types are: float64, float32, "
                        "float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool.") from None


def to_dtype(obj) -> dtype:
    """Accept a torch dtype, a numpy/JAX dtype, a Python type or a name; return the torch dtype."""
    if isinstance(obj, dtype):
        return obj
    if obj is builtins.float:
        return get_default_dtype()
    if obj is builtins.int:
        return int64
    if obj is builtins.bool:
        return bool_
    if obj is builtins.complex:
        return _default_complex()
    if isinstance(obj, str):
        name = obj[6:] if obj.startswith("torch.") else obj
        if name in ALIASES:
            return ALIASES[name]
    try:
        return from_np(np.dtype(obj))
    except TypeError:
        raise TypeError(f"{obj!r} is not a torch dtype") from None


# ---------------------------------------------------------------------------------------------
# default dtype

_default_float = float32


def get_default_dtype() -> dtype:
    return _default_float


def set_default_dtype(d: dtype) -> None:
    global _default_float
    d = to_dtype(d)
    if not d.is_floating_point or d not in (float16, bfloat16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d
    from ._ops import _promote  # its cached result dtypes depend on the default dtype

    _promote.clear_cache()


def _default_complex() -> dtype:
    return complex128 if _default_float is float64 else complex64


# ---------------------------------------------------------------------------------------------
# promotion


# c10 ScalarType names, which torch's error messages use
SCALAR_NAMES = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
    "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "float16": "Half", "bfloat16": "BFloat16",
    "float32": "Float", "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble",
    "float8_e4m3fn": "Float8_e4m3fn", "float8_e5m2": "Float8_e5m2",
}
_BIG_UNSIGNED = ("uint16", "uint32", "uint64")


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: the smallest dtype both can be cast to without losing category."""
    if a is b:
        return a
    if a._rank == 0 and a._category == _FLOAT or b._rank == 0 and b._category == _FLOAT:
        raise RuntimeError(f"Promotion for Float8 Types is not supported, attempted to promote "
                           f"{SCALAR_NAMES[a.name]} and {SCALAR_NAMES[b.name]}")
    if a.name in _BIG_UNSIGNED or b.name in _BIG_UNSIGNED:
        # torch only promotes uint16/32/64 with real floating types
        other = b if a.name in _BIG_UNSIGNED else a
        if other._category != _FLOAT:
            raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                               f"{SCALAR_NAMES[a.name]} and {SCALAR_NAMES[b.name]}")
        return other
    ca, cb = a._category, b._category
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if hi._category == _COMPLEX and lo is float64:
            return complex128
        return hi
    if ca == _BOOL:
        return a
    if ca == _INT:
        ua, ub = not a.is_signed, not b.is_signed
        if ua == ub:
            return a if a._rank >= b._rank else b
        u, s = (a, b) if ua else (b, a)
        if u is uint8:
            return s if s._rank > 1 else int16
        return s  # only uint8 is left here (the wider unsigned types were handled above)
    if ca == _FLOAT:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank >= b._rank else b
    return a if a._rank >= b._rank else b


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # Mirrors the rule torch's ResultTypeState uses between its three priority classes.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._category == _COMPLEX:
        return higher
    if lower._category == _COMPLEX:
        if higher._category == _FLOAT:
            return higher.to_complex()
        return lower
    if higher._category == _FLOAT:
        return higher
    if higher is bool_ or lower._category == _FLOAT:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(x) -> dtype:
    """The dtype a Python number takes when it is a tensor of its own (torch.tensor(x))."""
    if isinstance(x, builtins.bool):
        return bool_
    if isinstance(x, builtins.int):
        return int64
    if isinstance(x, builtins.float):
        return _default_float
    if isinstance(x, builtins.complex):
        return _default_complex()
    if isinstance(x, (np.generic, np.ndarray)):
        return from_np(x.dtype)
    raise TypeError(f"unsupported scalar type {type(x).__name__}")


def result_type_of(dims: list[dtype], zeros: list[dtype], scalars: list) -> dtype:
    """Promote operands the way torch does: tensors with dimensions, then 0-d tensors, then Python
    numbers; a lower class only matters when its category (bool<int<float<complex) is higher."""
    dim_r = zero_r = wrapped_r = None
    for d in dims:
        dim_r = d if dim_r is None else promote_types(dim_r, d)
    for d in zeros:
        zero_r = d if zero_r is None else promote_types(zero_r, d)
    for s in scalars:
        d = scalar_dtype(s)
        wrapped_r = d if wrapped_r is None else promote_types(wrapped_r, d)
    return _combine_categories(dim_r, _combine_categories(zero_r, wrapped_r))


def can_cast(from_: dtype, to: dtype) -> bool:
    """torch.can_cast: same-kind casting (no category downgrade)."""
    return from_._category <= to._category


def jnp_dtype(d: dtype):
    return d.np


def is_inexact_np(np_dtype) -> bool:
    return jnp.issubdtype(np_dtype, jnp.inexact)
