"""torch.backends.cusparselt: jaxtorch does not use cuSPARSELt (2:4 semi-structured sparse matmuls), so it is not
available and has no version, as in a torch build without it."""

from __future__ import annotations

from ... import _shim

__all__ = ["version", "is_available", "get_max_alg_id"]


def version() -> int | None:
    """The cuSPARSELt version: None (not used by jaxtorch)."""
    return None


def is_available() -> bool:
    return False


def get_max_alg_id() -> int | None:
    return None


__getattr__ = _shim._make_getattr(__name__)
