"""torch.backends.mkl: jaxtorch does not use Intel MKL (XLA:CPU compiles its own kernels), so `is_available()` is
False and a `verbose(VERBOSE_ON)` block raises NotImplementedError (there is no MKL to make verbose)."""

from __future__ import annotations

from ... import _shim, _unsupported

__all__ = ["is_available", "verbose", "VERBOSE_OFF", "VERBOSE_ON"]

VERBOSE_OFF = 0
VERBOSE_ON = 1


def is_available() -> bool:
    """Whether jaxtorch runs its ops through MKL: never."""
    return False


class verbose:
    """`with torch.backends.mkl.verbose(level):` MKL's verbose logging for the block. VERBOSE_OFF does nothing;
    any other level raises NotImplementedError."""

    def __init__(self, enable: int) -> None:
        self.enable = enable

    def __enter__(self):
        if self.enable == VERBOSE_OFF:
            return None
        raise NotImplementedError(_unsupported.message("torch.backends.mkl.verbose", "jaxtorch does not use MKL"))

    def __exit__(self, exc_type, exc_val, exc_tb) -> bool:
        return False


__getattr__ = _shim._make_getattr(__name__)
