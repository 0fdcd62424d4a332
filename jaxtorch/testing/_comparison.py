"""torch.testing.assert_close / assert_allclose: compare tensors, numbers and nested containers of them.

The rules and the error text are torch's: the inputs are walked in step (sequences by position, mappings by
sorted key), every leaf pair is checked first for what it is (None, bool, Python/numpy number, tensor-like),
then compared; the first failing leaf raises, naming the item path ("The failure occurred for item [1]").
Tensor-likes are jaxtorch Tensors and anything `as_tensor` accepts (numpy arrays), and the two inputs must be
of directly related types. Closeness is `|actual - expected| <= atol + rtol * |expected|` evaluated in the
dtype of the tensors, as torch.isclose does, with torch's default tolerances per dtype.

Values are compared on the host in numpy (the tensors' payloads are fetched once): assertions run in tests,
where compiling an XLA program for every new shape would cost far more than the comparison itself.
"""

from __future__ import annotations

import collections.abc
import contextlib
import warnings
from typing import Any, Callable

import numpy as np

from .. import _dtype as _dt

__all__ = ["assert_close", "assert_allclose", "default_tolerances", "get_tolerances"]

# (rtol, atol) per dtype; any dtype not listed (integers, bool, float8) is compared exactly.
_DTYPE_PRECISIONS = {
    _dt.float16: (0.001, 1e-5),
    _dt.bfloat16: (0.016, 1e-5),
    _dt.float32: (1.3e-6, 1e-5),
    _dt.float64: (1e-7, 1e-7),
    _dt.complex64: (1.3e-6, 1e-5),
    _dt.complex128: (1e-7, 1e-7),
}

# A Python number is compared with the tolerances of the dtype torch gives it.
_NUMBER_DTYPES = {int: _dt.int64, float: _dt.float64, complex: _dt.complex128}


class _Mismatch(Exception):
    """A failed check: the exception type and text to raise, and the path of the item inside the inputs."""

    def __init__(self, kind: type[Exception], msg: str, *, id: tuple = ()) -> None:
        super().__init__(msg)
        self.kind, self.msg, self.id = kind, msg, id

    def to_error(self, msg: str | Callable[[str], str] | None = None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.msg
        if self.id:
            text += f"\n\nThe failure occurred for item {''.join(str([item]) for item in self.id)}"
        return self.kind(msg(text) if callable(msg) else text)


class _Unsupported(Exception):
    """This leaf kind cannot handle the inputs; the next one is tried."""


def default_tolerances(*inputs: Any, dtype_precisions: dict | None = None) -> tuple[float, float]:
    """The loosest (rtol, atol) of the inputs' dtypes (tensors or dtypes)."""
    from .._tensor import Tensor

    dtypes = []
    for x in inputs:
        if isinstance(x, Tensor):
            dtypes.append(x.dtype)
        elif isinstance(x, _dt.dtype):
            dtypes.append(x)
        else:
            raise TypeError(f"Expected a torch.Tensor or a torch.dtype, but got {type(x)} instead.")
    table = dtype_precisions or _DTYPE_PRECISIONS
    rtols, atols = zip(*[table.get(d, (0.0, 0.0)) for d in dtypes])
    return max(rtols), max(atols)


def _tolerances(dtypes, rtol, atol, id: tuple, table: dict | None = None) -> tuple[float, float]:
    if (rtol is None) ^ (atol is None):
        # Both or neither: atol=0 alone would silently still pass through the default rtol.
        raise _Mismatch(
            ValueError,
            f"Both 'rtol' and 'atol' must be either specified or omitted, "
            f"but got no {'rtol' if rtol is None else 'atol'}.",
            id=id,
        )
    if rtol is not None:
        return rtol, atol
    table = table or _DTYPE_PRECISIONS
    rtols, atols = zip(*[table.get(d, (0.0, 0.0)) for d in dtypes])
    return max(rtols), max(atols)


def get_tolerances(*inputs: Any, rtol: float | None, atol: float | None, id: tuple = ()) -> tuple[float, float]:
    """(rtol, atol): the given pair, or the inputs' defaults when both are None."""
    try:
        if rtol is not None and atol is not None:
            return rtol, atol
        dtypes = [x if isinstance(x, _dt.dtype) else x.dtype for x in inputs]
        return _tolerances(dtypes, rtol, atol, id)
    except _Mismatch as m:
        raise m.to_error() from None


# --------------------------------------------------------------------------------------------------------------
# messages


def _mismatch_msg(
    identifier, default: str, extra: str | None, abs_diff, abs_idx, atol: float, rel_diff, rel_idx, rtol: float
) -> str:
    equality = rtol == 0 and atol == 0
    if identifier is None:
        identifier = default
    elif callable(identifier):
        identifier = identifier(default)
    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        msg += f"{extra.strip()}\n"
    for kind, diff, idx, tol in (("absolute", abs_diff, abs_idx, atol), ("relative", rel_diff, rel_idx, rtol)):
        if idx is None:
            line = f"{kind.title()} difference: {diff}"
        else:
            line = f"Greatest {kind} difference: {diff} at index {idx}"
        if not equality:
            line += f" (up to {tol} allowed)"
        msg += line + "\n"
    return msg.strip()


def _scalar_mismatch_msg(actual, expected, *, rtol: float, atol: float, identifier=None) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg(
        identifier, "Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol, rel_diff, None, rtol
    )


def _py(x):
    """A numpy scalar as the Python number torch's `.item()` would give (ml_dtypes scalars included)."""
    kind = np.asarray(x).dtype.kind
    return bool(x) if kind == "b" else int(x) if kind in "iu" else complex(x) if kind == "c" else float(x)


def _index(flat: int, shape: tuple) -> tuple:
    return tuple(int(i) for i in np.unravel_index(int(flat), shape)) if shape else ()


def _tensor_mismatch_msg(
    a: np.ndarray, e: np.ndarray, matches: np.ndarray, dtype, *, rtol: float, atol: float, identifier=None
) -> str:
    n = matches.size
    bad = n - int(matches.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    if dtype.is_floating_point and dtype.itemsize == 1:
        # float8 values are compared bit for bit: report where, not by how much
        first = _index(np.flatnonzero(~matches)[0], matches.shape)
        ident = identifier("Tensor-likes") if callable(identifier) else identifier or "Tensor-likes"
        return f"{ident} are not 'equal'!\n\n{extra}\nThe first mismatched element is at index {first}."
    a, e, hits = a.reshape(-1), e.reshape(-1), matches.reshape(-1)
    if not (dtype.is_floating_point or dtype.is_complex):
        a, e = a.astype(np.int64), e.astype(np.int64)  # no wrap-around in the differences
    with np.errstate(all="ignore"):
        abs_diff = np.abs(a - e)
        abs_diff[hits] = 0
        abs_idx = int(np.argmax(abs_diff))
        # torch divides integers in the default float dtype
        quotient_dtype = _dt.get_default_dtype().np if abs_diff.dtype.kind in "iu" else abs_diff.dtype
        rel_diff = abs_diff.astype(quotient_dtype) / np.abs(e).astype(quotient_dtype)
        rel_diff[hits] = 0
        rel_idx = int(np.argmax(rel_diff))
    return _mismatch_msg(
        identifier,
        "Tensor-likes",
        extra,
        _py(abs_diff[abs_idx]),
        _index(abs_idx, matches.shape),
        atol,
        _py(rel_diff[rel_idx]),
        _index(rel_idx, matches.shape),
        rtol,
    )


# --------------------------------------------------------------------------------------------------------------
# leaf pairs: each checks on construction whether it handles the inputs, and compares in compare()


class _NonePair:
    def __init__(self, actual, expected, *, id: tuple, **options) -> None:
        if not (actual is None or expected is None):
            raise _Unsupported
        self.actual, self.expected, self.id = actual, expected, id

    def compare(self) -> None:
        if not (self.actual is None and self.expected is None):
            raise _Mismatch(AssertionError, f"None mismatch: {self.actual} is not {self.expected}", id=self.id)


class _BooleanPair:
    def __init__(self, actual, expected, *, id: tuple, **options) -> None:
        if not all(isinstance(x, (bool, np.bool_)) for x in (actual, expected)):
            raise _Unsupported
        self.actual, self.expected = bool(actual), bool(expected)
        self.id = id

    def compare(self) -> None:
        if self.actual is not self.expected:
            raise _Mismatch(AssertionError, f"Booleans mismatch: {self.actual} is not {self.expected}", id=self.id)


class _NumberPair:
    def __init__(
        self,
        actual,
        expected,
        *,
        id: tuple,
        rtol=None,
        atol=None,
        equal_nan: bool = False,
        check_dtype: bool = False,
        **options,
    ) -> None:
        kinds = (int, float, complex, np.number)
        if not all(isinstance(x, kinds) for x in (actual, expected)):
            raise _Unsupported
        self.actual, self.expected = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
        self.id = id
        try:
            dtypes = [_NUMBER_DTYPES[type(x)] for x in (self.actual, self.expected)]
        except KeyError:
            # bool against a number (torch fails the same way, with RuntimeError)
            raise RuntimeError(
                f"Comparing {type(actual).__name__}() {actual!r} with {type(expected).__name__}() "
                f"{expected!r} at item {''.join(str([i]) for i in id)} is not supported: a bool is "
                "only compared with a bool"
            ) from None
        self.rtol, self.atol = _tolerances(dtypes, rtol, atol, id)
        self.equal_nan, self.check_dtype = equal_nan, check_dtype

    def compare(self) -> None:
        import cmath  # only when numbers are compared: a C extension load at import would cost every user

        a, e = self.actual, self.expected
        if self.check_dtype and type(a) is not type(e):
            raise _Mismatch(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.", id=self.id)
        if a == e:
            return
        if self.equal_nan and cmath.isnan(a) and cmath.isnan(e):
            return
        abs_diff = abs(a - e)
        if cmath.isfinite(abs_diff) and abs_diff <= self.atol + self.rtol * abs(e):
            return
        raise _Mismatch(AssertionError, _scalar_mismatch_msg(a, e, rtol=self.rtol, atol=self.atol), id=self.id)


class _TensorInfo:
    """What the comparison needs of a tensor-like, with its values on the host."""

    __slots__ = ("shape", "dtype", "device", "layout", "stride", "values")

    def __init__(self, x) -> None:
        from .._device import device
        from .._tensor import Size, Tensor

        if not isinstance(x, (Tensor, np.ndarray)):
            from .._ops.creation import as_tensor

            try:
                x = as_tensor(x)
            except Exception:
                raise _Unsupported from None
        if isinstance(x, Tensor):
            self.shape, self.dtype, self.device = x.shape, x.dtype, x.device
            self.layout, self.stride = x.layout, tuple(x.stride())
            self.values = np.asarray(x.detach())
            return
        try:
            self.dtype = _dt.from_np(x.dtype)
        except TypeError:
            raise _Unsupported from None
        self.shape, self.device, self.layout = Size(x.shape), device("cpu"), "torch.strided"
        self.stride = tuple(s // x.itemsize for s in x.strides)
        self.values = x

    def is_scalar(self) -> bool:
        return len(self.shape) == 0


def _isclose(a: np.ndarray, e: np.ndarray, dtype, rtol: float, atol: float, equal_nan: bool) -> np.ndarray:
    """torch.isclose in numpy, step by step in the dtypes torch computes in."""
    with np.errstate(all="ignore"):
        close = a == e
        if equal_nan and (dtype.is_floating_point or dtype.is_complex):
            close |= np.isnan(a) & np.isnan(e)
        if rtol == 0 and atol == 0:
            return close
        if dtype.is_floating_point or dtype.is_complex:
            # half types are computed in float32 and rounded after each op, as torch's CPU kernels do
            work = np.float32 if dtype.itemsize <= 2 else None
            real = np.dtype(dtype.to_real().np)
            if work is not None:
                af, ef = a.astype(work), e.astype(work)
                allowed = (work(atol) + np.abs(work(rtol) * ef).astype(real).astype(work)).astype(real)
                error = np.abs((af - ef).astype(dtype.np).astype(work)).astype(real)
            else:
                allowed = (real.type(atol) + np.abs(real.type(rtol) * e)).astype(real)
                error = np.abs(a - e)
        else:
            # integers and bools: the tolerance is a tensor of the default float dtype
            work = _dt.get_default_dtype().np.type
            if dtype is _dt.bool_:
                a, e = a.astype(work), e.astype(work)
                error = np.abs(a - e)
            else:
                error = np.abs(a - e).astype(work)
            allowed = work(atol) + np.abs(work(rtol) * e.astype(work))
        close |= np.isfinite(error) & (error <= allowed)
    return close


class _TensorLikePair:
    def __init__(
        self,
        actual,
        expected,
        *,
        id: tuple,
        allow_subclasses: bool = True,
        rtol=None,
        atol=None,
        equal_nan: bool = False,
        check_device: bool = True,
        check_dtype: bool = True,
        check_layout: bool = True,
        check_stride: bool = False,
        **options,
    ) -> None:
        if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
            raise _Unsupported
        if not allow_subclasses and type(actual) is not type(expected):
            raise _Unsupported
        self.actual, self.expected = _TensorInfo(actual), _TensorInfo(expected)
        self.id = id
        self.rtol, self.atol = _tolerances([self.actual.dtype, self.expected.dtype], rtol, atol, id)
        self.equal_nan = equal_nan
        self.check_device, self.check_dtype = check_device, check_dtype
        self.check_layout, self.check_stride = check_layout, check_stride

    def _fail_attr(self, name: str, a, e):
        raise _Mismatch(AssertionError, f"The values for attribute '{name}' do not match: {a} != {e}.", id=self.id)

    def compare(self) -> None:
        a, e = self.actual, self.expected
        if a.shape != e.shape:
            self._fail_attr("shape", a.shape, e.shape)
        if a.layout != e.layout:
            if self.check_layout:
                self._fail_attr("layout", a.layout, e.layout)
        elif self.check_stride and a.stride != e.stride:
            self._fail_attr("stride()", a.stride, e.stride)
        if self.check_device and a.device != e.device:
            self._fail_attr("device", a.device, e.device)
        if self.check_dtype and a.dtype != e.dtype:
            self._fail_attr("dtype", a.dtype, e.dtype)

        av, ev, dtype = a.values, e.values, a.dtype
        if a.dtype != e.dtype:
            # torch compares in the promoted dtype, reading the big unsigned types as int64
            big = ("uint16", "uint32", "uint64")
            da = _dt.int64 if a.dtype.name in big else a.dtype
            de = _dt.int64 if e.dtype.name in big else e.dtype
            dtype = _dt.promote_types(da, de)
            av, ev = av.astype(dtype.np), ev.astype(dtype.np)
        self._compare_values(av, ev, dtype)

    def _compare_values(self, av: np.ndarray, ev: np.ndarray, dtype) -> None:
        rtol, atol = self.rtol, self.atol
        if dtype.is_floating_point and dtype.itemsize == 1 and (rtol != 0.0 or atol != 0.0):
            raise _Mismatch(
                AssertionError,
                f"Rtol={rtol} and atol={atol} are not supported for bitwise comparison "
                "of low dimensional floats. Please use rtol=0.0 and atol=0.0.",
            )
        matches = _isclose(av, ev, dtype, rtol, atol, self.equal_nan)
        if matches.all():
            return
        if av.shape == ():
            msg = _scalar_mismatch_msg(_py(av[()]), _py(ev[()]), rtol=rtol, atol=atol)
        else:
            msg = _tensor_mismatch_msg(av, ev, matches, dtype, rtol=rtol, atol=atol)
        raise _Mismatch(AssertionError, msg, id=self.id)


_PAIRS = (_NonePair, _BooleanPair, _NumberPair, _TensorLikePair)


def _originate(actual, expected, id: tuple, options: dict) -> list:
    """Walk both inputs in step; return one comparison pair per leaf. Structural mismatches raise here."""
    seq, mapping = collections.abc.Sequence, collections.abc.Mapping
    if (
        isinstance(actual, seq)
        and not isinstance(actual, str)
        and isinstance(expected, seq)
        and not isinstance(expected, str)
    ):
        if len(actual) != len(expected):
            raise _Mismatch(
                AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", id=id
            )
        pairs = []
        for i in range(len(actual)):
            pairs += _originate(actual[i], expected[i], (*id, i), options)
        return pairs
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        a_keys, e_keys = set(actual.keys()), set(expected.keys())
        if a_keys != e_keys:
            raise _Mismatch(
                AssertionError,
                f"The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(e_keys - a_keys)}\n"
                f"Additional keys in the actual mapping: {sorted(a_keys - e_keys)}",
                id=id,
            )
        keys: Any = a_keys
        with contextlib.suppress(Exception):  # a deterministic order where the keys can be sorted
            keys = sorted(keys)
        pairs = []
        for k in keys:
            pairs += _originate(actual[k], expected[k], (*id, k), options)
        return pairs
    for pair_type in _PAIRS:
        try:
            return [pair_type(actual, expected, id=id, **options)]
        except _Unsupported:
            continue
    raise _Mismatch(
        TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.", id=id
    )


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Assert that `actual` and `expected` are close (torch.testing.assert_close).

    Tensors must agree in shape and, unless the matching check is off, device, dtype, layout and stride; their
    values must satisfy `|actual - expected| <= atol + rtol * |expected|` element-wise (non-finite values only
    when equal; NaNs when `equal_nan`). Omitted tolerances default per dtype (float32: rtol 1.3e-6, atol 1e-5;
    float64: 1e-7, 1e-7; integers and bool: exact). Sequences and mappings are compared element by element.
    `msg` replaces the message, or (a callable) rewrites it.
    """
    __tracebackhide__ = True
    options = dict(
        allow_subclasses=allow_subclasses,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_device=check_device,
        check_dtype=check_dtype,
        check_layout=check_layout,
        check_stride=check_stride,
    )
    try:
        pairs = _originate(actual, expected, (), options)
    except _Mismatch as m:
        raise m.to_error() from None
    for pair in pairs:
        try:
            pair.compare()
        except _Mismatch as m:
            raise m.to_error(msg) from None


def assert_allclose(
    actual: Any,
    expected: Any,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
    msg: str = "",
) -> None:
    """Deprecated since torch 1.12: use assert_close. Compares with dtype promotion and NaN == NaN by default."""
    from .._ops.creation import tensor
    from .._tensor import Tensor

    warnings.warn(
        "`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
        "release. Please use `torch.testing.assert_close()` instead. You can find detailed upgrade "
        "instructions in https://github.com/pytorch/pytorch/issues/61844.",
        FutureWarning,
        stacklevel=2,
    )
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = default_tolerances(
            actual,
            expected,
            dtype_precisions={_dt.float16: (1e-3, 1e-3), _dt.float32: (1e-4, 1e-5), _dt.float64: (1e-5, 1e-8)},
        )
    assert_close(
        actual,
        expected,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_device=True,
        check_dtype=False,
        check_stride=False,
        msg=msg or None,
    )
