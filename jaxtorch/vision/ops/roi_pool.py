"""torchvision.ops.roi_pool / RoIPool: max pooling over integer bins of each box (Fast R-CNN), as torchvision's
CPU kernel: box corners rounded half away from zero, bins of `(rounded extent + 1) / output_size` pixels clipped to
the map, empty bins give 0, the gradient goes to the first maximum of each bin (row-major).

Each bin is gathered as a window of static size: eagerly the largest bin of the given boxes, under a trace the
whole feature map (exact, but more work for big maps).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import jaxtorch as torch

from ... import nn
from ..._ops._dispatch import apply
from ..._tensor import Tensor
from ._utils import _traced
from .roi_align import _as_rois, _check_pair, _pair, fold_taps

__all__ = ["roi_pool", "RoIPool"]

_LOWEST = float(np.finfo(np.float32).min)  # the C++ kernel starts its running maximum at -FLT_MAX


def round_away(v, xp=jnp):
    """C's round(): halves go away from zero (jnp.round rounds them to even)."""
    t = xp.trunc(v)
    return t + xp.where(xp.abs(v - t) >= 0.5, xp.sign(v), 0.0)


def pool_bins(rois, spatial_scale, pooled, size_hw, plus_one, clip_to_last, xp=jnp):
    """Integer bin windows [start, end) per box and bin along each axis: ((hs, he) [K, P], (ws, we) [K, Q])."""
    out = []
    for lo, hi, n, size in ((2, 4, pooled[0], size_hw[0]), (1, 3, pooled[1], size_hw[1])):
        dt = rois.dtype.type
        start = round_away(rois[:, lo] * dt(spatial_scale), xp).astype(np.int64)
        end = round_away(rois[:, hi] * dt(spatial_scale), xp).astype(np.int64)
        extent = xp.maximum(end - start + (1 if plus_one else 0), 1)
        bin_size = extent.astype(rois.dtype) / dt(n)
        p = xp.arange(n)
        s = xp.floor(p[None, :].astype(rois.dtype) * bin_size[:, None]).astype(np.int64)
        e = xp.ceil((p[None, :] + 1).astype(rois.dtype) * bin_size[:, None]).astype(np.int64)
        top = size - 1 if clip_to_last else size
        out.append((xp.clip(s + start[:, None], 0, top), xp.clip(e + start[:, None], 0, top)))
    return out


def window_bound(rois: Tensor, spatial_scale: float, pooled, size_hw, plus_one: bool, clip_to_last: bool):
    """Static window size per axis: the largest bin of these boxes eagerly, the whole map under a trace."""
    if _traced(rois):
        return int(size_hw[0]), int(size_hw[1])
    r = np.asarray(rois._value())
    (hs, he), (ws, we) = pool_bins(r, spatial_scale, pooled, size_hw, plus_one, clip_to_last, xp=np)
    return max(int((he - hs).max(initial=0)), 1), max(int((we - ws).max(initial=0)), 1)


def window_taps(x, rois, bins, lh, lw, ps, init, step):
    """Fold step(acc, values [K, P, Q, C'], valid [K, P, Q, 1]) over every bin's (lh x lw) window, row-major."""
    (hs, he), (ws, we) = bins
    h, w = x.shape[2], x.shape[3]
    rows = hs[..., None] + jnp.arange(lh)  # [K, P, lh]
    cols = ws[..., None] + jnp.arange(lw)  # [K, Q, lw]
    rmask, cmask = rows < he[..., None], cols < we[..., None]

    def masked(acc, vals, i, j):
        ri = jax.lax.dynamic_index_in_dim(rmask, i, 2, keepdims=False)
        cj = jax.lax.dynamic_index_in_dim(cmask, j, 2, keepdims=False)
        return step(acc, vals, (ri[:, :, None] & cj[:, None, :])[..., None])

    b = rois[:, 0].astype(jnp.int32)
    return fold_taps(x, b, jnp.clip(rows, 0, h - 1), jnp.clip(cols, 0, w - 1), ps, init, masked)


def bin_shape(x, bins, ps):
    (hs, _), (ws, _) = bins
    k, ph, pw = hs.shape[0], hs.shape[1], ws.shape[1]
    return (k, ph, pw, x.shape[1] // (ph * pw) if ps else x.shape[1])


def _roi_pool_impl(x, rois, *, spatial_scale, pooled, window):
    h, w = x.shape[2], x.shape[3]
    bins = pool_bins(rois, spatial_scale, pooled, (h, w), True, False)

    def keep_first_max(best, vals, valid):
        # the C++ loop keeps a value only if strictly greater: the first maximum (row-major) wins and carries
        # the gradient; NaNs and values <= -FLT_MAX are never taken
        return jnp.where(valid & (vals > best), vals, best)

    lowest = jnp.full(bin_shape(x, bins, None), _LOWEST, x.dtype)
    best = window_taps(x, rois, bins, *window, None, lowest, keep_first_max)
    (hs, he), (ws, we) = bins
    empty = (he <= hs)[:, :, None] | (we <= ws)[:, None, :]  # [K, P, Q]
    return jnp.transpose(jnp.where(empty[..., None], jnp.zeros((), x.dtype), best), (0, 3, 1, 2))


def roi_pool(
    input: Tensor, boxes: Tensor | list[Tensor], output_size: int | tuple[int, int], spatial_scale: float = 1.0
) -> Tensor:
    """RoI max pooling of each box into output_size bins -> [K, C, PH, PW]."""
    rois = _as_rois(boxes)
    pooled = _pair(output_size)
    _check_pair(input, rois, "roi_pool_forward_kernel")
    rois = rois.detach()
    if rois.size(0) == 0:
        return torch.zeros((0, input.shape[1]) + pooled, dtype=input.dtype, device=input.device)
    window = window_bound(rois, spatial_scale, pooled, input.shape[2:], True, False)
    static = (("spatial_scale", float(spatial_scale)), ("pooled", pooled), ("window", window))
    return apply(_roi_pool_impl, (input, rois), static, "roi_pool")


class RoIPool(nn.Module):
    """See :func:`roi_pool`."""

    def __init__(self, output_size: int | tuple[int, int], spatial_scale: float) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input: Tensor, rois: Tensor | list[Tensor]) -> Tensor:
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})"
