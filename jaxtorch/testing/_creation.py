"""torch.testing.make_tensor: a tensor of random values in a dtype's default range, for tests.

Values are uniform in [low, high) with torch's defaults per dtype (bool [0, 2), unsigned [0, 10), signed
[-9, 10), floating and complex [-9, 9)) and torch's clamping and argument checks; they come from jaxtorch's
generator (seeded by `torch.manual_seed`), so they are reproducible but not bit-identical to torch's.
"""

from __future__ import annotations

import collections.abc
import math
import warnings

from .. import _dtype as _dt

__all__ = ["make_tensor"]

_INTEGRAL = (_dt.uint8, _dt.int8, _dt.int16, _dt.int32, _dt.int64, _dt.uint16, _dt.uint32, _dt.uint64)
_FLOATING = (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64)
_FLOAT8 = (_dt.float8_e4m3fn, _dt.float8_e5m2)
_COMPLEX = (_dt.complex64, _dt.complex128)


def _uniform_(t, low: float, high: float):
    from .._info import finfo

    # uniform_ needs high - low to be finite in the dtype: draw half the range and double it
    if high - low >= finfo(t.dtype).max:
        return t.uniform_(low / 2, high / 2).mul_(2)
    return t.uniform_(low, high)


def make_tensor(
    *shape,
    dtype,
    device,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format=None,
):
    """A tensor of `shape` filled with values drawn uniformly from [low, high) (see the module docstring).

    `noncontiguous=True` returns a strided view (every other element of a tensor twice as wide in the last
    dimension); `exclude_zero=True` replaces zeros by 1 (integers, bool) or the dtype's smallest normal value.
    """
    import jaxtorch

    from .._info import finfo, iinfo

    def bounds(low, high, *, lowest: float, highest: float, default_low: float, default_high: float):
        low = default_low if low is None else low
        high = default_high if high is None else high
        if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
            raise ValueError(f"`low` and `high` cannot be NaN, but got {low=} and {high=}")
        elif low == high and dtype in _FLOATING + _COMPLEX:
            warnings.warn(
                "Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is "
                "deprecated since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.",
                FutureWarning,
                stacklevel=3,
            )
        elif low >= high:
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        elif high < lowest or low >= highest:
            raise ValueError(
                f"The value interval specified by `low` and `high` is [{low}, {high}), "
                f"but {dtype} only supports [{lowest}, {highest})"
            )
        low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
        if dtype is _dt.bool_ or dtype in _INTEGRAL:
            # randint's upper bound is exclusive, so both ends round up
            return math.ceil(low), math.ceil(high)
        return low, high

    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(
            f"The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
            f"{noncontiguous=} and {memory_format=}"
        )
    if requires_grad and (dtype is _dt.bool_ or dtype in _INTEGRAL):
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, but got {dtype=}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:
        # twice as wide, so the strided view does not see one value repeated
        shape = (*shape[:-1], 2 * shape[-1])

    if dtype is _dt.bool_:
        low, high = bounds(low, high, lowest=0, highest=2, default_low=0, default_high=2)
        result = jaxtorch.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _INTEGRAL:
        info = iinfo(dtype)
        # randint cannot reach int64's maximum (its bounds are int64), hence no +1 there
        low, high = bounds(
            low, high, lowest=info.min, highest=info.max + (dtype is not _dt.int64), default_low=-9, default_high=10
        )
        result = jaxtorch.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _FLOATING + _COMPLEX:
        info = finfo(dtype)
        low, high = bounds(low, high, lowest=info.min, highest=info.max, default_low=-9, default_high=9)
        if dtype in _COMPLEX:
            parts = _uniform_(jaxtorch.empty((*shape, 2), device=device, dtype=dtype.to_real()), low, high)
            # a copy, not the view: exclude_zero below writes into the result
            result = jaxtorch.view_as_complex(parts).clone()
        else:
            result = _uniform_(jaxtorch.empty(shape, device=device, dtype=dtype), low, high)
    elif dtype in _FLOAT8:
        info = finfo(dtype)
        low, high = bounds(low, high, lowest=info.min, highest=info.max, default_low=-9, default_high=9)
        result = _uniform_(jaxtorch.empty(shape, device=device, dtype=_dt.float32), low, high).to(dtype)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor().")

    if noncontiguous:
        # starting at 1 also catches kernels that ignore a view's offset
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if (dtype is _dt.bool_ or dtype in _INTEGRAL) else finfo(dtype).tiny
    if dtype in _FLOATING + _COMPLEX:
        result.requires_grad = requires_grad
    return result
