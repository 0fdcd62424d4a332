"""torch.utils.data.graph: walking the graph of DataPipes behind a DataPipe. jaxtorch does not provide DataPipes
(torch.utils.data.datapipes is deprecated in torch), so `traverse_dps` and `traverse` raise NotImplementedError
when called."""

from __future__ import annotations

from ... import _unsupported

__all__ = ["traverse", "traverse_dps"]

_WHY_NOT = "jaxtorch does not provide DataPipes (deprecated in torch)"
traverse = _unsupported.function("torch.utils.data.graph.traverse", _WHY_NOT)
traverse_dps = _unsupported.function("torch.utils.data.graph.traverse_dps", _WHY_NOT)
