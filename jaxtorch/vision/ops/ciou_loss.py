"""torchvision.ops.complete_box_iou_loss."""

from __future__ import annotations

import math

import jaxtorch as torch

from ..._tensor import Tensor
from ._utils import _upcast_non_float
from .diou_loss import _diou_iou_loss
from .giou_loss import _reduce

__all__ = ["complete_box_iou_loss"]


def complete_box_iou_loss(boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7) -> Tensor:
    """DIoU loss plus an aspect-ratio term alpha * v (alpha is not differentiated), of matching boxes."""
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    # torchvision leaves the inner DIoU at its default eps
    diou_loss, iou = _diou_iou_loss(boxes1, boxes2)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    v = (4 / (math.pi**2)) * torch.pow(torch.atan((x2g - x1g) / (y2g - y1g)) - torch.atan((x2 - x1) / (y2 - y1)), 2)
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return _reduce(diou_loss + alpha * v, reduction)
