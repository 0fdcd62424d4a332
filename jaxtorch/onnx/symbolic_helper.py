"""torch.onnx.symbolic_helper: helpers for writing TorchScript-exporter symbolic functions.

The decorators library code applies at import time (`parse_args`, `quantized_args`) return the function they
decorate, and the type tables are torch's; every other helper (they operate on TorchScript graph values) raises
NotImplementedError when called (see torch.onnx._symbolic).
"""

from __future__ import annotations

from typing import Any, Callable

from ._enums import TensorProtoDataType as _T
from ._symbolic import install

__all__: list[str] = []


def parse_args(*arg_descriptors: str) -> Callable[[Callable], Callable]:
    """Describes how export converts a symbolic function's graph arguments; the function is returned as is."""
    return lambda fn: fn


def quantized_args(
    *arg_q_descriptors: bool, scale: float | None = None, zero_point: int | None = None, quantize_output: bool = True
) -> Callable[[Callable], Callable]:
    """Marks quantized arguments for export; the function is returned as is."""
    return lambda fn: fn


cast_pytorch_to_onnx: dict[str, Any] = {
    "Byte": _T.UINT8,
    "Char": _T.INT8,
    "Double": _T.DOUBLE,
    "Float": _T.FLOAT,
    "Half": _T.FLOAT16,
    "Int": _T.INT32,
    "Long": _T.INT64,
    "Short": _T.INT16,
    "Bool": _T.BOOL,
    "ComplexFloat": _T.COMPLEX64,
    "ComplexDouble": _T.COMPLEX128,
    "BFloat16": _T.BFLOAT16,
    "Undefined": _T.UNDEFINED,
}

scalar_name_to_pytorch: dict[str, str] = {
    "uint8_t": "Byte",
    "int8_t": "Char",
    "double": "Double",
    "float": "Float",
    "half": "Half",
    "int": "Int",
    "int64_t": "Long",
    "int16_t": "Short",
    "bool": "Bool",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
    "qint8": "QInt8",
    "quint8": "QUInt8",
    "qint32": "QInt32",
    "bfloat16": "BFloat16",
}

# indexed by torch's ScalarType number
scalar_type_to_onnx: list = [
    _T.UINT8,
    _T.INT8,
    _T.INT16,
    _T.INT32,
    _T.INT64,
    _T.FLOAT16,
    _T.FLOAT,
    _T.DOUBLE,
    _T.UNDEFINED,
    _T.COMPLEX64,
    _T.COMPLEX128,
    _T.BOOL,
    _T.INT8,
    _T.UINT8,
    _T.INT32,
    _T.BFLOAT16,
]

install(globals(), "symbolic_helper")
