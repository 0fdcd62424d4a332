"""torch.fx.graph: FX graphs are not built by jaxtorch (see torch.fx)."""

from .. import _unsupported
from ._symbolic_trace import _WHY

__all__ = ["Graph", "PythonCode", "CodeGen"]

Graph = _unsupported.cls("torch.fx.Graph", _WHY)
PythonCode = _unsupported.cls("torch.fx.graph.PythonCode", _WHY)
CodeGen = _unsupported.cls("torch.fx.graph.CodeGen", _WHY)
