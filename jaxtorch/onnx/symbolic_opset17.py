"""torch.onnx.symbolic_opset17: TorchScript-exporter conversions for ONNX opset 17 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset17")
