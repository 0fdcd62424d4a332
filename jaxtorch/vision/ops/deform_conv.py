"""torchvision.ops.deform_conv2d / DeformConv2d: deformable convolution v1 (offsets) and v2 (offsets + mask).

Every kernel tap of every output position samples the input at its offset position with zero-padded bilinear
interpolation (torchvision's `deformable_im2col`), optionally times the mask; the sampled columns then meet the
weights as a grouped convolution. Gradients to input, offset, mask, weight and bias come from JAX autodiff of the
same formula (the analytic derivative torchvision's backward kernel spells out).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

import jaxtorch as torch

from ... import nn
from ..._ops._dispatch import apply
from ..._tensor import Tensor

__all__ = ["deform_conv2d", "DeformConv2d"]


def _pair(v) -> tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _sample(x, ys, xs):
    """Zero-padded bilinear samples of x [N, G, Cg, H, W] at ys, xs [N, G, K, OH, OW] -> [N, G, Cg, K, OH, OW]."""
    n, g, cg, h, w = x.shape
    inside = (ys > -1) & (ys < h) & (xs > -1) & (xs < w)
    y0, x0 = jnp.floor(ys), jnp.floor(xs)
    ly, lx = ys - y0, xs - x0
    y0, x0 = y0.astype(jnp.int32), x0.astype(jnp.int32)
    flat = x.reshape(n, g, cg, h * w)
    out = jnp.zeros((n, g, cg) + ys.shape[2:], x.dtype)
    for dy, wy in ((0, 1 - ly), (1, ly)):
        for dx, wx in ((0, 1 - lx), (1, lx)):
            yy, xx = y0 + dy, x0 + dx
            ok = inside & (yy >= 0) & (yy <= h - 1) & (xx >= 0) & (xx <= w - 1)
            idx = jnp.clip(yy, 0, h - 1) * w + jnp.clip(xx, 0, w - 1)  # [N, G, K, OH, OW]
            k = idx.shape[2:]
            vals = jnp.take_along_axis(flat, idx.reshape(n, g, 1, -1), axis=3).reshape((n, g, cg) + k)
            out = out + jnp.where(ok, wy * wx, 0.0).astype(x.dtype)[:, :, None] * vals
    return out


def _deform_conv_impl(x, offset, mask, weight, bias, *, stride, padding, dilation, offset_groups, weight_groups):
    n, c, h, w = x.shape
    cout, cpg, kh, kw = weight.shape
    oh, ow = offset.shape[2], offset.shape[3]
    k = kh * kw
    off = offset.reshape(n, offset_groups, k, 2, oh, ow)
    tap_y = (jnp.arange(kh) * dilation[0])[:, None].repeat(kw, 1).reshape(k)
    tap_x = (jnp.arange(kw) * dilation[1])[None, :].repeat(kh, 0).reshape(k)
    row = jnp.arange(oh) * stride[0] - padding[0]
    col = jnp.arange(ow) * stride[1] - padding[1]
    ys = (row[None, :, None] + tap_y[:, None, None]).astype(x.dtype)[None, None] + off[:, :, :, 0]
    xs = (col[None, None, :] + tap_x[:, None, None]).astype(x.dtype)[None, None] + off[:, :, :, 1]
    cols = _sample(x.reshape(n, offset_groups, c // offset_groups, h, w), ys, xs)  # [N, G, Cg, K, OH, OW]
    if mask is not None:
        cols = cols * mask.reshape(n, offset_groups, 1, k, oh, ow)
    cols = cols.reshape(n, weight_groups, c // weight_groups, k, oh, ow)
    wgt = weight.reshape(weight_groups, cout // weight_groups, cpg, k)
    out = jnp.einsum("ngckhw,gock->ngohw", cols, wgt, precision=jax.lax.Precision.HIGHEST)
    out = out.reshape(n, cout, oh, ow)
    return out if bias is None else out + bias[None, :, None, None]


def deform_conv2d(
    input: Tensor,
    offset: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = (1, 1),
    padding: int | tuple[int, int] = (0, 0),
    dilation: int | tuple[int, int] = (1, 1),
    mask: Tensor | None = None,
) -> Tensor:
    """Deformable convolution of input [N, C, H, W] with offsets [N, 2*G*kh*kw, OH, OW] and an optional mask
    [N, G*kh*kw, OH, OW] (G offset groups)."""
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    kh, kw = weight.shape[-2:]
    n_in = input.shape[1]
    offset_groups = offset.shape[1] // (2 * kh * kw)
    weight_groups = n_in // weight.shape[1]
    if offset_groups == 0:
        raise RuntimeError(
            "the shape of the offset tensor at dimension 1 is not valid. It should be a multiple of "
            f"2 * weight.size[2] * weight.size[3].\nGot offset.shape[1]={offset.shape[1]}, while "
            f"2 * weight.size[2] * weight.size[3]={2 * kh * kw}"
        )
    if input.dim() != 4 or offset.dim() != 4 or (mask is not None and mask.dim() != 4):
        raise RuntimeError("deform_conv2d: input, offset and mask must be 4-D tensors")
    if weight.shape[1] * weight_groups != n_in or weight.shape[0] % weight_groups != 0:
        raise RuntimeError(f"deform_conv2d: weight of shape {list(weight.shape)} does not fit {n_in} input channels")
    if offset.shape[1] != offset_groups * 2 * kh * kw:
        raise RuntimeError(
            f"offset.shape[1] is not valid: got: {offset.shape[1]} expected: {offset_groups * 2 * kh * kw}"
        )
    if mask is not None and mask.shape[1] != offset_groups * kh * kw:
        raise RuntimeError(f"mask.shape[1] is not valid: got: {mask.shape[1]} expected: {offset_groups * kh * kw}")
    if n_in % offset_groups != 0:
        raise RuntimeError("deform_conv2d: input channels must be divisible by the number of offset groups")
    if offset.shape[0] != input.shape[0]:
        raise RuntimeError("invalid batch size of offset")
    out_h = (input.shape[2] + 2 * padding[0] - (dilation[0] * (kh - 1) + 1)) // stride[0] + 1
    out_w = (input.shape[3] + 2 * padding[1] - (dilation[1] * (kw - 1) + 1)) // stride[1] + 1
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError(f"Calculated output size too small - out_h: {out_h} out_w: {out_w}")
    if (offset.shape[2], offset.shape[3]) != (out_h, out_w):
        raise RuntimeError(
            f"offset output dims: ({offset.shape[2]}, {offset.shape[3]}) - computed output dims: ({out_h}, {out_w})"
        )
    if mask is not None:
        if mask.shape[0] != input.shape[0]:
            raise RuntimeError("invalid batch size of mask")
        if (mask.shape[2], mask.shape[3]) != (out_h, out_w):
            raise RuntimeError(
                f"mask output dims: ({mask.shape[2]}, {mask.shape[3]}) - computed output dims: ({out_h}, {out_w})"
            )
    static = (
        ("stride", stride),
        ("padding", padding),
        ("dilation", dilation),
        ("offset_groups", offset_groups),
        ("weight_groups", weight_groups),
    )
    return apply(_deform_conv_impl, (input, offset, mask, weight, bias), static, "deform_conv2d")


class DeformConv2d(nn.Module):
    """See :func:`deform_conv2d`."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        self.dilation = _pair(dilation)
        self.groups = groups
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, *self.kernel_size))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor, offset: Tensor, mask: Tensor | None = None) -> Tensor:
        return deform_conv2d(
            input,
            offset,
            self.weight,
            self.bias,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            mask=mask,
        )

    def __repr__(self) -> str:
        s = (
            f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        s += f", padding={self.padding}" if self.padding != (0, 0) else ""
        s += f", dilation={self.dilation}" if self.dilation != (1, 1) else ""
        s += f", groups={self.groups}" if self.groups != 1 else ""
        s += ", bias=False" if self.bias is None else ""
        return s + ")"
