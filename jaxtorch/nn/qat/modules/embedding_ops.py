"""torch.nn.qat.modules.embedding_ops: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ...quantized._standin import standin_class
from ...modules import Embedding, EmbeddingBag

__all__ = ["Embedding", "EmbeddingBag"]

Embedding = standin_class("torch.nn.qat.modules.embedding_ops.Embedding", Embedding)
EmbeddingBag = standin_class("torch.nn.qat.modules.embedding_ops.EmbeddingBag", EmbeddingBag)
