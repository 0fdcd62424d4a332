"""torchvision.ops.boxes: non-maximum suppression, box formats, areas and the IoU family.

Everything but NMS is made of jaxtorch tensor ops, so it runs eagerly, under jax.jit / torch.compile and through
autograd. NMS keeps a data-dependent number of boxes: it runs on the host (exactly torchvision's CPU algorithm, in
the boxes' dtype) and raises jaxtorch's GraphBreak error when its inputs are being traced.
"""

from __future__ import annotations

import math

import numpy as np

import jaxtorch as torch

from ..._errors import raise_concrete
from ..._tensor import Tensor
from ._utils import _traced, _upcast

__all__ = [
    "nms",
    "batched_nms",
    "remove_small_boxes",
    "clip_boxes_to_image",
    "box_convert",
    "box_area",
    "box_iou",
    "generalized_box_iou",
    "distance_box_iou",
    "complete_box_iou",
    "masks_to_boxes",
]

_TYPE_NAMES = {
    "float16": "Half",
    "bfloat16": "BFloat16",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def _check_nms(boxes: Tensor, scores: Tensor, ncols: int = 4) -> None:
    if boxes.dim() != 2:
        raise RuntimeError(f"boxes should be a 2d tensor, got {boxes.dim()}D")
    if boxes.size(1) != ncols:
        raise RuntimeError(f"boxes should have {ncols} elements in dimension 1, got {boxes.size(1)}")
    if scores.dim() != 1:
        raise RuntimeError(f"scores should be a 1d tensor, got {scores.dim()}D")
    if boxes.size(0) != scores.size(0):
        raise RuntimeError(
            f"boxes and scores should have same number of elements in dimension 0, got "
            f"{boxes.size(0)} and {scores.size(0)}"
        )
    if boxes.dtype != scores.dtype:
        raise RuntimeError("dets should have the same type as scores")
    if boxes.dtype not in (torch.float32, torch.float64):
        name = _TYPE_NAMES.get(boxes.dtype.name, boxes.dtype.name)
        raise RuntimeError(f"\"nms_kernel\" not implemented for '{name}'")


def _nms_host(b: np.ndarray, s: np.ndarray, iou_threshold: float) -> np.ndarray:
    """torchvision's greedy CPU NMS: visit boxes by stably sorted descending score, drop later boxes whose IoU
    (computed in the boxes' dtype, compared in float64) exceeds the threshold."""
    n = b.shape[0]
    order = np.argsort(-s, kind="stable")  # ties keep index order, as torch's stable descending sort
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    zero = b.dtype.type(0)
    suppressed = np.zeros(n, bool)
    keep = []
    for pos in range(n):
        i = order[pos]
        if suppressed[i]:
            continue
        keep.append(i)
        rest = order[pos + 1 :]
        rest = rest[~suppressed[rest]]
        if rest.size == 0:
            continue
        w = np.maximum(zero, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        h = np.maximum(zero, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = w * h
        iou = inter / (areas[i] + areas[rest] - inter)
        suppressed[rest[iou.astype(np.float64) > iou_threshold]] = True
    return np.asarray(keep, dtype=np.int64)


def _host(t: Tensor) -> np.ndarray:
    return np.asarray(t.detach()._value())


def _index_tensor(keep: np.ndarray, like: Tensor) -> Tensor:
    return torch.from_numpy(keep).to(like.device)


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Indices (int64) of the boxes kept by non-maximum suppression, in decreasing order of score."""
    _check_nms(boxes, scores)
    if _traced(boxes, scores):
        raise_concrete("torchvision.ops.nms (the number of kept boxes depends on the data)")
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64, device=boxes.device)
    return _index_tensor(_nms_host(_host(boxes), _host(scores), float(iou_threshold)), boxes)


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """NMS within each category of `idxs`; kept indices sorted by decreasing score.

    As torchvision: up to 4000 coordinates on CPU (100000 elsewhere) the boxes of each category are shifted by
    `idx * (max coordinate + 1)` and one NMS runs; above that, NMS runs per category."""
    if _traced(boxes, scores, idxs):
        raise_concrete("torchvision.ops.batched_nms (the number of kept boxes depends on the data)")
    if boxes.numel() > (4000 if boxes.device.type == "cpu" else 100_000):
        return _batched_nms_vanilla(boxes, scores, idxs, iou_threshold)
    return _batched_nms_coordinate_trick(boxes, scores, idxs, iou_threshold)


def _batched_nms_coordinate_trick(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64, device=boxes.device)
    max_coordinate = boxes.max()
    offsets = idxs.to(boxes) * (max_coordinate + torch.tensor(1).to(boxes))
    return nms(boxes + offsets[:, None], scores, iou_threshold)


def _batched_nms_vanilla(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    _check_nms(boxes, scores)
    b, s, ids = _host(boxes), _host(scores), _host(idxs)
    keep_mask = np.zeros(s.shape, bool)
    for class_id in np.unique(ids):
        members = np.nonzero(ids == class_id)[0]
        keep_mask[members[_nms_host(b[members], s[members], float(iou_threshold))]] = True
    kept = np.nonzero(keep_mask)[0]
    return _index_tensor(kept[np.argsort(-s[kept], kind="stable")].astype(np.int64), boxes)


def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Indices of the boxes whose width and height are both at least `min_size`."""
    ws, hs = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    keep = (ws >= min_size) & (hs >= min_size)
    return torch.where(keep)[0]


def clip_boxes_to_image(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """Clamp (x1, y1, x2, y2) boxes into an image of size (height, width)."""
    height, width = size
    boxes_x = boxes[..., 0::2].clamp(min=0, max=width)
    boxes_y = boxes[..., 1::2].clamp(min=0, max=height)
    return torch.stack((boxes_x, boxes_y), dim=boxes.dim()).reshape(boxes.shape)


# ---------------------------------------------------------------------------------------------------- formats


def _xywh_to_xyxy(boxes: Tensor) -> Tensor:
    x, y, w, h = boxes.unbind(-1)
    return torch.stack([x, y, x + w, y + h], dim=-1)


def _xyxy_to_xywh(boxes: Tensor) -> Tensor:
    x1, y1, x2, y2 = boxes.unbind(-1)
    return torch.stack((x1, y1, x2 - x1, y2 - y1), dim=-1)


def _cxcywh_to_xyxy(boxes: Tensor) -> Tensor:
    cx, cy, w, h = boxes.unbind(-1)
    return torch.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)


def _xyxy_to_cxcywh(boxes: Tensor) -> Tensor:
    x1, y1, x2, y2 = boxes.unbind(-1)
    return torch.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


def _rotated(fn):
    """Rotated formats compute in floating point; integer boxes are rounded back to their dtype."""

    def wrapper(boxes: Tensor) -> Tensor:
        out = fn(boxes)
        if not boxes.is_floating_point():
            out = out.round().to(boxes.dtype)
        return out

    return wrapper


def _radians(r: Tensor) -> tuple[Tensor, Tensor]:
    rad = r * math.pi / 180.0
    return torch.cos(rad), torch.sin(rad)


@_rotated
def _cxcywhr_to_xywhr(boxes: Tensor) -> Tensor:
    cx, cy, w, h, r = boxes.unbind(-1)
    cos, sin = _radians(r)
    return torch.stack((cx - w / 2 * cos - h / 2 * sin, cy - h / 2 * cos + w / 2 * sin, w, h, r), dim=-1)


@_rotated
def _xywhr_to_cxcywhr(boxes: Tensor) -> Tensor:
    x1, y1, w, h, r = boxes.unbind(-1)
    cos, sin = _radians(r)
    return torch.stack([x1 + w / 2 * cos + h / 2 * sin, y1 - w / 2 * sin + h / 2 * cos, w, h, r], dim=-1)


@_rotated
def _xywhr_to_xyxyxyxy(boxes: Tensor) -> Tensor:
    x1, y1, w, h, r = boxes.unbind(-1)
    cos, sin = _radians(r)
    x2, y2 = x1 + w * cos, y1 - w * sin
    return torch.stack((x1, y1, x2, y2, x2 + h * sin, y2 + h * cos, x1 + h * sin, y1 + h * cos), dim=-1)


@_rotated
def _xyxyxyxy_to_xywhr(boxes: Tensor) -> Tensor:
    x1, y1, x2, y2, x3, y3, _, _ = boxes.unbind(-1)
    r = torch.atan2(y1 - y2, x2 - x1) * 180 / math.pi
    w = ((x2 - x1) ** 2 + (y1 - y2) ** 2).sqrt()
    h = ((x3 - x2) ** 2 + (y3 - y2) ** 2).sqrt()
    return torch.stack((x1, y1, w, h, r), dim=-1)


_CONVERSIONS = {
    ("xywh", "xyxy"): (_xywh_to_xyxy,),
    ("cxcywh", "xyxy"): (_cxcywh_to_xyxy,),
    ("xyxy", "xywh"): (_xyxy_to_xywh,),
    ("xyxy", "cxcywh"): (_xyxy_to_cxcywh,),
    ("xywh", "cxcywh"): (_xywh_to_xyxy, _xyxy_to_cxcywh),
    ("cxcywh", "xywh"): (_cxcywh_to_xyxy, _xyxy_to_xywh),
    ("cxcywhr", "xywhr"): (_cxcywhr_to_xywhr,),
    ("xywhr", "cxcywhr"): (_xywhr_to_cxcywhr,),
    ("cxcywhr", "xyxyxyxy"): (_cxcywhr_to_xywhr, _xywhr_to_xyxyxyxy),
    ("xyxyxyxy", "cxcywhr"): (_xyxyxyxy_to_xywhr, _xywhr_to_cxcywhr),
    ("xywhr", "xyxyxyxy"): (_xywhr_to_xyxyxyxy,),
    ("xyxyxyxy", "xywhr"): (_xyxyxyxy_to_xywhr,),
}
_FORMATS = ("xyxy", "xywh", "cxcywh", "xywhr", "cxcywhr", "xyxyxyxy")


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Convert boxes between 'xyxy', 'xywh', 'cxcywh' and the rotated 'xywhr', 'cxcywhr', 'xyxyxyxy'."""
    if in_fmt not in _FORMATS or out_fmt not in _FORMATS:
        raise ValueError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}")
    if in_fmt == out_fmt:
        return boxes.clone()
    steps = _CONVERSIONS.get((in_fmt, out_fmt))
    if steps is None:
        raise NotImplementedError(
            f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}"
        )
    for step in steps:
        boxes = step(boxes)
    return boxes


# ---------------------------------------------------------------------------------------------------- areas / IoU

_AXIS_ALIGNED = ("xyxy", "xywh", "cxcywh")
_ROTATED = ("cxcywhr", "xywhr", "xyxyxyxy")


def box_area(boxes: Tensor, fmt: str = "xyxy") -> Tensor:
    """Areas of boxes in 'xyxy', 'xywh' or 'cxcywh' format."""
    if fmt not in _AXIS_ALIGNED:
        raise ValueError(f"Unsupported Bounding Box area for given format {fmt}")
    boxes = _upcast(boxes)
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def _box_inter_union(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> tuple[Tensor, Tensor]:
    area1 = box_area(boxes1, fmt=fmt)
    area2 = box_area(boxes2, fmt=fmt)
    a_lo, a_hi = boxes1[..., None, :2], boxes1[..., None, 2:]
    b_lo, b_hi = boxes2[..., None, :, :2], boxes2[..., None, :, 2:]
    if fmt == "xywh":
        a_hi, b_hi = a_lo + a_hi, b_lo + b_hi
    elif fmt == "cxcywh":
        a_lo, a_hi = a_lo - a_hi / 2, a_lo + a_hi / 2
        b_lo, b_hi = b_lo - b_hi / 2, b_lo + b_hi / 2
    wh = _upcast(torch.min(a_hi, b_hi) - torch.max(a_lo, b_lo)).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area1[..., None] + area2[..., None, :] - inter
    return inter, union


def box_iou(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> Tensor:
    """Pairwise IoU, [..., N, M], of boxes1 [..., N, 4] and boxes2 [..., M, 4]."""
    if fmt in _AXIS_ALIGNED:
        inter, union = _box_inter_union(boxes1, boxes2, fmt=fmt)
        return inter / union
    if fmt in _ROTATED:
        raise NotImplementedError(
            f"jaxtorch: box_iou for rotated boxes (fmt={fmt!r}) is not supported yet; it "
            "needs torchvision's polygon-clipping kernel"
        )
    raise ValueError(
        f"Unsupported format '{fmt}'. Supported axis-aligned formats: {_AXIS_ALIGNED}. "
        f"Supported rotated formats: {_ROTATED}."
    )


def _enclosing_wh(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    lti = torch.min(boxes1[..., None, :2], boxes2[..., None, :, :2])
    rbi = torch.max(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    return _upcast(rbi - lti).clamp(min=0)


def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise generalized IoU: IoU minus the share of the enclosing box not covered by the union."""
    inter, union = _box_inter_union(boxes1, boxes2)
    iou = inter / union
    whi = _enclosing_wh(boxes1, boxes2)
    areai = whi[..., 0] * whi[..., 1]
    return iou - (areai - union) / areai


def _box_diou_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> tuple[Tensor, Tensor]:
    iou = box_iou(boxes1, boxes2)
    whi = _enclosing_wh(boxes1, boxes2)
    diagonal_sq = (whi[..., 0] ** 2) + (whi[..., 1] ** 2) + eps
    x_p = (boxes1[..., 0] + boxes1[..., 2]) / 2
    y_p = (boxes1[..., 1] + boxes1[..., 3]) / 2
    x_g = (boxes2[..., 0] + boxes2[..., 2]) / 2
    y_g = (boxes2[..., 1] + boxes2[..., 3]) / 2
    centers_sq = (_upcast(x_p[..., None] - x_g[..., None, :]) ** 2) + (_upcast(y_p[..., None] - y_g[..., None, :]) ** 2)
    return iou - (centers_sq / diagonal_sq), iou


def distance_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Pairwise distance IoU: IoU minus squared centre distance over squared enclosing diagonal."""
    boxes1, boxes2 = _upcast(boxes1), _upcast(boxes2)
    diou, _ = _box_diou_iou(boxes1, boxes2, eps=eps)
    return diou


def complete_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Pairwise complete IoU: distance IoU minus an aspect-ratio consistency term (its weight is not differentiated)."""
    boxes1, boxes2 = _upcast(boxes1), _upcast(boxes2)
    diou, iou = _box_diou_iou(boxes1, boxes2, eps)
    w_pred = boxes1[..., None, 2] - boxes1[..., None, 0]
    h_pred = boxes1[..., None, 3] - boxes1[..., None, 1]
    w_gt = boxes2[..., None, :, 2] - boxes2[..., None, :, 0]
    h_gt = boxes2[..., None, :, 3] - boxes2[..., None, :, 1]
    v = (4 / (math.pi**2)) * torch.pow(torch.atan(w_pred / h_pred) - torch.atan(w_gt / h_gt), 2)
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def masks_to_boxes(masks: Tensor) -> Tensor:
    """(x1, y1, x2, y2) float boxes around the non-zero pixels of each mask [N, H, W]; empty masks give zeros."""
    if masks.numel() == 0:
        return torch.zeros((0, 4), device=masks.device, dtype=torch.float)
    _, h, w = masks.shape
    masks_bool = masks.bool()
    rows = torch.any(masks_bool, dim=2).float()
    cols = torch.any(masks_bool, dim=1).float()
    empty = ~torch.any(rows.bool(), dim=1)
    y1 = rows.argmax(dim=1)
    x1 = cols.argmax(dim=1)
    y2 = (h - 1) - rows.flip(dims=[1]).argmax(dim=1)
    x2 = (w - 1) - cols.flip(dims=[1]).argmax(dim=1)
    boxes = torch.stack([x1, y1, x2, y2], dim=1).float()
    return torch.where(empty[:, None], torch.zeros_like(boxes), boxes)
