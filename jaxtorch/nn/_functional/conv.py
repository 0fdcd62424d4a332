"""nn.functional: convolutions (lax.conv_general_dilated with torch's NC... / OI... layouts).

On the CPU backend some convolutions run as patches + one matmul instead (see `_use_matmul` and
docs/performance.md, "CPU convolution and pooling lowerings").
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

from ..._ops._dispatch import apply
from ..._tensor import Tensor
from ... import _autocast as _ac

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

_SPATIAL = {1: "H", 2: "HW", 3: "DHW"}


def _dims(nd: int):
    s = _SPATIAL[nd]
    return ("NC" + s, "OI" + s, "NC" + s)


def _conv_native(x, w, stride, padding, dilation, groups):
    return lax.conv_general_dilated(x, w, window_strides=stride, padding=padding, rhs_dilation=dilation,
                                    dimension_numbers=_dims(w.ndim - 2), feature_group_count=groups)


# ----------------------------------------------------------------------------- CPU lowerings
# 3-D convolutions, above all their weight gradient, run far below matmul speed on XLA:CPU. They run as
# channels-last patches (strided slices, never gathers) times the weight matrix: 1.7-2x fwd+bwd, up to
# 5x for forward + weight gradient. For 1-D/2-D the patches cost as much to build as the matmul saves,
# so those stay native (XLA's own convolution; jaxtorch keeps them off YNNPACK, see jaxtorch/_xla.py).
# docs/performance.md, "CPU convolution and pooling lowerings", has the measurements.
_PATCH_BYTES_MAX = 1 << 28  # larger patch matrices fall back to the native convolution
_FORCE_MATMUL = False  # profiling/tests: use the matmul lowering wherever it applies (groups == 1)


def _patches(x, ks, stride, dilation, outs):
    """Channels-last x (N, *spatial, C) -> (N, *outs, prod(ks) * C), kernel offsets major, channels minor.

    Built one spatial dim at a time (columns, then rows, ...): each stage copies k strided slices, which
    profiles faster than slicing all prod(ks) offsets from the input at once.
    """
    nd = len(ks)
    for d in reversed(range(nd)):
        ax = 1 + d
        taken = x.ndim - 1 - (nd - 1 - d)  # where this dim's kernel offsets go: before the later ones
        parts = []
        for i in range(ks[d]):
            start = [0] * x.ndim
            limit = list(x.shape)
            strides = [1] * x.ndim
            start[ax] = i * dilation[d]
            limit[ax] = start[ax] + (outs[d] - 1) * stride[d] + 1
            strides[ax] = stride[d]
            parts.append(lax.slice(x, start, limit, strides))
        x = jnp.stack(parts, axis=taken)
    n = x.shape[0]
    return x.reshape((n,) + tuple(outs) + (-1,))


def _conv_mm(x, w, stride, padding, dilation):
    """Ungrouped convolution as patches @ weight matrix (NC... in, NC... out)."""
    nd = w.ndim - 2
    ks = w.shape[2:]
    if any(p != (0, 0) for p in padding):
        x = jnp.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    outs = tuple((x.shape[2 + d] - dilation[d] * (ks[d] - 1) - 1) // stride[d] + 1 for d in range(nd))
    perm = (0,) + tuple(range(2, 2 + nd)) + (1,)
    p = _patches(jnp.transpose(x, perm), ks, stride, dilation, outs)
    wm = jnp.transpose(w, tuple(range(2, 2 + nd)) + (1, 0)).reshape(-1, w.shape[0])  # (prod(ks)*C, O)
    y = lax.dot_general(p, wm, (((p.ndim - 1,), (0,)), ((), ())))
    return jnp.transpose(y, (0, nd + 1) + tuple(range(1, nd + 1)))


@partial(jax.custom_jvp, nondiff_argnums=(2, 3, 4))
def _conv_cpu(x, w, stride, padding, dilation):
    return _conv_mm(x, w, stride, padding, dilation)


@_conv_cpu.defjvp
def _conv_cpu_jvp(stride, padding, dilation, primals, tangents):
    # A custom_jvp (not custom_vjp) keeps jvp/jacfwd and higher orders working. The tangent is linear in
    # (dx, dw), so reverse mode transposes it: the dw term (patches @ dw) becomes patches^T @ g, a matmul
    # reusing the forward's patches; the dx term stays a native convolution, whose transpose (the input
    # gradient, a padded convolution) XLA:CPU runs fast, faster than matmul + col2im.
    x, w = primals
    dx, dw = tangents
    y = _conv_mm(x, w, stride, padding, dilation)
    dy = _conv_mm(x, dw, stride, padding, dilation) + _conv_native(dx, w, stride, padding, dilation, 1)
    return y, dy


def _cpu_lowering(x_shape, w_shape, itemsize, stride, padding, dilation, groups) -> str:
    """Which lowering to use: 'native' or 'matmul' (patches @ weights; see the note above)."""
    nd = len(w_shape) - 2
    if groups != 1 or jax.default_backend() != "cpu":
        return "native"
    if nd == 3 or _FORCE_MATMUL:
        outs = [(x_shape[2 + d] + sum(padding[d]) - dilation[d] * (w_shape[2 + d] - 1) - 1) // stride[d] + 1
                for d in range(nd)]
        patch_bytes = itemsize * x_shape[0] * math.prod(outs) * math.prod(w_shape[1:])
        return "matmul" if patch_bytes <= _PATCH_BYTES_MAX else "native"
    return "native"


def _conv_impl(x, w, b, *, stride, padding, dilation, groups, unbatched):
    nd = w.ndim - 2
    if unbatched:
        x = x[None]
    how = _cpu_lowering(x.shape, w.shape, x.dtype.itemsize, stride, padding, dilation, groups)
    if how == "matmul":
        y = _conv_cpu(x, w, stride, padding, dilation)
    else:
        y = _conv_native(x, w, stride, padding, dilation, groups)
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * nd)
    return y[0] if unbatched else y


def _conv_t_impl(x, w, b, *, stride, padding, output_padding, dilation, groups, unbatched):
    # Transposed conv = conv of the stride-dilated input with the spatially flipped kernel, the
    # (in, out/groups) weight axes swapped per group, and padding dil*(k-1)-p (+output_padding on the right).
    nd = w.ndim - 2
    if unbatched:
        x = x[None]
    cin, cout_g, ks = w.shape[0], w.shape[1], w.shape[2:]
    wg = w.reshape((groups, cin // groups, cout_g) + ks)
    wg = jnp.swapaxes(wg, 1, 2).reshape((groups * cout_g, cin // groups) + ks)
    wg = jnp.flip(wg, axis=tuple(range(2, 2 + nd)))
    pads = tuple((d * (k - 1) - p, d * (k - 1) - p + op)
                 for k, p, op, d in zip(ks, padding, output_padding, dilation))
    y = lax.conv_general_dilated(x, wg, window_strides=(1,) * nd, padding=pads, lhs_dilation=stride,
                                 rhs_dilation=dilation, dimension_numbers=_dims(nd), feature_group_count=groups)
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * nd)
    return y[0] if unbatched else y


def _tup(v, nd: int, name: str = "") -> tuple:
    if isinstance(v, (tuple, list)):
        if len(v) == 1 and nd > 1:
            return tuple(int(v[0]) for _ in range(nd))
        return tuple(int(i) for i in v)
    return (int(v),) * nd


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}


def _type_name(x: Tensor) -> str:
    n = str(x.dtype).replace("torch.", "")
    return _C_NAMES.get(n, n)


def _check(input, weight, bias, nd, groups, name, transposed):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}() argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of "
                           f"size: {list(input.shape)}")
    cin = input.shape[-nd - 1]
    expect = weight.shape[0] if transposed else weight.shape[1] * groups
    if cin != expect:
        shown = list(input.shape) if input.dim() == nd + 2 else [1] + list(input.shape)
        raise RuntimeError(f"Given {'transposed=1' if transposed else f'groups={groups}'}, weight of size "
                           f"{list(weight.shape)}, expected input{shown} to have {expect} channels, but got {cin} "
                           "channels instead")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({_type_name(input)}) and bias type ({_type_name(bias)}) should be the same")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"Input type ({_type_name(input)}) and weight type ({_type_name(weight)}) should be the "
                           "same")


def _conv(input, weight, bias, stride, padding, dilation, groups, nd, name):
    input, weight, bias = _ac.cast(name, input, weight, bias)
    _check(input, weight, bias, nd, groups, name, False)
    stride, dilation = _tup(stride, nd), _tup(dilation, nd)
    ks = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            tot = [d * (k - 1) for d, k in zip(dilation, ks)]
            pads = tuple((t // 2, t - t // 2) for t in tot)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads = tuple((p, p) for p in _tup(padding, nd))
    spatial = tuple(input.shape[-nd:])
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    eff = tuple(d * (k - 1) + 1 for d, k in zip(dilation, ks))
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than actual input size")
    static = (("stride", stride), ("padding", pads), ("dilation", dilation), ("groups", int(groups)),
              ("unbatched", input.dim() == nd + 1))
    return apply(_conv_impl, (input, weight, bias), static, name="ConvolutionBackward0")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-D convolution over (N, C, L) or (C, L) input."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D convolution over (N, C, H, W) or (C, H, W) input."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """3-D convolution over (N, C, D, H, W) or (C, D, H, W) input."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, nd, name):
    input, weight, bias = _ac.cast(name, input, weight, bias)
    _check(input, weight, bias, nd, groups, name, True)
    stride, padding, dilation = _tup(stride, nd), _tup(padding, nd), _tup(dilation, nd)
    output_padding = _tup(output_padding, nd)
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                               f"output_padding: {list(output_padding)}, stride: {list(stride)}, "
                               f"dilation: {list(dilation)}")
    static = (("stride", stride), ("padding", padding), ("output_padding", output_padding),
              ("dilation", dilation), ("groups", int(groups)), ("unbatched", input.dim() == nd + 1))
    return apply(_conv_t_impl, (input, weight, bias), static, name="ConvolutionBackward0")


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution; weight is (in, out/groups, k)."""
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 1, "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution; weight is (in, out/groups, kh, kw)."""
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 2, "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution; weight is (in, out/groups, kd, kh, kw)."""
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 3, "conv_transpose3d")
