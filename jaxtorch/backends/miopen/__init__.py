"""torch.backends.miopen: AMD's MIOpen is not used by jaxtorch (XLA's ROCm backend chooses its own kernels). The
`immediate` flag is recorded and read back only."""

from __future__ import annotations

import contextlib

from ... import _shim
from .. import ContextProp, _allow_nonbracketed_mutation, _give_props

__all__ = ["flags", "set_flags"]

_state = {"immediate": False}


def set_flags(_immediate: bool | None = None) -> tuple:
    orig_flags = (_state["immediate"],)
    if _immediate is not None:
        _state["immediate"] = bool(_immediate)
    return orig_flags


@contextlib.contextmanager
def flags(immediate: bool = False):
    with _allow_nonbracketed_mutation():
        orig_flags = set_flags(immediate)
    try:
        yield
    finally:
        with _allow_nonbracketed_mutation():
            set_flags(*orig_flags)


def _setter(value) -> None:
    _state["immediate"] = bool(value)


__getattr__ = _shim._make_getattr(__name__)

_give_props(__name__, "MiopenModule", {"immediate": ContextProp(lambda: _state["immediate"], _setter)})
