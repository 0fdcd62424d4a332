"""torchvision.ops.roi_align / RoIAlign: bilinear RoI pooling (Mask R-CNN), values and input gradients as
torchvision's CPU kernel.

Each output bin averages `grid_h x grid_w` bilinear samples. A sample outside [-1, size] of the feature map
contributes zero (and still counts); one inside is clamped to the map; `count = max(grid_h * grid_w, 1)`.
Gradients flow to `input` only (torchvision's backward gives none to the boxes).

The sample grid of `sampling_ratio <= 0` depends on each box's size. Eagerly its largest value is read from the
boxes and fixes the (static) number of samples gathered per bin. Under a trace the boxes are unknown, so the
bins are computed as interpolation matrices over the feature map's rows and columns instead (exact as well,
more arithmetic): set `sampling_ratio > 0` for the cheaper gather form there too.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import jaxtorch as torch

from ... import nn
from ..._ops._dispatch import apply
from ..._tensor import Tensor
from ._utils import _traced, check_roi_boxes_shape, convert_boxes_to_roi_format

__all__ = ["roi_align", "RoIAlign"]

_HIGHEST = jax.lax.Precision.HIGHEST
_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor",
}


def _pair(v) -> tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _as_rois(boxes: Tensor | list[Tensor]) -> Tensor:
    check_roi_boxes_shape(boxes)
    return boxes if isinstance(boxes, Tensor) else convert_boxes_to_roi_format(boxes)


def _check_pair(input: Tensor, rois: Tensor, kernel: str) -> None:
    if rois.size(1) != 5:
        raise RuntimeError("rois must have shape as Tensor[K, 5]")
    if input.dtype != rois.dtype:
        raise RuntimeError(
            f"Expected tensor for argument #1 'input' to have the same type as tensor for argument "
            f"#2 'rois'; but type torch.{_TYPE_NAMES.get(input.dtype.name, input.dtype.name)} does "
            f"not equal torch.{_TYPE_NAMES.get(rois.dtype.name, rois.dtype.name)} (while checking "
            f"arguments for {kernel})"
        )
    if not input.is_floating_point():
        raise RuntimeError(f"\"{kernel}\" not implemented for '{input.dtype.name}'")
    if input.dim() != 4:
        raise RuntimeError(f"{kernel}: expected a 4-D input (N, C, H, W), got {input.dim()}-D")


# ---------------------------------------------------------------------------------------------------- geometry


def _roi_frame(rois, spatial_scale, offset, at_least_one):
    """Start corners and extents of the boxes on the feature map, in the input's dtype (as the C++ kernel)."""
    start_w = rois[:, 1] * spatial_scale - offset
    start_h = rois[:, 2] * spatial_scale - offset
    roi_w = (rois[:, 3] * spatial_scale - offset) - start_w
    roi_h = (rois[:, 4] * spatial_scale - offset) - start_h
    if at_least_one:
        roi_w, roi_h = jnp.maximum(roi_w, 1.0), jnp.maximum(roi_h, 1.0)
    return start_h, start_w, roi_h, roi_w


def host_grids(
    rois: np.ndarray,
    spatial_scale: float,
    pooled: tuple[int, int],
    sampling_ratio: int,
    offset: float,
    at_least_one: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-box sample counts (grid_h, grid_w) computed on the host with the kernel's float arithmetic."""
    dt = rois.dtype.type
    r = rois.astype(rois.dtype)
    grids = []
    for lo, hi, n in ((2, 4, pooled[0]), (1, 3, pooled[1])):
        start = r[:, lo] * dt(spatial_scale) - dt(offset)
        size = (r[:, hi] * dt(spatial_scale) - dt(offset)) - start
        if at_least_one:
            size = np.maximum(size, dt(1.0))
        if sampling_ratio > 0:
            grids.append(np.full(r.shape[0], sampling_ratio, np.int32))
        else:
            g = np.ceil(size / dt(n))
            grids.append(np.nan_to_num(g, nan=0, posinf=0, neginf=0).clip(-(2**30), 2**30).astype(np.int32))
    return grids[0], grids[1]


def _samples(base, bin_size, grid, G, size, dtype):
    """The bilinear taps of up to G samples per bin along one axis.

    base [K, P] (bin starts), bin_size [K], grid [K] (samples per bin). Returns (index, weight) [K, P, 2G]: the
    low and high neighbour of each sample with its weight, zero for samples outside [-1, size] or past the grid.
    When a bin holds more than G samples (huge boxes), the window of G consecutive samples starting just before
    the feature map is taken: at most 2*size+3 samples of a bin (spaced >= 0.5 apart) can land on it."""
    gridf = grid.astype(dtype)
    safe = jnp.where(grid > 0, gridf, 1.0)
    step = (bin_size / safe)[:, None]
    first = jnp.ceil((-1.0 - base) / jnp.where(step > 0, step, 1.0) - 0.5) - 1.0
    first = jnp.nan_to_num(first, nan=0.0, posinf=0.0, neginf=0.0)
    i0 = jnp.clip(first, 0, jnp.maximum(grid - G, 0)[:, None].astype(dtype)).astype(jnp.int32)
    i = i0[..., None] + jnp.arange(G, dtype=jnp.int32)
    pos = base[..., None] + ((i.astype(dtype) + 0.5) * bin_size[:, None, None]) / safe[:, None, None]
    return _taps(pos, (i < grid[:, None, None]), size, dtype)


def _taps(pos, in_grid, size, dtype):
    valid = in_grid & (pos >= -1.0) & (pos <= size)
    pos = jnp.maximum(pos, 0.0)
    low = jnp.floor(pos).astype(jnp.int32)
    at_end = low >= size - 1
    low = jnp.where(at_end, size - 1, low)
    high = jnp.where(at_end, size - 1, low + 1)
    frac = jnp.where(at_end, 0.0, pos - low.astype(dtype)).astype(dtype)
    keep = valid.astype(dtype)
    idx = jnp.concatenate([jnp.clip(low, 0, size - 1), jnp.clip(high, 0, size - 1)], axis=-1)
    w = jnp.concatenate([(1.0 - frac) * keep, frac * keep], axis=-1)
    return idx, w


def _dense_axis(base, bin_size, grid, size, dtype, taps_per_row=7):
    """Interpolation matrix [K, P, size]: the summed weights every bin's samples put on each row (or column).

    A row only receives samples within 1 of it (or from the clamped margins [-1, 0] and [size-1, size]), at most
    5 of them since samples are >= 0.5 apart when a bin has several; a few candidates around each row suffice."""
    gridf = grid.astype(dtype)
    safe = jnp.where(grid > 0, gridf, 1.0)
    step = (bin_size / safe)[:, None, None]
    rows = jnp.arange(size, dtype=dtype)
    first = jnp.ceil((rows - 1.0 - base[..., None]) / jnp.where(step > 0, step, 1.0) - 0.5) - 1.0
    first = jnp.nan_to_num(first, nan=0.0, posinf=0.0, neginf=0.0)
    limit = jnp.maximum(grid - taps_per_row, 0)[:, None, None].astype(dtype)
    i0 = jnp.clip(first, 0, limit).astype(jnp.int32)
    i = i0[..., None] + jnp.arange(taps_per_row, dtype=jnp.int32)  # [K, P, S, J]
    pos = base[..., None, None] + ((i.astype(dtype) + 0.5) * bin_size[:, None, None, None]) / safe[:, None, None, None]
    idx, w = _taps(pos, i < grid[:, None, None, None], size, dtype)
    row = jnp.arange(size, dtype=jnp.int32)[None, None, :, None]
    hit = jnp.concatenate([idx[..., :taps_per_row] == row, idx[..., taps_per_row:] == row], axis=-1)
    return jnp.sum(jnp.where(hit, w, 0.0), axis=-1)


def _bin_bases(start, bin_size, n, dtype):
    return start[:, None] + jnp.arange(n, dtype=dtype)[None, :] * bin_size[:, None]


# ---------------------------------------------------------------------------------------------------- kernels


def fold_taps(x, b, rows, cols, ps, init, step):
    """Fold `step(acc, values, i, j)` over every (row tap i, column tap j) of every bin.

    b [K], rows [K, P, A], cols [K, Q, B]; `values` [K, P, Q, C'] is x[b, :, rows[..., i], cols[..., j]] read
    channels-last, so each tap copies contiguous channel vectors. One tap at a time (a scan) keeps memory at
    one [K, P, Q, C'] slice and runs far faster than gathering every tap at once. With `ps=(PH, PW)` bin (p, q)
    reads only its position-sensitive channel block, channel (c * PH + p) * PW + q."""
    n, c, h, w = x.shape
    bb = b[:, None, None]
    if ps:
        ph, pw = ps
        xl = x.reshape(n, c // (ph * pw), ph, pw, h, w).transpose(0, 4, 5, 2, 3, 1)  # [N, H, W, PH, PW, C']
        pidx, qidx = jnp.arange(ph)[None, :, None], jnp.arange(pw)[None, None, :]
    else:
        xl = jnp.transpose(x, (0, 2, 3, 1))  # [N, H, W, C]
    n_cols = cols.shape[2]

    def body(acc, t):
        i, j = t // n_cols, t % n_cols
        r = jax.lax.dynamic_index_in_dim(rows, i, 2, keepdims=False)[:, :, None]
        col = jax.lax.dynamic_index_in_dim(cols, j, 2, keepdims=False)[:, None, :]
        vals = xl[bb, r, col, pidx, qidx] if ps else xl[bb, r, col]
        return step(acc, vals, i, j), None

    acc, _ = jax.lax.scan(body, init, jnp.arange(rows.shape[2] * n_cols))
    return acc


def _weighted_taps(x, b, ry, wy, cx, wx, ps):
    """Sum over the bilinear taps of each bin of value * row weight * column weight -> [K, C', P, Q]."""
    k, ph, pw = ry.shape[0], ry.shape[1], cx.shape[1]
    cout = x.shape[1] // (ph * pw) if ps else x.shape[1]

    def step(acc, vals, i, j):
        wi = jax.lax.dynamic_index_in_dim(wy, i, 2, keepdims=False)  # [K, P]
        wj = jax.lax.dynamic_index_in_dim(wx, j, 2, keepdims=False)  # [K, Q]
        return acc + vals * (wi[:, :, None] * wj[:, None, :])[..., None]

    acc = fold_taps(x, b, ry, cx, ps, jnp.zeros((k, ph, pw, cout), x.dtype), step)
    return jnp.transpose(acc, (0, 3, 1, 2))


def _align_sampled(x, rois, grid_h, grid_w, *, spatial_scale, pooled, offset, at_least_one, gmax, ps):
    dtype = x.dtype
    n, c, h, w = x.shape
    ph, pw = pooled
    b = rois[:, 0].astype(jnp.int32)
    start_h, start_w, roi_h, roi_w = _roi_frame(rois, spatial_scale, offset, at_least_one)
    bin_h, bin_w = roi_h / ph, roi_w / pw
    ry, wy = _samples(_bin_bases(start_h, bin_h, ph, dtype), bin_h, grid_h, gmax[0], h, dtype)
    cx, wx = _samples(_bin_bases(start_w, bin_w, pw, dtype), bin_w, grid_w, gmax[1], w, dtype)
    if ps:
        count = (grid_h * grid_w).astype(dtype)  # torchvision's PS kernel does not guard a zero count
    else:
        count = jnp.maximum(grid_h * grid_w, 1).astype(dtype)
    return _weighted_taps(x, b, ry, wy, cx, wx, pooled if ps else None) / count[:, None, None, None]


def _align_dense(x, rois, *, spatial_scale, pooled, offset, at_least_one, ps):
    dtype = x.dtype
    n, c, h, w = x.shape
    ph, pw = pooled
    start_h, start_w, roi_h, roi_w = _roi_frame(rois, spatial_scale, offset, at_least_one)
    bin_h, bin_w = roi_h / ph, roi_w / pw
    grid_h = jnp.nan_to_num(jnp.ceil(roi_h / ph), nan=0.0).clip(-(2**30), 2**30).astype(jnp.int32)
    grid_w = jnp.nan_to_num(jnp.ceil(roi_w / pw), nan=0.0).clip(-(2**30), 2**30).astype(jnp.int32)
    ay = _dense_axis(_bin_bases(start_h, bin_h, ph, dtype), bin_h, grid_h, h, dtype)  # [K, P, H]
    ax = _dense_axis(_bin_bases(start_w, bin_w, pw, dtype), bin_w, grid_w, w, dtype)  # [K, Q, W]
    onehot = (rois[:, 0].astype(jnp.int32)[:, None] == jnp.arange(n, dtype=jnp.int32)[None, :]).astype(dtype)
    ayn = ay[:, :, None, :] * onehot[:, None, :, None]  # [K, P, N, H]: rows of the box's own image
    if ps:
        xr = x.reshape(n, c // (ph * pw), ph, pw, h, w)
        t = jnp.einsum("kpnh,ncpqhw->kcpqw", ayn, xr, precision=_HIGHEST)
        out = jnp.einsum("kcpqw,kqw->kcpq", t, ax, precision=_HIGHEST)
        count = (grid_h * grid_w).astype(dtype)
    else:
        t = jnp.einsum("kpnh,nchw->kcpw", ayn, x, precision=_HIGHEST)
        out = jnp.einsum("kcpw,kqw->kcpq", t, ax, precision=_HIGHEST)
        count = jnp.maximum(grid_h * grid_w, 1).astype(dtype)
    return out / count[:, None, None, None]


def bilinear_roi_pool(
    input: Tensor,
    rois: Tensor,
    spatial_scale: float,
    pooled: tuple[int, int],
    sampling_ratio: int,
    offset: float,
    at_least_one: bool,
    ps: bool,
    name: str,
) -> Tensor:
    """Shared driver of roi_align and ps_roi_align: picks the gather or matrix form (see the module docstring)."""
    n, c, h, w = input.shape
    rois = rois.detach()
    static = (
        ("spatial_scale", float(spatial_scale)),
        ("pooled", pooled),
        ("offset", float(offset)),
        ("at_least_one", bool(at_least_one)),
        ("ps", bool(ps)),
    )
    if rois.size(0) == 0:
        cout = c // (pooled[0] * pooled[1]) if ps else c
        return torch.zeros((0, cout, pooled[0], pooled[1]), dtype=input.dtype, device=input.device)
    if sampling_ratio <= 0 and _traced(rois):
        return apply(_align_dense, (input, rois), static, name)
    if sampling_ratio > 0:
        k = rois.size(0)
        gh = gw = np.full(k, sampling_ratio, np.int32)
        gmax = (int(sampling_ratio), int(sampling_ratio))
    else:
        gh, gw = host_grids(np.asarray(rois._value()), spatial_scale, pooled, sampling_ratio, offset, at_least_one)
        # a bin never needs more than 2*size+4 consecutive samples to cover the map (see _samples)
        gmax = (int(min(max(gh.max(), 1), 2 * h + 4)), int(min(max(gw.max(), 1), 2 * w + 4)))
    return apply(_align_sampled, (input, rois, gh, gw), static + (("gmax", gmax),), name)


def roi_align(
    input: Tensor,
    boxes: Tensor | list[Tensor],
    output_size: int | tuple[int, int],
    spatial_scale: float = 1.0,
    sampling_ratio: int = -1,
    aligned: bool = False,
) -> Tensor:
    """RoI Align: average of bilinear samples in each of output_size bins of every box -> [K, C, PH, PW].

    boxes: Tensor[K, 5] of (batch_index, x1, y1, x2, y2), or a list of Tensor[L, 4] per image. `aligned=True`
    shifts the box by -0.5 pixel (Detectron2); `aligned=False` also makes boxes at least 1x1."""
    rois = _as_rois(boxes)
    pooled = _pair(output_size)
    _check_pair(input, rois, "roi_align_forward_kernel")
    return bilinear_roi_pool(
        input,
        rois,
        spatial_scale,
        pooled,
        int(sampling_ratio),
        0.5 if aligned else 0.0,
        not aligned,
        False,
        "roi_align",
    )


class RoIAlign(nn.Module):
    """See :func:`roi_align`."""

    def __init__(
        self, output_size: int | tuple[int, int], spatial_scale: float, sampling_ratio: int, aligned: bool = False
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input: Tensor, rois: Tensor | list[Tensor]) -> Tensor:
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
            f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned})"
        )
