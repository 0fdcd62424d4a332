"""torchvision.ops.ps_roi_align / PSRoIAlign: position-sensitive RoI Align (Light-Head R-CNN).

Output channel c of bin (i, j) reads input channel (c * PH + i) * PW + j. Sampling is roi_align's with the
half-pixel shift always on and no minimum box size; as in torchvision's kernel the average is not guarded
against an empty sample grid (a zero-extent box gives NaN with sampling_ratio <= 0).
"""

from __future__ import annotations

from ... import nn
from ..._tensor import Tensor
from .roi_align import _as_rois, _check_pair, _pair, bilinear_roi_pool

__all__ = ["ps_roi_align", "PSRoIAlign"]


def _check_channels(input: Tensor, pooled: tuple[int, int]) -> None:
    if input.shape[1] % (pooled[0] * pooled[1]) != 0:
        raise RuntimeError("input channels must be a multiple of pooling height * pooling width")


def ps_roi_align(
    input: Tensor,
    boxes: Tensor | list[Tensor],
    output_size: int | tuple[int, int],
    spatial_scale: float = 1.0,
    sampling_ratio: int = -1,
) -> Tensor:
    """Position-sensitive RoI Align -> [K, C / (PH * PW), PH, PW]."""
    rois = _as_rois(boxes)
    pooled = _pair(output_size)
    _check_pair(input, rois, "ps_roi_align_forward_kernel")
    _check_channels(input, pooled)
    return bilinear_roi_pool(input, rois, spatial_scale, pooled, int(sampling_ratio), 0.5, False, True, "ps_roi_align")


class PSRoIAlign(nn.Module):
    """See :func:`ps_roi_align`."""

    def __init__(self, output_size: int | tuple[int, int], spatial_scale: float, sampling_ratio: int) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio

    def forward(self, input: Tensor, rois: Tensor | list[Tensor]) -> Tensor:
        return ps_roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
            f"sampling_ratio={self.sampling_ratio})"
        )
