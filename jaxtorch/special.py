"""torch.special."""

from ._ops import NAMESPACES as _NS

globals().update(_NS["special"])
__all__ = sorted(_NS["special"])
