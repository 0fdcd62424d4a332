"""nn.functional.pad: constant / reflect / replicate / circular padding (negative padding crops)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops._dispatch import apply, exact_scalar, host_impl
from ..._tensor import Tensor

__all__ = ["pad"]

_JNP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_impl(x, value, *, pads, mode):
    if mode == "constant":
        v = jnp.asarray(0 if value is None else value).astype(x.dtype)
        return lax.pad(x, v, [(lo, hi, 0) for lo, hi in pads])
    if mode == "replicate":
        # torch maps each output index j to input index clamp(j - lo, 0, size - 1): with negative padding
        # that can crop everything and still replicate the far edge, which crop-then-pad cannot express
        for d, (lo, hi) in enumerate(pads):
            if lo or hi:
                idx = np.clip(np.arange(x.shape[d] + lo + hi) - lo, 0, x.shape[d] - 1)
                x = jnp.take(x, idx, axis=d)
        return x
    # crop the negative sides first, then pad the positive ones (torch's result for mixed signs)
    sl = tuple(slice(-lo if lo < 0 else 0, x.shape[i] + hi if hi < 0 else x.shape[i]) for i, (lo, hi) in
               enumerate(pads))
    x = x[sl]
    return jnp.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in pads], mode=_JNP_MODE[mode])


@host_impl(_pad_impl)
def _pad_host(x, value, *, pads, mode):
    v = exact_scalar(0 if value is None else value, x.dtype)
    if mode != "constant" or v is None or any(lo < 0 or hi < 0 for lo, hi in pads):
        return NotImplemented
    return np.pad(x, pads, constant_values=v)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad)//2 dims; pad is (left_last, right_last, left_prev, right_prev, ...)."""
    pad = [int(p) for p in pad]
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.dim()
    if len(pad) // 2 > nd:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {nd}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pads = [(0, 0)] * nd
    for i in range(len(pad) // 2):
        pads[nd - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode != "constant":
        k = len(pad) // 2
        if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
            raise NotImplementedError(
                f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
                "Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
        if value is not None and value != 0:
            raise NotImplementedError(f"Padding mode \"{mode}\" doesn't take in value argument.")
        for d in range(nd - k, nd):
            lo, hi = pads[d]
            size = input.shape[d]
            if mode == "reflect" and (lo >= size or hi >= size):
                raise RuntimeError("Argument #4: Padding size should be less than the corresponding input dimension, "
                                   f"but got: padding ({lo}, {hi}) at dimension {d} of input {list(input.shape)}")
            if mode == "circular" and (lo > size or hi > size):
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if mode == "replicate" and size == 0 and (lo > 0 or hi > 0):
                raise RuntimeError(f"padding size is expected to be {k}D or {k + 1}D, got input of size "
                                   f"{list(input.shape)}")
        value = None
    return apply(_pad_impl, (input, None if value is None else value), (("pads", tuple(pads)), ("mode", mode)),
                 name="ConstantPadNdBackward0" if mode == "constant" else f"{mode.capitalize()}PadBackward0")
