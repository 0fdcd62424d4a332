"""torch.export.decomp_utils: decomposition tables for exported programs (unsupported with torch.export)."""

from .. import _unsupported
from .dynamic_shapes import _WHY

__all__ = ["CustomDecompTable"]

CustomDecompTable = _unsupported.cls("torch.export.decomp_utils.CustomDecompTable", _WHY)
