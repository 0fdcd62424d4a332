"""torch.fx on jaxtorch: importable, with FX graphs left out.

FX records Python programs as graphs by running them on Proxy objects. jaxtorch traces programs to XLA through JAX
instead (`torch.compile`), so it never builds FX graphs: `symbolic_trace`, `Tracer`, `Graph`, `GraphModule`, `Node`,
`Proxy`, `Interpreter`, `Transformer` and `replace_pattern` raise NotImplementedError when used, and no object is an
instance of those classes (isinstance checks in library code are simply False). `wrap`, `has_side_effect` and
`_compatibility.compatibility` are the decorators libraries apply at import time; they return what they decorate.
`fx.experimental.symbolic_shapes` answers its questions for concrete sizes, which are the only sizes jaxtorch has.
"""

from __future__ import annotations

from . import _compatibility, _pytree, experimental, node, passes  # noqa: F401
from ._symbolic_trace import ProxyableClassMeta, Tracer, symbolic_trace, wrap  # noqa: F401
from .graph import Graph
from .graph_module import GraphModule
from .interpreter import Interpreter, Transformer
from .node import Node, has_side_effect, map_arg
from .proxy import Proxy
from .subgraph_rewriter import replace_pattern

__all__ = [
    "symbolic_trace",
    "Tracer",
    "wrap",
    "Graph",
    "GraphModule",
    "Interpreter",
    "Transformer",
    "Node",
    "Proxy",
    "replace_pattern",
    "has_side_effect",
    "map_arg",
]
