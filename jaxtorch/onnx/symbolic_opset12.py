"""torch.onnx.symbolic_opset12: TorchScript-exporter conversions for ONNX opset 12 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset12")
