"""torch.fx.graph_module: GraphModule is an nn.Module subclass in torch (so it is here), but FX graphs are never
built by jaxtorch: constructing one raises and no module is an instance of it."""

from .. import _unsupported
from ..nn.modules.module import Module
from ._symbolic_trace import _WHY

__all__ = ["GraphModule"]

GraphModule = _unsupported.cls("torch.fx.GraphModule", _WHY, bases=(Module,))
