"""torch.jit._state: the switch that turns TorchScript compilation off (`PYTORCH_JIT=0`).

jaxtorch never compiles TorchScript, so `torch.jit.script`/`trace` behave as with the switch off whichever way it
is set; the flag is kept so code that flips or reads it runs unchanged.
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["disable", "enable"]


_SWITCH = "Please switch to `torch.compile` or `torch.export`."


def warn_deprecated(name: str, instead: str = _SWITCH) -> None:
    """torch 2.13's DeprecationWarning for a TorchScript entry point (worded for the running Python, as torch)."""
    if sys.version_info >= (3, 14) and instead == _SWITCH:
        message = f"`{name}` is not supported in Python 3.14+ and may break. {instead}"
    else:
        message = f"`{name}` is deprecated. {instead}"
    warnings.warn(message, DeprecationWarning, stacklevel=3)


class EnabledProxy:
    """Truthy while TorchScript is "enabled"; starts from the PYTORCH_JIT environment variable as in torch."""

    def __init__(self) -> None:
        self.enabled = os.environ.get("PYTORCH_JIT", "1").lower() not in ("0", "false", "no", "off")

    def __bool__(self) -> bool:
        return self.enabled


_enabled = EnabledProxy()


def disable() -> None:
    _enabled.enabled = False


def enable() -> None:
    _enabled.enabled = True
