"""torch.onnx.ops: ONNX-specific operators for models meant for export (symbolic markers and the ONNX
RotaryEmbedding/Attention ops). Not implemented in jaxtorch; they raise NotImplementedError when called."""

from ... import _unsupported

__all__ = ["symbolic", "symbolic_multi_out", "rotary_embedding", "attention"]

_WHY = "jaxtorch does not implement the ONNX-specific operators"
symbolic = _unsupported.function("torch.onnx.ops.symbolic", _WHY)
symbolic_multi_out = _unsupported.function("torch.onnx.ops.symbolic_multi_out", _WHY)
rotary_embedding = _unsupported.function("torch.onnx.ops.rotary_embedding", _WHY)
attention = _unsupported.function("torch.onnx.ops.attention", _WHY)
