"""nn.functional: activation ops. Each call is one dispatched pure jnp function."""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
from jax import lax
from jax.scipy import special as jsp

from ..._ops import _threefry
from ..._ops._checks import wrap_dim
from ..._ops._dispatch import apply
from ..._ops._promote import dtype_np, to_float_np
from ..._tensor import Tensor
from ... import _autocast as _ac

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu", "elu_", "selu",
    "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid", "tanh", "softmax", "softmin", "log_softmax",
    "softplus", "softsign", "hardtanh", "hardtanh_", "hardswish", "hardsigmoid", "hardshrink", "softshrink",
    "tanhshrink", "threshold", "threshold_", "glu", "logsigmoid", "gumbel_softmax",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float_only(input: Tensor, name: str) -> None:
    if not input.is_floating_point():
        raise RuntimeError(f'"{name}" not implemented for \'{_dtype_word(input)}\'')


def _dtype_word(t: Tensor) -> str:
    from ..._ops._registry import _dt_name

    return _dt_name(t.dtype)


def _run(impl, input: Tensor, args: tuple = (), static: tuple = (), inplace: bool = False, name=None):
    out = apply(impl, (input,) + args, static, name or impl.__name__.lstrip("_"))
    if inplace:
        return input._inplace_assign(out, name or impl.__name__)
    return out


# ------------------------------------------------------------------------------ pure functions
def _relu(x):
    return jnp.where(x > 0, x, jnp.zeros((), x.dtype))


def _hardtanh(x, lo, hi):
    # torch's gradient is 1 strictly inside (lo, hi) and 0 at and beyond the bounds
    return jnp.where(x <= lo, lo, jnp.where(x >= hi, hi, x)).astype(x.dtype)


def _leaky_relu(x, slope):
    return jnp.where(x > 0, x, x * slope)


def _prelu(x, w):
    if x.ndim >= 2 and w.size > 1:
        w = w.reshape((1, -1) + (1,) * (x.ndim - 2))
    elif w.size == 1:
        w = w.reshape(())
    return jnp.where(x > 0, x, w * x)


def _rrelu_train(key, x, lower, upper):
    slope = _threefry.uniform(key, x.shape, x.dtype) * (upper - lower) + lower
    return jnp.where(x >= 0, x, x * lax.stop_gradient(slope))


def _elu(x, alpha, scale, input_scale):
    return jnp.where(x > 0, x * scale, jnp.expm1(jnp.minimum(x, 0) * input_scale) * alpha * scale)


def _celu(x, alpha):
    return jnp.where(x > 0, x, jnp.expm1(jnp.minimum(x, 0) / alpha) * alpha)


def _gelu(x, *, approximate):
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + jnp.tanh(inner))
    return x * 0.5 * (1 + jsp.erf(x * (1 / math.sqrt(2))))


def _silu(x):
    return x * jax.nn.sigmoid(x)


def _softplus(x, beta, threshold):
    bx = x * beta
    return jnp.where(bx > threshold, x, jnp.log1p(jnp.exp(jnp.minimum(bx, threshold))) / beta)


def _mish(x):
    return x * jnp.tanh(_softplus(x, 1.0, 20.0))


def _sigmoid(x):
    return jax.nn.sigmoid(x)


def _tanh(x):
    return jnp.tanh(x)


def _softmax(x, *, dim, dtype, log, neg):
    if dtype is not None:
        x = lax.convert_element_type(x, dtype)
    if neg:
        x = -x
    if x.ndim == 0:
        return jnp.zeros_like(x) if log else jnp.ones_like(x)
    return jax.nn.log_softmax(x, axis=dim) if log else jax.nn.softmax(x, axis=dim)


def _softsign(x, *, dtype):
    x = lax.convert_element_type(x, dtype)  # ints compute in the default float dtype, as torch's division does
    return x / (1 + jnp.abs(x))


def _hardswish(x):
    return jnp.where(x <= -3, 0.0, jnp.where(x >= 3, x, x * (x + 3) / 6)).astype(x.dtype)


def _hardsigmoid(x):
    return jnp.where(x <= -3, 0.0, jnp.where(x >= 3, 1.0, x / 6 + 0.5)).astype(x.dtype)


def _hardshrink(x, lambd):
    return jnp.where((x > lambd) | (x < -lambd), x, jnp.zeros((), x.dtype))


def _softshrink(x, lambd):
    return jnp.where(x > lambd, x - lambd, jnp.where(x < -lambd, x + lambd, jnp.zeros((), x.dtype)))


def _tanhshrink(x, *, dtype):
    x = lax.convert_element_type(x, dtype)
    return x - jnp.tanh(x)


def _threshold(x, thr, value):
    return jnp.where(x > thr, x, value).astype(x.dtype)


def _glu(x, *, dim):
    a, b = jnp.split(x, 2, axis=dim)
    return a * jax.nn.sigmoid(b)


def _logsigmoid(x):
    return jax.nn.log_sigmoid(x)


# ------------------------------------------------------------------------------ public functions
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_relu, input, inplace=inplace, name="relu")


def relu_(input: Tensor) -> Tensor:
    return relu(input, True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _run(_hardtanh, input, (min_val, max_val), inplace=inplace, name="hardtanh")


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _run(_leaky_relu, input, (negative_slope,), inplace=inplace, name="leaky_relu")


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    input, weight = _ac.cast("prelu", input, weight)
    n = weight.numel()
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else (input.shape[0] if input.ndim == 1 else 1)
        if weight.ndim > 1 or input.ndim == 0 or n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
    return apply(_prelu, (input, weight), (), "prelu")


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    if training:
        from ...random import draw

        out = draw(None, _rrelu_train, (input, lower, upper), (), "rrelu")
        return input._inplace_assign(out, "rrelu") if inplace else out
    return leaky_relu(input, (lower + upper) / 2, inplace)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _run(_elu, input, (alpha, 1.0, 1.0), inplace=inplace, name="elu")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_elu, input, (_SELU_ALPHA, _SELU_SCALE, 1.0), inplace=inplace, name="selu")


def selu_(input: Tensor) -> Tensor:
    return selu(input, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _run(_celu, input, (alpha,), inplace=inplace, name="celu")


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh.")  # noqa: F541
    _float_only(input, "GeluKernelImpl")
    return _run(_gelu, input, static=(("approximate", approximate),), name="gelu")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_silu, input, inplace=inplace, name="silu")


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_mish, input, inplace=inplace, name="mish")


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def _get_softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  "an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_family(input, dim, dtype, log, neg, name):
    input = _ac.cast1(name, input) if dtype is None else input
    if dim is None:
        dim = _get_softmax_dim(name, input.ndim)
    dim = wrap_dim(dim, input.ndim)
    d = dtype_np(dtype)
    if d is None and not input.is_floating_point():
        raise NotImplementedError(f'"{"log_softmax" if log else "softmax"}_lastdim_kernel_impl" not implemented for '
                           f"'{_dtype_word(input)}'")
    return apply(_softmax, (input,), (("dim", dim), ("dtype", d), ("log", log), ("neg", neg)), name)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    return _softmax_family(input, dim, dtype, False, False, "softmax")


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    return _softmax_family(input, dim, dtype, False, True, "softmin")


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    return _softmax_family(input, dim, dtype, True, False, "log_softmax")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    input = _ac.cast1("softplus", input)
    return _run(_softplus, input, (beta, threshold), name="softplus")


def softsign(input: Tensor) -> Tensor:
    return _run(_softsign, input, static=(("dtype", to_float_np(input._value().dtype)),), name="softsign")


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_hardswish, input, inplace=inplace, name="hardswish")


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_hardsigmoid, input, inplace=inplace, name="hardsigmoid")


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return _run(_hardshrink, input, (lambd,), name="hardshrink")


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _run(_softshrink, input, (lambd,), name="softshrink")


def tanhshrink(input: Tensor) -> Tensor:
    return _run(_tanhshrink, input, static=(("dtype", to_float_np(input._value().dtype)),), name="tanhshrink")


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    return _run(_threshold, input, (threshold, value), inplace=inplace, name="threshold")


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _run(_threshold, input, (threshold, value), inplace=True, name="threshold")


def glu(input: Tensor, dim: int = -1) -> Tensor:
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return apply(_glu, (input,), (("dim", d),), "glu")


def logsigmoid(input: Tensor) -> Tensor:
    return _run(_logsigmoid, input, name="log_sigmoid")


def _gumbel_softmax(key, logits, tau, *, dim, hard):
    x = logits.reshape((1,)) if logits.ndim == 0 else logits
    u = _threefry.uniform(key, x.shape, x.dtype)
    # Gumbel(0, 1) = -log(Exp(1)) with Exp(1) = -log(U); U kept off 0 so every sample is finite
    gumbels = -jnp.log(-jnp.log(jnp.maximum(u, jnp.finfo(x.dtype).tiny)))
    y_soft = jax.nn.softmax((x + gumbels) / tau, axis=dim)
    if hard:
        index = jnp.argmax(y_soft, axis=dim, keepdims=True)
        y_hard = (lax.broadcasted_iota(jnp.int64, x.shape, dim) == index).astype(x.dtype)
        # straight-through: the value is the one-hot sample, the gradient is the soft sample's
        y_soft = y_hard - lax.stop_gradient(y_soft) + y_soft
    return y_soft.reshape(logits.shape)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """Sample from the Gumbel-softmax distribution; hard=True gives one-hot samples with soft gradients.

    The Gumbel noise comes from jaxtorch's generator (honours manual_seed; not torch's stream).
    """
    from ...random import draw

    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    if not logits.is_floating_point():
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_dtype_word(logits)}")
    d = wrap_dim(dim, logits.ndim)
    return draw(None, _gumbel_softmax, (logits, tau), (("dim", d), ("hard", bool(hard))),
                "AddBackward0" if hard else "SoftmaxBackward0")  # the last op of torch's composite
