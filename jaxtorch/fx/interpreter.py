"""torch.fx.interpreter: runners of FX graphs; there are no FX graphs in jaxtorch (see torch.fx)."""

from .. import _unsupported
from ._symbolic_trace import _WHY

__all__ = ["Interpreter", "Transformer"]

Interpreter = _unsupported.cls("torch.fx.Interpreter", _WHY)
Transformer = _unsupported.cls("torch.fx.Transformer", _WHY, bases=(Interpreter,))
