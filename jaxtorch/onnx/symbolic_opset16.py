"""torch.onnx.symbolic_opset16: TorchScript-exporter conversions for ONNX opset 16 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset16")
