"""torch.onnx.symbolic_opset10: TorchScript-exporter conversions for ONNX opset 10 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset10")
