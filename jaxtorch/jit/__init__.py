"""torch.jit on jaxtorch: TorchScript's names, with eager meaning.

jaxtorch has no TorchScript. What torch does outside a scripted/traced context is what happens here:
- `script(obj)` and `trace(fn, inputs)` return the module or function itself (the same object: same parameters,
  same state_dict), which computes what the TorchScript version would; `torch.compile` gives an XLA program.
- the decorators (`ignore`, `unused`, `export`, `interface`, `script_if_tracing`, `_overload`, ...) return what
  they decorate; `is_scripting()` and `is_tracing()` are False; `annotate`, `isinstance`, `fork`/`wait`, `Final`,
  `Attribute` behave as in eager torch;
- `freeze`/`optimize_for_inference` return the module; the fuser settings are kept as values;
- TorchScript archives (`save`/`load`) and the TorchScript classes (`ScriptModule`, `ScriptFunction`,
  `CompilationUnit`, ...) raise NotImplementedError when used; no object is ever an instance of them.
"""

# no `from __future__ import annotations` here: it would bind the name `annotations` and shadow the submodule
import builtins as _builtins
import collections.abc as _abc
import types as _types
import typing as _typing
import warnings as _warnings
from typing import Any, Callable, Final  # noqa: F401  (torch.jit.Final is typing.Final)

from .. import _unsupported
from . import _state, annotations, frontend  # noqa: F401
from ._async import Future, fork, wait
from ._freeze import freeze, optimize_for_inference, run_frozen_optimizations  # noqa: F401
from ._fuser import fuser, optimized_execution, set_fusion_strategy  # noqa: F401
from ._script import (  # noqa: F401
    Attribute,
    CompilationUnit,
    RecursiveScriptClass,
    RecursiveScriptModule,
    ScriptFunction,
    ScriptModule,
    ScriptWarning,
    interface,
    script,
    script_method,
)
from ._serialization import jit_module_from_flatbuffer, load, save, save_jit_module_to_flatbuffer  # noqa: F401
from ._trace import (  # noqa: F401
    TopLevelTracedModule,
    TracedModule,
    TracerWarning,
    TracingCheckError,
    _script_if_tracing,
    is_tracing,
    trace,
    trace_module,
)

__all__ = [
    "Attribute",
    "CompilationUnit",
    "Error",
    "Future",
    "ScriptFunction",
    "ScriptModule",
    "annotate",
    "enable_onednn_fusion",
    "export",
    "export_opnames",
    "fork",
    "freeze",
    "interface",
    "ignore",
    "isinstance",
    "load",
    "onednn_fusion_enabled",
    "optimize_for_inference",
    "save",
    "script",
    "script_if_tracing",
    "set_fusion_strategy",
    "strict_fusion",
    "trace",
    "trace_module",
    "unused",
    "wait",
]

_fork, _wait = fork, wait

_WHY = "jaxtorch has no TorchScript (torch.jit.script/trace return the module or function itself)"
export_opnames = _unsupported.function("torch.jit.export_opnames", _WHY)
last_executed_optimized_graph = _unsupported.function("torch.jit.last_executed_optimized_graph", _WHY)
_get_trace_graph = _unsupported.function("torch.jit._get_trace_graph", _WHY)


class Error(Exception):
    """torch.jit.Error: the exception type TorchScript code raises (never raised by jaxtorch itself)."""


def is_scripting() -> bool:
    """False: jaxtorch code never runs inside the TorchScript compiler."""
    return False


def ignore(drop: bool | Callable = False, **kwargs: Any) -> Any:
    """`@ignore` / `@ignore(drop=...)`: tells the TorchScript compiler to leave a function in Python. Eager code
    calls it directly, so the function is returned unchanged."""
    if callable(drop):
        return drop
    if not _builtins.isinstance(drop, bool):
        raise RuntimeError(f"Argument to @torch.jit.ignore must be a bool or a function but got {drop}")
    drop_on_export = kwargs.pop("drop_on_export", None)
    if drop_on_export:
        _warnings.warn(
            "ignore(drop_on_export=True) has been deprecated. TorchScript will now drop the function "
            "call on compilation. Use torch.jit.unused now. {}",
            FutureWarning,
            stacklevel=2,
        )
    elif drop:
        _warnings.warn(
            "ignore(True) has been deprecated. TorchScript will now drop the function call on "
            "compilation. Use torch.jit.unused now. {}",
            FutureWarning,
            stacklevel=2,
        )
    return lambda fn: fn


def unused(fn: Callable) -> Callable:
    """Tells the TorchScript compiler to replace a method with a raise; eager code calls it, so it is returned."""
    return fn


def export(fn: Callable) -> Callable:
    """Marks a method as a TorchScript entry point; eager code calls it as it is."""
    return fn


def _overload(func: Callable) -> Callable:
    return func


def _overload_method(func: Callable) -> Callable:
    return func


def _unwrap_optional(x: Any) -> Any:
    if x is None:
        raise AssertionError("Unwrapping null optional")
    return x


def script_if_tracing(fn: Callable) -> Callable:
    """Scripts `fn` only while the TorchScript tracer runs, which never happens here: returns `fn`."""
    return fn


def annotate(the_type: Any, the_value: Any) -> Any:
    """Give TorchScript the type of a value; in Python it returns the value."""
    return the_value


_onednn_fusion = False


def enable_onednn_fusion(enabled: bool) -> None:
    """Store the oneDNN (LLGA) fusion flag. It selects a TorchScript graph pass, so it changes nothing here."""
    global _onednn_fusion
    if not _builtins.isinstance(enabled, bool):
        raise TypeError(f"enable_onednn_fusion() expects a bool, got {type(enabled).__name__}")
    _onednn_fusion = enabled


def onednn_fusion_enabled() -> bool:
    return _onednn_fusion


class strict_fusion:
    """Asserts in TorchScript that a region fuses completely; outside it torch only warns, as here."""

    def __init__(self) -> None:
        _warnings.warn("Only works in script mode", stacklevel=2)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# --- torch.jit.isinstance: isinstance that understands List[int], Dict[str, Tensor], Optional[...], ... -------------

_BARE_CONTAINERS = {
    dict: "dict",
    list: "list",
    tuple: "tuple",
    _typing.Dict: "Dict",
    _typing.List: "List",  # noqa: UP006
    _typing.Optional: "Optional",
    _typing.Tuple: "Tuple",
}  # noqa: UP006


def _reject_bare_container(target_type: Any) -> None:
    try:
        name = _BARE_CONTAINERS.get(target_type)
    except TypeError:  # unhashable annotations are never bare containers
        return
    if name is not None:
        raise annotations._missing_contained_type(name)


def _warn_if_empty(obj: Any) -> None:
    if obj == [] or obj == {} or obj == ():
        _warnings.warn(
            "The inner type of a container is lost when calling torch.jit.isinstance in eager mode. For "
            "example, List[int] would become list and therefore falsely return True for List[float] or "
            "List[str].",
            stacklevel=4,
        )


def _element_matches(value: Any, element_type: Any) -> bool:
    if _typing.get_origin(element_type):
        return _container_matches(value, element_type)
    return _builtins.isinstance(value, element_type)


def _container_matches(obj: Any, target_type: Any) -> bool:
    origin = _typing.get_origin(target_type)
    _reject_bare_container(target_type)
    args = _typing.get_args(target_type)
    if origin is list:
        _warn_if_empty(obj)
        return _builtins.isinstance(obj, list) and all(_element_matches(v, args[0]) for v in obj)
    if origin is dict:
        _warn_if_empty(obj)
        return _builtins.isinstance(obj, dict) and all(
            _builtins.isinstance(k, args[0]) and _element_matches(v, args[1]) for k, v in obj.items()
        )
    if origin is tuple:
        _warn_if_empty(obj)
        return (
            _builtins.isinstance(obj, tuple)
            and len(obj) == len(args)
            and all(_element_matches(v, t) for v, t in zip(obj, args))
        )
    if origin is _typing.Union or (_builtins.isinstance(origin, type) and issubclass(origin, _types.UnionType)):
        if obj is None:
            return True
        for member in args:
            if _typing.get_origin(member):
                return _container_matches(obj, member)  # torch decides on the first container member it meets
            if _builtins.isinstance(obj, member):
                return True
    return False


def _isinstance(obj: Any, target_type: Any) -> bool:
    if _builtins.isinstance(target_type, _abc.Container):
        if not _builtins.isinstance(target_type, tuple):
            raise RuntimeError("The second argument to `torch.jit.isinstance` must be a type or a tuple of types")
        return any(_isinstance(obj, t) for t in target_type)
    if _typing.get_origin(target_type):
        return _container_matches(obj, target_type)
    _reject_bare_container(target_type)
    return _builtins.isinstance(obj, target_type)


def isinstance(obj: Any, target_type: Any) -> bool:  # noqa: A001  (torch.jit.isinstance shadows the builtin)
    """isinstance that also checks the contents of List[...]/Dict[...]/Tuple[...]/Optional[...] annotations, as
    torch.jit.isinstance does in eager mode (an empty container matches any element type, with a warning)."""
    return _isinstance(obj, target_type)
