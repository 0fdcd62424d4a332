"""torch.accelerator.graphs: capture and replay of accelerator graphs (CUDA graphs on a GPU).

XLA already runs a compiled step as one program (use torch.compile), so graph capture is not offered, as in
torch.cuda.graphs: without an accelerator `Graph()` raises torch's RuntimeError, with one NotImplementedError.
"""

from __future__ import annotations

from .. import _unsupported
from . import _require

__all__ = ["Graph"]

_WHY = "XLA compiles a whole step into one program; use torch.compile instead"


class Graph:
    """An accelerator graph (not available; see the module docstring)."""

    def __init__(self, keep_graph: bool = False, *, pool=None, capture_error_mode: str = "default") -> None:
        _require()
        raise NotImplementedError(_unsupported.message("torch.accelerator.Graph", _WHY))
