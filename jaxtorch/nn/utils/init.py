"""torch.nn.utils.skip_init."""

from __future__ import annotations

import inspect

from ..modules.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type, *args, **kwargs) -> Module:
    """Build ``module_cls(*args, **kwargs)`` whose parameter values are unspecified (torch: uninitialized memory).

    torch builds the module on the 'meta' device and allocates empty storage afterwards. jaxtorch has no meta
    device, so the module is built normally on the requested device: its values are the default init, which is
    one valid choice of "unspecified" (callers are expected to overwrite them).
    """
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs["device"] = kwargs.pop("device", "cpu")
    return module_cls(*args, **kwargs)
