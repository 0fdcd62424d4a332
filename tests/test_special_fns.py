"""torch.special (Bessel/Airy functions, orthogonal polynomials, scipy-style functions), igamma/igammac,
frexp and ldexp against real torch: values over wide ranges in float32/float64, int/bool promotion,
broadcasting and scalars, gradients where torch has them, torch's errors where it has none."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import assert_close, helper_test_op

# float64 tolerance against torch for the Bessel/Airy functions: torch's own float64 J0/J1/Y0/Y1/Ai are
# off by up to 3.7e-7 absolute on this grid (measured against mpmath; ours are within 1e-12 relative,
# see test_bessel_airy_float64_accuracy)
F64_BESSEL = (1e-6, 5e-7)

_X_WIDE = np.concatenate([np.linspace(-30, 30, 121), np.logspace(-6, 2.5, 30), -np.logspace(-6, 2.5, 10),
                          [0.0, np.inf, -np.inf, np.nan]])

NO_GRAD_UNARY = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
                 "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
                 "spherical_bessel_j0", "airy_ai"]
GRAD_UNARY = ["i0e", "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "erfcx", "entr"]


def _both(name, *args):
    t = getattr(torch.special, name)(*[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    j = getattr(jaxtorch.special, name)(*[jaxtorch.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    return t, j


@pytest.mark.parametrize("name", NO_GRAD_UNARY + GRAD_UNARY)
def test_unary_values_wide_range(name):
    x = _X_WIDE
    if name == "airy_ai":
        x = x[np.abs(x) < 20]  # torch's float32 Ai loses ~1e-4 relative below -20 (float32 asymptotics)
    t, j = _both(name, x.astype(np.float32))
    assert_close(t, j, 1e-5, 1e-6)
    t, j = _both(name, x)
    rtol, atol = F64_BESSEL if name in NO_GRAD_UNARY else (1e-10, 1e-12)
    assert_close(t, j, rtol, atol)


def test_bessel_airy_float64_accuracy():
    mp = pytest.importorskip("mpmath")
    x = np.concatenate([np.linspace(0.05, 40, 80), np.logspace(-6, 3, 20)])
    refs = {"bessel_j0": lambda v: mp.besselj(0, v), "bessel_j1": lambda v: mp.besselj(1, v),
            "bessel_y0": lambda v: mp.bessely(0, v), "bessel_y1": lambda v: mp.bessely(1, v),
            "modified_bessel_k0": lambda v: mp.besselk(0, v), "modified_bessel_k1": lambda v: mp.besselk(1, v)}
    for name, f in refs.items():
        ref = np.array([float(f(v)) for v in x])
        got = getattr(jaxtorch.special, name)(jaxtorch.tensor(x)).numpy()
        np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-15, err_msg=name)
    xa = np.linspace(-40, 12, 105)
    ref = np.array([float(mp.airyai(v)) for v in xa])
    got = jaxtorch.special.airy_ai(jaxtorch.tensor(xa)).numpy()
    # the Maclaurin series near x = -8 cancels to ~1e-10 relative
    np.testing.assert_allclose(got, ref, rtol=5e-10, atol=1e-15)


@pytest.mark.parametrize("name", NO_GRAD_UNARY + GRAD_UNARY)
def test_unary_int_bool_promote(name):
    for a in (np.arange(-3, 5, dtype=np.int64), np.array([True, False])):
        t, j = _both(name, a)
        assert_close(t, j, 1e-5, 1e-6)


@pytest.mark.parametrize("name", GRAD_UNARY)
def test_unary_grad(name):
    low, high = (0.05, 0.95) if name in ("ndtri", "entr") else (-3.0, 3.0)
    f = getattr(torch.special, name)
    g = getattr(jaxtorch.special, name)
    helper_test_op([(7,)], f, g, dtype=np.float64, low=low, high=high, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,x", [("ndtri", [0.0, 1.0, 0.5, 1e-30]), ("entr", [0.0, 1.0, -1.0, 2.0]),
                                     ("erfcx", [-30.0, 0.0, 30.0, 1e5]), ("log_ndtr", [-40.0, 0.0, 30.0, 3.0]),
                                     ("i1e", [0.0, -3.0, 100.0, 1.0])])
def test_unary_grad_edges(name, x):
    # torch's derivatives at the edges (inf at ndtri(0), 0 from entr's pole...), float32
    x = np.array(x, np.float32)
    helper_test_op([], getattr(torch.special, name), getattr(jaxtorch.special, name), inputs=[x], rtol=1e-5,
                   atol=1e-6, grad_rtol=1e-4)  # erfcx'(30) = 2x erfcx(x) - 2/sqrt(pi) cancels in torch's float32


def test_xlog1py_grad_edges():
    x = np.array([0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 1.0], np.float32)
    y = np.array([-1.0, 0.0, -1.0, 3.0, -2.0, np.nan, -0.5], np.float32)
    helper_test_op([], torch.special.xlog1py, jaxtorch.special.xlog1py, inputs=[x, y])


def test_erfcx_large_x():
    # jax's erfcx underflows to 0 beyond x ~ 9 (float32) / 26 (float64); torch's does not
    x = np.array([8.5, 9.3, 26.6, 1e3, 1e10])
    for d in (np.float32, np.float64):
        t, j = _both("erfcx", x.astype(d))
        assert_close(t, j, 1e-6, 0)


@pytest.mark.parametrize("name", NO_GRAD_UNARY)
def test_no_grad_functions_do_not_record(name):
    x_t = torch.tensor([0.3, 0.7], requires_grad=True)
    x_j = jaxtorch.tensor([0.3, 0.7], requires_grad=True)
    t, j = getattr(torch.special, name)(x_t), getattr(jaxtorch.special, name)(x_j)
    assert t.requires_grad is j.requires_grad is False
    with pytest.raises(RuntimeError) as et:
        t.sum().backward()
    with pytest.raises(RuntimeError) as ej:
        j.sum().backward()
    assert str(ej.value) == str(et.value)


@pytest.mark.parametrize("name", ["bessel_j0", "airy_ai", "ndtri", "erfcx", "log_ndtr"])
def test_half_not_implemented(name):
    with pytest.raises(NotImplementedError) as et:
        getattr(torch.special, name)(torch.ones(2, dtype=torch.float16))
    with pytest.raises(NotImplementedError) as ej:
        getattr(jaxtorch.special, name)(jaxtorch.ones(2, dtype=jaxtorch.float16))
    assert str(ej.value) == str(et.value)


def test_unary_rejects_non_tensor():
    with pytest.raises(TypeError) as et:
        torch.special.bessel_j0(1.0)
    with pytest.raises(TypeError) as ej:
        jaxtorch.special.bessel_j0(1.0)
    assert str(ej.value) == str(et.value)


# ---------------------------------------------------------------------------------------------
# binary functions

_A = np.array([[0.5], [1.0], [2.5], [7.0]])
_B = np.array([0.0, 0.1, 0.9, 1.5, 4.0, 20.0])


@pytest.mark.parametrize("name", ["gammainc", "gammaincc", "xlog1py", "zeta"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_broadcast(name, dtype):
    a, b = _A.astype(dtype), _B.astype(dtype)
    if name == "zeta":
        a = a + 1.0  # zeta(x, q) needs x > 1 to be finite
    t, j = _both(name, a, b)
    tol = (1e-5, 1e-6) if dtype == np.float32 else (1e-10, 1e-12)
    assert_close(t, j, *tol)


@pytest.mark.parametrize("name", ["xlog1py", "zeta"])
def test_binary_scalars_and_promotion(name):
    xf, xi = np.array([1.5, 2.5], np.float32), np.array([2, 3])
    for a, b in [(xi, xi), (xf, xi), (xi, xf), (xf, xf.astype(np.float64)), (xf, 2), (3, xf), (xi, 2.5),
                 (xf, np.array(2.0))]:
        t, j = _both(name, a, b)
        assert_close(t, j, 1e-5, 1e-6)


def test_zeta_edge_cases():
    x = np.array([1.0, 0.5, 2.0, 2.0, 3.0, 2.0, 4.5])
    q = np.array([1.0, 1.0, 0.0, -1.0, -2.5, np.inf, 1e-3])
    t, j = _both("zeta", x, q)
    assert_close(t, j, 1e-10, 1e-12)


def test_igamma_edge_cases():
    a = np.array([0.0, 1.0, 1.0, 2.0, -1.0, 3.0, np.inf, 1.0])
    x = np.array([1.0, 0.0, np.inf, -1.0, 1.0, 1e-20, 1.0, np.nan])
    for name in ("gammainc", "gammaincc"):
        t, j = _both(name, a, x)
        assert_close(t, j, 1e-10, 1e-12)


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_igamma_top_level_method_inplace(name):
    a, x = np.array([0.5, 2.0, 3.0], np.float32), np.array([1.0, 0.5, 4.0], np.float32)
    t = getattr(torch, name)(torch.tensor(a), torch.tensor(x))
    assert_close(t, getattr(jaxtorch, name)(jaxtorch.tensor(a), jaxtorch.tensor(x)))
    assert_close(t, getattr(jaxtorch.tensor(a), name)(jaxtorch.tensor(x)))
    ta, ja = torch.tensor(a), jaxtorch.tensor(a)
    getattr(ta, name + "_")(torch.tensor(x))
    getattr(ja, name + "_")(jaxtorch.tensor(x))
    assert_close(ta, ja)
    assert hasattr(torch, name + "_") == hasattr(jaxtorch, name + "_")


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_igamma_grad_wrt_x(name):
    helper_test_op([(5,), (5,)], lambda a, x: getattr(torch, name)(a.detach(), x),
                   lambda a, x: getattr(jaxtorch, name)(a.detach(), x), dtype=np.float64, low=0.2, high=4.0,
                   rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn", [lambda m: m.igamma, lambda m: m.igammac, lambda m: m.special.gammainc,
                                lambda m: m.special.gammaincc])
def test_igamma_grad_wrt_a_not_implemented(fn):
    errs = []
    for m in (torch, jaxtorch):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        x = m.tensor([0.5, 1.5], requires_grad=True)
        y = fn(m)(a, x)
        assert y.requires_grad
        with pytest.raises(NotImplementedError) as e:
            y.sum().backward()
        errs.append(str(e.value))
    assert errs[0] == errs[1]


def test_igamma_int_and_type_errors():
    for args in [(np.array([1, 2]), np.array([1, 2]))]:
        with pytest.raises(NotImplementedError) as et:
            torch.igamma(*map(torch.tensor, args))
        with pytest.raises(NotImplementedError) as ej:
            jaxtorch.igamma(*map(jaxtorch.tensor, args))
        assert str(ej.value) == str(et.value)
    for a, b in [(torch.tensor([1.0]), 2), (2.0, torch.tensor([1.0]))]:
        with pytest.raises(TypeError) as et:
            torch.special.gammainc(a, b)
        ja = jaxtorch.tensor(a.numpy()) if isinstance(a, torch.Tensor) else a
        jb = jaxtorch.tensor(b.numpy()) if isinstance(b, torch.Tensor) else b
        with pytest.raises(TypeError) as ej:
            jaxtorch.special.gammainc(ja, jb)
        assert str(ej.value) == str(et.value)
    # mixed int/float promotes to the float dtype
    t = torch.igamma(torch.tensor([1, 2]), torch.tensor([0.5, 1.5]))
    assert_close(t, jaxtorch.igamma(jaxtorch.tensor([1, 2]), jaxtorch.tensor([0.5, 1.5])))


def test_zeta_grad():
    # d/dq exists in torch; d/dx raises NotImplementedError at backward
    helper_test_op([(5,), (5,)], lambda x, q: torch.special.zeta(x.detach() + 2, q),
                   lambda x, q: jaxtorch.special.zeta(x.detach() + 2, q), dtype=np.float64, low=0.5, high=3.0,
                   rtol=1e-9, atol=1e-12)
    errs = []
    for m in (torch, jaxtorch):
        x = m.tensor([2.0, 3.0], requires_grad=True)
        y = m.special.zeta(x, m.tensor([1.0, 2.0]))
        with pytest.raises(NotImplementedError) as e:
            y.sum().backward()
        errs.append(str(e.value))
    assert errs[0] == errs[1]


def test_xlog1py_grad():
    helper_test_op([(6,), (6,)], torch.special.xlog1py, jaxtorch.special.xlog1py, dtype=np.float64, low=-0.5,
                   high=2.0, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# orthogonal polynomials

POLYS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
         "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
         "legendre_polynomial_p"]
_PX = np.array([-2.5, -1.0, -0.99, -0.5, 0.0, 0.2, 0.5, 0.73, 1.0, 1.7, 3.0])
_PN = np.array([-2, -1, 0, 1, 2, 3, 5, 7, 9, 10, 13])[:, None]


@pytest.mark.parametrize("name", POLYS)
def test_polynomial_grid(name):
    for dtype, tol in ((np.float64, (1e-10, 1e-10)), (np.float32, (1e-5, 1e-5))):
        x = _PX.astype(dtype)
        ns = (_PN, _PN.astype(dtype), _PN.astype(dtype) + 0.5) if dtype == np.float64 else (_PN.astype(dtype),)
        for n in ns:  # int n, float n, and fractional n (torch truncates n to an integer)
            t, j = _both(name, x, n)
            assert_close(t, j, *tol)


@pytest.mark.parametrize("name", ["chebyshev_polynomial_t", "hermite_polynomial_h", "legendre_polynomial_p"])
def test_polynomial_scalars_promotion_no_grad(name):
    x = np.array([0.3, -0.6], np.float32)
    for a, b in [(x, 3), (0.3, np.array([3.0, 4.0], np.float32)), (np.array([1, 2]), np.array([2, 3])),
                 (x, np.array([2, 3])), (np.array([1, 2]), 2.5), (x, x.astype(np.float64) * 5)]:
        t, j = _both(name, a, b)
        assert_close(t, j, 1e-5, 1e-5)
    xt, xj = torch.tensor(x, requires_grad=True), jaxtorch.tensor(x, requires_grad=True)
    t = getattr(torch.special, name)(xt, 3)
    j = getattr(jaxtorch.special, name)(xj, 3)
    assert t.requires_grad is j.requires_grad is False


# ---------------------------------------------------------------------------------------------
# frexp / ldexp


def test_frexp_values_and_types():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 8.0, -3.5, 1e-40, -1e-45, 3e38, 0.1], np.float32)
    for d in (np.float32, np.float64):
        t = torch.frexp(torch.tensor(x.astype(d)))
        j = jaxtorch.frexp(jaxtorch.tensor(x.astype(d)))
        assert type(j).__name__ == "frexp" and j._fields == ("mantissa", "exponent")
        assert_close(t.mantissa, j.mantissa, 0, 0)
        assert_close(t.exponent, j.exponent)
    j = jaxtorch.tensor(x).frexp()
    assert_close(torch.tensor(x).frexp(), j, 0, 0)


def test_frexp_grad_and_errors():
    helper_test_op([(6,)], lambda x: torch.frexp(x)[0], lambda x: jaxtorch.frexp(x)[0], low=-20, high=20)
    with pytest.raises(RuntimeError) as et:
        torch.frexp(torch.tensor([1, 2]))
    with pytest.raises(RuntimeError) as ej:
        jaxtorch.frexp(jaxtorch.tensor([1, 2]))
    assert str(ej.value) == str(et.value)


def test_ldexp():
    x, e = np.array([0.5, -1.5, 3.0], np.float32), np.array([1, -2, 10])
    for a, b in [(x, e), (e, e), (e, x), (x.astype(np.float64), e), (x, e[:1])]:
        t = torch.ldexp(torch.tensor(a), torch.tensor(b))
        assert_close(t, jaxtorch.ldexp(jaxtorch.tensor(a), jaxtorch.tensor(b)))
    helper_test_op([(3,), (3,)], torch.ldexp, jaxtorch.ldexp, dtype=np.float64, rtol=1e-12, atol=1e-12)
    ta, ja = torch.tensor(x), jaxtorch.tensor(x)
    ta.ldexp_(torch.tensor(e))
    ja.ldexp_(jaxtorch.tensor(e))
    assert_close(ta, ja)
    t = torch.ldexp_(torch.tensor(x), torch.tensor(e))
    assert_close(t, jaxtorch.ldexp_(jaxtorch.tensor(x), jaxtorch.tensor(e)))
    with pytest.raises(RuntimeError):  # int tensor cannot hold the float result in place
        torch.tensor([1, 2]).ldexp_(torch.tensor([1, 1]))
    with pytest.raises(RuntimeError):
        jaxtorch.tensor([1, 2]).ldexp_(jaxtorch.tensor([1, 1]))


# ---------------------------------------------------------------------------------------------
# torch.special aliases of existing ops


def test_special_aliases():
    x = np.random.default_rng(0).uniform(0.1, 0.9, size=(3, 4)).astype(np.float32)
    cases = [
        (lambda m, t: m.special.softmax(t, 1), {}),
        (lambda m, t: m.special.softmax(t, dim=0, dtype=m.float64), {}),
        (lambda m, t: m.special.log_softmax(t, -1), {}),
        (lambda m, t: m.special.logit(t), {}),
        (lambda m, t: m.special.logit(t, eps=0.2), {}),
        (lambda m, t: m.special.round(t * 10, decimals=1), {}),
        (lambda m, t: m.special.logsumexp(t, 1), {}),
        (lambda m, t: m.special.logsumexp(t, (0, 1), keepdim=True), {}),
        (lambda m, t: m.special.multigammaln(t + 2, 3), {}),
        (lambda m, t: m.special.polygamma(1, t), {}),
    ]
    for fn, _ in cases:
        helper_test_op([(3, 4)], lambda t: fn(torch, t), lambda t: fn(jaxtorch, t), inputs=[x])


def test_under_compile():
    # the polynomial loop bound max(n) is traced; results equal eager ones
    def f(m, x, n):
        return m.special.chebyshev_polynomial_t(x, n) + m.special.bessel_y1(x.abs() + 0.1) + m.frexp(x)[0]

    x, n = np.linspace(-1, 1, 5).astype(np.float32), np.array([1, 2, 3, 9, 12])
    t = f(torch, torch.tensor(x), torch.tensor(n))
    assert_close(t, jaxtorch.compile(lambda a, b: f(jaxtorch, a, b))(jaxtorch.tensor(x), jaxtorch.tensor(n)))


def test_polynomial_empty():
    t = torch.special.hermite_polynomial_h(torch.empty(0), torch.empty(0))
    assert_close(t, jaxtorch.special.hermite_polynomial_h(jaxtorch.empty(0), jaxtorch.empty(0)))


def test_special_out():
    x = np.array([0.2, 0.5], np.float32)
    o_t, o_j = torch.empty(2), jaxtorch.empty(2)
    torch.special.i1e(torch.tensor(x), out=o_t)
    jaxtorch.special.i1e(jaxtorch.tensor(x), out=o_j)
    assert_close(o_t, o_j)


def test_xlogy_grad_edges():
    # torch: d/dx xlogy = 0 where x == 0 and y <= 0 (log(y) is -inf/nan there), log(y) elsewhere; d/dy = x / y
    x = np.array([0.0, 0.0, 2.0, 0.0, 2.0, 1.5], np.float32)
    y = np.array([0.0, -1.0, 0.0, 3.0, -1.0, 2.0], np.float32)
    helper_test_op(None, torch.xlogy, jaxtorch.xlogy, inputs=[x, y])
    helper_test_op(None, torch.special.xlogy, jaxtorch.special.xlogy, inputs=[x, y])
