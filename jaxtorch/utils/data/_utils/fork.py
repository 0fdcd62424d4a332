"""Forked DataLoader workers and JAX: what the main process prepares before forking, and what a forked worker
does before anything else.

A forked child inherits the parent's JAX state but none of its threads. The parent's XLA client (its execution
and transfer thread pools) and MLIR's global thread pool are dead in the child, and a lock that another parent
thread held at the fork stays held: a JAX call that reaches any of them waits forever (measured in a plainly
forked child: `jnp.add(np.ones(3), 1)`, `torch.tensor([1.0]) * 3`, an op on a tensor made in the parent, and
even `is_ready()` on an array another parent thread was reading all hang). A worker needs a JAX of its own, not
the parent's, and must never touch the parent's arrays:

* `prepare_parent`, in the main process just before the fork: lists every live jax.Array and, for every Tensor,
  a numpy view of its payload's host memory (zero-copy on CPU; for an accelerator payload reachable from the
  dataset, collate_fn or worker_init_fn, a host copy). Reading buffers is safe here, where their threads live.
* `reset_jax_in_child`, in the worker before any user code: swaps each Tensor's payload for its view, keeps
  every parent-side JAX object (clients, arrays, the MLIR pool, the distributed client) referenced in
  `_ABANDONED` so that no destructor ever runs on a dead thread (a worker ends with `os._exit`), empties JAX's
  backend registry and the caches that hold the parent's client, pins the platform to 'cpu' (a worker never
  starts a GPU/TPU client; as in torch, accelerators stay the parent's) and sets the default device to 'cpu',
  which also makes the parent's cached executables miss rather than run. None of it calls into the parent's
  client.

The first JAX op in the worker then starts a fresh CPU client (~20 ms); a worker that only runs Python and
numpy never starts one. A worker can run every program the persistent compile cache holds, but on jaxlib 0.10 it
cannot compile a new one: XLA's slow-compile alarm thread waits on an absl condition variable in the parent, and
the child's first compile signals that variable, whose waiter does not exist there, and aborts (clearing the
variable only moves the hang into LLVM's JIT session). Per-sample tensor maths in workers then needs forkserver
or spawn workers. What stays unreadable in a worker: an accelerator tensor not reachable from the
dataset (a GPU-resident module-level constant), and a tensor another thread of the main process creates while
the workers are being forked. JAX work running on another parent thread at the fork can also, rarely, leave
a lock of JAX's global state held, which the worker's first JAX op then waits on; a training loop
that runs JAX only on the thread that iterates the DataLoader does not.
"""

from __future__ import annotations

import functools
import gc
import sys
import threading
import types

import numpy as np

__all__ = ["Handoff", "prepare_parent", "reset_jax_in_child"]

_ABANDONED: list = []  # parent-side objects a forked child must never free (see the module docstring)
_WALK_LIMIT = 200_000  # objects visited when looking for a dataset's accelerator tensors


class Handoff:
    """What a forked worker inherits from `prepare_parent`: every parent jax.Array, and (tensor, payload, host
    view) for each Tensor whose payload a worker can read."""

    __slots__ = ("arrays", "hosted")

    def __init__(self, arrays: list, hosted: list) -> None:
        self.arrays, self.hosted = arrays, hosted


def _jax_started() -> bool:
    if "jax" not in sys.modules:
        return False
    from jax._src import xla_bridge

    return bool(xla_bridge._backends)


def _on_cpu(array) -> bool:
    try:
        return all(d.platform == "cpu" for d in array.sharding.device_set)
    except Exception:
        return False


def prepare_parent(roots: tuple) -> Handoff | None:
    """In the main process, before forking workers (see the module docstring). None: JAX has not started."""
    if not _jax_started():
        return None
    import jax

    from ...._tensor import Tensor

    if jax.default_backend() != "cpu":
        for tensor in _reachable_tensors(roots):
            payload = tensor.__dict__.get("_data")
            if isinstance(payload, jax.Array) and not _on_cpu(payload):
                try:
                    np.asarray(payload)  # jax keeps this host copy on the array (`_npy_value`)
                except Exception:
                    pass
    arrays, hosted = [], []
    kinds: dict[type, int] = {}  # per type, not per object: isinstance(x, jax.Array) costs ~0.3 us
    for obj in gc.get_objects():
        cls = type(obj)
        kind = kinds.get(cls)
        if kind is None:
            kind = kinds[cls] = 1 if issubclass(cls, jax.Array) else 2 if issubclass(cls, Tensor) else 0
        if kind == 1:
            arrays.append(obj)
        elif kind == 2:
            payload = obj.__dict__.get("_data")
            if isinstance(payload, jax.Array) and not isinstance(payload, jax.core.Tracer):
                view = _host_view(payload)
                if view is not None:
                    hosted.append((obj, payload, view))
    return Handoff(arrays, hosted)


def _host_view(array) -> np.ndarray | None:
    if _on_cpu(array):
        try:
            return np.asarray(array)
        except Exception:  # deleted or donated: nothing to read
            return None
    return getattr(array, "_npy_value", None)  # an accelerator payload: only what was fetched above


def _reachable_tensors(roots: tuple) -> list:
    """Tensors reachable from `roots` through containers and instance attributes (not through modules, classes
    or functions' globals, which would reach the whole program)."""
    from ...._tensor import Tensor

    skip = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.CodeType,
            types.FrameType, str, bytes, int, float, np.ndarray)
    seen: set[int] = set()
    found = []
    stack = [r for r in roots if r is not None]
    while stack and len(seen) < _WALK_LIMIT:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, skip):
            continue
        seen.add(id(obj))
        if isinstance(obj, Tensor):
            found.append(obj)
            base = obj.__dict__.get("_base")
            if base is not None:
                stack.append(base)
            continue
        if isinstance(obj, (functools.partial, types.MethodType)):
            stack.extend((getattr(obj, "func", None), getattr(obj, "args", ()), getattr(obj, "keywords", None),
                          getattr(obj, "__self__", None)))
            continue
        stack.extend(gc.get_referents(obj))
    return found


def reset_jax_in_child(handoff: Handoff | None) -> None:
    """In a forked worker, before any user code: a JAX of its own (see the module docstring)."""
    jax = sys.modules.get("jax")
    if jax is None:  # the parent never imported JAX: nothing inherited
        return
    from jax._src import distributed, xla_bridge
    from jax._src.interpreters import mlir
    from jax._src.lib.mlir import ir

    parent_platform = getattr(xla_bridge._default_backend, "platform", "cpu")
    _ABANDONED.append((handoff, xla_bridge._backends, xla_bridge._default_backend, mlir.global_thread_pool,
                       dict(vars(distributed.global_state))))
    if handoff is not None:
        for tensor, payload, view in handoff.hosted:
            if tensor.__dict__.get("_data") is payload:
                tensor._data = view
    xla_bridge._backend_lock = threading.Lock()  # another parent thread may have held it at the fork
    xla_bridge._backends = {}
    xla_bridge._backend_errors = {}
    xla_bridge._default_backend = None
    for cached in (xla_bridge.get_backend, xla_bridge.local_devices, xla_bridge.process_count):
        cached.cache_clear()
    state = distributed.global_state
    state.service = state.client = state.preemption_sync_manager = state.coordinator_address = None
    state.process_id, state.num_processes = 0, 1
    mlir.global_thread_pool = ir.ThreadPool()
    jax.config.update("jax_platforms", "cpu")
    jax.config.update("jax_default_device", "cpu")
    _reset_jaxtorch_caches(backend_changed=parent_platform != "cpu")


def _reset_jaxtorch_caches(backend_changed: bool) -> None:
    """jaxtorch's own memos of the parent's devices (and, when the parent's default backend was not the CPU,
    of its compiler options: probing them costs a compile)."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "jaxtorch" or name.startswith("jaxtorch.")):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()
    from .... import _xla
    from ...._ops import _dispatch

    _dispatch._default_device = None
    if backend_changed:
        _xla._options = _xla._eager_options = None
