"""`torch._dynamo`: the parts of torch's compiler front end that user and library code calls.

jaxtorch compiles by tracing with JAX (`torch.compile`, jaxtorch/compiler/), not with a bytecode tracer, so
these map onto that compile:
- `is_compiling()` is True while a jaxtorch compile traces a function.
- `disable(fn)`: fn runs eagerly. Called inside a compiled function, it is a graph break: the compiled function
  falls back to eager (torch splits the graph around it; the result is the same, side effects run every call).
  `graph_break()` and `skip_frame()` do the same.
- `allow_in_graph`, `assume_constant_result`, `nonstrict_trace`, `substitute_in_graph`, `dont_skip_tracing`:
  identities (every jaxtorch op and Python function traces).
- `mark_dynamic`, `maybe_mark_dynamic`, `mark_static`, `mark_static_address`: recorded on the tensor as torch does
  (they are hints about recompilation; values never change).
- `optimize(backend, nopython=...)` is `torch.compile(backend=..., fullgraph=nopython)`; `reset()` clears
  compile statistics; `config` holds torch's settings (see its docstring for what jaxtorch reads).
- `export`, `explain`, `replay` and the bytecode debugger have no JAX meaning: they raise NotImplementedError.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable

from .. import _unsupported
from .._errors import GraphBreak
from . import config, exc  # noqa: F401

__all__ = ["allow_c_slot", "allow_in_graph", "assume_constant_result", "bytecode_debugger", "config", "disable",
           "disable_nested_graph_breaks", "disallow_in_graph", "dont_skip_tracing", "export", "explain",
           "forbid_in_graph", "graph_break", "is_compiling", "is_dynamo_disable_recursive", "list_backends",
           "lookup_backend", "mark_dynamic", "maybe_mark_dynamic", "mark_static", "mark_static_address",
           "nonstrict_trace", "override_optimization_hint", "optimize", "optimize_assert", "OptimizedModule",
           "patch_dynamo_config", "register_backend", "replay", "reset", "reset_recompile_user_contexts", "run",
           "override_cudagraphs", "error_on_graph_break", "set_recursion_limit", "set_stance", "skip_frame",
           "step_unsupported", "substitute_in_graph"]

_WHY = "jaxtorch compiles by tracing with JAX; it has no bytecode-level compiler front end"


def _compiler():
    from .. import compiler

    return compiler


def __getattr__(name: str) -> Any:
    if name == "OptimizedModule":
        return _compiler().OptimizedModule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_compiling() -> bool:
    """True while jaxtorch's torch.compile traces a function."""
    return _compiler().is_compiling()


def is_dynamo_disable_recursive(fn: Callable) -> bool | None:
    flag = getattr(fn, "_jaxtorch_disabled", None)
    return None if flag is None else flag == "recursive"


def disable(fn: Callable | None = None, recursive: bool = True, *, reason: str | None = None, wrapping: bool = True):
    """Run `fn` eagerly, never compiled (a decorator, with or without arguments)."""
    return _compiler().disable(fn, recursive, reason=reason)


def graph_break(msg: str = "") -> None:
    """Inside a compiled function: stop compiling it (it runs eagerly, with the usual one-time warning)."""
    if is_compiling():
        raise GraphBreak(f"torch._dynamo.graph_break() called{': ' + msg if msg else ''}")


def skip_frame(msg: str = "") -> None:
    if is_compiling():
        raise GraphBreak(f"torch._dynamo.skip_frame() called{': ' + msg if msg else ''}")


def step_unsupported(msg: str = "") -> None:
    graph_break(msg)


def _identity_decorator(fn: Callable | None = None, **_: Any):
    return fn if fn is not None else (lambda f: f)


def allow_in_graph(fn: Callable) -> Callable:
    """Identity: every function jaxtorch's compile meets is traced into the graph already."""
    return fn


def disallow_in_graph(fn: Callable) -> Callable:
    return fn


def forbid_in_graph(fn: Callable) -> Callable:
    """Calling `fn` while compiling raises, as torch's tracer does."""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        if is_compiling():
            raise exc.Unsupported(f"{getattr(fn, '__qualname__', fn)} is forbidden in a compiled graph "
                                  "(torch._dynamo.forbid_in_graph)")
        return fn(*args, **kwargs)

    return wrapped


def assume_constant_result(fn: Callable) -> Callable:
    return fn


def nonstrict_trace(fn: Callable | None = None, **kwargs: Any):
    return _identity_decorator(fn)


def dont_skip_tracing(fn: Callable | None = None):
    return _identity_decorator(fn)


def substitute_in_graph(original_fn: Callable, *, can_constant_fold_through: bool = False,
                        skip_signature_check: bool = False, is_embedded_type: bool = False):
    """torch traces the decorated polyfill in place of `original_fn`; jaxtorch traces `original_fn` itself, so the
    polyfill is returned unchanged and nothing is substituted."""
    return lambda polyfill: polyfill


def allow_c_slot(fn: Callable | None = None, *args: Any):
    return _identity_decorator(fn)


def override_optimization_hint(*args: Any, **kwargs: Any):
    return _identity_decorator(args[0] if args and callable(args[0]) else None)


def _check_dims(t, index) -> list:
    from .._tensor import Tensor

    if not isinstance(t, Tensor):
        raise TypeError(f"mark_dynamic expects a Tensor, got {type(t).__name__}")
    dims = [index] if isinstance(index, int) else list(index)
    for d in dims:
        if not -t.dim() <= d < max(t.dim(), 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-t.dim()}, {t.dim() - 1}], "
                             f"but got {d})")
    return [d % max(t.dim(), 1) for d in dims]


def mark_dynamic(t, index, *, min: int | None = None, max: int | None = None, specialize_on=None) -> None:
    """Record that dims `index` of `t` vary between calls (torch's recompilation hint)."""
    dims = _check_dims(t, index)
    if not hasattr(t, "_dynamo_dynamic_indices"):
        t._dynamo_dynamic_indices = set()
    t._dynamo_dynamic_indices.update(dims)
    if min is not None or max is not None:
        ranges = getattr(t, "_dynamo_dynamic_range", set())
        ranges.update((d, min, max) for d in dims)
        t._dynamo_dynamic_range = ranges


def maybe_mark_dynamic(t, index) -> None:
    dims = _check_dims(t, index)
    if not hasattr(t, "_dynamo_weak_dynamic_indices"):
        t._dynamo_weak_dynamic_indices = set()
    t._dynamo_weak_dynamic_indices.update(dims)


def mark_static(t, index=None) -> None:
    from .._tensor import Tensor

    if not isinstance(t, Tensor):  # an nn.Module or a class: its attributes are treated as constants
        t._dynamo_marked_static = True
        return
    dims = range(t.dim()) if index is None else _check_dims(t, index)
    if not hasattr(t, "_dynamo_static_indices"):
        t._dynamo_static_indices = set()
    t._dynamo_static_indices.update(dims)


def mark_static_address(t, guard: bool = False) -> None:
    from .._tensor import Tensor

    if not isinstance(t, Tensor):
        raise TypeError(f"mark_static_address expects a tensor but received {type(t)}")
    t._dynamo_static_input_type = "guarded" if guard else "unguarded"


_BACKENDS: dict = {}
_BUILTIN_BACKENDS = ("cudagraphs", "inductor", "openxla", "tvm")
# torch's debug/experimental backends (list_backends(exclude_tags=()) shows them)
_TAGGED_BACKENDS = ("aot_eager", "aot_eager_decomp_partition", "aot_eager_default_partitioner", "aot_ts", "eager",
                    "eager_debug", "eager_noexcept", "openxla_eval", "pre_dispatch_eager", "ts")


def list_backends(exclude_tags=("debug", "experimental")) -> list:
    """The backend names torch.compile accepts. jaxtorch compiles with XLA whichever is named: they are torch's
    code generators, and XLA is jaxtorch's one."""
    names = set(_BUILTIN_BACKENDS) | set(_BACKENDS)
    if not exclude_tags:
        names |= set(_TAGGED_BACKENDS)
    return sorted(names)


def register_backend(compiler_fn: Callable | None = None, name: str | None = None, tags=()):
    """Accept a backend name (so `torch.compile(backend=name)` is valid); jaxtorch still compiles with XLA."""
    if compiler_fn is None:
        return functools.partial(register_backend, name=name, tags=tags)
    _BACKENDS[name or compiler_fn.__name__] = compiler_fn
    return compiler_fn


def lookup_backend(compiler_fn):
    if isinstance(compiler_fn, str):
        if compiler_fn not in list_backends(exclude_tags=()):
            raise exc.InvalidBackend(compiler_fn)
        return _BACKENDS.get(compiler_fn, compiler_fn)
    return compiler_fn


def optimize(backend="inductor", *, nopython: bool = False, guard_export_fn=None, guard_fail_fn=None,
             guard_filter_fn=None, disable: bool = False, dynamic=None, package=None, **kwargs: Any):
    """The decorator behind torch.compile: `optimize(backend)(fn)` is `torch.compile(fn, fullgraph=nopython)`."""
    for name, value in (("guard_export_fn", guard_export_fn), ("guard_fail_fn", guard_fail_fn),
                        ("guard_filter_fn", guard_filter_fn), ("package", package)):
        if value is not None:
            raise NotImplementedError(f"torch._dynamo.optimize: {name} is not supported by jaxtorch")
    if kwargs:
        raise TypeError(f"optimize() got an unexpected keyword argument {next(iter(kwargs))!r}")
    lookup_backend(backend)
    comp = _compiler().compile
    return lambda fn: comp(fn, fullgraph=nopython, dynamic=dynamic, backend=backend, disable=disable)


def optimize_assert(backend="inductor", *, hooks=None, export: bool = False, dynamic=None, **kwargs: Any):
    if export:
        raise NotImplementedError(_unsupported.message("torch._dynamo.optimize_assert(export=True)", _WHY))
    return optimize(backend, nopython=True, dynamic=dynamic)


def run(fn: Callable | None = None):
    """Run without compiling new code: in jaxtorch, the function itself."""
    return _identity_decorator(fn)


def reset() -> None:
    _compiler().reset()


def reset_recompile_user_contexts() -> None:
    """Nothing to reset: jaxtorch keeps no user recompile contexts."""


_recursion_limit = [None]


def set_recursion_limit(limit: int) -> None:
    """Recorded; jaxtorch's tracer is Python itself, bounded by sys.getrecursionlimit()."""
    _recursion_limit[0] = int(limit)


def set_stance(stance: str = "default", *, skip_guard_eval_unsafe: bool = False, force_backend=None):
    return _compiler().set_stance(stance, skip_guard_eval_unsafe=skip_guard_eval_unsafe, force_backend=force_backend)


def patch_dynamo_config(*args: Any, **kwargs: Any):
    return config.patch(*args, **kwargs)


@contextlib.contextmanager
def _no_op_context(*args: Any, **kwargs: Any):
    yield


def disable_nested_graph_breaks(fn: Callable | None = None):
    """Nested graph breaks never happen in jaxtorch (a break makes the whole function eager)."""
    return _identity_decorator(fn)


_unsupported.names(globals(), "torch._dynamo", _WHY,
                   functions=("export", "explain", "replay", "bytecode_debugger", "error_on_graph_break",
                              "override_cudagraphs"))
