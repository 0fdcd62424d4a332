"""torch.jit.trace / trace_module without TorchScript.

Tracing records one run of a function as a graph. jaxtorch returns the traced object itself instead: it computes the
same thing as the trace for the inputs the trace was made with (and, unlike a trace, stays right when control flow
depends on the data). `trace(module, x)` returns the module, so its state_dict, parameters and hooks are the
original's; `trace(module.forward, x)` returns the module as torch does. For an XLA program use `torch.compile`.
The example inputs are checked for form as torch checks them, but the function is not run.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

from .. import _unsupported
from ..nn.modules.module import Module
from . import _state
from ._script import _WHY, ScriptModule, _warn_optimize

__all__ = [
    "trace",
    "trace_module",
    "is_tracing",
    "TracerWarning",
    "TracingCheckError",
    "TracedModule",
    "TopLevelTracedModule",
]

TracedModule = _unsupported.cls("torch.jit.TracedModule", _WHY, bases=(ScriptModule,))
TopLevelTracedModule = _unsupported.cls("torch.jit.TopLevelTracedModule", _WHY, bases=(TracedModule,))

_trace_module_map = None  # torch keeps the module -> name map of an active trace here; no trace is ever active


class TracerWarning(Warning):
    @staticmethod
    def ignore_lib_warnings() -> None:
        warnings.filterwarnings("ignore", category=TracerWarning, module="torch.(?!jit)")


class TracingCheckError(Exception):
    def __init__(
        self, graph_diff_error: str | None, tensor_compare_error: str | None, extra_msg: str | None = None
    ) -> None:
        parts = ["Tracing failed sanity checks!"]
        if extra_msg is not None:
            parts.append(extra_msg)
        if graph_diff_error is not None:
            parts += ["ERROR: Graphs differed across invocations!", graph_diff_error]
        if tensor_compare_error is not None:
            parts += ["ERROR: Tensor-valued Constant nodes differed in value across invocations.", tensor_compare_error]
        self.message = "\n".join(parts) + "\n"
        super().__init__(self.message)


def is_tracing() -> bool:
    """False: jaxtorch never runs code under the TorchScript tracer (also inside torch.compile, as in torch)."""
    return False


def _script_if_tracing(fn: Callable) -> Callable:
    return fn


def trace(
    func: Any,
    example_inputs: Any = None,
    optimize: None = None,
    check_trace: bool = True,
    check_inputs: list | None = None,
    check_tolerance: float = 1e-5,
    strict: bool = True,
    _force_outplace: bool = False,
    _module_class: type | None = None,
    _compilation_unit: Any = None,
    example_kwarg_inputs: dict | None = None,
    _store_inputs: bool = True,
) -> Any:
    """Return `func` (or the module of a bound `forward`) unchanged; see the module docstring.

    `check_trace`/`check_inputs`/`check_tolerance` compare a recorded graph with fresh runs and `strict` governs
    what the recorder accepts: with no recording they have nothing to act on.
    """
    _state.warn_deprecated("torch.jit.trace")
    if not _state._enabled:
        return func
    _warn_optimize(optimize)
    owner = getattr(func, "__self__", None)
    if isinstance(func, Module) or (isinstance(owner, Module) and getattr(func, "__name__", None) == "forward"):
        if example_inputs is None and not isinstance(example_kwarg_inputs, dict):
            raise RuntimeError("example_kwarg_inputs should be a dict")
        _state.warn_deprecated("torch.jit.trace_method")  # torch traces a module through trace_module
        return func if isinstance(func, Module) else owner
    if example_kwarg_inputs is None and not isinstance(example_inputs, tuple):
        from .._tensor import Tensor

        # torch wraps a lone tensor/dict and otherwise iterates the inputs (so None fails as it does there)
        example_inputs = (example_inputs,) if isinstance(example_inputs, (Tensor, dict)) else tuple(example_inputs)
    if isinstance(owner, Module):
        raise AttributeError("trace doesn't support compiling individual module's functions.\nPlease use trace_module")
    return func


def trace_module(
    mod: Module,
    inputs: dict,
    optimize: None = None,
    check_trace: bool = True,
    check_inputs: list | None = None,
    check_tolerance: float = 1e-5,
    strict: bool = True,
    _force_outplace: bool = False,
    _module_class: type | None = None,
    _compilation_unit: Any = None,
    example_inputs_is_kwarg: bool = False,
    _store_inputs: bool = True,
) -> Module:
    """Return `mod` unchanged after checking that every method named in `inputs` exists (see `trace`)."""
    _state.warn_deprecated("torch.jit.trace_method")
    if not _state._enabled:
        return mod
    _warn_optimize(optimize)
    if not isinstance(mod, Module):
        raise AttributeError("expected torch.nn.Module as the first argument")
    if not isinstance(inputs, dict):
        raise AttributeError("expected a dictionary of (method_name, input) pairs")
    for name in inputs:
        getattr(mod, name)  # an unknown method name fails as in torch (AttributeError)
    return mod
