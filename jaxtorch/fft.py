"""torch.fft."""

from ._ops import NAMESPACES as _NS

globals().update(_NS.get("fft", {}))
__all__ = sorted(_NS.get("fft", {}))
