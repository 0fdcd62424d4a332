"""torch.onnx.utils: the TorchScript exporter's public helpers.

`register_custom_op_symbolic` records the symbolic function (libraries register theirs at import time); the record
is only ever read by an ONNX export, which jaxtorch does not perform. `select_model_mode_for_export` sets and restores
a module's training mode as in torch.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Callable, Iterator

from .. import _unsupported
from ._enums import TrainingMode
from .errors import OnnxExporterError

__all__ = ["export", "register_custom_op_symbolic", "unregister_custom_op_symbolic", "select_model_mode_for_export"]

WHY = (
    "jaxtorch does not export ONNX (it has no TorchScript or FX graphs to convert); "
    "jaxtorch.func.to_jax gives a pure JAX function, which jax.export can serialize"
)

export = _unsupported.function("torch.onnx.export", WHY)

_custom_symbolics: dict[tuple[str, int], Callable] = {}


def _qualified_op_name(symbolic_name: str) -> str:
    if symbolic_name.startswith("::"):
        symbolic_name = "aten" + symbolic_name
    if not re.match(r"^[a-zA-Z0-9-_]+::[a-zA-Z-_]+[a-zA-Z0-9-_]*$", symbolic_name):
        raise OnnxExporterError(
            f"Failed to register operator {symbolic_name}. The symbolic name must match the format "
            "domain::name, and should start with a letter and contain only alphanumeric "
            "characters"
        )
    domain = symbolic_name.split("::", 1)[0]
    if domain == "onnx":
        raise ValueError(f"Failed to register operator {symbolic_name}. {domain} domain cannot be modified.")
    return symbolic_name


def register_custom_op_symbolic(symbolic_name: str, symbolic_fn: Callable, opset_version: int) -> None:
    """Record `symbolic_fn` as the ONNX conversion of `symbolic_name` ("domain::op") from `opset_version` on."""
    _custom_symbolics[(_qualified_op_name(symbolic_name), opset_version)] = symbolic_fn


def unregister_custom_op_symbolic(symbolic_name: str, opset_version: int) -> None:
    _custom_symbolics.pop((_qualified_op_name(symbolic_name), opset_version), None)


@contextlib.contextmanager
def select_model_mode_for_export(model: Any, mode: TrainingMode) -> Iterator[None]:
    """Put `model` in training (TRAINING) or eval (EVAL) mode for the block, restoring it after; PRESERVE leaves it."""
    if not isinstance(mode, TrainingMode):
        raise TypeError(f"'mode' should be a torch.onnx.TrainingMode enum, but got '{type(mode)}'.")
    originally_training = getattr(model, "training", False)
    if hasattr(model, "training") and mode is not TrainingMode.PRESERVE:
        model.train(mode is TrainingMode.TRAINING)
    try:
        yield
    finally:
        if hasattr(model, "training") and mode is not TrainingMode.PRESERVE:
            model.train(originally_training)
