"""torch.signal.windows.windows: the window functions (defined once in jaxtorch's op registry)."""

from ..._ops import NAMESPACES as _NS

globals().update(_NS.get("signal.windows", {}))
__all__ = sorted(_NS.get("signal.windows", {}))
