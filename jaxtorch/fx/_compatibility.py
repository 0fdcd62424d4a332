"""torch.fx._compatibility: the decorator torch uses to tag FX APIs as backward compatible (or not)."""

from __future__ import annotations

from typing import Callable, TypeVar

_T = TypeVar("_T")

_BACK_COMPAT_OBJECTS: dict = {}
_MARKED_WITH_COMPATIBILITY: dict = {}


def compatibility(is_backward_compatible: bool) -> Callable[[_T], _T]:
    """Decorator factory: records the tag and returns the decorated object unchanged."""

    def mark(obj: _T) -> _T:
        _MARKED_WITH_COMPATIBILITY.setdefault(obj)
        if is_backward_compatible:
            _BACK_COMPAT_OBJECTS.setdefault(obj)
        return obj

    return mark
