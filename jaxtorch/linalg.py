"""torch.linalg."""

from ._ops import NAMESPACES as _NS

globals().update(_NS["linalg"])
__all__ = sorted(_NS["linalg"])
