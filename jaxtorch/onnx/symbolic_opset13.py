"""torch.onnx.symbolic_opset13: TorchScript-exporter conversions for ONNX opset 13 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset13")
