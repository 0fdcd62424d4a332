"""torch.nn.qat: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .modules.conv import Conv1d, Conv2d, Conv3d
from .modules.embedding_ops import Embedding, EmbeddingBag
from .modules.linear import Linear
from . import dynamic
from . import modules

__all__ = ["Linear", "Conv1d", "Conv2d", "Conv3d", "Embedding", "EmbeddingBag"]
