"""torch.backends.mps: JAX has no Metal backend that jaxtorch uses, so MPS is never available."""

from .. import _shim

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False


__getattr__ = _shim._make_getattr(__name__)
