"""nn.functional: pixel shuffle, interpolate/upsample, grid_sample, affine_grid, unfold/fold.

interpolate builds, per spatial dim, torch's source indices and weights in float32 numpy from static
shapes (so they are XLA constants) and applies them as a gather (nearest) or a small dense matrix
(linear/cubic), which keeps the gradient exactly the transpose of the forward.
"""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops._dispatch import apply
from ..._tensor import Tensor
from .pool import _gather_windows, _sliding, adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "interpolate",
           "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample", "affine_grid", "unfold", "fold"]


# ----------------------------------------------------------------------------- pixel / channel shuffle
def _pixel_shuffle_impl(x, *, r):
    *lead, c, h, w = x.shape
    oc = c // (r * r)
    y = x.reshape(tuple(lead) + (oc, r, r, h, w))
    n = len(lead)
    y = jnp.transpose(y, tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return y.reshape(tuple(lead) + (oc, h * r, w * r))


def _pixel_unshuffle_impl(x, *, r):
    *lead, c, h, w = x.shape
    n = len(lead)
    y = x.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    y = jnp.transpose(y, tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return y.reshape(tuple(lead) + (c * r * r, h // r, w // r))


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r)."""
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    r = int(upscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if input.shape[-3] % (r * r) != 0:
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={input.shape[-3]} is not divisible by {r * r}")
    return apply(_pixel_shuffle_impl, (input,), (("r", r),), name="PixelShuffleBackward0")


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W)."""
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    r = int(downscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    if input.shape[-2] % r != 0:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={input.shape[-2]} is not divisible by {r}")
    if input.shape[-1] % r != 0:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={input.shape[-1]} is not divisible by {r}")
    return apply(_pixel_unshuffle_impl, (input,), (("r", r),), name="PixelUnshuffleBackward0")


def _channel_shuffle_impl(x, *, groups):
    n, c = x.shape[0], x.shape[1]
    y = x.reshape((n, groups, c // groups) + x.shape[2:])
    return jnp.swapaxes(y, 1, 2).reshape(x.shape)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave channel groups: (N, g*k, *) viewed as (N, g, k, *) -> (N, k, g, *)."""
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.shape[1] % groups != 0:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
                           f"{groups} groups.")
    return apply(_channel_shuffle_impl, (input,), (("groups", int(groups)),), name="ChannelShuffleBackward0")


native_channel_shuffle = channel_shuffle


# ----------------------------------------------------------------------------- interpolate
def _scale(in_size: int, out_size: int, align_corners: bool, scale, cubic_or_linear: bool) -> np.float32:
    if align_corners and cubic_or_linear:
        return np.float32((in_size - 1) / (out_size - 1)) if out_size > 1 else np.float32(0)
    if scale is not None and scale > 0:
        return np.float32(1.0 / scale)
    return np.float32(in_size) / np.float32(out_size)


def _nearest_index(in_size, out_size, scale, exact):
    if out_size == in_size and not exact:
        return np.arange(out_size)
    if out_size == 2 * in_size and not exact:
        return np.arange(out_size) >> 1
    s = _scale(in_size, out_size, False, scale, False)
    o = np.arange(out_size, dtype=np.float32)
    src = np.floor((o + np.float32(0.5)) * s) if exact else np.floor(o * s)
    return np.minimum(src.astype(np.int64), in_size - 1)


def _cubic_coeffs(t):
    a = np.float32(-0.75)

    def c1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def c2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]


def _interp_matrix(in_size, out_size, align_corners, scale, cubic):
    m = np.zeros((out_size, in_size), np.float32)
    rows = np.arange(out_size)
    if not cubic and out_size == in_size:
        m[rows, rows] = 1
        return m
    s = _scale(in_size, out_size, align_corners, scale, True)
    o = np.arange(out_size, dtype=np.float32)
    src = (o * s) if align_corners else (s * (o + np.float32(0.5)) - np.float32(0.5))
    if cubic:
        i0 = np.floor(src).astype(np.int64)
        t = (src - i0).astype(np.float32)
        for k, w in enumerate(_cubic_coeffs(t)):
            np.add.at(m, (rows, np.clip(i0 - 1 + k, 0, in_size - 1)), w)
        return m
    src = np.maximum(src, np.float32(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam1 = np.clip(src - i0, 0, 1).astype(np.float32)
    i1 = i0 + (i0 < in_size - 1)
    np.add.at(m, (rows, i0), np.float32(1) - lam1)
    np.add.at(m, (rows, i1), lam1)
    return m


def _interp_impl(x, *, outs, scales, mode, align_corners):
    nd = len(outs)
    for d in range(nd):
        axis = x.ndim - nd + d
        in_size = x.shape[axis]
        sc = scales[d] if scales is not None else None
        if mode in ("nearest", "nearest-exact"):
            x = jnp.take(x, jnp.asarray(_nearest_index(in_size, outs[d], sc, mode == "nearest-exact")), axis=axis)
        else:
            m = jnp.asarray(_interp_matrix(in_size, outs[d], align_corners, sc, mode == "bicubic"), x.dtype)
            x = jnp.moveaxis(jnp.tensordot(x, m, axes=((axis,), (1,)), precision=lax.Precision.HIGHEST), -1, axis)
    return x


_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area)."""
    nd = input.dim() - 2
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate(antialias=True) is not supported by jaxtorch")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError("Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            outs = tuple(int(s) for s in size)
        else:
            outs = (int(size),) * nd
        scales = None
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != nd:
                raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "scale_factor in (s1, s2, ...,sK) format.")
            scales = tuple(float(s) for s in scale_factor)
        else:
            scales = (float(scale_factor),) * nd
        outs = tuple(int(math.floor(float(input.shape[i + 2]) * scales[i])) for i in range(nd))
        if recompute_scale_factor:
            scales = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if nd not in (1, 2, 3) or (mode not in _MODE_DIMS and mode not in ("nearest", "area", "nearest-exact")):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                                  "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    if mode in _MODE_DIMS and _MODE_DIMS[mode] != nd:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_MODE_DIMS[mode] + 2}D input")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nd - 1](input, outs)
    if any(o <= 0 for o in outs):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({tuple(input.shape[2:])})"
                           f" and output ({outs})")
    static = (("outs", outs), ("scales", scales), ("mode", mode), ("align_corners", bool(align_corners)))
    return apply(_interp_impl, (input,), static, name=f"Upsample{mode.capitalize()}Backward0")


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(mode='nearest')."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(mode='bilinear', align_corners=True)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ----------------------------------------------------------------------------- grid_sample / affine_grid
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _unnormalize(g, size, align_corners):
    if align_corners:
        return (g + 1) / 2 * (size - 1)
    return ((g + 1) * size - 1) / 2


def _reflect(c, twice_low, twice_high):
    if twice_low == twice_high:
        return jnp.zeros_like(c)
    mn = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = jnp.abs(c - mn)
    extra = jnp.fmod(c, span)
    flips = jnp.floor(c / span)
    return jnp.where(jnp.fmod(flips, 2) == 0, extra + mn, span - extra + mn)


def _source(g, size, padding_mode, align_corners):
    c = _unnormalize(g, size, align_corners)
    if padding_mode == "border":
        c = jnp.clip(c, 0, size - 1)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        c = jnp.clip(c, 0, size - 1)
    return c


def _grid_sample_impl(x, grid, *, mode, padding_mode, align_corners):
    n, c, h, w = x.shape
    ix = _source(grid[..., 0], w, padding_mode, align_corners)
    iy = _source(grid[..., 1], h, padding_mode, align_corners)
    flat = x.reshape(n, c, h * w)
    ho, wo = grid.shape[1], grid.shape[2]

    def fetch(yy, xx):
        ok = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        idx = (jnp.clip(yy, 0, h - 1) * w + jnp.clip(xx, 0, w - 1)).reshape(n, 1, ho * wo)
        v = jnp.take_along_axis(flat, jnp.broadcast_to(idx, (n, c, ho * wo)), axis=2).reshape(n, c, ho, wo)
        return jnp.where(ok[:, None], v, jnp.zeros((), x.dtype))

    if mode == "nearest":
        return fetch(jnp.round(iy).astype(jnp.int64), jnp.round(ix).astype(jnp.int64))
    x0f, y0f = jnp.floor(ix), jnp.floor(iy)
    x0, y0 = x0f.astype(jnp.int64), y0f.astype(jnp.int64)
    wx1, wy1 = ix - x0f, iy - y0f
    wx0, wy0 = 1 - wx1, 1 - wy1
    out = (fetch(y0, x0) * (wy0 * wx0)[:, None] + fetch(y0, x0 + 1) * (wy0 * wx1)[:, None]
           + fetch(y0 + 1, x0) * (wy1 * wx0)[:, None] + fetch(y0 + 1, x0 + 1) * (wy1 * wx1)[:, None])
    return out


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample input (N, C, H, W) at grid (N, Ho, Wo, 2) locations in [-1, 1] (x, y order)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last dimension, but got "
                           f"grid with sizes {list(grid.shape)}")
    if input.dim() != 4:
        raise NotImplementedError("jaxtorch grid_sample supports 4-D input only")
    if mode == "bicubic":
        raise NotImplementedError("jaxtorch grid_sample does not support mode='bicubic'")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
                           f"{list(input.shape)} and grid with sizes {list(grid.shape)}")
    static = (("mode", mode), ("padding_mode", padding_mode), ("align_corners", bool(align_corners)))
    return apply(_grid_sample_impl, (input, grid), static, name="GridSampler2DBackward0")


def _base_coords(steps, align_corners, dtype):
    if steps <= 1:
        return jnp.zeros((max(steps, 1),), dtype)
    r = jnp.linspace(-1.0, 1.0, steps, dtype=dtype)
    return r if align_corners else r * ((steps - 1) / steps)


def _affine_grid_impl(theta, *, size, align_corners):
    spatial = size[2:]
    dt = theta.dtype
    axes = [_base_coords(s, align_corners, dt) for s in reversed(spatial)]  # x, y(, z) order
    mesh = jnp.meshgrid(*axes[::-1], indexing="ij")[::-1]
    base = jnp.stack(list(mesh) + [jnp.ones(tuple(spatial), dt)], axis=-1)
    flat = base.reshape(-1, len(spatial) + 1)
    out = jnp.einsum("pk,njk->npj", flat, theta, precision=lax.Precision.HIGHEST)
    return out.reshape((size[0],) + tuple(spatial) + (len(spatial),))


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """Sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) for the affine maps theta."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return apply(_affine_grid_impl, (theta,), (("size", size), ("align_corners", bool(align_corners))),
                 name="AffineGridGeneratorBackward0")


# ----------------------------------------------------------------------------- unfold / fold
def _pair(v) -> tuple:
    return tuple(int(i) for i in v) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _blocks(size, k, d, p, s) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _unfold_impl(x, *, kernel, dilation, padding, stride):
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    h, w = x.shape[-2:]
    tables = [_sliding(h, _blocks(h, kernel[0], dilation[0], padding[0], stride[0]), kernel[0], stride[0],
                       padding[0], dilation[0]),
              _sliding(w, _blocks(w, kernel[1], dilation[1], padding[1], stride[1]), kernel[1], stride[1],
                       padding[1], dilation[1])]
    g, valid, _ = _gather_windows(x, tables)  # (N, C, oh, ow, K)
    g = jnp.where(valid, g, jnp.zeros((), x.dtype))
    n, c, oh, ow, k = g.shape
    y = jnp.transpose(g, (0, 1, 4, 2, 3)).reshape(n, c * k, oh * ow)
    return y[0] if unbatched else y


def _fold_impl(x, *, output_size, kernel, dilation, padding, stride):
    # fold is the adjoint of unfold: transpose the (linear) unfold map.
    unbatched = x.ndim == 2
    if unbatched:
        x = x[None]
    n, ck, _ = x.shape
    c = ck // (kernel[0] * kernel[1])
    proto = jax.ShapeDtypeStruct((n, c) + tuple(output_size), x.dtype)
    f = jax.linear_transpose(lambda z: _unfold_impl(z, kernel=kernel, dilation=dilation, padding=padding,
                                                    stride=stride), proto)
    (y,) = f(x)
    return y[0] if unbatched else y


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: (N, C, H, W) -> (N, C*kh*kw, L) sliding blocks."""
    if input.dim() not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    h, w = input.shape[-2:]
    oh, ow = _blocks(h, k[0], d[0], p[0], s[0]), _blocks(w, k[1], d[1], p[1], s[1])
    if oh < 1 or ow < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size=({k[0]}, {k[1]}), dilation=("
                           f"{d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of sliding "
                           f"blocks as ({oh}, {ow}), but its components must be at least one.")
    static = (("kernel", k), ("dilation", d), ("padding", p), ("stride", s))
    return apply(_unfold_impl, (input,), static, name="Im2ColBackward0")


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im: sum (N, C*kh*kw, L) sliding blocks back into (N, C, H, W)."""
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input.dim()}D)")
    o, k, d, p, s = _pair(output_size), _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    ck, length = input.shape[-2], input.shape[-1]
    if ck % (k[0] * k[1]) != 0:
        raise RuntimeError(f"Expected size of input's dimension {input.dim() - 2} to be divisible by the product of "
                           f"kernel_size, but got input.size({input.dim() - 2})={ck} and kernel_size=({k[0]}, "
                           f"{k[1]}).")
    bh, bw = _blocks(o[0], k[0], d[0], p[0], s[0]), _blocks(o[1], k[1], d[1], p[1], s[1])
    if bh * bw != length:
        raise RuntimeError(f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
                           f"{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's "
                           f"dimension {input.dim() - 1} to match the calculated number of sliding blocks {bh} * {bw} "
                           f"= {bh * bw}, but got input.size({input.dim() - 1})={length}.")
    static = (("output_size", o), ("kernel", k), ("dilation", d), ("padding", p), ("stride", s))
    return apply(_fold_impl, (input,), static, name="Col2ImBackward0")
