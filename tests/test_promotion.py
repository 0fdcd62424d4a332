"""Type promotion vs real torch: result dtypes of binary/ternary ops over every dtype and operand kind
(n-d tensor, 0-d tensor, Python bool/int/float/complex), promote_types, can_cast, default dtype."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import jaxtorch
from _same import both, compare

# dtypes torch supports for arithmetic on CPU (uint16/32/64 and float8 have no arithmetic kernels there)
ARITH = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
         "complex64", "complex128"]
ALL = ARITH + ["uint16", "uint32", "uint64"]
KINDS = ["nd", "0d", "py"]
SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

_PY = {"bool": True, "int64": 2, "float32": 1.5, "complex64": 1 - 0.5j}


def operand(T, dtype: str, kind: str):
    """An operand of the given kind; a Python scalar's type follows `dtype`'s category."""
    if kind == "py":
        d = getattr(torch, dtype)
        cat = "bool" if d == torch.bool else "complex64" if d.is_complex else "float32" if d.is_floating_point \
            else "int64"
        return _PY[cat]
    vals = np.array([1, 2, 0]) if kind == "nd" else np.array(3)
    return T.tensor(vals.tolist(), dtype=getattr(T, dtype))


def outcome(fn):
    """What fn gives in each library: ('ok', value) or ('err', exception type name)."""
    res = []
    for T in (torch, jaxtorch):
        try:
            res.append(("ok", fn(T)))
        except (RuntimeError, TypeError, NotImplementedError) as e:
            res.append(("err", type(e).__name__, str(e)))
    return res


def check(fn):
    (kt, *t), (kj, *j) = outcome(fn)
    if kt == "ok":
        # jaxtorch has no complex32 (torch's result for float16 with complex Python scalars / 0-d tensors)
        assume(not (isinstance(t[0], torch.Tensor) and t[0].dtype == torch.complex32) and t[0] != torch.complex32)
        assert kj == "ok", f"torch gave {t[0]!r}, jaxtorch raised {j}"
        # values too: float16/bfloat16 results are compared at their own precision
        rtol = 1e-2 if isinstance(t[0], torch.Tensor) and t[0].dtype in (torch.float16, torch.bfloat16) else 1e-6
        compare(t[0], j[0], rtol=rtol, atol=rtol)
    else:
        assert kj == "err", f"torch raised {t}, jaxtorch gave {j[0]!r}"
        assert t[0] == j[0], f"torch raised {t}, jaxtorch raised {j}"


BINARY = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "eq": lambda a, b: a == b,
}

operands = st.tuples(st.sampled_from(ARITH), st.sampled_from(KINDS))


@SETTINGS
@given(a=operands, b=operands, op=st.sampled_from(sorted(BINARY)))
def test_binary_op_result_dtype(a, b, op):
    assume(not (a[1] == "py" and b[1] == "py"))  # two Python numbers never make a tensor
    fn = BINARY[op]
    check(lambda T: fn(operand(T, *a), operand(T, *b)))


@SETTINGS
@given(a=operands, b=operands)
def test_result_type(a, b):
    check(lambda T: T.result_type(operand(T, *a), operand(T, *b)))


@SETTINGS
@given(a=operands, b=operands)
def test_where_result_dtype(a, b):
    check(lambda T: T.where(T.tensor([True, False, True]), operand(T, *a), operand(T, *b)))


@SETTINGS
@given(a=operands, b=operands, c=operands)
def test_triple_promotion(a, b, c):
    """Chained ops (left to right) and a three-tensor op (addcmul promotes all its inputs at once)."""
    assume(not (a[1] == "py" and b[1] == "py"))
    check(lambda T: operand(T, *a) * operand(T, *b) + operand(T, *c))
    # torch has no bool addcmul kernel (jaxtorch computes it); addcmul takes no Python-number inputs
    if "py" not in (a[1], b[1], c[1]) and "bool" not in (a[0], b[0], c[0]):
        check(lambda T: T.addcmul(operand(T, *a), operand(T, *b), operand(T, *c)))


@pytest.mark.parametrize("a", ALL)
def test_promote_types_all_pairs(a):
    for b in ALL:
        check(lambda T: T.promote_types(getattr(T, a), getattr(T, b)))


@pytest.mark.parametrize("a", ALL)
def test_can_cast_all_pairs(a):
    for b in ALL:
        check(lambda T: T.can_cast(getattr(T, a), getattr(T, b)))


@pytest.mark.parametrize("a,b", [("uint16", "int8"), ("bool", "uint64"), ("float8_e4m3fn", "float32"),
                                 ("float8_e5m2", "float8_e4m3fn"), ("uint32", "complex64")])
def test_promote_types_error_message(a, b):
    t = pytest.raises(RuntimeError, torch.promote_types, getattr(torch, a), getattr(torch, b))
    j = pytest.raises(RuntimeError, jaxtorch.promote_types, getattr(jaxtorch, a), getattr(jaxtorch, b))
    assert str(t.value) == str(j.value)


@pytest.fixture
def float64_default():
    torch.set_default_dtype(torch.float64)
    jaxtorch.set_default_dtype(jaxtorch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(torch.float32)
        jaxtorch.set_default_dtype(jaxtorch.float32)


def _default_dtype_effects(T):
    i = T.tensor([1, 2])
    return (T.get_default_dtype(), T.tensor(1.0).dtype, T.tensor([1.5]).dtype, (i * 1.5).dtype, (i / i).dtype,
            T.tensor(1j).dtype, T.arange(0.0, 3).dtype, T.zeros(2).dtype, T.ones(2, dtype=T.float32).dtype,
            (T.ones(2, dtype=T.float32) * 2.5).dtype, T.tensor([True]).float().dtype, i.sqrt().dtype,
            T.linspace(0, 1, 3).dtype, T.randn(2).dtype, T.result_type(i, 1.0), T.empty(1).dtype)


def test_set_default_dtype_float64(float64_default):
    both(_default_dtype_effects)


def test_default_dtype_float32_restored():
    both(_default_dtype_effects)


def test_set_default_dtype_rejects_int():
    t = pytest.raises(TypeError, torch.set_default_dtype, torch.int64)
    j = pytest.raises(TypeError, jaxtorch.set_default_dtype, jaxtorch.int64)
    assert str(t.value) == str(j.value)
    assert jaxtorch.get_default_dtype() is jaxtorch.float32


@pytest.mark.parametrize("a,b", list(itertools.product(["int32", "float16", "bool"], repeat=2)))
def test_inplace_keeps_dtype_or_raises(a, b):
    def f(T):
        x = T.tensor([1, 0, 1], dtype=getattr(T, a))
        x.add_(T.tensor([1, 1, 0], dtype=getattr(T, b)))
        return x

    check(f)
