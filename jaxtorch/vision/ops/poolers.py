"""torchvision.ops.poolers: MultiScaleRoIAlign, RoI Align over the FPN level each box maps to.

Eagerly each level pools only its own boxes (as torchvision); under a trace the boxes' levels are unknown, so
every level pools every box and a select keeps each box's own level (same values, static shapes).
"""

from __future__ import annotations

import numpy as np

import jaxtorch as torch

from ... import nn
from ..._tensor import Tensor
from ._utils import _traced, convert_boxes_to_roi_format
from .boxes import box_area
from .roi_align import roi_align

__all__ = ["MultiScaleRoIAlign", "LevelMapper", "initLevelMapper"]


class LevelMapper:
    """FPN eq. 1: level = floor(canonical_level + log2(sqrt(area) / canonical_scale) + eps), clamped, minus k_min."""

    def __init__(
        self, k_min: int, k_max: int, canonical_scale: int = 224, canonical_level: int = 4, eps: float = 1e-6
    ) -> None:
        self.k_min = k_min
        self.k_max = k_max
        self.s0 = canonical_scale
        self.lvl0 = canonical_level
        self.eps = eps

    def __call__(self, boxlists: list[Tensor]) -> Tensor:
        s = torch.sqrt(torch.cat([box_area(b) for b in boxlists]))
        target = torch.floor(self.lvl0 + torch.log2(s / self.s0) + torch.tensor(self.eps, dtype=s.dtype))
        target = torch.clamp(target, min=self.k_min, max=self.k_max)
        return (target.to(torch.int64) - self.k_min).to(torch.int64)


def initLevelMapper(
    k_min: int, k_max: int, canonical_scale: int = 224, canonical_level: int = 4, eps: float = 1e-6
) -> LevelMapper:
    return LevelMapper(k_min, k_max, canonical_scale, canonical_level, eps)


def _infer_scale(feature: Tensor, original_size: tuple[int, int]) -> float:
    # torch rounds log2 of the float32 ratio half to even, as numpy does
    approx = float(feature.shape[-2]) / float(original_size[0])
    return 2 ** float(np.round(np.log2(np.float32(approx))))


def _setup_scales(
    features: list[Tensor], image_shapes: list[tuple[int, int]], canonical_scale: int, canonical_level: int
) -> tuple[list[float], LevelMapper]:
    if not image_shapes:
        raise ValueError("images list should not be empty")
    original = (max(s[0] for s in image_shapes), max(s[1] for s in image_shapes))
    scales = [_infer_scale(f, original) for f in features]
    lvl_min = -float(np.log2(np.float32(scales[0])))
    lvl_max = -float(np.log2(np.float32(scales[-1])))
    return scales, initLevelMapper(
        int(lvl_min), int(lvl_max), canonical_scale=canonical_scale, canonical_level=canonical_level
    )


def _multiscale_roi_align(
    x_filtered: list[Tensor],
    boxes: list[Tensor],
    output_size: tuple[int, int],
    sampling_ratio: int,
    scales: list[float] | None,
    mapper: LevelMapper | None,
) -> Tensor:
    if scales is None or mapper is None:
        raise ValueError("scales and mapper should not be None")
    rois = convert_boxes_to_roi_format(boxes)
    if len(x_filtered) == 1:
        return roi_align(
            x_filtered[0], rois, output_size=output_size, spatial_scale=scales[0], sampling_ratio=sampling_ratio
        )
    levels = mapper(boxes)
    first = x_filtered[0]
    result = torch.zeros((rois.size(0), first.shape[1]) + tuple(output_size), dtype=first.dtype, device=first.device)
    traced = _traced(rois, levels)
    for level, (feature, scale) in enumerate(zip(x_filtered, scales)):
        if traced:
            pooled = roi_align(
                feature, rois, output_size=output_size, spatial_scale=scale, sampling_ratio=sampling_ratio
            )
            result = torch.where((levels == level)[:, None, None, None], pooled.to(result.dtype), result)
        else:
            idx = torch.where(levels == level)[0]
            pooled = roi_align(
                feature, rois[idx], output_size=output_size, spatial_scale=scale, sampling_ratio=sampling_ratio
            )
            result[idx] = pooled.to(result.dtype)
    return result


class MultiScaleRoIAlign(nn.Module):
    """RoI Align over several feature maps; each box is pooled from the level its size maps to (FPN eq. 1)."""

    def __init__(
        self,
        featmap_names: list[str],
        output_size: int | tuple[int] | list[int],
        sampling_ratio: int,
        *,
        canonical_scale: int = 224,
        canonical_level: int = 4,
    ) -> None:
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.featmap_names = featmap_names
        self.sampling_ratio = sampling_ratio
        self.output_size = tuple(output_size)
        self.scales = None
        self.map_levels = None
        self.canonical_scale = canonical_scale
        self.canonical_level = canonical_level

    def forward(self, x: dict[str, Tensor], boxes: list[Tensor], image_shapes: list[tuple[int, int]]) -> Tensor:
        x_filtered = [v for k, v in x.items() if k in self.featmap_names]
        if self.scales is None or self.map_levels is None:
            self.scales, self.map_levels = _setup_scales(
                x_filtered, image_shapes, self.canonical_scale, self.canonical_level
            )
        return _multiscale_roi_align(
            x_filtered, boxes, self.output_size, self.sampling_ratio, self.scales, self.map_levels
        )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(featmap_names={self.featmap_names}, output_size={self.output_size}, "
            f"sampling_ratio={self.sampling_ratio})"
        )
