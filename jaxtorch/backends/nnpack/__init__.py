"""torch.backends.nnpack: jaxtorch does not use NNPACK, so `is_available()` is False; the `enabled` flag that
`set_flags` / `flags` switch is recorded and read back only (as in a torch build without NNPACK)."""

from __future__ import annotations

import contextlib

from ... import _shim
from .. import ContextProp, PropModule, _allow_nonbracketed_mutation  # noqa: F401  (torch exports the first two)

__all__ = ["is_available", "flags", "set_flags"]

_state = {"enabled": True}


def is_available() -> bool:
    return False


def set_flags(_enabled: bool) -> tuple:
    """Set whether NNPACK is enabled globally; returns the previous setting as a 1-tuple."""
    orig_flags = (_state["enabled"],)
    _state["enabled"] = bool(_enabled)
    return orig_flags


@contextlib.contextmanager
def flags(enabled: bool = False):
    """Set whether NNPACK is enabled for the duration of a with-block."""
    with _allow_nonbracketed_mutation():
        orig_flags = set_flags(enabled)
    try:
        yield
    finally:
        with _allow_nonbracketed_mutation():
            set_flags(orig_flags[0])


__getattr__ = _shim._make_getattr(__name__)
