"""torch.onnx.symbolic_opset20: TorchScript-exporter conversions for ONNX opset 20 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset20")
