"""Pointwise ops: unary math, binary arithmetic, comparisons, logical and ternary ops.

Each op is one pure jnp function plus a promotion kind:
  same    result dtype = promoted input dtype (int stays int)
  float   ints/bool are computed in the default float dtype (torch's "int to float" ops)
  bool    result is bool (comparisons, predicates)
"""

from __future__ import annotations

import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.scipy import special as jsp

from .. import _dtype as _dt
from .._tensor import Tensor
from ..autograd import grad_mode as _gm
from ._dispatch import apply, exact_dtype, exact_scalar, host_impl, int_host_impl
from ._promote import result_np, to_float_np
from ._registry import _fit_inplace, register
from ._checks import broadcast_error


def _c(x, dtype):
    """Cast an operand (array, tracer or Python scalar) to dtype inside a traced function."""
    return lax.convert_element_type(x, dtype) if x is not None else None


# NumPy twins of the jnp functions whose integer/bool results are exact (see _dispatch.int_host_impl)
_EXACT_ON_INTS = {f.__name__: f for f in (
    np.add, np.subtract, np.multiply, np.maximum, np.minimum, np.bitwise_and, np.bitwise_or, np.bitwise_xor,
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal, np.logical_and, np.logical_or,
    np.logical_xor)}


def _int_twin_of(impl, jfn, with_dtype=True):
    """Register the NumPy twin of a binary impl `jfn(_c(a, dtype), _c(b, dtype))` (or `jfn(a, b)`)."""
    np_fn = _EXACT_ON_INTS.get(getattr(jfn, "__name__", None))
    if np_fn is None:
        return
    if with_dtype:
        int_host_impl(impl)(lambda a, b, *, dtype: np_fn(np.asarray(a, dtype), np.asarray(b, dtype)))
    else:
        int_host_impl(impl)(np_fn)


# ---------------------------------------------------------------------------------------------
# unary

@jax.custom_jvp
def _abs_torch(x):
    return jnp.abs(x)


@_abs_torch.defjvp
def _abs_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    if jnp.iscomplexobj(x):  # |z|' along t is Re(conj(z / |z|) t); zero at 0 like torch
        return jnp.abs(x), jnp.real(jnp.conj(jnp.sign(x)) * t)
    return jnp.abs(x), t * jnp.sign(x)  # torch's abs has zero gradient at 0


def _relu(x):
    return jnp.where(x > 0, x, jnp.zeros((), x.dtype))


def _sigmoid(x):
    return jax.nn.sigmoid(x)


def _rsqrt(x):
    return lax.rsqrt(x)


def _frac(x):
    return x - jnp.trunc(x)


def _logit(x, eps=None):
    if eps is not None:
        x = jnp.clip(x, eps, 1 - eps)
    return jnp.log(x / (1 - x))


def _sinc(x):
    return jnp.sinc(x)


@jax.custom_jvp
def _digamma(x):
    # torch: digamma(0) is -inf (the pole's limit from the right), not nan
    return jnp.where(x == 0, jnp.asarray(-jnp.inf, x.dtype), jsp.digamma(x))


@_digamma.defjvp
def _digamma_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _digamma(x), _polygamma_n(x, 1) * t  # jsp's own derivative is wrong for x < -8


def _cot_derivative(x, n):
    """d^n/dx^n cot(pi x), by nested forward-mode differentiation of an elementwise function."""
    def f(y):
        return jnp.cos(jnp.pi * y) / jnp.sin(jnp.pi * y)

    for _ in range(n):
        f = (lambda g: lambda y: jax.jvp(g, (y,), (jnp.ones_like(y),))[1])(f)
    return f(x)


def _polygamma_n(x, n):
    """psi^(n)(x). jsp.polygamma is wrong for negative x, so there the reflection formula
    psi^(n)(1-x) + (-1)^(n+1) psi^(n)(x) = (-1)^n pi d^n/dx^n cot(pi x) maps to 1-x > 1."""
    if n == 0:
        return _digamma(x)
    neg = x < 0
    pos = jsp.polygamma(n, jnp.where(neg, 1 - x, x))
    reflected = (-1) ** (n + 1) * ((-1) ** n * jnp.pi * _cot_derivative(x, n) - pos)
    return jnp.where(neg, reflected, pos)


def _erfinv(x):
    return jsp.erfinv(x)


def _reciprocal(x):
    return 1 / x


def _sign(x):
    if x.dtype == jnp.bool_:
        return x
    return jnp.sign(x)


def _square(x):
    return x * x


def _exp2(x):
    return jnp.exp2(x)


def _angle(x):
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        return jnp.angle(x)
    return jnp.where(x < 0, jnp.asarray(math.pi, x.dtype), jnp.zeros((), x.dtype)) + jnp.where(jnp.isnan(x), x, 0)


def _mvlgamma(x, p):
    return jsp.multigammaln(x, p)


def _i0(x):
    return jnp.i0(x)


def _positive(x):
    return x


def _bitwise_not(x):
    return jnp.invert(x)


def _logical_not(x):
    return jnp.logical_not(x)


_UNARY_FLOAT = {
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "asin": jnp.arcsin, "acos": jnp.arccos, "atan": jnp.arctan,
    "sinh": jnp.sinh, "cosh": jnp.cosh, "tanh": jnp.tanh, "asinh": jnp.arcsinh, "acosh": jnp.arccosh,
    "atanh": jnp.arctanh, "exp": jnp.exp, "exp2": _exp2, "expm1": jnp.expm1, "log": jnp.log, "log2": jnp.log2,
    "log10": jnp.log10, "log1p": jnp.log1p, "sqrt": jnp.sqrt, "rsqrt": _rsqrt, "sigmoid": _sigmoid,
    "erf": jsp.erf, "erfc": jsp.erfc, "erfinv": _erfinv, "lgamma": jsp.gammaln, "digamma": _digamma,
    "reciprocal": _reciprocal, "sinc": _sinc, "deg2rad": jnp.deg2rad, "rad2deg": jnp.rad2deg, "i0": _i0,
    "angle": _angle,
}
_UNARY_ALIASES = {"asin": ("arcsin",), "acos": ("arccos",), "atan": ("arctan",), "asinh": ("arcsinh",),
                  "acosh": ("arccosh",), "atanh": ("arctanh",)}
_UNARY_SAME = {
    "neg": jnp.negative, "abs": _abs_torch, "sign": _sign, "sgn": _sign, "floor": jnp.floor, "ceil": jnp.ceil,
    "trunc": jnp.trunc, "frac": _frac, "square": _square, "relu": _relu, "positive": _positive,
    "conj_physical": jnp.conj,
}
_SAME_ALIASES = {"neg": ("negative",), "abs": ("absolute",), "trunc": ("fix",)}
_SPECIAL_ALIASES = {"sigmoid": ("special.expit",), "erf": ("special.erf",), "erfc": ("special.erfc",),
                    "erfinv": ("special.erfinv",), "exp2": ("special.exp2",), "expm1": ("special.expm1",),
                    "log1p": ("special.log1p",), "lgamma": ("special.gammaln",),
                    "digamma": ("special.digamma", "special.psi"), "sinc": ("special.sinc",), "i0": ("special.i0",)}
_UNARY_DUNDERS = {"neg": ("__neg__",), "abs": ("__abs__",), "positive": ("__pos__",)}
# torch binds most in-place unary ops as torch.<name>_ too; these only as Tensor methods (torch.absolute_ is absent
# though torch.abs_ exists)
_TORCH_INPLACE = {"erfinv": False, "lgamma": False, "digamma": False, "angle": False, "sign": False, "sgn": False,
                  "positive": False, "abs": ("abs_",)}
_INT_IDENTITY = {"floor", "ceil", "trunc", "round"}  # on integers these return the input unchanged


def _unary_impl(jfn):
    def impl(x, *, dtype):
        return jfn(_c(x, dtype))

    impl.__name__ = getattr(jfn, "__name__", "unary").lstrip("_")
    return impl


def _def_unary(name, jfn, floating):
    impl = _unary_impl(jfn)
    impl.__name__ = name

    if floating:
        def op(input, *, out=None):
            return apply(impl, (input,), (("dtype", to_float_np(input._data.dtype)),), name)
    else:
        int_identity = name in _INT_IDENTITY

        def op(input, *, out=None):
            d = input._data.dtype
            if int_identity and not jnp.issubdtype(d, jnp.inexact):
                return input.clone()
            return apply(impl, (input,), (("dtype", d),), name)

    op.__name__ = name
    aliases = _UNARY_ALIASES.get(name, ()) + _SAME_ALIASES.get(name, ()) + _SPECIAL_ALIASES.get(name, ())
    register(name, inplace=True, torch_inplace=_TORCH_INPLACE.get(name, True), aliases=aliases,
             dunders=_UNARY_DUNDERS.get(name, ()))(op)
    return op


for _n, _f in _UNARY_FLOAT.items():
    _def_unary(_n, _f, True)
for _n, _f in _UNARY_SAME.items():
    _def_unary(_n, _f, False)


def _round_impl(x, *, decimals):
    if decimals == 0:
        return jnp.round(x)
    return jnp.round(x, decimals)


@register(inplace=True, torch_inplace=True)
def round(input, *, decimals=0, out=None):
    if not jnp.issubdtype(input._data.dtype, jnp.inexact):
        return input.clone()
    return apply(_round_impl, (input,), (("decimals", int(decimals)),), "round")


def _logit_impl(x, *, dtype, eps):
    return _logit(_c(x, dtype), eps)


@register(inplace=True, torch_inplace=True)
def logit(input, eps=None, *, out=None):
    return apply(_logit_impl, (input,), (("dtype", to_float_np(input._data.dtype)), ("eps", eps)), "logit")


def _nan_to_num_impl(x, *, nan, posinf, neginf):
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@register(inplace=True, torch_inplace=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    if not jnp.issubdtype(input._data.dtype, jnp.inexact):
        return input.clone()
    return apply(_nan_to_num_impl, (input,), (("nan", nan), ("posinf", posinf), ("neginf", neginf)), "nan_to_num")


def _pred_impl(jfn):
    def impl(x):
        return jfn(x)

    return impl


for _n, _f in {"isnan": jnp.isnan, "isinf": jnp.isinf, "isfinite": jnp.isfinite, "isposinf": jnp.isposinf,
               "isneginf": jnp.isneginf, "signbit": jnp.signbit, "isreal": jnp.isreal,
               "logical_not": _logical_not}.items():
    _impl = _pred_impl(_f)
    _impl.__name__ = _n

    def _pred(input, *, out=None, _impl=_impl, _n=_n):
        return apply(_impl, (input,), (), _n)

    _pred.__name__ = _n
    register(_n, inplace=_n == "logical_not")(_pred)


def _bitwise_not_impl(x):
    return jnp.invert(x)


int_host_impl(_bitwise_not_impl)(np.invert)


@register(inplace=True, dunders=("__invert__",))
def bitwise_not(input, *, out=None):
    if jnp.issubdtype(input._data.dtype, jnp.inexact):
        raise RuntimeError(f'"bitwise_not_cpu" not implemented for \'{_type_name(input)}\'')
    return apply(_bitwise_not_impl, (input,), (), "bitwise_not")


def _type_name(t):
    from ._registry import _dt_name

    return _dt_name(t.dtype)


def _mvlgamma_impl(x, *, p, dtype):
    return jsp.multigammaln(_c(x, dtype), p)


@register(inplace=True)
def mvlgamma(input, p):
    return apply(_mvlgamma_impl, (input,), (("p", int(p)), ("dtype", to_float_np(input._data.dtype))), "mvlgamma")


def _polygamma_impl(x, *, n, dtype):
    return _polygamma_n(_c(x, dtype), n)


def _tensor_polygamma(self, n):
    return polygamma(n, self)


def _tensor_polygamma_(self, n):
    return self._inplace_assign(_fit_inplace(self, polygamma(n, self), "polygamma"), "polygamma_")


# the order of torch.polygamma's arguments is (n, input); the methods take n only
@register(method=_tensor_polygamma, inplace=_tensor_polygamma_)
def polygamma(n, input, *, out=None):
    return apply(_polygamma_impl, (input,), (("n", int(n)), ("dtype", to_float_np(input._data.dtype))), "polygamma")


# ---------------------------------------------------------------------------------------------
# binary


def _operand_check(a, b, name):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(a).__name__}")
    for x in (a, b):
        if not isinstance(x, (Tensor, numbers.Number)) and x is not None:
            raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(x).__name__}")


def _binary_apply(impl, a, b, static, name):
    try:
        return apply(impl, (a, b), static, name)
    except (TypeError, ValueError) as e:
        broadcast_error(a, b, e)
        raise


def _def_binary(name, jfn, kind="same", aliases=(), dunders=(), rdunders=(), idunders=(), inplace=True,
                torch_inplace=False, int_only=False, no_bool=False):
    def impl(a, b, *, dtype):
        return jfn(_c(a, dtype), _c(b, dtype))

    impl.__name__ = name
    _int_twin_of(impl, jfn)

    def op(input, other, *, out=None):
        if not isinstance(other, Tensor) and not isinstance(other, numbers.Number):
            if isinstance(other, (list, tuple, np.ndarray)):
                from .creation import tensor as _tensor

                other = _tensor(other)
            else:
                return NotImplemented
        d = result_np(input, other)
        if kind == "float":
            d = to_float_np(d)
        elif int_only and jnp.issubdtype(d, jnp.inexact):
            raise RuntimeError(f'"{name}_cpu" not implemented for \'{_dt.from_np(d).name.capitalize()}\'')
        elif no_bool and d == np.bool_:
            raise RuntimeError(f"{name}: Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        return _binary_apply(impl, input, other, (("dtype", d),), name)

    op.__name__ = name
    register(name, inplace=inplace, torch_inplace=torch_inplace, aliases=aliases, dunders=dunders, rdunders=rdunders,
             idunders=idunders)(op)
    return op


def _add_alpha_impl(a, b, alpha, *, dtype):
    return _c(a, dtype) + _c(alpha, dtype) * _c(b, dtype)


def _add_impl(a, b, *, dtype):
    return _c(a, dtype) + _c(b, dtype)


def _sub_impl(a, b, *, dtype):
    return _c(a, dtype) - _c(b, dtype)


_int_twin_of(_add_impl, jnp.add)
_int_twin_of(_sub_impl, jnp.subtract)


def _sub_alpha_impl(a, b, alpha, *, dtype):
    return _c(a, dtype) - _c(alpha, dtype) * _c(b, dtype)


def _coerce_other(other):
    if isinstance(other, (list, tuple, np.ndarray)):
        from .creation import tensor as _tensor

        return _tensor(other)
    return other


def _check_alpha(alpha, d):
    if isinstance(alpha, float) and not jnp.issubdtype(d, jnp.inexact):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, bool) is False and d == np.bool_ and alpha != 1:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")


@register(inplace=True, dunders=("__add__",), rdunders=("__radd__",), idunders=("__iadd__",))
def add(input, other, *, alpha=1, out=None):
    other = _coerce_other(other)
    if not isinstance(other, (Tensor, numbers.Number)):
        return NotImplemented
    d = result_np(input, other)
    if alpha != 1:
        _check_alpha(alpha, d)
        try:
            return apply(_add_alpha_impl, (input, other, alpha), (("dtype", d),), "add")
        except (TypeError, ValueError) as e:
            broadcast_error(input, other, e)
            raise
    return _binary_apply(_add_impl, input, other, (("dtype", d),), "add")


@register(inplace=True, dunders=("__sub__",), rdunders=("__rsub__",), idunders=("__isub__",),
          aliases=("subtract",))
def sub(input, other, *, alpha=1, out=None):
    other = _coerce_other(other)
    if not isinstance(other, (Tensor, numbers.Number)):
        return NotImplemented
    d = result_np(input, other)
    if d == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if alpha != 1:
        _check_alpha(alpha, d)
        try:
            return apply(_sub_alpha_impl, (input, other, alpha), (("dtype", d),), "sub")
        except (TypeError, ValueError) as e:
            broadcast_error(input, other, e)
            raise
    return _binary_apply(_sub_impl, input, other, (("dtype", d),), "sub")


@register(function=True, method=False)
def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


mul = _def_binary("mul", jnp.multiply, aliases=("multiply",), dunders=("__mul__",), rdunders=("__rmul__",),
                  idunders=("__imul__",))


def _true_div(a, b):
    return a / b


def _trunc_div(a, b):
    if jnp.issubdtype(a.dtype, jnp.integer):
        return lax.div(*jnp.broadcast_arrays(a, b))
    return jnp.trunc(a / b)


def _floor_div(a, b):
    return jnp.floor_divide(a, b)


def _div_float_impl(a, b, *, dtype):
    return _c(a, dtype) / _c(b, dtype)


def _div_mode_impl(a, b, *, dtype, mode):
    a, b = _c(a, dtype), _c(b, dtype)
    return _trunc_div(a, b) if mode == "trunc" else _floor_div(a, b)


# torch keeps Python 2's __rdiv__ as another name of __rtruediv__
@register(inplace=True, dunders=("__truediv__",), rdunders=("__rtruediv__", "__rdiv__"), idunders=("__itruediv__",),
          aliases=("divide",))
def div(input, other, *, rounding_mode=None, out=None):
    other = _coerce_other(other)
    if not isinstance(other, (Tensor, numbers.Number)):
        return NotImplemented
    d = result_np(input, other)
    if rounding_mode is None:
        return _binary_apply(_div_float_impl, input, other, (("dtype", to_float_np(d)),), "div")
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    return _binary_apply(_div_mode_impl, input, other, (("dtype", d), ("mode", rounding_mode)), "div")


@register(inplace=True)
def true_divide(input, other, *, out=None):
    return div(input, other)


@register(inplace=True, dunders=("__floordiv__",), rdunders=("__rfloordiv__",), idunders=("__ifloordiv__",))
def floor_divide(input, other, *, out=None):
    return div(input, other, rounding_mode="floor")


remainder = _def_binary("remainder", jnp.remainder, dunders=("__mod__",), rdunders=("__rmod__",),
                        idunders=("__imod__",))
fmod = _def_binary("fmod", jnp.fmod)
maximum = _def_binary("maximum", jnp.maximum, inplace=False)
minimum = _def_binary("minimum", jnp.minimum, inplace=False)
fmax = _def_binary("fmax", jnp.fmax, inplace=False)
fmin = _def_binary("fmin", jnp.fmin, inplace=False)
atan2 = _def_binary("atan2", jnp.arctan2, kind="float", aliases=("arctan2",))
hypot = _def_binary("hypot", jnp.hypot, kind="float")
copysign = _def_binary("copysign", jnp.copysign, kind="float")
logaddexp = _def_binary("logaddexp", jnp.logaddexp, kind="float", inplace=False)
logaddexp2 = _def_binary("logaddexp2", jnp.logaddexp2, kind="float", inplace=False)
@jax.custom_jvp
def _nextafter(a, b):
    return jnp.nextafter(a, b)


@_nextafter.defjvp
def _nextafter_jvp(primals, tangents):
    # torch: d/da = 1 (the result is a one-ulp step from a), d/db = 0
    out = _nextafter(*primals)
    return out, jnp.broadcast_to(tangents[0], out.shape)


nextafter = _def_binary("nextafter", _nextafter)
bitwise_and = _def_binary("bitwise_and", jnp.bitwise_and, dunders=("__and__",), rdunders=("__rand__",),
                          idunders=("__iand__",), int_only=True)
bitwise_or = _def_binary("bitwise_or", jnp.bitwise_or, dunders=("__or__",), rdunders=("__ror__",),
                         idunders=("__ior__",), int_only=True)
bitwise_xor = _def_binary("bitwise_xor", jnp.bitwise_xor, dunders=("__xor__",), rdunders=("__rxor__",),
                          idunders=("__ixor__",), int_only=True)
bitwise_left_shift = _def_binary("bitwise_left_shift", jnp.left_shift, dunders=("__lshift__",), int_only=True)
bitwise_right_shift = _def_binary("bitwise_right_shift", jnp.right_shift, dunders=("__rshift__",), int_only=True)
gcd = _def_binary("gcd", jnp.gcd, int_only=True, torch_inplace=True)
lcm = _def_binary("lcm", jnp.lcm, int_only=True, torch_inplace=True)


@jax.custom_jvp
def _xlogy(x, y):
    return jsp.xlogy(x, y)


@_xlogy.defjvp
def _xlogy_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    # torch: d/dx = log(y), but 0 where x = 0 and y <= 0 (where log is -inf or nan); d/dy = x / y
    dx = jnp.where((x == 0) & (y <= 0), jnp.zeros((), x.dtype), jnp.log(y))
    return _xlogy(x, y), dx * tx + x / y * ty


def _heaviside(x, v):
    return jnp.where(x == 0, v, jnp.where(x > 0, jnp.ones((), x.dtype), jnp.zeros((), x.dtype)))


xlogy = _def_binary("xlogy", _xlogy, kind="float", aliases=("special.xlogy",), torch_inplace=True)
heaviside = _def_binary("heaviside", _heaviside)


def _float_power_impl(a, b):
    return jnp.power(a, b)


@register(inplace=True)
def float_power(input, exponent, *, out=None):
    cplx = any(isinstance(x, Tensor) and x.is_complex() or isinstance(x, complex) for x in (input, exponent))
    d = np.complex128 if cplx else np.float64
    return _binary_apply(_def_cast_impl(_float_power_impl), input, exponent, (("dtype", np.dtype(d)),), "float_power")


_cast_impls: dict = {}


def _def_cast_impl(jfn):
    impl = _cast_impls.get(jfn)
    if impl is None:
        def impl(a, b, *, dtype):
            return jfn(_c(a, dtype), _c(b, dtype))

        impl.__name__ = jfn.__name__.lstrip("_")
        _cast_impls[jfn] = impl
    return impl


def _pow_static_impl(a, *, dtype, exponent):
    a = _c(a, dtype)
    if isinstance(exponent, int) and not isinstance(exponent, bool):
        if exponent >= 0 or jnp.issubdtype(dtype, jnp.inexact):
            return lax.integer_pow(a, exponent)
    return jnp.power(a, jnp.asarray(exponent, dtype))


def _pow_impl(a, b, *, dtype):
    a, b = _c(a, dtype), _c(b, dtype)
    if not jnp.issubdtype(dtype, jnp.integer):
        return jnp.power(a, b)
    # integer a ** negative b truncates to 0, except for bases 1 and -1 (jnp gives garbage there)
    one = jnp.ones((), dtype)
    neg = jnp.where(a == 1, one, jnp.where(a == -1, jnp.where(b % 2 == 0, one, -one), jnp.zeros((), dtype)))
    return jnp.where(b < 0, neg, jnp.power(a, jnp.maximum(b, 0)))


@register(inplace=True, dunders=("__pow__",), rdunders=("__rpow__",), idunders=("__ipow__",))
def pow(input, exponent, *, out=None):
    exponent = _coerce_other(exponent)
    if isinstance(input, numbers.Number):
        d = result_np(input, exponent)
        return _binary_apply(_pow_impl, input, exponent, (("dtype", d),), "pow")
    if isinstance(exponent, numbers.Number) and not isinstance(exponent, bool):
        d = result_np(input, exponent)
        if isinstance(exponent, int) and exponent < 0 and not jnp.issubdtype(d, jnp.inexact):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if isinstance(exponent, float) and exponent.is_integer() and abs(exponent) < 2**31:
            exponent = int(exponent)
        return apply(_pow_static_impl, (input,), (("dtype", d), ("exponent", exponent)), "pow")
    if not isinstance(exponent, (Tensor, numbers.Number)):
        return NotImplemented
    d = result_np(input, exponent)
    return _binary_apply(_pow_impl, input, exponent, (("dtype", d),), "pow")



# comparisons: computed in the promoted dtype, result bool
def _def_compare(name, jfn, dunder=None, aliases=()):
    def impl(a, b, *, dtype):
        return jfn(_c(a, dtype), _c(b, dtype))

    impl.__name__ = name
    _int_twin_of(impl, jfn)

    def op(input, other, *, out=None):
        other = _coerce_other(other)
        if not isinstance(other, (Tensor, numbers.Number)):
            if dunder in ("__eq__", "__ne__"):
                return NotImplemented
            raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
        d = result_np(input, other)
        return _binary_apply(impl, input, other, (("dtype", d),), name)

    op.__name__ = name
    register(name, inplace=True, aliases=aliases, dunders=(dunder,) if dunder else ())(op)
    return op


eq = _def_compare("eq", jnp.equal, "__eq__")
ne = _def_compare("ne", jnp.not_equal, "__ne__", aliases=("not_equal",))
lt = _def_compare("lt", jnp.less, "__lt__", aliases=("less",))
le = _def_compare("le", jnp.less_equal, "__le__", aliases=("less_equal",))
gt = _def_compare("gt", jnp.greater, "__gt__", aliases=("greater",))
ge = _def_compare("ge", jnp.greater_equal, "__ge__", aliases=("greater_equal",))


def _def_logical(name, jfn):
    def impl(a, b):
        return jfn(a, b)

    impl.__name__ = name
    _int_twin_of(impl, jfn, with_dtype=False)

    def op(input, other, *, out=None):
        return _binary_apply(impl, input, other, (), name)

    op.__name__ = name
    register(name, inplace=True)(op)
    return op


logical_and = _def_logical("logical_and", jnp.logical_and)
logical_or = _def_logical("logical_or", jnp.logical_or)
logical_xor = _def_logical("logical_xor", jnp.logical_xor)


def _isclose_impl(a, b, *, dtype, rtol, atol, equal_nan):
    return jnp.isclose(_c(a, dtype), _c(b, dtype), rtol=rtol, atol=atol, equal_nan=equal_nan)


@register()
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if isinstance(other, Tensor) and input.dtype != other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    d = result_np(input, other)
    return _binary_apply(_isclose_impl, input, other,
                         (("dtype", d), ("rtol", float(rtol)), ("atol", float(atol)), ("equal_nan", bool(equal_nan))),
                         "isclose")


@register()
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@register()
def equal(input, other) -> bool:
    if input.shape != other.shape:
        return False
    return bool(eq(input, other).all())


# ---------------------------------------------------------------------------------------------
# ternary


def _where_impl(c, a, b, *, dtype):
    return jnp.where(c, _c(a, dtype), _c(b, dtype))


@host_impl(_where_impl)
def _where_host(c, a, b, *, dtype):
    """A selection: exact for any dtype when no operand needs rounding into it."""
    if not isinstance(c, np.ndarray) or not exact_dtype(c.dtype):
        return NotImplemented
    ops = []
    for v in (a, b):
        if isinstance(v, np.ndarray) and v.ndim:
            if v.dtype != dtype and not (exact_dtype(v.dtype) and exact_dtype(dtype)):
                return NotImplemented
            v = v.astype(dtype, copy=False)
        else:
            v = exact_scalar(v, dtype)
            if v is None:
                return NotImplemented
        ops.append(v)
    return np.where(c, *ops)


def _tensor_where(self, condition, y):
    return where(condition, self, y)


@register(method=_tensor_where)  # x.where(condition, y) is where(condition, x, y)
def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    if condition._data.dtype != np.bool_:
        if condition._data.dtype == np.uint8:
            condition = condition.bool()
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                               f"{_type_name(condition)}")
    d = result_np(input, other)
    try:
        return apply(_where_impl, (condition, input, other), (("dtype", d),), "where")
    except (TypeError, ValueError) as e:
        from ._checks import broadcast_error_n

        broadcast_error_n((condition, input, other), e)
        raise



def _clamp_impl(x, lo, hi, *, dtype):
    x = _c(x, dtype)
    if lo is not None:
        lo = _c(lo, dtype)
        x = jnp.where(x < lo, lo, x)
    if hi is not None:
        hi = _c(hi, dtype)
        x = jnp.where(x > hi, hi, x)
    if lo is not None and not jnp.issubdtype(dtype, jnp.integer):
        x = jnp.where(jnp.isnan(lo), lo, x)
    return x


@register(inplace=True, torch_inplace=True, aliases=("clip",))
def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    d = result_np(input, min, max)
    return apply(_clamp_impl, (input, min, max), (("dtype", d),), "clamp")


@register(inplace=True, torch_inplace=True)
def clamp_min(input, min):
    return clamp(input, min=min)


@register(inplace=True, torch_inplace=True)
def clamp_max(input, max):
    return clamp(input, max=max)


def _addcmul_impl(x, a, b, value, *, dtype):
    return _c(x, dtype) + _c(value, dtype) * (_c(a, dtype) * _c(b, dtype))


def _addcdiv_impl(x, a, b, value, *, dtype):
    return _c(x, dtype) + _c(value, dtype) * (_c(a, dtype) / _c(b, dtype))


@register(inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    d = result_np(input, tensor1, tensor2)
    return apply(_addcmul_impl, (input, tensor1, tensor2, value), (("dtype", d),), "addcmul")


@register(inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    if not jnp.issubdtype(result_np(tensor1, tensor2), jnp.inexact):
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                           "for all dtypes.")
    d = result_np(input, tensor1, tensor2)
    return apply(_addcdiv_impl, (input, tensor1, tensor2, value), (("dtype", d),), "addcdiv")


def _lerp_impl(a, b, w, *, dtype):
    a, b, w = _c(a, dtype), _c(b, dtype), _c(w, dtype)
    # torch's formula: uses the end point for weights >= 0.5 for accuracy at w == 1
    return jnp.where(jnp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


@register(inplace=True)
def lerp(input, end, weight, *, out=None):
    d = result_np(input, end)
    return apply(_lerp_impl, (input, end, weight), (("dtype", d),), "lerp")


# ---------------------------------------------------------------------------------------------
# complex views. jaxtorch has no lazy conjugate/negative bits, so these are plain (copying) ops.


def _conj_impl(x):
    return jnp.conj(x)


@register()
def conj(input):
    if not jnp.issubdtype(input._data.dtype, jnp.complexfloating):
        return input  # torch: conj of a real tensor is the tensor itself
    return apply(_conj_impl, (input,), (), "conj")


@register()
def resolve_conj(input):
    return input


@register()
def resolve_neg(input):
    return input


def _real_impl(x):
    return jnp.real(x)


def _imag_impl(x):
    return jnp.imag(x)


@register(as_property=True)
def real(input):
    if not jnp.issubdtype(input._data.dtype, jnp.complexfloating):
        return input
    return apply(_real_impl, (input,), (), "real")


@register(as_property=True)
def imag(input):
    if not jnp.issubdtype(input._data.dtype, jnp.complexfloating):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(_imag_impl, (input,), (), "imag")


# ---------------------------------------------------------------------------------------------
# Python functions applied elementwise, in place (on the host, like torch's CPU-only ops)


def _py_elementwise(self, name, fn, others=()):
    if self._requires_grad and _gm.state.enabled or any(o._requires_grad for o in others):
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead.")
    a = np.array(self.detach().numpy())
    srcs = [np.broadcast_to(o.detach().numpy(), a.shape) for o in others]
    conv = float if a.dtype.kind in "fc" else (bool if a.dtype.kind == "b" else int)
    out = np.empty_like(a)
    for i in np.ndindex(a.shape):
        out[i] = fn(conv(a[i]), *(conv(s[i]) for s in srcs))
    self._inplace_assign(Tensor._make(jnp.asarray(out)), name)
    return self


@register(function=False)
def apply_(self, callable) -> Tensor:
    """Apply a Python function to every element, in place (runs on the host, like torch's CPU-only op)."""
    return _py_elementwise(self, "apply_", callable)


@register(function=False)
def map_(self, tensor, callable) -> Tensor:
    return _py_elementwise(self, "map_", callable, (tensor,))


@register(function=False)
def map2_(self, x, y, callable) -> Tensor:
    return _py_elementwise(self, "map2_", callable, (x, y))
