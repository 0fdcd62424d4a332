"""torch.cuda.amp: torch.amp with the device fixed to 'cuda' (deprecated in torch, as here: constructing autocast or
GradScaler warns with torch's FutureWarning).

torch.cuda.amp.autocast(...) means torch.amp.autocast("cuda", ...) (with its own argument order: enabled, dtype,
cache_enabled) and torch.cuda.amp.GradScaler(...) means torch.amp.GradScaler("cuda", ...). Other names of
jaxtorch.amp are forwarded; names it lacks raise "not supported yet".
"""

from __future__ import annotations

import importlib

from .autocast_mode import autocast, custom_bwd, custom_fwd
from .common import amp_definitely_not_available
from .grad_scaler import GradScaler

__all__ = ["amp_definitely_not_available", "autocast", "custom_bwd", "custom_fwd", "GradScaler"]


def __getattr__(name: str):
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    amp = importlib.import_module("jaxtorch.amp")
    if hasattr(amp, name):
        return getattr(amp, name)
    raise AttributeError(f"torch.cuda.amp.{name} is not supported yet in jaxtorch")
