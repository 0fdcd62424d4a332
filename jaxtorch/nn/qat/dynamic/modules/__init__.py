"""torch.nn.qat.dynamic.modules: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .linear import Linear
from . import linear

__all__ = ["Linear"]
