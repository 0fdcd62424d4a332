"""torchvision.utils: make_grid and save_image (PNG via Pillow)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tensor import Tensor

__all__ = ["make_grid", "save_image"]


def make_grid(tensor: Tensor | list[Tensor], nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a batch (B, C, H, W) into one image, `nrow` per row, with `padding` pixels of `pad_value` between."""
    from .._ops.creation import from_numpy

    if isinstance(tensor, list):
        arr = np.stack([np.asarray(t._value()) for t in tensor])
    elif isinstance(tensor, Tensor):
        arr = np.asarray(tensor._value())
    else:
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        arr = np.concatenate([arr] * 3, 0) if arr.shape[0] == 1 else arr
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = np.concatenate([arr] * 3, 1)
    if normalize:
        arr = arr.copy()

        def norm(a, lo, hi):
            a = np.clip(a, lo, hi)
            return (a - lo) / max(hi - lo, 1e-5)

        def norm_range(a):
            lo, hi = value_range if value_range is not None else (float(a.min()), float(a.max()))
            return norm(a, lo, hi)

        if scale_each:
            arr = np.stack([norm_range(a) for a in arr]).astype(arr.dtype)
        else:
            arr = norm_range(arr).astype(arr.dtype)
    if arr.shape[0] == 1:
        return from_numpy(np.ascontiguousarray(arr[0]))
    n, c, h, w = arr.shape
    xmaps = min(nrow, n)
    ymaps = int(math.ceil(n / xmaps))
    cell_h, cell_w = h + padding, w + padding
    grid = np.full((c, cell_h * ymaps + padding, cell_w * xmaps + padding), pad_value, dtype=arr.dtype)
    for k in range(n):
        y, x = divmod(k, xmaps)
        grid[:, y * cell_h + padding:(y + 1) * cell_h, x * cell_w + padding:(x + 1) * cell_w] = arr[k]
    return from_numpy(grid)


def save_image(tensor: Tensor | list[Tensor], fp: Any, format: str | None = None, **kwargs) -> None:
    """make_grid, then write an 8-bit image (PNG unless `format` or the file name says otherwise)."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("save_image needs Pillow: pip install pillow") from None
    grid = np.asarray(make_grid(tensor, **kwargs)._value())
    arr = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    if arr.shape[-1] == 1:
        arr = arr[..., 0]
    Image.fromarray(np.ascontiguousarray(arr)).save(fp, format=format)
