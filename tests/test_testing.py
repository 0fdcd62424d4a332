"""torch.testing against real torch: assert_close's verdicts and messages, assert_allclose, make_tensor."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import torch

import jaxtorch
import jaxtorch.testing as jtesting


def _outcome(lib, testing, make, kwargs):
    """What assert_close does with the inputs `make(lib)` builds: None, or (exception type name, message)."""
    actual, expected = make(lib)
    try:
        testing.assert_close(actual, expected, **kwargs)
    except Exception as e:  # noqa: BLE001 - the exception itself is the result under test
        return type(e).__name__, str(e)
    return None


def _same(make, **kwargs):
    want = _outcome(torch, torch.testing, make, kwargs)
    got = _outcome(jaxtorch, jtesting, make, kwargs)
    assert got == want


# Each case builds (actual, expected) with either library; verdict and message must be torch's.
CASES = {
    "float_close": (lambda T: (T.tensor([1.0, 2.0, 3.0]), T.tensor([1.0, 2.0 + 1e-6, 3.0])), {}),
    "float_mismatch": (lambda T: (T.tensor([1.0, 2.0, 3.0]), T.tensor([1.0, 2.5, 3.0])), {}),
    "float_2d": (lambda T: (T.tensor([[1.0, 2.0], [3.0, 4.0]]), T.tensor([[1.0, 2.5], [3.0, 5.0]])), {}),
    "all_differ_zero_expected": (lambda T: (T.ones(2, 3), T.zeros(2, 3)), {}),
    "int_equal_required": (lambda T: (T.tensor([1, 2, 3]), T.tensor([1, 2, 4])), {}),
    "int_with_tolerance": (lambda T: (T.tensor([0, 1, 2, 7]), T.tensor([3, 1, 3, 0])), dict(rtol=0.1, atol=0.0)),
    "uint8_no_wraparound": (lambda T: (T.tensor([1, 2], dtype=T.uint8), T.tensor([1, 5], dtype=T.uint8)), {}),
    "bool_tensor": (lambda T: (T.tensor([True, False]), T.tensor([True, True])), {}),
    "bool_with_tolerance": (lambda T: (T.tensor([True]), T.tensor([False])), dict(rtol=0.5, atol=0.5)),
    "float16": (lambda T: (T.tensor([1.0, 2.0], dtype=T.float16), T.tensor([1.0, 2.01], dtype=T.float16)), {}),
    "bfloat16": (lambda T: (T.tensor([1.0, 2.0], dtype=T.bfloat16), T.tensor([1.0, 2.1], dtype=T.bfloat16)), {}),
    "float64_default_tolerance": (
        lambda T: (T.tensor([1.0, 2.0], dtype=T.float64), T.tensor([1.0, 2.0 + 1e-6], dtype=T.float64)),
        {},
    ),
    "float8_bitwise": (
        lambda T: (T.tensor([1.0, 2.0]).to(T.float8_e4m3fn), T.tensor([1.0, 3.0]).to(T.float8_e4m3fn)),
        {},
    ),
    "complex": (lambda T: (T.tensor([1.0 + 1j]), T.tensor([1.0 + 2j])), {}),
    "inf_vs_minus_inf": (lambda T: (T.tensor([1.0, float("inf")]), T.tensor([1.0, float("-inf")])), {}),
    "nan_unequal": (lambda T: (T.tensor([float("nan")]), T.tensor([float("nan")])), {}),
    "nan_equal": (lambda T: (T.tensor([float("nan")]), T.tensor([float("nan")])), dict(equal_nan=True)),
    "zero_dim_scalars": (lambda T: (T.tensor(1.0), T.tensor(2.0)), {}),
    "zero_dim_bool": (lambda T: (T.tensor(True), T.tensor(False)), {}),
    "empty": (lambda T: (T.zeros(0), T.zeros(0)), {}),
    "dtype_mismatch": (lambda T: (T.tensor([1.0, 2.0]), T.tensor([1, 2])), {}),
    "dtype_promoted": (lambda T: (T.tensor([1.0, 2.0]), T.tensor([1, 3])), dict(check_dtype=False)),
    "int32_vs_int64": (lambda T: (T.tensor([3, 1], dtype=T.int32), T.tensor([1, 1])), dict(check_dtype=False)),
    "shape_mismatch": (lambda T: (T.tensor([1.0, 2.0, 3.0]), T.tensor([1.0, 2.0])), {}),
    "stride_mismatch": (
        lambda T: (T.arange(6.0).reshape(2, 3).t(), T.arange(6.0).reshape(2, 3).t().contiguous()),
        dict(check_stride=True),
    ),
    "explicit_tolerances": (
        lambda T: (T.tensor([1.0, 2.0, 3.0]), T.tensor([1.0, 2.001, 3.0])),
        dict(rtol=1e-4, atol=1e-5),
    ),
    "rtol_without_atol": (lambda T: (T.tensor([1.0]), T.tensor([1.0])), dict(rtol=1e-3)),
    "large_values": (lambda T: (T.tensor([1e10, 1.0]), T.tensor([1.0001e10, 1.0])), {}),
    "msg_string": (lambda T: (T.tensor([1.0, 2.0]), T.tensor([1.0, 2.5])), dict(msg="custom")),
    "msg_callable": (lambda T: (T.tensor([1.0, 2.0]), T.tensor([1.0, 2.5])), dict(msg=lambda m: f"Header\n\n{m}")),
    "parameter_vs_tensor": (lambda T: (T.nn.Parameter(T.ones(2)), T.ones(2)), {}),
    # Python and numpy values
    "python_floats": (lambda T: (1.0, 1.1), {}),
    "python_ints": (lambda T: (1, 2), {}),
    "int_vs_float": (lambda T: (1, 1.0), {}),
    "int_vs_float_unchecked": (lambda T: (1, 1.0), dict(check_dtype=False)),
    "booleans": (lambda T: (True, False), {}),
    "none_vs_none": (lambda T: (None, None), {}),
    "none_vs_int": (lambda T: (None, 1), {}),
    "strings": (lambda T: ("a", "b"), {}),
    "numpy_arrays": (lambda T: (np.array([1.0, 2.0]), np.array([1.0, 2.5])), {}),
    "numpy_0d": (lambda T: (np.array(1.0), np.array(1.1)), {}),
    "numpy_scalars": (lambda T: (np.float32(1.0), np.float32(1.1)), {}),
    "numpy_strings": (lambda T: (np.array(["a"]), np.array(["a"])), {}),
    # containers
    "sequence_item": (lambda T: ([1.0, T.tensor(2.0)], [1.0, T.tensor(2.1)]), {}),
    "sequence_length": (lambda T: ([1, 2], [1, 2, 3]), {}),
    "sequence_shape_msg": (lambda T: ([T.ones(2)], [T.ones(3)]), dict(msg="m")),
    "tuple_vs_list": (lambda T: ((T.ones(2), 2.0), [T.ones(2), 2.0]), {}),
    "mapping_item": (lambda T: ({"a": T.tensor(1.0)}, {"a": T.tensor(1.5)}), {}),
    "mapping_keys": (lambda T: ({"a": T.tensor(1.0)}, {"b": T.tensor(1.5)}), {}),
    "nested_mapping": (lambda T: ({"b": 1, "a": [1.0, 2.0]}, collections.OrderedDict(a=[1.0, 3.0], b=1)), {}),
    "size": (lambda T: (T.Size([2, 3]), T.Size([2, 4])), {}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_assert_close_matches_torch(name):
    make, kwargs = CASES[name]
    _same(make, **kwargs)


def test_assert_close_type_errors_name_the_types():
    # torch and jaxtorch classes print differently; the rest of the message is torch's
    with pytest.raises(
        TypeError,
        match=r"No comparison pair was able to handle inputs of type <class "
        r"'jaxtorch.nn.parameter.Parameter'> and <class 'jaxtorch._tensor.Tensor'>",
    ):
        jtesting.assert_close(jaxtorch.nn.Parameter(jaxtorch.ones(2)), jaxtorch.ones(2), allow_subclasses=False)
    with pytest.raises(TypeError, match="No comparison pair"):
        jtesting.assert_close(jaxtorch.ones(2), np.ones(2, np.float32))


def test_assert_close_unknown_keyword():
    with pytest.raises(TypeError, match="unexpected keyword argument 'unknown'"):
        jtesting.assert_close(1.0, 1.0, unknown=1)


def test_assert_close_default_float32_tolerance_boundary():
    # 1e-5 + 1.3e-6 * |expected| is allowed, a little more is not (the same verdict as torch)
    for delta in (1.1e-5, 1.2e-5):
        _same(lambda T, d=delta: (T.tensor([1.0 + d]), T.tensor([1.0])))


def test_assert_allclose_deprecated_and_loose():
    for lib, testing in ((torch, torch.testing), (jaxtorch, jtesting)):
        with pytest.warns(FutureWarning, match="assert_allclose"):
            testing.assert_allclose(lib.tensor([1.0, 2.00001]), [1.0, 2.0])  # rtol 1e-4 for float32
        with pytest.warns(FutureWarning), pytest.raises(AssertionError, match="Tensor-likes are not close"):
            testing.assert_allclose(lib.tensor([1.0, 2.1]), [1.0, 2.0])
        with pytest.warns(FutureWarning):
            testing.assert_allclose(lib.tensor([float("nan")]), [float("nan")])  # equal_nan defaults to True


# ------------------------------------------------------------------------------------------------------------
# make_tensor

# one dtype or two of each kind (each new dtype costs XLA compiles; the range rules are per kind)
DTYPES = ["bool", "uint8", "int8", "int64", "uint32", "float16", "bfloat16", "float64", "complex64", "float8_e4m3fn"]


def _np(t) -> np.ndarray:
    """The values as float64 (complex: real and imaginary parts), read on the host (no compile per dtype)."""
    a = (
        t.detach().numpy()
        if isinstance(t, torch.Tensor) and t.dtype not in (torch.bfloat16, torch.float8_e4m3fn, torch.float8_e5m2)
        else None
    )
    if a is None:
        a = t.detach().double().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach())
    a = np.asarray(a)
    if a.dtype.kind == "c":
        a = np.stack([a.real, a.imag])
    return a.astype(np.float64)


def _range(t):
    """(min, max) of a tensor's values (real and imaginary parts for complex) as Python floats."""
    a = _np(t)
    return float(a.min()), float(a.max())


@pytest.mark.parametrize("name", DTYPES)
def test_make_tensor_default_ranges(name):
    jaxtorch.manual_seed(0)
    j = jtesting.make_tensor(400, dtype=getattr(jaxtorch, name), device="cpu")
    t = torch.testing.make_tensor(400, dtype=getattr(torch, name), device="cpu")
    assert repr(j.dtype) == str(t.dtype) and tuple(j.shape) == tuple(t.shape) == (400,)
    # torch's default interval per dtype kind; 400 draws reach close to both ends
    low, high = {"bool": (0, 1), "uint8": (0, 9), "uint16": (0, 9), "uint32": (0, 9), "uint64": (0, 9)}.get(
        name, (-9, 9)
    )
    jmin, jmax = _range(j)
    tmin, tmax = _range(t)
    for lo, hi in ((jmin, jmax), (tmin, tmax)):
        assert low <= lo and hi <= high
        assert lo < low + 1.5 and hi > high - 1.5


def test_make_tensor_shapes_and_flags():
    for shape_args in ((2, 3), ((2, 3),), (jaxtorch.Size([2, 3]),), ([2, 3],)):
        assert tuple(jtesting.make_tensor(*shape_args, dtype=jaxtorch.float32, device="cpu").shape) == (2, 3)
    x = jtesting.make_tensor(3, 4, dtype=jaxtorch.float32, device="cpu", noncontiguous=True, requires_grad=True)
    tx = torch.testing.make_tensor(3, 4, dtype=torch.float32, device="cpu", noncontiguous=True, requires_grad=True)
    assert tuple(x.shape) == (3, 4) and not x.is_contiguous() and x.requires_grad and x.is_leaf
    assert x.stride() == tx.stride()
    # fewer than two elements: noncontiguous is ignored, as in torch
    assert jtesting.make_tensor(1, dtype=jaxtorch.float32, device="cpu", noncontiguous=True).is_contiguous()
    for name in ("int64", "complex64"):
        y = jtesting.make_tensor(400, dtype=getattr(jaxtorch, name), device="cpu", exclude_zero=True, low=-1, high=2)
        assert not (_np(y) == 0).any()
    # a range wider than the dtype's largest value is drawn at half width and doubled
    z = jtesting.make_tensor(400, dtype=jaxtorch.float32, device="cpu", low=-1e39, high=1e39)
    assert np.isfinite(_np(z)).all() and np.abs(_np(z)).max() > 1e37


def test_make_tensor_low_high_clamped_to_dtype():
    j = jtesting.make_tensor(400, dtype=jaxtorch.uint8, device="cpu", low=-100, high=1000)
    t = torch.testing.make_tensor(400, dtype=torch.uint8, device="cpu", low=-100, high=1000)
    assert _range(j)[0] >= 0 and _range(t)[0] >= 0 and _range(j)[1] <= 255


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(low=float("nan")),
        dict(low=3, high=1),
        dict(low=300, high=400),
        dict(requires_grad=True),
        dict(noncontiguous=True, memory_format="contiguous_format"),
    ],
)
def test_make_tensor_errors_match_torch(kwargs):
    def call(lib, testing):
        kw = dict(kwargs)
        if "memory_format" in kw:
            kw["memory_format"] = getattr(lib, kw["memory_format"])
        try:
            testing.make_tensor(2, dtype=lib.uint8, device="cpu", **kw)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
        return None

    assert call(jaxtorch, jtesting) == call(torch, torch.testing) is not None


def test_make_tensor_low_equal_high_warns():
    with pytest.warns(FutureWarning, match="low==high"):
        x = jtesting.make_tensor(3, dtype=jaxtorch.float32, device="cpu", low=1.5, high=1.5)
    assert _np(x).tolist() == [1.5, 1.5, 1.5]


def test_make_tensor_reproducible_under_seed():
    jaxtorch.manual_seed(3)
    a = jtesting.make_tensor(5, dtype=jaxtorch.float32, device="cpu")
    jaxtorch.manual_seed(3)
    b = jtesting.make_tensor(5, dtype=jaxtorch.float32, device="cpu")
    jtesting.assert_close(a, b, rtol=0, atol=0)


def test_filecheck_is_unsupported_when_used():
    with pytest.raises(NotImplementedError, match="FileCheck"):
        jtesting.FileCheck()


def test_public_names():
    public = {n for n in dir(torch.testing) if not n.startswith("_")}
    assert public == {"FileCheck", "assert_allclose", "assert_close", "make_tensor"}
    assert public <= set(dir(jtesting))
