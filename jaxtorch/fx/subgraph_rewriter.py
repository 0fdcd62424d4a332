"""torch.fx.subgraph_rewriter: pattern rewriting of FX graphs, which jaxtorch does not build (see torch.fx)."""

from .. import _unsupported
from ._symbolic_trace import _WHY

__all__ = ["Match", "replace_pattern", "replace_pattern_with_filters", "ReplacedPatterns"]

replace_pattern = _unsupported.function("torch.fx.subgraph_rewriter.replace_pattern", _WHY)
replace_pattern_with_filters = _unsupported.function("torch.fx.subgraph_rewriter.replace_pattern_with_filters", _WHY)
Match = _unsupported.cls("torch.fx.subgraph_rewriter.Match", _WHY)
ReplacedPatterns = _unsupported.cls("torch.fx.subgraph_rewriter.ReplacedPatterns", _WHY)
