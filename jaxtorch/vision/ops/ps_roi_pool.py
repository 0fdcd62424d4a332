"""torchvision.ops.ps_roi_pool / PSRoIPool: position-sensitive average RoI pooling (R-FCN).

As torchvision's kernel: corners rounded half away from zero, extents at least 1 (no +1, unlike roi_pool), bin
edges clipped to [0, size - 1], an empty bin gives 0; output channel c of bin (i, j) reads input channel
(c * PH + i) * PW + j.
"""

from __future__ import annotations

import jax.numpy as jnp

import jaxtorch as torch

from ... import nn
from ..._ops._dispatch import apply
from ..._tensor import Tensor
from .ps_roi_align import _check_channels
from .roi_align import _as_rois, _check_pair, _pair
from .roi_pool import bin_shape, pool_bins, window_bound, window_taps

__all__ = ["ps_roi_pool", "PSRoIPool"]


def _ps_roi_pool_impl(x, rois, *, spatial_scale, pooled, window):
    h, w = x.shape[2], x.shape[3]
    bins = pool_bins(rois, spatial_scale, pooled, (h, w), False, True)

    def add(total, vals, valid):
        return total + jnp.where(valid, vals, jnp.zeros((), x.dtype))

    total = window_taps(x, rois, bins, *window, pooled, jnp.zeros(bin_shape(x, bins, pooled), x.dtype), add)
    (hs, he), (ws, we) = bins
    area = ((he - hs)[:, :, None] * (we - ws)[:, None, :]).astype(x.dtype)  # [K, P, Q]
    empty = (he <= hs)[:, :, None] | (we <= ws)[:, None, :]
    out = jnp.where(empty[..., None], jnp.zeros((), x.dtype), total / jnp.where(empty, 1, area)[..., None])
    return jnp.transpose(out, (0, 3, 1, 2))


def ps_roi_pool(
    input: Tensor, boxes: Tensor | list[Tensor], output_size: int | tuple[int, int], spatial_scale: float = 1.0
) -> Tensor:
    """Position-sensitive RoI average pooling -> [K, C / (PH * PW), PH, PW]."""
    rois = _as_rois(boxes)
    pooled = _pair(output_size)
    _check_pair(input, rois, "ps_roi_pool_forward_kernel")
    _check_channels(input, pooled)
    rois = rois.detach()
    cout = input.shape[1] // (pooled[0] * pooled[1])
    if rois.size(0) == 0:
        return torch.zeros((0, cout) + pooled, dtype=input.dtype, device=input.device)
    window = window_bound(rois, spatial_scale, pooled, input.shape[2:], False, True)
    static = (("spatial_scale", float(spatial_scale)), ("pooled", pooled), ("window", window))
    return apply(_ps_roi_pool_impl, (input, rois), static, "ps_roi_pool")


class PSRoIPool(nn.Module):
    """See :func:`ps_roi_pool`."""

    def __init__(self, output_size: int | tuple[int, int], spatial_scale: float) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input: Tensor, rois: Tensor | list[Tensor]) -> Tensor:
        return ps_roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})"
