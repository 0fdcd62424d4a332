"""torch.mtia.mtia_graph: MTIA graph capture (never available in jaxtorch; see torch.mtia)."""

from . import MTIAGraph, graph, graph_pool_handle  # noqa: F401

__all__ = ["MTIAGraph", "graph", "graph_pool_handle"]
