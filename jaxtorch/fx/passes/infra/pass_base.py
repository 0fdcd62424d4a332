"""torch.fx.passes.infra.pass_base: what a graph pass returns and the base class passes derive from.

Both are plain Python in torch and work the same here (libraries subclass PassBase at import time); a pass only has
something to act on once it is given an FX GraphModule, which jaxtorch never builds.
"""

from __future__ import annotations

import abc
from collections import namedtuple
from typing import Any

__all__ = ["PassResult", "PassBase"]


class PassResult(namedtuple("PassResult", ["graph_module", "modified"])):
    """The result of a pass: the (possibly new) graph module and whether the pass changed it."""

    __slots__ = ()

    def __new__(cls, graph_module: Any, modified: bool) -> PassResult:
        return super().__new__(cls, graph_module, modified)


class PassBase(abc.ABC):
    """A callable pass: `pass_(gm)` runs `requires(gm)`, then `call(gm)` (whose PassResult it returns), then
    `ensures(gm)`."""

    def __call__(self, graph_module: Any) -> PassResult | None:
        self.requires(graph_module)
        result = self.call(graph_module)
        self.ensures(graph_module)
        return result

    @abc.abstractmethod
    def call(self, graph_module: Any) -> PassResult | None:
        """The pass itself."""

    def requires(self, graph_module: Any) -> None:  # noqa: B027  (optional hook)
        """Precondition check run before `call`."""

    def ensures(self, graph_module: Any) -> None:  # noqa: B027  (optional hook)
        """Postcondition check run after `call`."""
