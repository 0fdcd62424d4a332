"""torch.fx._symbolic_trace: `wrap`, `symbolic_trace`, `Tracer` and the "is FX tracing" flags.

FX builds a Python-level graph by running code on Proxy objects; jaxtorch traces to XLA through JAX instead
(`torch.compile`), so FX graphs are never built: `symbolic_trace` and `Tracer` raise NotImplementedError when used,
the flags are always False, and `wrap` (which only marks a function as a leaf for FX) keeps torch's checks and
returns its argument.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from .. import _unsupported

__all__ = ["symbolic_trace", "Tracer", "wrap", "is_fx_tracing", "is_fx_symbolic_tracing", "PH", "ProxyableClassMeta"]

_WHY = "FX graphs are not built by jaxtorch (it traces to XLA through JAX; use torch.compile)"

_is_fx_tracing_flag = False

Tracer = _unsupported.cls("torch.fx.Tracer", _WHY)
symbolic_trace = _unsupported.function("torch.fx.symbolic_trace", _WHY)


class PHBase:
    """The placeholder marker FX uses in `concrete_args`."""

    def __repr__(self) -> str:
        return "PH"


PH = PHBase()


class ProxyableClassMeta(type):
    """Metaclass that lets FX trace through a class's construction; with no FX tracing it is plain `type`."""


def is_fx_tracing() -> bool:
    return _is_fx_tracing_flag


def is_fx_symbolic_tracing() -> bool:
    return _is_fx_tracing_flag


def wrap(fn_or_name: str | Callable[..., Any]) -> str | Callable[..., Any]:
    """Mark a module-level function (or the global of that name) as an FX leaf; returns `fn_or_name`.

    It has no effect beyond torch's own checks: called with something that is neither callable nor a str, or from
    anywhere but the top level of a module, it raises as torch does.
    """
    if not callable(fn_or_name) and not isinstance(fn_or_name, str):
        raise RuntimeError("Unsupported type for global function! Must be either a callable or string name")
    caller = inspect.currentframe().f_back
    if caller is None or caller.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    return fn_or_name
