"""torch.backends.kleidiai: jaxtorch does not use Arm's KleidiAI kernels, so `is_available()` is False."""

from __future__ import annotations

from ... import _shim

__all__ = ["is_available"]


def is_available() -> bool:
    return False


__getattr__ = _shim._make_getattr(__name__)
