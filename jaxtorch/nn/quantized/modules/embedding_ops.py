"""torch.nn.quantized.modules.embedding_ops: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .._standin import standin_class

__all__ = ["EmbeddingPackedParams", "Embedding", "EmbeddingBag"]

EmbeddingPackedParams = standin_class("torch.nn.quantized.modules.embedding_ops.EmbeddingPackedParams")
Embedding = standin_class("torch.nn.quantized.modules.embedding_ops.Embedding")
EmbeddingBag = standin_class("torch.nn.quantized.modules.embedding_ops.EmbeddingBag")
