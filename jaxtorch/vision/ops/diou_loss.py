"""torchvision.ops.distance_box_iou_loss."""

from __future__ import annotations

import jaxtorch as torch

from ..._tensor import Tensor
from ._utils import _loss_inter_union, _upcast_non_float
from .giou_loss import _reduce

__all__ = ["distance_box_iou_loss"]


def _diou_iou_loss(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> tuple[Tensor, Tensor]:
    inter, union = _loss_inter_union(boxes1, boxes2)
    iou = inter / (union + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    enclosing_w, enclosing_h = torch.max(x2, x2g) - torch.min(x1, x1g), torch.max(y2, y2g) - torch.min(y1, y1g)
    diagonal_sq = (enclosing_w**2) + (enclosing_h**2) + eps
    centers_sq = (((x2 + x1) / 2 - (x1g + x2g) / 2) ** 2) + (((y2 + y1) / 2 - (y1g + y2g) / 2) ** 2)
    return 1 - iou + (centers_sq / diagonal_sq), iou


def distance_box_iou_loss(boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7) -> Tensor:
    """1 - IoU + squared centre distance / squared enclosing diagonal, of matching boxes."""
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    loss, _ = _diou_iou_loss(boxes1, boxes2, eps)
    return _reduce(loss, reduction)
