"""torch.onnx.symbolic_opset14: TorchScript-exporter conversions for ONNX opset 14 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset14")
