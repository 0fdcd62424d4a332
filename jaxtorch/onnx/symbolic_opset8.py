"""torch.onnx.symbolic_opset8: TorchScript-exporter conversions for ONNX opset 8 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset8")
