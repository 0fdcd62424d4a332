"""torch.cuda.amp: forwards to `jaxtorch.amp`.

torch.cuda.amp.autocast(...) means torch.amp.autocast("cuda", ...) and torch.cuda.amp.GradScaler(...) means
torch.amp.GradScaler("cuda", ...); names jaxtorch.amp lacks raise "not supported yet".
"""

from __future__ import annotations

import importlib


def __getattr__(name: str):
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        amp = importlib.import_module("jaxtorch.amp")
    except ModuleNotFoundError:
        amp = None
    if amp is not None and hasattr(amp, name):
        value = getattr(amp, name)
        if name in ("autocast", "GradScaler") and isinstance(value, type):
            return _cuda_flavour(value)
        return value
    raise AttributeError(f"torch.cuda.amp.{name} is not supported yet in jaxtorch")


_flavours: dict = {}


def _cuda_flavour(cls: type) -> type:
    """torch.cuda.amp's classes: torch.amp's with the device fixed to 'cuda' (and autocast's own argument order:
    enabled, dtype, cache_enabled)."""
    if cls not in _flavours:
        if cls.__name__ == "autocast":
            def __init__(self, enabled=True, dtype=None, cache_enabled=True):
                from .. import float16

                cls.__init__(self, "cuda", dtype=float16 if dtype is None else dtype, enabled=enabled,
                             cache_enabled=cache_enabled)
        else:
            def __init__(self, *args, **kwargs):
                cls.__init__(self, "cuda", *args, **kwargs)

        _flavours[cls] = type(cls.__name__, (cls,), {"__init__": __init__, "__module__": __name__})
    return _flavours[cls]
