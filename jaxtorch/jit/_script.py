"""torch.jit.script and the TorchScript class names.

There is no TorchScript in jaxtorch: `script(obj)` returns `obj` itself, which computes exactly what the scripted
version would (a module stays the same module, with the same parameters and state_dict). For a compiled XLA program,
pass the module or function to `torch.compile` instead. The TorchScript container classes exist for isinstance checks
(always False: nothing in jaxtorch is a ScriptModule) and subclassing, and fail when constructed.
"""

from __future__ import annotations

import inspect
import warnings
from collections import namedtuple
from typing import Any, Callable

from .. import _unsupported
from ..nn.modules.module import Module
from ._state import warn_deprecated

__all__ = [
    "script",
    "interface",
    "Attribute",
    "ScriptModule",
    "RecursiveScriptModule",
    "ScriptFunction",
    "CompilationUnit",
    "script_method",
    "ScriptWarning",
    "RecursiveScriptClass",
]

_WHY = "jaxtorch has no TorchScript; torch.jit.script returns the module or function itself (use torch.compile)"

ScriptModule = _unsupported.cls("torch.jit.ScriptModule", _WHY, bases=(Module,))
RecursiveScriptModule = _unsupported.cls("torch.jit.RecursiveScriptModule", _WHY, bases=(ScriptModule,))
ScriptFunction = _unsupported.cls("torch.jit.ScriptFunction", _WHY)
RecursiveScriptClass = _unsupported.cls("torch.jit.RecursiveScriptClass", _WHY)
CompilationUnit = _unsupported.cls("torch.jit.CompilationUnit", _WHY)


class ScriptWarning(Warning):
    pass


# Outside a ScriptModule, torch.jit.Attribute(value, type) is this plain pair.
Attribute = namedtuple("Attribute", ["value", "type"])
Attribute.__module__ = __name__


def _warn_optimize(optimize: Any) -> None:
    if optimize is not None:
        warnings.warn(
            "`optimize` is deprecated and has no effect. Use `with torch.jit.optimized_execution()` instead",
            FutureWarning,
            stacklevel=3,
        )


def script(
    obj: Any,
    optimize: None = None,
    _frames_up: int = 0,
    _rcb: Callable[[str], Any] | None = None,
    example_inputs: list[tuple] | dict[Callable, list[tuple]] | None = None,
) -> Any:
    """Return `obj` unchanged (a module, function or class runs eagerly; see the module docstring).

    `example_inputs` only guides TorchScript's type inference in torch, and `_frames_up`/`_rcb` only its name
    resolution, so they have nothing to do here.
    """
    warn_deprecated("torch.jit.script")
    _warn_optimize(optimize)
    return obj


def interface(obj: Any) -> Any:
    """Mark a class as a TorchScript interface: returns the class (eager code just calls its methods)."""
    warn_deprecated("torch.jit.interface", "Please use `torch.compile` instead.")
    if not inspect.isclass(obj):
        raise RuntimeError("interface must be applied to a class")
    return obj


def script_method(fn: Callable) -> Callable:
    """Mark a method of a ScriptModule subclass for compilation: returns `fn` (it runs eagerly)."""
    warn_deprecated("torch.jit.script_method")
    return fn
