"""torch.cuda.amp.autocast_mode: the 'cuda' flavours of torch.amp's autocast, custom_fwd and custom_bwd."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

from ... import amp as _amp
from ... import float16

__all__ = ["autocast", "custom_fwd", "custom_bwd"]


class autocast(_amp.autocast):
    """torch.amp.autocast("cuda", ...), taking torch.cuda.amp's arguments (enabled, dtype, cache_enabled)."""

    def __init__(self, enabled: bool = True, dtype=float16, cache_enabled: bool = True) -> None:
        warnings.warn(
            "`torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', "
            "args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(
            "cuda", dtype=float16 if dtype is None else dtype, enabled=enabled, cache_enabled=cache_enabled
        )


def custom_fwd(fwd: Callable | None = None, *, cast_inputs=None) -> Callable:
    """torch.amp.custom_fwd(device_type="cuda")."""
    warnings.warn(
        "`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use `torch.amp.custom_fwd(args..., "
        "device_type='cuda')` instead.",
        FutureWarning,
        stacklevel=2,
    )
    if fwd is None:
        return functools.partial(_amp.custom_fwd, device_type="cuda", cast_inputs=cast_inputs)
    return _amp.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd: Callable) -> Callable:
    """torch.amp.custom_bwd(device_type="cuda")."""
    warnings.warn(
        "`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use `torch.amp.custom_bwd(args..., "
        "device_type='cuda')` instead.",
        FutureWarning,
        stacklevel=2,
    )
    return _amp.custom_bwd(bwd, device_type="cuda")
