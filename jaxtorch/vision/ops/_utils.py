"""Helpers shared by torchvision.ops: RoI box formats, dtype upcasts, and when a value may be read on the host."""

from __future__ import annotations

import jax

import jaxtorch as torch

from ... import _trace_state as _ts
from ..._tensor import Tensor


def _traced(*tensors: Tensor) -> bool:
    """Whether these tensors are being traced (jax.jit / torch.compile): then nothing may be read on the host.

    Under compile a tensor made before the call may still hold a concrete array, but reading it would bake its
    current value into the compiled program, so an active compile observer counts as tracing too."""
    if _ts.observer is not None:
        return True
    return any(isinstance(t._value(), jax.core.Tracer) for t in tensors if isinstance(t, Tensor))


def _cat(tensors: list[Tensor], dim: int = 0) -> Tensor:
    return tensors[0] if len(tensors) == 1 else torch.cat(tensors, dim)


def convert_boxes_to_roi_format(boxes: list[Tensor]) -> Tensor:
    """[Tensor[L_i, 4]] per image -> Tensor[K, 5] whose first column is the image index."""
    concat_boxes = _cat(list(boxes), dim=0)
    ids = _cat([torch.full_like(b[:, :1], i) for i, b in enumerate(boxes)], dim=0)
    return torch.cat([ids, concat_boxes], dim=1)


def check_roi_boxes_shape(boxes: Tensor | list[Tensor] | tuple[Tensor, ...]) -> None:
    if isinstance(boxes, (list, tuple)):
        for t in boxes:
            if t.size(1) != 4:
                raise AssertionError("The shape of the tensor in the boxes list is not correct as List[Tensor[L, 4]]")
    elif isinstance(boxes, Tensor):
        if boxes.size(1) != 5:
            raise AssertionError("The boxes tensor shape is not correct as Tensor[K, 5]")
    else:
        raise AssertionError("boxes is expected to be a Tensor[L, 5] or a List[Tensor[K, 4]]")


def split_normalization_params(model, norm_classes: list[type] | None = None) -> tuple[list[Tensor], list[Tensor]]:
    """Split a model's trainable parameters into (normalization layers', everyone else's)."""
    from ... import nn

    if not norm_classes:
        norm_classes = [
            nn.modules.batchnorm._BatchNorm,
            nn.LayerNorm,
            nn.GroupNorm,
            nn.modules.instancenorm._InstanceNorm,
            nn.LocalResponseNorm,
        ]
    for t in norm_classes:
        if not issubclass(t, nn.Module):
            raise ValueError(f"Class {t} is not a subclass of nn.Module.")
    classes = tuple(norm_classes)
    norm_params: list[Tensor] = []
    other_params: list[Tensor] = []
    for module in model.modules():
        if next(module.children(), None):
            other_params.extend(p for p in module.parameters(recurse=False) if p.requires_grad)
        elif isinstance(module, classes):
            norm_params.extend(p for p in module.parameters() if p.requires_grad)
        else:
            other_params.extend(p for p in module.parameters() if p.requires_grad)
    return norm_params, other_params


def _upcast(t: Tensor) -> Tensor:
    """Widen half/bfloat16 to float32 and small ints to int32 before products that could overflow."""
    if t.is_floating_point():
        return t if t.dtype in (torch.float32, torch.float64) else t.float()
    return t if t.dtype in (torch.int32, torch.int64) else t.int()


def _upcast_non_float(t: Tensor) -> Tensor:
    return t if t.dtype in (torch.float32, torch.float64) else t.float()


def _loss_inter_union(boxes1: Tensor, boxes2: Tensor) -> tuple[Tensor, Tensor]:
    """Elementwise intersection and union areas of matching (x1, y1, x2, y2) boxes."""
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xk1, yk1 = torch.max(x1, x1g), torch.max(y1, y1g)
    xk2, yk2 = torch.min(x2, x2g), torch.min(y2, y2g)
    overlap = (yk2 > yk1) & (xk2 > xk1)
    # a select (not a product with the mask) so non-overlapping pairs get exactly 0 and no gradient
    inter = torch.where(overlap, (xk2 - xk1) * (yk2 - yk1), torch.zeros_like(x1))
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    return inter, union
