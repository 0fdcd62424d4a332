"""torch.cuda graphs: XLA already compiles a whole step into one program (use torch.compile), so capture/replay
of CUDA graphs is not offered. Without a GPU the names fail as in torch's CPU-only build."""

from __future__ import annotations

__all__ = ["is_current_stream_capturing", "graph_pool_handle", "CUDAGraph", "graph", "make_graphed_callables"]

_WHY = ("CUDA graph capture is not supported by jaxtorch: XLA compiles a whole step into one program; use "
        "torch.compile instead")


def _require(name: str) -> None:
    from .. import cuda

    if not cuda.is_available():
        raise RuntimeError(f"Tried to instantiate dummy base class {name}")


def is_current_stream_capturing() -> bool:
    """False with a GPU (jaxtorch never captures CUDA graphs)."""
    _require("_cuda_isCurrentStreamCapturing")
    return False


def graph_pool_handle():
    _require("_cuda_graph_pool_handle")
    raise NotImplementedError(_WHY)


class CUDAGraph:
    def __init__(self, keep_graph: bool = False) -> None:
        _require("CUDAGraph")
        raise NotImplementedError(_WHY)


class graph:
    """`with torch.cuda.graph(g):` — not supported (see the module docstring)."""

    def __init__(self, cuda_graph, pool=None, stream=None, capture_error_mode: str = "global") -> None:
        _require("CUDAGraph")
        raise NotImplementedError(_WHY)


def make_graphed_callables(callables, sample_args, num_warmup_iters: int = 3, allow_unused_input: bool = False,
                           pool=None):
    _require("CUDAGraph")
    raise NotImplementedError(_WHY)
