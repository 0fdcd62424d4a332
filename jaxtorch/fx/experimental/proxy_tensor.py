"""torch.fx.experimental.proxy_tensor: make_fx and proxy modes. jaxtorch traces with JAX, never with FX proxy
modes: no proxy mode is ever active (the getters return None, `py_sym_types` is empty because no symbolic ints exist)
and building an FX graph raises NotImplementedError."""

from __future__ import annotations

import contextlib
from typing import Iterator

from ... import _unsupported
from .._symbolic_trace import _WHY

__all__ = [
    "PythonKeyTracer",
    "dispatch_trace",
    "make_fx",
    "DecompositionInterpreter",
    "selective_decompose",
    "py_sym_types",
    "get_innermost_proxy_mode",
    "get_proxy_mode",
    "handle_sym_dispatch",
    "maybe_enable_thunkify",
    "maybe_disable_thunkify",
]

py_sym_types: tuple = ()

make_fx = _unsupported.function("torch.fx.experimental.proxy_tensor.make_fx", _WHY)
dispatch_trace = _unsupported.function("torch.fx.experimental.proxy_tensor.dispatch_trace", _WHY)
selective_decompose = _unsupported.function("torch.fx.experimental.proxy_tensor.selective_decompose", _WHY)
handle_sym_dispatch = _unsupported.function("torch.fx.experimental.proxy_tensor.handle_sym_dispatch", _WHY)
PythonKeyTracer = _unsupported.cls("torch.fx.experimental.proxy_tensor.PythonKeyTracer", _WHY)
DecompositionInterpreter = _unsupported.cls("torch.fx.experimental.proxy_tensor.DecompositionInterpreter", _WHY)


def get_proxy_mode() -> None:
    return None


def get_innermost_proxy_mode() -> None:
    return None


@contextlib.contextmanager
def maybe_enable_thunkify() -> Iterator[None]:
    yield


@contextlib.contextmanager
def maybe_disable_thunkify() -> Iterator[None]:
    yield
