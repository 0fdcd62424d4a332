"""torch.special functions beyond the pointwise basics (Bessel functions, orthogonal polynomials, ...).

Where jax.scipy.special has a function it is used; the Bessel, Airy and polynomial functions it lacks
are written here:
  * J0, J1, Y0, Y1: Miller's backward recurrence (normalised by J0 + 2 sum J_2k = 1, which also gives
    the Neumann series of Y0 and Y1) for x <= 25, Hankel's asymptotic expansion beyond;
  * K0, K1: the ascending series for x <= 2, the trapezoidal rule on K_v(x) = int exp(-x cosh t)
    cosh(vt) dt beyond (spectrally accurate for this smooth, doubly decaying integrand);
  * Ai: Maclaurin series on [-8, 2], K_1/3 above, the oscillatory asymptotic expansion below;
  * orthogonal polynomials: their three-term recurrences in a lax.while_loop, with torch's closed
    forms at |x| = 1 and for large n, so that results round as torch's do.
Bessel/Airy values are computed in float64 and rounded to the result dtype.
torch has no derivatives for the Bessel/Airy/polynomial functions (their results do not require
grad); for zeta (w.r.t. x) and igamma/igammac (w.r.t. the first argument) it records a node whose
backward raises NotImplementedError. Both behaviours are mirrored.
"""

from __future__ import annotations

import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.scipy import special as jsp

from .._tensor import Tensor
from ..autograd import grad_mode as _gm
from ..autograd.function import Function
from ._dispatch import apply
from ._promote import result_np, to_float_np
from ._registry import FUNCTIONS, _dt_name, register

_F64 = np.dtype(np.float64)
_EULER = 0.57721566490153286061


def _c(x, dtype):
    return lax.convert_element_type(x, dtype)


# ---------------------------------------------------------------------------------------------
# argument handling shared by the wrappers

_NO_HALF = {"bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
            "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
            "spherical_bessel_j0", "airy_ai", "ndtri", "log_ndtr", "erfcx", "zeta", "igamma", "igammac"}


def _check_half(name: str, d) -> None:
    if name in _NO_HALF and d in (np.dtype("float16"), jnp.dtype("bfloat16")):
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_dt_name(d)}\'')


def _check_tensor(x, name: str, pos: int = 1, arg: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _binary_dtype(a, b, name: str, fname: str):
    for x, pos, arg in ((a, 1, "input"), (b, 2, "other")):
        if not isinstance(x, (Tensor, numbers.Number)) or isinstance(x, complex):
            raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(a).__name__}")
    d = to_float_np(result_np(a, b))
    _check_half(name, d)
    return d


def _detached(x):
    return x.detach() if isinstance(x, Tensor) else x


class _BlockGrad(Function):
    """Identity whose backward raises torch's 'derivative not implemented' error for `blocked`."""

    @staticmethod
    def forward(ctx, out, blocked, message):
        ctx.message = message
        return out.clone()

    @staticmethod
    def backward(ctx, grad):
        if ctx.needs_input_grad[1]:
            raise NotImplementedError(ctx.message)
        return grad, None, None


def _block_grad(out: Tensor, blocked, message: str) -> Tensor:
    if isinstance(blocked, Tensor) and blocked.requires_grad and _gm.state.enabled:
        return _BlockGrad.apply(out, blocked, message)
    return out


# ---------------------------------------------------------------------------------------------
# Bessel functions of the first and second kind


def _hankel_coeffs(nu: float, terms: int):
    """a_k(nu) of Hankel's expansion: prod_{j<=k} (4nu^2 - (2j-1)^2) / (k! 8^k)."""
    out, a = [1.0], 1.0
    for k in range(1, terms):
        a *= (4 * nu * nu - (2 * k - 1) ** 2) / (k * 8.0)
        out.append(a)
    return out


def _horner(coeffs, z):
    acc = jnp.zeros_like(z) + coeffs[-1]
    for c in coeffs[-2::-1]:
        acc = acc * z + c
    return acc


def _hankel_pq(nu: float, x):
    """P and Q of J_nu = sqrt(2/(pi x)) (P cos chi - Q sin chi), Y_nu = ... (P sin chi + Q cos chi)."""
    a = _hankel_coeffs(nu, 24)
    p = [(-1) ** k * a[2 * k] for k in range(12)]
    q = [(-1) ** k * a[2 * k + 1] for k in range(12)]
    z = 1 / (x * x)
    return _horner(p, z), _horner(q, z) / x


_MILLER_N = 70  # start order of the backward recurrence: J_70(25) / max|J| < 1e-16
_MILLER_MAX = 25.0


def _miller(x):
    """(J0, J1, Y0, Y1) for 0 < x <= 25 in float64 by Miller's backward recurrence."""
    def body(i, state):
        f_next, f, norm, sy0, sy1 = state  # f_{n+1}, f_n and the sums over orders >= n
        n = _MILLER_N - i
        f_low = (2.0 * n / x) * f - f_next  # f_{n-1}
        m = n - 1
        k = m // 2
        even = (m % 2 == 0) & (m > 0)
        sign = jnp.where(k % 2 == 0, 1.0, -1.0)
        norm = norm + jnp.where(even, 2.0 * f_low, 0.0)
        sy0 = sy0 + jnp.where(even, sign * f_low / jnp.maximum(k, 1), 0.0)
        # Y1's sum over k of (-1)^k (f_{2k-1} - f_{2k+1}) / k takes its k-th term when m = 2k - 1
        kk = n // 2
        sign1 = jnp.where(kk % 2 == 0, 1.0, -1.0)
        sy1 = sy1 + jnp.where(m % 2 == 1, sign1 * (f_low - f_next) / jnp.maximum(kk, 1), 0.0)
        # keep the growing sequence in range; every accumulator is linear in it
        s = jnp.where(jnp.abs(f_low) > 1e100, 1e-100, 1.0)
        return f * s, f_low * s, norm * s, sy0 * s, sy1 * s

    zero = jnp.zeros_like(x)
    init = (zero, zero + 1e-30, zero, zero, zero)
    f1, f0, norm, sy0, sy1 = lax.fori_loop(0, _MILLER_N, body, init)
    norm = norm + f0
    j0, j1 = f0 / norm, f1 / norm
    lg = jnp.log(x / 2) + _EULER
    y0 = (2 / math.pi) * lg * j0 - (4 / math.pi) * sy0 / norm
    y1 = -(2 / math.pi) * j0 / x + (2 / math.pi) * lg * j1 + (2 / math.pi) * sy1 / norm
    return j0, j1, y0, y1


def _bessel_all(x):
    """(J0, J1, Y0, Y1) at x >= 0 (float64)."""
    small = x <= _MILLER_MAX
    xm = jnp.where(small, jnp.maximum(x, 1e-200), 1.0)
    j0m, j1m, y0m, y1m = _miller(xm)
    xa = jnp.where(small, 30.0, x)
    p0, q0 = _hankel_pq(0.0, xa)
    p1, q1 = _hankel_pq(1.0, xa)
    amp = jnp.sqrt(2 / (math.pi * xa)) / math.sqrt(2)
    c, s = jnp.cos(xa), jnp.sin(xa)
    # chi0 = x - pi/4, chi1 = x - 3pi/4, expanded so large x is reduced exactly
    cos0, sin0 = c + s, s - c
    cos1, sin1 = s - c, -(s + c)
    j0a, y0a = amp * (p0 * cos0 - q0 * sin0), amp * (p0 * sin0 + q0 * cos0)
    j1a, y1a = amp * (p1 * cos1 - q1 * sin1), amp * (p1 * sin1 + q1 * cos1)
    return (jnp.where(small, j0m, j0a), jnp.where(small, j1m, j1a), jnp.where(small, y0m, y0a),
            jnp.where(small, y1m, y1a))


def _bessel_j0_impl(x, *, dtype):
    x = jnp.abs(_c(x, _F64))
    j0 = _bessel_all(x)[0]
    j0 = jnp.where(x < 1e-150, 1.0, j0)
    return _c(jnp.where(jnp.isinf(x), jnp.nan, j0), dtype)  # torch: nan at +-inf


def _bessel_j1_impl(x, *, dtype):
    x = _c(x, _F64)
    ax = jnp.abs(x)
    j1 = _bessel_all(ax)[1]
    j1 = jnp.where(ax < 1e-150, ax / 2, j1)
    j1 = jnp.where(jnp.isinf(ax), jnp.nan, j1)
    return _c(jnp.where(x < 0, -j1, j1), dtype)


def _bessel_y0_impl(x, *, dtype):
    x = _c(x, _F64)
    y0 = _bessel_all(jnp.abs(x))[2]
    y0 = jnp.where(x < 1e-150, (2 / math.pi) * (jnp.log(x / 2) + _EULER), y0)
    y0 = jnp.where(x == 0, -jnp.inf, jnp.where(x < 0, jnp.nan, y0))
    return _c(jnp.where(jnp.isposinf(x), jnp.nan, y0), dtype)


def _bessel_y1_impl(x, *, dtype):
    x = _c(x, _F64)
    y1 = _bessel_all(jnp.abs(x))[3]
    y1 = jnp.where(x < 1e-150, -2 / (math.pi * x), y1)
    y1 = jnp.where(x == 0, -jnp.inf, jnp.where(x < 0, jnp.nan, y1))
    return _c(jnp.where(jnp.isposinf(x), jnp.nan, y1), dtype)


# ---------------------------------------------------------------------------------------------
# modified Bessel functions


_KSERIES_TERMS = 30


def _k_series(x):
    """(K0, K1) for 0 < x <= 2 by their ascending series (A&S 9.6.13 and 9.6.11)."""
    z = x * x / 4
    lg = jnp.log(x / 2)

    def body(k, st):
        s0, s1, term0, term1, psi_k1 = st  # term0 = z^k/(k!)^2, term1 = z^k/(k!(k+1)!), psi_k1 = psi(k+1)
        kf = k.astype(x.dtype)
        s0 = s0 + psi_k1 * term0
        s1 = s1 + (psi_k1 + psi_k1 + 1 / (kf + 1)) * term1
        return s0, s1, term0 * z / ((kf + 1) * (kf + 1)), term1 * z / ((kf + 1) * (kf + 2)), psi_k1 + 1 / (kf + 1)

    zero, one = jnp.zeros_like(x), jnp.ones_like(x)
    s0, s1, *_ = lax.fori_loop(0, _KSERIES_TERMS, body, (zero, zero, one, one, zero - _EULER))
    k0 = -lg * jsp.i0(x) + s0
    k1 = 1 / x + lg * jsp.i1(x) - (x / 4) * s1
    return k0, k1


_KQUAD_H, _KQUAD_U = 0.2, 11.0
_KQUAD_NODES = np.arange(0.0, _KQUAD_U + _KQUAD_H / 2, _KQUAD_H)
_KQUAD_W = np.where(np.arange(_KQUAD_NODES.size) == 0, 0.5, 1.0)


def _scaled_k_integral(x, nu: float):
    """exp(x) K_nu(x) = int_0^inf exp(-2x sinh^2(t/2)) cosh(nu t) dt for x >= 1, trapezoidal rule in
    u = t sqrt(x) (the integrand narrows like 1/sqrt(x)); the nodes are a trailing axis."""
    s = 1 / jnp.sqrt(x)
    t = jnp.asarray(_KQUAD_NODES, x.dtype) * s[..., None]
    sh = jnp.sinh(t / 2)
    vals = jnp.exp(-2 * x[..., None] * sh * sh) * jnp.cosh(nu * t)
    return jnp.sum(vals * jnp.asarray(_KQUAD_W, x.dtype), axis=-1) * _KQUAD_H * s


def _scaled_k(x, which: int):
    """exp(x) K_which(x) for x >= 0 (float64)."""
    small = x <= 2
    xs = jnp.where(small, jnp.maximum(x, 1e-300), 2.0)
    ks = _k_series(xs)[which] * jnp.exp(xs)
    xl = jnp.where(small, 2.0, x)
    kl = _scaled_k_integral(xl, float(which))
    r = jnp.where(small, ks, kl)
    r = jnp.where(x == 0, jnp.inf, jnp.where(x < 0, jnp.nan, r))
    return jnp.where(jnp.isposinf(x), 0.0, r)


def _k0_impl(x, *, dtype):
    x = _c(x, _F64)
    return _c(_scaled_k(x, 0) * jnp.exp(-x), dtype)


def _k1_impl(x, *, dtype):
    x = _c(x, _F64)
    return _c(_scaled_k(x, 1) * jnp.exp(-x), dtype)


def _k0e_impl(x, *, dtype):
    return _c(_scaled_k(_c(x, _F64), 0), dtype)


def _k1e_impl(x, *, dtype):
    return _c(_scaled_k(_c(x, _F64), 1), dtype)


def _i0_impl(x, *, dtype):
    return jsp.i0(_c(x, dtype))  # in the result dtype: torch's float32 I0 overflows where it does


def _i1_impl(x, *, dtype):
    return jsp.i1(_c(x, dtype))


def _spherical_j0_impl(x, *, dtype):
    x = _c(x, dtype)
    safe = jnp.where(x == 0, jnp.ones((), dtype), x)
    r = jnp.where(x == 0, jnp.ones((), dtype), jnp.sin(safe) / safe)
    return jnp.where(jnp.isinf(x), jnp.zeros((), dtype), r)


# ---------------------------------------------------------------------------------------------
# Airy Ai

_AI0 = 1 / (3 ** (2 / 3) * math.gamma(2 / 3))  # Ai(0)
_AIP0 = 1 / (3 ** (1 / 3) * math.gamma(1 / 3))  # -Ai'(0)
_AIRY_TERMS = 60


def _airy_maclaurin(x):
    x3 = x * x * x

    def body(k, st):
        f, g, tf, tg = st
        k3 = 3 * k.astype(x.dtype)
        tf = tf * x3 / ((k3 + 2) * (k3 + 3))
        tg = tg * x3 / ((k3 + 3) * (k3 + 4))
        return f + tf, g + tg, tf, tg

    one = jnp.ones_like(x)
    f, g, _, _ = lax.fori_loop(0, _AIRY_TERMS, body, (one, x, one, x))
    return _AI0 * f - _AIP0 * g


def _airy_u(terms: int):
    """u_k = Gamma(3k + 1/2) / (54^k k! Gamma(k + 1/2)) of Ai's asymptotic expansions."""
    out, u = [1.0], 1.0
    for k in range(1, terms):
        # u_k / u_{k-1} = (6k-5)(6k-3)(6k-1) / ((2k-1) 216 k)
        u *= (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216.0 * k)
        out.append(u)
    return out


def _airy_negative(x):
    """Ai(x) for x <= -8 (oscillatory asymptotic expansion)."""
    ax = -x
    zeta = (2.0 / 3.0) * ax * jnp.sqrt(ax)
    u = _airy_u(24)
    p = [(-1) ** k * u[2 * k] for k in range(12)]
    q = [(-1) ** k * u[2 * k + 1] for k in range(12)]
    z2 = 1 / (zeta * zeta)
    pp, qq = _horner(p, z2), _horner(q, z2) / zeta
    ang = zeta + math.pi / 4
    return (pp * jnp.sin(ang) - qq * jnp.cos(ang)) / (math.sqrt(math.pi) * jnp.sqrt(jnp.sqrt(ax)))


def _airy_ai_impl(x, *, dtype):
    x = _c(x, _F64)
    mid = (x >= -8) & (x < 2)
    r_mid = _airy_maclaurin(jnp.where(mid, x, 0.0))
    xp = jnp.where(x >= 2, x, 2.0)
    zeta = (2.0 / 3.0) * xp * jnp.sqrt(xp)
    r_pos = jnp.sqrt(xp / 3) / math.pi * _scaled_k_integral(zeta, 1.0 / 3.0) * jnp.exp(-zeta)
    r_neg = _airy_negative(jnp.where(x < -8, x, -9.0))
    r = jnp.where(mid, r_mid, jnp.where(x >= 2, r_pos, r_neg))
    r = jnp.where(jnp.isposinf(x), 0.0, r)
    return _c(jnp.where(jnp.isneginf(x), 0.0, r), dtype)


# ---------------------------------------------------------------------------------------------
# jax.scipy-backed unary functions


def _unary(jfn):
    def impl(x, *, dtype):
        return jfn(_c(x, dtype))

    impl.__name__ = jfn.__name__
    return impl


@jax.custom_jvp
def _ndtri(x):
    return jsp.ndtri(x)


@_ndtri.defjvp
def _ndtri_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    y = _ndtri(x)
    # 1 / pdf(y): inf at x = 0 and 1, as torch's (jsp's own derivative gives 0 there)
    return y, t * (math.sqrt(2 * math.pi) * jnp.exp(y * y / 2))


@jax.custom_jvp
def _log_ndtr(x):
    return jsp.log_ndtr(x)


@_log_ndtr.defjvp
def _log_ndtr_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    y = _log_ndtr(x)
    # pdf(x) / cdf(x) in torch's form, so that float32 results round as torch's do
    return y, t * jnp.exp(-x * x / 2 - y) / math.sqrt(2 * math.pi)


def _ndtr(x):
    return jsp.ndtr(x)


_ERFCX_ASYM = 8.0


@jax.custom_jvp
def _erfcx(x):
    # jsp.erfcx underflows to 0 for large x; there the asymptotic series
    # erfcx(x) ~ 1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k is accurate to rounding
    big = x > _ERFCX_ASYM
    xb = jnp.where(big, x, _ERFCX_ASYM + 1)
    z = 1 / (2 * xb * xb)
    coeffs, c = [1.0], 1.0
    for k in range(1, 16):
        c *= -(2 * k - 1)
        coeffs.append(c)
    asym = _horner(coeffs, z) / (xb * math.sqrt(math.pi))
    return jnp.where(big, asym, jsp.erfcx(jnp.where(big, 0, x)))


@_erfcx.defjvp
def _erfcx_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    y = _erfcx(x)
    # 2x erfcx(x) - 2/sqrt(pi) cancels for large x: there use its own asymptotic series
    big = x > _ERFCX_ASYM
    xb = jnp.where(big, x, _ERFCX_ASYM + 1)
    z = 1 / (2 * xb * xb)
    coeffs, c = [0.0], 1.0
    for k in range(1, 16):
        c *= -(2 * k - 1)
        coeffs.append(c)
    d_big = (2 / math.sqrt(math.pi)) * _horner(coeffs, z)
    return y, t * jnp.where(big, d_big, 2 * x * y - 2 / math.sqrt(math.pi))


@jax.custom_jvp
def _entr(x):
    pos = x > 0
    r = jnp.where(pos, -x * jnp.log(jnp.where(pos, x, 1)), jnp.where(x == 0, 0, -jnp.inf).astype(x.dtype))
    return jnp.where(jnp.isnan(x), x, r)


@_entr.defjvp
def _entr_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _entr(x), t * (-jnp.log(x) - 1)


def _i0e(x):
    return jsp.i0e(x)


def _i1(x):
    return jsp.i1(x)


def _i1e(x):
    return jsp.i1e(x)


_SCIPY_UNARY = {"ndtri": _ndtri, "log_ndtr": _log_ndtr, "ndtr": _ndtr, "erfcx": _erfcx, "entr": _entr,
                "i0e": _i0e, "i1": _i1, "i1e": _i1e}
# torch has no derivative for these: their results never require grad
_NO_GRAD_UNARY = {"bessel_j0": _bessel_j0_impl, "bessel_j1": _bessel_j1_impl, "bessel_y0": _bessel_y0_impl,
                  "bessel_y1": _bessel_y1_impl, "modified_bessel_i0": _i0_impl, "modified_bessel_i1": _i1_impl,
                  "modified_bessel_k0": _k0_impl, "modified_bessel_k1": _k1_impl,
                  "scaled_modified_bessel_k0": _k0e_impl, "scaled_modified_bessel_k1": _k1e_impl,
                  "spherical_bessel_j0": _spherical_j0_impl, "airy_ai": _airy_ai_impl}


def _def_special_unary(name, impl, grad: bool):
    fname = "special_" + name

    def op(input, *, out=None):
        _check_tensor(input, fname)
        d = to_float_np(input._data.dtype)
        _check_half(name, d)
        return apply(impl, (input if grad else input.detach(),), (("dtype", d),), name)

    op.__name__ = name
    register(name, method=False, namespace="special")(op)


for _n, _f in _SCIPY_UNARY.items():
    _def_special_unary(_n, _unary(_f), True)
for _n, _f in _NO_GRAD_UNARY.items():
    _def_special_unary(_n, _f, False)


# ---------------------------------------------------------------------------------------------
# binary functions


@jax.custom_jvp
def _xlog1py(x, y):
    return jsp.xlog1py(x, y)


@_xlog1py.defjvp
def _xlog1py_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    # torch: d/dx = log1p(y), but 0 where x = 0 and y <= -1 (where log1p is -inf or nan); d/dy = x / (1 + y)
    dx = jnp.where((x == 0) & (y <= -1), jnp.zeros((), x.dtype), jnp.log1p(y))
    return _xlog1py(x, y), dx * tx + x / (1 + y) * ty


def _xlog1py_impl(x, y, *, dtype):
    return _xlog1py(_c(x, dtype), _c(y, dtype))


@register("xlog1py", method=False, namespace="special")
def xlog1py(input, other, *, out=None):
    d = _binary_dtype(input, other, "xlog1py", "special_xlog1py")
    return apply(_xlog1py_impl, (input, other), (("dtype", d),), "xlog1py")


def _zeta_impl(x, q, *, dtype):
    return _zeta_fn(_c(x, dtype), _c(q, dtype))


@jax.custom_jvp
def _zeta_fn(x, q):
    # torch: the poles at nonpositive integer q give inf for every x > 1 (jsp: nan for non-integer x)
    pole = (x > 1) & (q <= 0) & (q == jnp.floor(q))
    return jnp.where(pole, jnp.inf, jsp.zeta(x, q))


@_zeta_fn.defjvp
def _zeta_jvp(primals, tangents):
    (x, q), (_, tq) = primals, tangents
    # d/dq zeta(x, q) = -x zeta(x + 1, q); the x-derivative is blocked (torch does not implement it)
    return _zeta_fn(x, q), -x * _zeta_fn(x + 1, q) * tq


@register("zeta", method=False, namespace="special")
def zeta(input, other, *, out=None):
    d = _binary_dtype(input, other, "zeta", "special_zeta")
    res = apply(_zeta_impl, (_detached(input), other), (("dtype", d),), "zeta")
    return _block_grad(res, input, "the derivative for 'zeta' is not implemented.")


def _igamma_impl(a, x, *, dtype, upper):
    a, x = _c(a, dtype), _c(x, dtype)
    return _igamma_x(a, x, upper)


def _igamma_plain(a, x, upper):
    r = jsp.gammaincc(a, x) if upper else jsp.gammainc(a, x)
    # torch: a = inf gives P = 0 (Q = 1) for finite x, nan for x = inf
    lim = jnp.ones((), r.dtype) if upper else jnp.zeros((), r.dtype)
    return jnp.where(jnp.isposinf(a), jnp.where(jnp.isinf(x), jnp.nan, lim), r)


_igamma_x = jax.custom_jvp(_igamma_plain, nondiff_argnums=(2,))


@_igamma_x.defjvp
def _igamma_x_jvp(upper, primals, tangents):
    (a, x), (_, tx) = primals, tangents
    # d/dx P(a, x) = x^(a-1) exp(-x) / Gamma(a); the a-derivative is blocked as in torch
    dens = jnp.exp((a - 1) * jnp.log(x) - x - jsp.gammaln(a))
    return _igamma_x(a, x, upper), (-dens if upper else dens) * tx


def _igamma_common(input, other, upper: bool, fname: str):
    name = "igammac" if upper else "igamma"
    _check_tensor(input, fname)
    _check_tensor(other, fname, 2, "other")
    d = result_np(input, other)
    if not jnp.issubdtype(d, jnp.inexact):
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_dt_name(d)}\'')
    _check_half(name, d)
    res = apply(_igamma_impl, (_detached(input), other), (("dtype", d), ("upper", upper)), name)
    return _block_grad(res, input, f"the derivative for '{name}: input' is not implemented.")


@register(inplace=True)
def igamma(input, other, *, out=None):
    return _igamma_common(input, other, False, "igamma")


@register(inplace=True)
def igammac(input, other, *, out=None):
    return _igamma_common(input, other, True, "igammac")



@register("gammainc", method=False, namespace="special")
def gammainc(input, other, *, out=None):
    return _igamma_common(input, other, False, "special_gammainc")


@register("gammaincc", method=False, namespace="special")
def gammaincc(input, other, *, out=None):
    return _igamma_common(input, other, True, "special_gammaincc")


# ---------------------------------------------------------------------------------------------
# frexp / ldexp


_FREXP_LAYOUT = {np.dtype(np.float32): (np.uint32, 23, 8, 126), np.dtype(np.float64): (np.uint64, 52, 11, 1022),
                 np.dtype(np.float16): (np.uint16, 10, 5, 14), jnp.dtype(jnp.bfloat16): (np.uint16, 7, 8, 126)}


def _frexp_bits(x):
    """(mantissa, exponent) from the bit pattern: XLA on CPU flushes subnormals in arithmetic, and
    jnp.frexp gets their exponent wrong."""
    ut, mbits, ebits, bias = _FREXP_LAYOUT[np.dtype(x.dtype)]
    width = 8 * np.dtype(ut).itemsize
    one = ut(1)
    bits = lax.bitcast_convert_type(x, ut)
    frac_mask = ut((1 << mbits) - 1)
    efield = (bits >> ut(mbits)) & ut((1 << ebits) - 1)
    frac = bits & frac_mask
    sign = bits & (one << ut(width - 1))
    # subnormal: the leading set bit of frac at position p gives x = 1.f * 2^(p - mbits - bias + 1)
    p = ut(width - 1) - lax.clz(frac)
    sub_frac = (frac << (ut(mbits) - p)) & frac_mask
    is_sub = (efield == 0) & (frac != 0)
    e = jnp.where(is_sub, p.astype(np.int32) - (mbits + bias - 1), efield.astype(np.int32) - bias)
    mant_bits = sign | (ut(bias) << ut(mbits)) | jnp.where(is_sub, sub_frac, frac)
    m = lax.bitcast_convert_type(mant_bits, x.dtype)
    finite = jnp.isfinite(x) & (x != 0)
    return jnp.where(finite, m, x), jnp.where(finite, e, 0).astype(np.int32)


@jax.custom_jvp
def _frexp_mantissa(x):
    return _frexp_bits(x)[0]


@_frexp_mantissa.defjvp
def _frexp_mantissa_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    m, e = _frexp_bits(x)
    return m, t * jnp.exp2(-e.astype(x.dtype))  # mantissa = x * 2^-exponent


def _frexp_impl(x):
    return _frexp_mantissa(x), _frexp_bits(x)[1]


@register()
def frexp(input, *, out=None):
    from .. import return_types

    _check_tensor(input, "frexp")
    if not jnp.issubdtype(input._data.dtype, jnp.inexact):
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = apply(_frexp_impl, (input,), (), "frexp")
    return return_types.frexp(m, e)


def _ldexp_impl(x, e, *, dtype):
    x, e = _c(x, dtype), _c(e, dtype)
    return x * jnp.exp2(e)


@register(inplace=True, torch_inplace=True)
def ldexp(input, other, *, out=None):
    _check_tensor(input, "ldexp")
    _check_tensor(other, "ldexp", 2, "other")
    d = to_float_np(result_np(input, other))
    return apply(_ldexp_impl, (input, other), (("dtype", d),), "ldexp")


# ---------------------------------------------------------------------------------------------
# orthogonal polynomials: p_n(x) with n a tensor or a scalar (truncated to an integer, as torch does)


def _poly_loop(x, n, p0, p1, step):
    """p_n by the recurrence p_{k+1} = step(k, x, p_k, p_{k-1}), run up to max(n) for all elements."""
    nmax = jnp.max(n, initial=0)  # initial: empty inputs

    def cond(st):
        return st[0] < nmax

    def body(st):
        k, p, q = st
        r = step(k, x, q, p)
        upd = k < n
        return k + 1, jnp.where(upd, q, p), jnp.where(upd, r, q)

    _, _, q = lax.while_loop(cond, body, (jnp.asarray(1, n.dtype), p0, p1))
    return q


def _cheb_step(k, x, q, p):
    return (x + x) * q - p


def _poly_prep(x, n, dtype):
    x = _c(x, dtype)
    n = _c(n, np.int64)  # torch truncates n to an integer
    x, n = jnp.broadcast_arrays(x, n)
    return x, n


def _recur(x, n, p0, p1, step):
    r = _poly_loop(x, n, p0, p1, step)
    return jnp.where(n == 0, p0, r)


def _cheb_t(x, n, *, dtype):
    x, n = _poly_prep(x, n, dtype)
    one = jnp.ones_like(x)
    r = _recur(x, n, one, x, _cheb_step)
    big = (n > 6) & (jnp.abs(x) < 1)
    r = jnp.where(big, jnp.cos(n * jnp.arccos(x)), r)
    at1 = jnp.where((x > 0) | (n % 2 == 0), one, -one)
    r = jnp.where(jnp.abs(x) == 1, at1, r)
    return jnp.where(n < 0, jnp.zeros_like(x), r)


def _cheb_u(x, n, *, dtype):
    x, n = _poly_prep(x, n, dtype)
    one = jnp.ones_like(x)
    r = _recur(x, n, one, x + x, _cheb_step)
    nf = n.astype(dtype)
    big = (n > 8) & (jnp.abs(x) < 1)
    th = jnp.arccos(x)
    st = jnp.sin(th)
    safe = jnp.where(st != 0, st, 1)
    closed = jnp.where(st != 0, jnp.sin((nf + 1) * th) / safe, (nf + 1) * jnp.cos((nf + 1) * th) / x)
    r = jnp.where(big, closed, r)
    at1 = jnp.where((x > 0) | (n % 2 == 0), nf + 1, -(nf + 1))
    r = jnp.where(jnp.abs(x) == 1, at1, r)
    return jnp.where(n < 0, jnp.zeros_like(x), r)


def _cheb_v(x, n, *, dtype):
    x, n = _poly_prep(x, n, dtype)
    one = jnp.ones_like(x)
    r = _recur(x, n, one, x + x - 1, _cheb_step)
    nf = n.astype(dtype)
    big = (n > 8) & (jnp.abs(x) < 1)
    th = jnp.arccos(x)
    parity = jnp.where(n % 2 == 0, nf + nf + 1, -(nf + nf + 1))  # V_n(-1) = (-1)^n (2n + 1)
    half = jnp.sin(th / 2)
    closed = jnp.where(half != 1, jnp.cos((nf + 0.5) * th) / jnp.cos(th / 2), parity)
    r = jnp.where(big, closed, r)
    at1 = jnp.where(x > 0, one, parity)
    r = jnp.where(jnp.abs(x) == 1, at1, r)
    return jnp.where(n < 0, jnp.zeros_like(x), r)


def _cheb_w(x, n, *, dtype):
    x, n = _poly_prep(x, n, dtype)
    one = jnp.ones_like(x)
    r = _recur(x, n, one, x + x + 1, _cheb_step)
    nf = n.astype(dtype)
    big = (n > 8) & (jnp.abs(x) < 1)
    th = jnp.arccos(x)
    parity = jnp.where(n % 2 == 0, one, -one)
    half = jnp.cos(th / 2)
    closed = jnp.where(half != 1, jnp.sin((nf + 0.5) * th) / jnp.sin(th / 2),
                       jnp.where(x > 0, nf + nf + 1, parity))
    r = jnp.where(big, closed, r)
    at1 = jnp.where(x > 0, nf + nf + 1, parity)
    r = jnp.where(jnp.abs(x) == 1, at1, r)
    return jnp.where(n < 0, jnp.zeros_like(x), r)


def _shifted(base):
    def impl(x, n, *, dtype):
        x = _c(x, dtype)
        return base(x + x - 1, n, dtype=dtype)

    impl.__name__ = "shifted" + base.__name__
    return impl


def _hermite_h_step(k, x, q, p):
    return (x + x) * q - (2 * k).astype(x.dtype) * p


def _hermite_he_step(k, x, q, p):
    return x * q - k.astype(x.dtype) * p


def _hermite_h(x, n, *, dtype):
    x, n = _poly_prep(x, n, dtype)
    r = _recur(x, n, jnp.ones_like(x), x + x, _hermite_h_step)
    return jnp.where(n < 0, jnp.zeros_like(x), r)


def _hermite_he(x, n, *, dtype):
    x, n = _poly_prep(x, n, dtype)
    r = _recur(x, n, jnp.ones_like(x), x, _hermite_he_step)
    return jnp.where(n < 0, jnp.zeros_like(x), r)


def _laguerre_step(k, x, q, p):
    kf = k.astype(x.dtype)
    return ((kf + kf + 1 - x) * q - kf * p) / (kf + 1)


def _laguerre(x, n, *, dtype):
    x, n = _poly_prep(x, n, dtype)
    one = jnp.ones_like(x)
    r = _recur(x, n, one, one - x, _laguerre_step)
    r = jnp.where(x == 0, one, r)
    return jnp.where(n < 0, jnp.zeros_like(x), r)


def _legendre_step(k, x, q, p):
    kf = k.astype(x.dtype)
    return ((kf + kf + 1) * x * q - kf * p) / (kf + 1)


def _legendre(x, n, *, dtype):
    x, n = _poly_prep(x, n, dtype)
    one = jnp.ones_like(x)
    r = _recur(x, n, one, x, _legendre_step)
    at1 = jnp.where((x > 0) | (n % 2 == 0), one, -one)
    r = jnp.where(jnp.abs(x) == 1, at1, r)
    return jnp.where(n < 0, jnp.zeros_like(x), r)


_POLYS = {"chebyshev_polynomial_t": _cheb_t, "chebyshev_polynomial_u": _cheb_u,
          "chebyshev_polynomial_v": _cheb_v, "chebyshev_polynomial_w": _cheb_w,
          "shifted_chebyshev_polynomial_t": _shifted(_cheb_t), "shifted_chebyshev_polynomial_u": _shifted(_cheb_u),
          "shifted_chebyshev_polynomial_v": _shifted(_cheb_v), "shifted_chebyshev_polynomial_w": _shifted(_cheb_w),
          "hermite_polynomial_h": _hermite_h, "hermite_polynomial_he": _hermite_he,
          "laguerre_polynomial_l": _laguerre, "legendre_polynomial_p": _legendre}


def _def_poly(name, impl):
    fname = "special_" + name

    def op(input, n, *, out=None):
        for v, pos, arg in ((input, 1, "x"), (n, 2, "n")):
            if not isinstance(v, (Tensor, numbers.Real)):
                raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not "
                                f"{type(v).__name__}")
        d = _binary_dtype(input, n, name, fname)
        # n may be a Python float: pass it as an array so that the loop bound is traced
        return apply(impl, (_detached(input), _detached(n)), (("dtype", d),), name)

    op.__name__ = name
    register(name, method=False, namespace="special")(op)


for _n, _f in _POLYS.items():
    _def_poly(_n, _f)


# ---------------------------------------------------------------------------------------------
# aliases of existing ops under torch.special


def _special_softmax(input, dim, *, dtype=None):
    from ..nn import functional as F

    return F.softmax(input, dim, dtype=dtype)


def _special_log_softmax(input, dim, *, dtype=None):
    from ..nn import functional as F

    return F.log_softmax(input, dim, dtype=dtype)


def _special_logit(input, eps=None, *, out=None):
    return FUNCTIONS["logit"](input, eps, out=out)


def _special_round(input, *, decimals=0, out=None):
    return FUNCTIONS["round"](input, decimals=decimals, out=out)


def _special_logsumexp(input, dim, keepdim=False, *, out=None):
    return FUNCTIONS["logsumexp"](input, dim, keepdim, out=out)


def _special_multigammaln(input, p, *, out=None):
    return FUNCTIONS["mvlgamma"](input, p, out=out)


def _special_polygamma(n, input, *, out=None):
    return FUNCTIONS["polygamma"](n, input, out=out)


for _n, _f in {"softmax": _special_softmax, "log_softmax": _special_log_softmax, "logit": _special_logit,
               "round": _special_round, "logsumexp": _special_logsumexp, "multigammaln": _special_multigammaln,
               "polygamma": _special_polygamma}.items():
    _f.__name__ = _n
    register(_n, namespace="special", method=False, out=False)(_f)
