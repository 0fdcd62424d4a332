"""torch.fx.node: the FX graph node and its argument types. No FX graph is ever built in jaxtorch, so `Node`
cannot be constructed and nothing is an instance of it; `has_side_effect` (a registration decorator) returns its
argument."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence, Union

from .. import _unsupported
from ._symbolic_trace import _WHY

__all__ = ["Node", "map_arg", "map_aggregate", "has_side_effect"]

Node = _unsupported.cls("torch.fx.Node", _WHY)

BaseArgumentTypes = Union[str, int, float, bool, complex, None]
Target = Union[Callable[..., Any], str]
Argument = Optional[Union[tuple, Sequence["Argument"], Mapping[str, "Argument"], slice, range, Node, BaseArgumentTypes]]

_side_effectful_functions: set = set()

map_arg = _unsupported.function("torch.fx.node.map_arg", _WHY)
map_aggregate = _unsupported.function("torch.fx.node.map_aggregate", _WHY)


def has_side_effect(fn: Callable) -> Callable:
    """Tell FX's dead-code elimination to keep calls to `fn`; recorded, and `fn` is returned."""
    _side_effectful_functions.add(fn)
    return fn
