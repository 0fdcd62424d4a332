"""torch.backends.openmp: jaxtorch's CPU work runs on XLA's own thread pool, not OpenMP, so `is_available()` is
False."""

from __future__ import annotations

from ... import _shim

__all__ = ["is_available"]


def is_available() -> bool:
    """Whether jaxtorch's CPU ops are parallelised with OpenMP: never."""
    return False


__getattr__ = _shim._make_getattr(__name__)
