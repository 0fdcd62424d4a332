"""torch.compile: a whole Python step (forward, backward, optimizer step) as one jitted pure function.

How a compiled function runs (shared/DESIGN.md §5):

1. The first call for a new argument signature traces
   `pure(state_arrays, arg_arrays) -> (new_state, escaped, outputs)` with `jax.make_jaxpr`: tracers
   are swapped into the state tensors' payloads, the Python function runs, and every effect is read
   back: payloads written (parameters, buffers, optimizer state, generator counters), attributes
   rebound to tensors made inside (`p.grad = ...`, `module.x = ...`), tensors stored into tracked
   objects (optimizer state dicts), and the return value. Then every object is restored exactly, so
   tracing never changes user state.
2. The state is guessed before the first trace from what the function can reach (modules,
   optimizers, generators and tensors in its arguments, closure and globals). A pre-existing tensor
   read during a trace that was not lifted triggers one more trace with it lifted. The state a
   reachable optimizer would create on its first step is created before the first trace
   (`_precreate_state`, via `Optimizer._compile_prepare`), so the first program, from one trace, is the
   one every later call uses; what the step did not update is removed again and the function traced
   once more. Other state a trace creates (a GradScaler's scale) is created the same way afterwards,
   and the function traced again.
3. The jaxpr is compiled once with the state it writes donated (a step does not hold two copies of
   it). Each call flattens the state list, calls the executable, and writes back only what the trace
   wrote.

Python that cannot be traced (`.item()`, data-dependent `if`, printing a value, a tensor escaping into
an untracked object) makes that function run eagerly from then on, with ONE warning naming the file
and line; with `fullgraph=True` it raises instead.

Layout: `_function.py` (CompiledFunction, OptimizedModule, compile, disable), `_program.py` (one traced and
compiled step), `_observe.py` (the trace observer and object snapshots), `_discovery.py` (which state a step
reads), `_flatten.py` (arguments and results as pytrees), `_data_parallel.py` (shard_map steps),
`_protocol.py` (how optimizers and GradScaler take part), `_stats.py`; this file is torch.compiler's API.
"""

from __future__ import annotations

import functools

import jax

from .._tensor import Tensor
from . import config  # noqa: F401
from ._function import CompiledFunction, OptimizedModule, _stance, compile, disable  # noqa: F401
from ._observe import is_compiling, note_stateful  # noqa: F401
from ._protocol import PreparesState, SyncsHyperParameters  # noqa: F401
from ._stats import reset_stats, stats  # noqa: F401

__all__ = ["compile", "config", "assume_constant_result", "reset", "allow_in_graph", "substitute_in_graph",
           "list_backends", "disable", "set_default_backend", "get_default_backend", "set_stance",
           "set_enable_guard_collectives", "cudagraph_mark_step_begin", "load_compiled_function", "wrap_numpy",
           "is_compiling", "is_dynamo_compiling", "is_exporting", "save_cache_artifacts", "load_cache_artifacts",
           "keep_portable_guards_unsafe", "skip_guard_on_inbuilt_nn_modules_unsafe",
           "skip_guard_on_all_nn_modules_unsafe", "keep_tensor_guards_unsafe", "skip_guard_on_globals_unsafe",
           "skip_all_guards_unsafe", "nested_compile_region", "stats", "reset_stats", "note_stateful"]


def reset() -> None:
    """Forget nothing global: compiled functions hold their own caches (torch._dynamo.reset analogue)."""
    reset_stats()


_default_backend = ["inductor"]


_STANCES = ("default", "force_eager", "eager_on_recompile", "fail_on_recompile", "eager_then_compile", "aot_eager")


class _Stance:
    """What `set_stance` returns: also usable as a context manager and a decorator, restoring the old stance."""

    def __init__(self, previous: str) -> None:
        self._previous = previous

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        _stance[0] = self._previous
        return False

    def __call__(self, fn):
        stance = _stance[0]
        _stance[0] = self._previous

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            saved = _stance[0]
            _stance[0] = stance
            try:
                return fn(*args, **kwargs)
            finally:
                _stance[0] = saved

        return wrapped


def set_stance(stance: str = "default", *, skip_guard_eval_unsafe: bool = False, force_backend=None) -> _Stance:
    """torch.compiler.set_stance. 'default' compiles; 'force_eager' runs compiled functions and modules eagerly.
    The recompile-driven stances need torch's guard machinery and raise NotImplementedError."""
    if stance not in _STANCES:
        raise RuntimeError(f"invalid stance {stance!r}; expected one of {', '.join(_STANCES)}")
    if stance not in ("default", "force_eager"):
        raise NotImplementedError(f"torch.compiler.set_stance({stance!r}) is not supported by jaxtorch")
    if skip_guard_eval_unsafe:
        raise NotImplementedError("torch.compiler.set_stance(skip_guard_eval_unsafe=True) is not supported by jaxtorch")
    if force_backend is not None:
        raise NotImplementedError("torch.compiler.set_stance(force_backend=...) is not supported by jaxtorch")
    previous = _stance[0]
    _stance[0] = stance
    return _Stance(previous)


def is_dynamo_compiling() -> bool:
    return is_compiling()


def is_exporting() -> bool:
    """jaxtorch never exports (torch.export is not supported), so this is always False."""
    return False


def allow_in_graph(fn):
    """Identity: every function jaxtorch's compile meets is traced into the graph already."""
    return fn


def substitute_in_graph(original_fn, *, can_constant_fold_through: bool = False, skip_signature_check: bool = False):
    """jaxtorch traces `original_fn` itself: the polyfill is returned unchanged and nothing is substituted."""
    return lambda polyfill: polyfill


def assume_constant_result(fn):
    return fn


def list_backends(exclude_tags=("debug", "experimental")) -> list:
    from .. import _dynamo

    return _dynamo.list_backends(exclude_tags)


def set_default_backend(backend: str) -> None:
    from .. import _dynamo

    _dynamo.lookup_backend(backend)
    _default_backend[0] = backend


def get_default_backend() -> str:
    return _default_backend[0]


def set_enable_guard_collectives(enabled: bool) -> bool:
    """Recorded only: jaxtorch's data-parallel programs need no guard collectives. Returns the previous value."""
    previous = _guard_collectives[0]
    _guard_collectives[0] = bool(enabled)
    return previous


_guard_collectives = [False]


def cudagraph_mark_step_begin() -> None:
    """A marker for torch's CUDA-graph trees; XLA programs need none."""


def wrap_numpy(fn):
    """torch.compiler.wrap_numpy: `fn` takes and returns NumPy arrays; the wrapper takes and returns tensors."""
    import numpy as _np

    def to_np(x):
        return x.numpy(force=True) if isinstance(x, Tensor) else x

    def to_tensor(x):
        if isinstance(x, _np.ndarray):
            from .._ops.creation import from_numpy

            return from_numpy(x)
        if isinstance(x, (tuple, list)):
            return type(x)(to_tensor(v) for v in x)
        if isinstance(x, dict):
            return {k: to_tensor(v) for k, v in x.items()}
        return x

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        args = jax.tree_util.tree_map(to_np, args, is_leaf=lambda x: isinstance(x, Tensor))
        kwargs = jax.tree_util.tree_map(to_np, kwargs, is_leaf=lambda x: isinstance(x, Tensor))
        return to_tensor(fn(*args, **kwargs))

    return wrapped


def nested_compile_region(fn=None):
    """torch compiles a region once and reuses it; jaxtorch traces it inline (XLA deduplicates nothing, results
    are the same)."""
    return fn if fn is not None else (lambda f: f)


def _guard_filter(*args, **kwargs):
    raise NotImplementedError("torch.compiler guard filters are not supported by jaxtorch: its compile keys programs "
                              "on argument structure and module state, not on torch's guards")


keep_portable_guards_unsafe = skip_guard_on_inbuilt_nn_modules_unsafe = _guard_filter


skip_guard_on_all_nn_modules_unsafe = keep_tensor_guards_unsafe = _guard_filter


skip_guard_on_globals_unsafe = skip_all_guards_unsafe = _guard_filter


def save_cache_artifacts():
    raise NotImplementedError("torch.compiler.save_cache_artifacts is not supported by jaxtorch (use JAX's "
                              "persistent compilation cache, jax_compilation_cache_dir)")


def load_cache_artifacts(serialized_artifacts: bytes):
    raise NotImplementedError("torch.compiler.load_cache_artifacts is not supported by jaxtorch (use JAX's "
                              "persistent compilation cache, jax_compilation_cache_dir)")


def load_compiled_function(file, *, f_globals=None, external_data=None):
    raise NotImplementedError("torch.compiler.load_compiled_function is not supported by jaxtorch")
