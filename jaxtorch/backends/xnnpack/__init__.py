"""torch.backends.xnnpack: jaxtorch does not use XNNPACK, so `enabled` reads False (assigning it raises, as in
torch)."""

from __future__ import annotations

from ... import _shim
from .. import _give_props

__all__: list = []


class _XNNPACKEnabled:
    def __get__(self, obj, objtype=None) -> bool:
        return False

    def __set__(self, obj, val) -> None:
        raise RuntimeError("Assignment not supported")


__getattr__ = _shim._make_getattr(__name__)

_give_props(__name__, "XNNPACKEngine", {"enabled": _XNNPACKEnabled()})
