"""torch.xpu.graphs: XPU graph capture (never available in jaxtorch; see torch.xpu)."""

from . import XPUGraph, graph, graph_pool_handle, is_current_stream_capturing, make_graphed_callables  # noqa: F401

__all__ = ["is_current_stream_capturing", "graph_pool_handle", "XPUGraph", "graph", "make_graphed_callables"]
