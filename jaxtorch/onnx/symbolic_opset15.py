"""torch.onnx.symbolic_opset15: TorchScript-exporter conversions for ONNX opset 15 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset15")
