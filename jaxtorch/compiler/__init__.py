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
"""

from __future__ import annotations

import functools
import gc
import itertools
import os
import threading
import traceback
import warnings
import weakref

import jax
import jax.extend
import numpy as np

from .. import _autocast, _trace_state, _xla
from ..autograd.grad_mode import state as _grad_state
from .._errors import GraphBreak
from .._tensor import Tensor

__all__ = ["compile", "config", "assume_constant_result", "reset", "allow_in_graph", "substitute_in_graph",
           "list_backends", "disable", "set_default_backend", "get_default_backend", "set_stance",
           "set_enable_guard_collectives", "cudagraph_mark_step_begin", "load_compiled_function", "wrap_numpy",
           "is_compiling", "is_dynamo_compiling", "is_exporting", "save_cache_artifacts", "load_cache_artifacts",
           "keep_portable_guards_unsafe", "skip_guard_on_inbuilt_nn_modules_unsafe",
           "skip_guard_on_all_nn_modules_unsafe", "keep_tensor_guards_unsafe", "skip_guard_on_globals_unsafe",
           "skip_all_guards_unsafe", "nested_compile_region", "stats", "reset_stats", "note_stateful"]

_lock = threading.RLock()
_STATS = {"compiles": 0, "traces": 0, "graph_breaks": 0, "eager_calls": 0, "compiled_calls": 0}
_LIB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # jaxtorch/


def stats() -> dict:
    """Counters: compiles (XLA programs built), traces, graph_breaks, eager_calls, compiled_calls."""
    return dict(_STATS)


def reset_stats() -> None:
    for k in _STATS:
        _STATS[k] = 0


def is_compiling() -> bool:
    obs = _trace_state.observer
    return obs is not None


def note_stateful(obj) -> None:
    """Tell an active compile trace that `obj` (e.g. an optimizer) may store new tensors in its
    attributes or in dicts/lists it holds, so those are carried out of the compiled function."""
    obs = _trace_state.observer
    if obs is not None:
        obs.note_object(obj)


class _Observer:
    """Installed as jaxtorch._trace_state.observer while a compiled function is traced."""

    def __init__(self):
        self.created: dict = {}  # id -> weakref of tensors made during this call
        self.known: dict = {}  # id -> tensor already accounted for (lifted state, arguments)
        self.found: dict = {}  # id -> pre-existing tensor read but not lifted (insertion-ordered)
        self.objects: dict = {}  # id -> (obj, snapshot) for modules/optimizers touched
        self.views: list = []  # (view, snapshot) of pre-existing views of state
        self.presync: dict = {}  # id -> object whose _compile_presync() must run before each call
        self.grad_deps: dict = {}  # id -> lifted tensor whose incoming `.grad` the step read before setting
        self.grad_set: set = set()  # ids of tensors whose `.grad` the step has set

    def created_tensor(self, t: Tensor) -> None:
        self.created[id(t)] = weakref.ref(t)

    def is_created(self, t: Tensor) -> bool:
        r = self.created.get(id(t))
        return r is not None and r() is t

    def observe(self, t: Tensor) -> None:
        i = id(t)
        if i in self.known or i in self.found or self.is_created(t):
            return
        if t._base is not None:
            self.observe(t._base)
            if not self.is_created(t._base):
                # a pre-existing view re-derives from its (lifted) base; it is not state of its own,
                # but its cached payload must be put back after a trace
                self.known[i] = t
                self.views.append((t, dict(t.__dict__), None))
                return
        self.found[i] = t
        # read as a constant this time; put back whatever the trace does to it
        self.views.append((t, dict(t.__dict__), list(t._version_box) if t._version_box is not None else None))

    def read_grad(self, t: Tensor) -> None:
        i = id(t)
        if i in self.known and i not in self.grad_set:
            self.grad_deps[i] = t

    def wrote_grad(self, t: Tensor) -> None:
        self.grad_set.add(id(t))

    def note_data_parallel(self, module) -> None:
        self.data_parallel = True

    data_parallel = False

    def note_presync(self, obj) -> None:
        self.presync[id(obj)] = obj

    def note_module(self, m) -> None:
        self.note_object(m)

    def note_object(self, obj) -> None:
        if id(obj) in self.objects:
            return
        self.objects[id(obj)] = (obj, _snapshot_object(obj))


# ---------------------------------------------------------------------------------------------
# snapshots of Python objects whose attributes a step may rebind


def _snapshot_container(c, depth):
    if depth > 3:
        return None
    if isinstance(c, dict):
        return (dict(c), {k: _snapshot_container(v, depth + 1) for k, v in c.items() if isinstance(v, (dict, list))})
    if isinstance(c, list):
        return (list(c), {i: _snapshot_container(v, depth + 1) for i, v in enumerate(c) if isinstance(v, (dict, list))})
    return None


def _snapshot_object(obj):
    d = obj.__dict__
    return (dict(d), {k: _snapshot_container(v, 0) for k, v in d.items() if isinstance(v, (dict, list))})


def _restore_container(c, snap):
    if snap is None:
        return
    shallow, nested = snap
    if isinstance(c, dict):
        c.clear()
        c.update(shallow)
        for k, s in nested.items():
            _restore_container(shallow[k], s)
    else:
        c[:] = shallow
        for i, s in nested.items():
            _restore_container(shallow[i], s)


def _restore_object(obj, snap):
    shallow, nested = snap
    d = obj.__dict__
    d.clear()
    d.update(shallow)
    for k, s in nested.items():
        _restore_container(shallow[k], s)


def _container_writes(c, snap, path, out):
    """Record (container, key, new_value) for every slot whose value changed identity."""
    if snap is None:
        return
    shallow, nested = snap
    if isinstance(c, dict):
        keys = set(c) | set(shallow)
        for k in keys:
            new = c.get(k, _MISSING)
            old = shallow.get(k, _MISSING)
            if new is not old:  # a slot that was empty (missing or None) and now holds state is new state
                out.append((c, k, new, old is _MISSING or old is None, old))
            elif k in nested:
                _container_writes(new, nested[k], path + (k,), out)
    else:
        for i in range(max(len(c), len(shallow))):
            new = c[i] if i < len(c) else _MISSING
            old = shallow[i] if i < len(shallow) else _MISSING
            if new is not old:
                out.append((c, i, new, old is _MISSING or old is None, old))
            elif i in nested:
                _container_writes(new, nested[i], path + (i,), out)
        if len(c) != len(shallow):
            out.append((c, "__len__", len(c), True, None))


_MISSING = object()


# ---------------------------------------------------------------------------------------------
# argument handling


def _sig_leaves(x, leaves):
    """The cache-key signature of arguments x (tensor shapes, dtypes and requires_grad; Python values
    themselves, as they are constants of the program, as in jax.jit), appending the dynamic leaves
    `_flatten_args` pulls out (tensor payloads, arrays)."""
    if isinstance(x, Tensor):
        d = x._value()
        leaves.append(d)
        return (d.shape, d.dtype, x._requires_grad)
    if isinstance(x, bool) or x is None or isinstance(x, (int, float, str, bytes)):
        return (type(x), x)
    if isinstance(x, (list, tuple)):
        return (type(x),) + tuple([_sig_leaves(v, leaves) for v in x])
    if isinstance(x, dict):
        return ("dict",) + tuple([(k, _sig_leaves(v, leaves)) for k, v in x.items()])
    if isinstance(x, (np.ndarray, jax.Array)):
        leaves.append(x)
        return ("A", x.shape, x.dtype)
    return ("id", id(x))


def _flatten_args(x, leaves):
    """Template of x with dynamic leaves (tensor payloads, floats, arrays) pulled into `leaves`."""
    if isinstance(x, Tensor):
        leaves.append(x._value())
        return ("T", x._requires_grad)
    if isinstance(x, (np.ndarray, jax.Array)):
        leaves.append(x)
        return ("A",)
    if isinstance(x, (list, tuple)):
        return (type(x), [_flatten_args(v, leaves) for v in x])
    if isinstance(x, dict):
        return (dict, {k: _flatten_args(v, leaves) for k, v in x.items()})
    return ("S", x)


def _unflatten_args(tpl, it, made):
    kind = tpl[0]
    if kind == "T":
        t = Tensor._make(next(it))
        if tpl[1]:
            t._requires_grad = True
        made.append(t)
        return t
    if kind == "A":
        return next(it)
    if kind == "S":
        return tpl[1]
    if kind is dict:
        return {k: _unflatten_args(v, it, made) for k, v in tpl[1].items()}
    seq = [_unflatten_args(v, it, made) for v in tpl[1]]
    return kind(seq) if kind is not list else seq


def _flatten_out(x, leaves):
    if isinstance(x, Tensor):
        leaves.append(x._value())
        return ("T",)
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return (type(x), [_flatten_out(v, leaves) for v in x])
    if isinstance(x, tuple):  # namedtuple
        return ("NT", type(x), [_flatten_out(v, leaves) for v in x])
    if isinstance(x, dict):
        return (dict, {k: _flatten_out(v, leaves) for k, v in x.items()})
    if isinstance(x, jax.Array) and isinstance(x, jax.core.Tracer):
        leaves.append(x)
        return ("A",)
    return ("S", x)


def _unflatten_out(tpl, it):
    kind = tpl[0]
    if kind == "T":
        return Tensor._make(next(it))
    if kind == "A":
        return next(it)
    if kind == "S":
        return tpl[1]
    if kind == "NT":
        return tpl[1](*[_unflatten_out(v, it) for v in tpl[2]])
    if kind is dict:
        return {k: _unflatten_out(v, it) for k, v in tpl[1].items()}
    return kind([_unflatten_out(v, it) for v in tpl[1]])


# ---------------------------------------------------------------------------------------------


class _NeedLift(Exception):
    def __init__(self, tensors):
        super().__init__(f"{len(tensors)} more state tensors")
        self.tensors = tensors


class _Program:
    """One traced-and-compiled step for a fixed argument signature and state list."""

    one_shot = False

    def __init__(self, fn, lifted: list, arg_tpl, kw_tpl, tracked=(), data_parallel=False):
        self.fn = fn
        self.mesh = _dp_mesh() if data_parallel else None
        self.multiprocess = self.mesh is not None and jax.process_count() > 1
        self.tracked = list(tracked)
        self.lifted = lifted
        self.arg_tpl = arg_tpl
        self.kw_tpl = kw_tpl
        self.plan = None
        self.jitted = None

    # the pure function: runs only while jax traces it
    def pure(self, state_vals, arg_vals):
        lifted = self.lifted
        obs = _Observer()
        for t in lifted:
            obs.known[id(t)] = t
        snaps = [(t, dict(t.__dict__), list(t._version_box) if t._version_box is not None else None)
                 for t in lifted]
        prev_obs = _trace_state.observer
        try:
            for t, v in zip(lifted, state_vals):
                t._data = v
                t._grad_fn = None  # state enters as a leaf: the graph does not cross the boundary
                if t._version_box is not None:
                    t._version_box[0] += 1  # views of state re-derive from the traced payload
            made: list = []
            it = iter(arg_vals)
            args = _unflatten_args(self.arg_tpl, it, made)
            kwargs = _unflatten_args(self.kw_tpl, it, made)
            made_in = [t._data for t in made]
            for t in made:
                obs.known[id(t)] = t
            for o in self.tracked:  # objects earlier calls touched: diff them from the very start
                obs.note_object(o)
            _trace_state.observer = obs
            out = self.fn(*args, **kwargs)
            _trace_state.observer = prev_obs
            _trace_state.dp_token = None  # (a tensor made by the trace, held only while it runs)
            if obs.found:
                raise _NeedLift(list(obs.found.values()))
            # what did the step do?
            out_leaves: list = []
            out_tpl = _flatten_out(out, out_leaves)
            del out
            # tensor arguments: in-place writes (x.add_(1), x[0] = v) and gradients backward left on them are
            # carried out like state, and written into the caller's tensors after each call
            arg_writes = tuple(k for k, t in enumerate(made) if t._data is not made_in[k])
            arg_grads = tuple(k for k, t in enumerate(made) if t.__dict__.get("_grad") is not None)
            if (arg_writes or arg_grads) and self.mesh is not None:
                raise GraphBreak("a data-parallel compiled step cannot write into its tensor arguments (in-place "
                                 "ops or .grad on an argument)")
            out_leaves += [made[k]._data for k in arg_writes] + [made[k]._grad._value() for k in arg_grads]
            new_state = [t._data for t in lifted]
            written = tuple(n is not v for n, v in zip(new_state, state_vals))
            escaped: list = []  # trace-made tensors that outlive the call, in a fixed order
            esc_index: dict = {}

            def carry(value):
                if isinstance(value, Tensor) and obs.is_created(value):
                    if id(value) not in esc_index:
                        esc_index[id(value)] = len(escaped)
                        escaped.append(value)
                    return ("esc", esc_index[id(value)])
                if isinstance(value, dict) and any(isinstance(v, (Tensor, dict, list)) for v in value.values()):
                    return ("dict", type(value), [(k, carry(v)) for k, v in value.items()])
                if isinstance(value, list) and any(isinstance(v, (Tensor, dict, list)) for v in value):
                    return ("list", [carry(v) for v in value])
                return ("obj", value)

            attr_plan = []  # (owner_index, attribute, carried value) for lifted tensors
            for k, (t, snap, _) in enumerate(snaps):
                for name in ("_grad",):
                    new = t.__dict__.get(name, None)
                    old = snap.get(name, None)
                    if new is not old:
                        attr_plan.append((k, name, carry(new) if new is not None else ("obj", None)))
            obj_plan = []  # (container, key, carried value) for modules/optimizers/dicts touched
            grown: list = []  # (object, container, key) of each new state slot (e.g. optimizer moments)
            rebinds: list = []  # (lifted index, escaped index)
            lifted_pos = {id(t): k for k, t in enumerate(lifted)}
            for obj, snap in obs.objects.values():
                writes: list = []
                _container_writes(obj.__dict__, snap, (), writes)
                for c, key, new, added, was in writes:
                    if key == "__len__":
                        continue
                    if isinstance(new, (int, float, complex, str)) and not (
                            isinstance(key, str) and key.startswith("_")):
                        # a Python value (e.g. an lr set by scheduler.step()) would be replayed as the
                        # constant seen while tracing: stale on every later call
                        raise GraphBreak(
                            f"the function sets {key!r} = {new!r} on {type(obj).__name__} in Python; a compiled "
                            "program cannot recompute Python values (call e.g. scheduler.step() outside the "
                            "compiled function)")
                    carried = carry(new) if new is not _MISSING else ("del", None)
                    if carried[0] == "esc" and isinstance(was, Tensor) and id(was) in lifted_pos:
                        # a state tensor replaced by a new one (`self.h = new_h`): later calls read the new one
                        rebinds.append((lifted_pos[id(was)], carried[1]))
                    if added and carried[0] in ("esc", "dict", "list"):
                        grown.append((obj, c, key))
                    obj_plan.append((c, key, carried))
            # escaped tensors hold tracers: anything alive we cannot account for cannot be carried
            for t in escaped:
                t._grad_fn = None
            for obj, snap in obs.objects.values():  # (restored again below; now so that containers the
                _restore_object(obj, snap)           # step emptied or replaced drop what they held)
            accounted = set(esc_index) | {id(made[k]._grad) for k in arg_grads}

            def leaked():
                for r in obs.created.values():
                    t = r()
                    if t is None or id(t) in accounted or not isinstance(t._data, jax.core.Tracer):
                        continue
                    if any(t is m for m in made):
                        continue
                    if t._base is not None and (id(t._base) in accounted or id(t._base) in obs.known):
                        continue
                    return t
                return None

            # Tensors made in the trace die in reference cycles (tensor <-> autograd node). Collecting the
            # young generations finds them in a few ms; a full collection (tens of ms with a large heap)
            # runs only when something still looks alive.
            gc.collect(1)
            if leaked() is not None:  # (no reference to it may be held across the full collection)
                gc.collect()
            t = leaked()
            if t is not None:
                raise RuntimeError(
                    f"torch.compile: a tensor made inside the compiled function (shape {list(t._data.shape)}, dtype "
                    f"{t.dtype}) is kept in an object jaxtorch does not track, so it cannot be carried out of "
                    "the compiled program; return it from the function or store it on a Module or tensor "
                    "attribute instead")
            esc_vals = [t._data for t in escaped]
            esc_meta = [(t._requires_grad and t._grad_fn is not None, type(t)) for t in escaped]
            self.plan = dict(out_tpl=out_tpl, written=written, attr_plan=attr_plan, obj_plan=obj_plan,
                             n_esc=len(escaped), esc_meta=esc_meta, rebinds=rebinds, arg_writes=arg_writes,
                             arg_grads=arg_grads)
            self.trace_info = dict(modules=[m for m, _ in _modules_seen(obs)], presync=list(obs.presync.values()),
                                   data_parallel=obs.data_parallel, grown=grown,
                                   grad_deps=list(obs.grad_deps.values()))
            return (tuple(n for n, w in zip(new_state, written) if w), tuple(esc_vals), tuple(out_leaves))
        finally:
            _trace_state.observer = prev_obs
            for obj, snap in obs.objects.values():
                _restore_object(obj, snap)
            for t, d, box in snaps:
                t.__dict__.clear()
                t.__dict__.update(d)
                if box is not None:
                    t._version_box[:] = box
            for v, d, box in obs.views:
                v.__dict__.clear()
                v.__dict__.update(d)
                if box is not None:
                    v._version_box[:] = box
                if v._base is not None:
                    v._derived_version = -1  # re-derive from the base on next read

    def trace(self, state_vals, arg_vals):
        """Run the Python once under jax's tracer: the jaxpr and the plan of effects."""
        _STATS["traces"] += 1
        if self.mesh is not None:
            if self.multiprocess:  # each process holds its part of the batch: trace the global shapes
                arg_vals = [_global_aval(a, self.mesh) for a in arg_vals]
            self.closed = jax.make_jaxpr(self._data_parallel_fn(arg_vals))(state_vals, arg_vals)
        else:
            self.closed = jax.make_jaxpr(self.pure)(state_vals, arg_vals)

    def compile(self, state_vals, arg_vals):
        """Compile the traced jaxpr with the state it writes donated."""
        written = self.plan["written"]
        donate = tuple(i for i, w in enumerate(written) if w)
        fun = jax.extend.core.jaxpr_as_fun(self.closed)
        self.closed = None
        if self.multiprocess:
            from jax.sharding import NamedSharding, PartitionSpec as P

            rep = NamedSharding(self.mesh, P())
            state_vals = [jax.ShapeDtypeStruct(np.shape(v), v.dtype, sharding=rep) for v in state_vals]
            arg_vals = [_global_aval(a, self.mesh, sharded=True) for a in arg_vals]
        self.executable = _xla.jit(fun, donate_argnums=donate).lower(*state_vals, *arg_vals).compile()
        self.written_pos = [k for k, w in enumerate(written) if w]

    def _data_parallel_fn(self, arg_vals):
        """pure() run per device under shard_map: tensor arguments are split along dim 0, state is
        replicated, and DDP/SyncBatchNorm reduce over the 'dp' axis inside (DESIGN.md §8)."""
        from jax.sharding import PartitionSpec as P

        n = self.mesh.devices.size
        specs = []
        for a in arg_vals:
            if getattr(a, "ndim", 0) >= 1:
                if a.shape[0] % n:
                    raise ValueError(f"torch.compile data parallel: the batch dimension of an argument of shape "
                                     f"{list(a.shape)} must divide evenly over {n} devices")
                specs.append(P("dp"))
            else:
                specs.append(P())

        def body(state_vals, arg_vals):
            prev = _trace_state.dp_axis
            _trace_state.dp_axis = "dp"
            _trace_state.dp_token = None
            try:
                written, esc, outs = self.pure(state_vals, arg_vals)
            finally:
                _trace_state.dp_axis = prev
                _trace_state.dp_token = None
            if self.multiprocess:  # one row per replica: each process keeps its own replicas' rows
                return written, esc, tuple(o[None] for o in outs)
            return written, esc, tuple(_combine_replicas(o) for o in outs)

        return jax.shard_map(body, mesh=self.mesh, in_specs=(P(), specs),
                             out_specs=(P(), P(), P("dp") if self.multiprocess else P()), check_vma=False)

    def __call__(self, args, kwargs):
        leaves: list = []
        _flatten_args(args, leaves)
        _flatten_args(kwargs, leaves)
        return self.run(leaves, args, kwargs)

    def run(self, leaves, args=(), kwargs=None):
        """One call with the arguments' dynamic leaves (tensor payloads, arrays)."""
        lifted = self.lifted
        # lifted state tensors are bases (views are never lifted), so _data is current
        if self.multiprocess:
            flat = self._call_global([t._data for t in lifted], leaves)
        else:
            flat = self.executable(*[t._data for t in lifted], *leaves)
        plan = self.plan
        nw, ne = len(self.written_pos), plan["n_esc"]
        esc_vals, out_leaves = flat[nw:nw + ne], flat[nw + ne:]
        for k, v in zip(self.written_pos, flat[:nw]):
            t = lifted[k]
            t._data = v
            box = t._version_box
            if box is None:
                t._version_box = [1, 0]
            else:
                box[0] += 1
        make = Tensor._make
        escaped = [make(v) if cls is Tensor else _as_type(cls, v) for v, (_, cls) in zip(esc_vals, plan["esc_meta"])]
        for k, name, carried in plan["attr_plan"]:
            lifted[k].__dict__[name] = escaped[carried[1]] if carried[0] == "esc" else _carried_value(carried, escaped)
        for c, key, carried in plan["obj_plan"]:
            if carried[0] == "del":
                c.pop(key, None)
            else:
                c[key] = _carried_value(carried, escaped)
        for k, j in plan["rebinds"]:
            lifted[k] = escaped[j]
        n_back = len(plan["arg_writes"]) + len(plan["arg_grads"])
        if n_back:
            out_leaves, back = out_leaves[:len(out_leaves) - n_back], out_leaves[len(out_leaves) - n_back:]
            _write_back_args(args, kwargs, plan, back)
        _STATS["compiled_calls"] += 1
        return _unflatten_out(plan["out_tpl"], iter(out_leaves))


    def _call_global(self, state_vals, arg_vals):
        """Across processes: state enters replicated, each process's batch is its block of the global
        batch; what comes back is this process's copy of the state and the rows of its own replicas
        (a loss is then this process's mean, as each rank's loss in torch's DDP)."""
        from jax.sharding import NamedSharding, PartitionSpec as P

        mesh = self.mesh
        rep, batch = NamedSharding(mesh, P()), NamedSharding(mesh, P("dp"))
        local = [d for d in mesh.devices.flat if d.process_index == jax.process_index()]

        def replicated(v):
            return jax.make_array_from_single_device_arrays(np.shape(v), rep, [jax.device_put(v, d) for d in local])

        g_args = [jax.make_array_from_process_local_data(batch, np.asarray(a)) if getattr(a, "ndim", 0) >= 1
                  else replicated(a) for a in arg_vals]
        flat = self.executable(*[replicated(v) for v in state_vals], *g_args)
        n_state = len(self.written_pos) + self.plan["n_esc"]
        out = [x.addressable_data(0) for x in flat[:n_state]]
        for x in flat[n_state:]:  # (replicas, ...) rows: this process's, in device order
            shards = sorted(x.addressable_shards, key=lambda sh: sh.index[0].start or 0)
            rows = jax.numpy.concatenate([sh.data for sh in shards]) if len(shards) > 1 else shards[0].data
            out.append(_gather_replicas(rows))
        return out


def _arg_tensors(x, out: list) -> list:
    """The tensor arguments in `_flatten_args` order."""
    if isinstance(x, Tensor):
        out.append(x)
    elif isinstance(x, (list, tuple)):
        for v in x:
            _arg_tensors(v, out)
    elif isinstance(x, dict):
        for v in x.values():
            _arg_tensors(v, out)
    return out


def _write_back_args(args, kwargs, plan, values) -> None:
    """Write what the program computed for the caller's tensor arguments: new payloads of in-place writes (through
    the tensor, so a view argument reaches its base, as eagerly) and gradients (accumulated as backward does)."""
    from ..autograd import grad_mode

    tensors = _arg_tensors(kwargs or {}, _arg_tensors(args, []))
    it = iter(values)
    prev = grad_mode.state.enabled
    grad_mode.state.enabled = False
    try:
        for k in plan["arg_writes"]:
            tensors[k]._inplace_assign(Tensor._make(next(it)), "copy_")
        for k in plan["arg_grads"]:
            t, g = tensors[k], Tensor._make(next(it))
            t._grad = g if t._grad is None else t._grad + g
    finally:
        grad_mode.state.enabled = prev


def _carried_value(carried, escaped):
    """The value a traced write left, rebuilt from this call's escaped tensors."""
    kind = carried[0]
    if kind == "esc":
        return escaped[carried[1]]
    if kind == "dict":
        d = carried[1]()
        d.update((k, _carried_value(v, escaped)) for k, v in carried[2])
        return d
    if kind == "list":
        return [_carried_value(v, escaped) for v in carried[1]]
    return carried[1]


def _global_aval(a, mesh, sharded=False):
    """The abstract value of the global batch whose per-process block is `a`."""
    from jax.sharding import NamedSharding, PartitionSpec as P

    shape, dtype = np.shape(a), a.dtype
    batched = len(shape) >= 1
    if batched:
        shape = (shape[0] * jax.process_count(),) + tuple(shape[1:])
    if not sharded:
        return jax.ShapeDtypeStruct(shape, dtype)
    return jax.ShapeDtypeStruct(shape, dtype, sharding=NamedSharding(mesh, P("dp") if batched else P()))


def _data_parallel_pending() -> bool:
    """A DistributedDataParallel/DataParallel module exists and there are several devices (local, or
    across the processes of an initialized process group)."""
    from ..nn.parallel.distributed import _live_replicated_modules

    return bool(_live_replicated_modules) and len(jax.devices()) > 1


def _dp_mesh():
    from jax.sharding import Mesh

    devices = jax.devices() if jax.process_count() > 1 else jax.local_devices()
    return Mesh(np.array(devices), ("dp",)) if len(devices) > 1 else None


def _combine_replicas(x):
    """Inside the data-parallel program: what the replicas' results are to the caller (as
    _gather_replicas, done by collectives so no separate dispatch follows each step)."""
    if x.ndim == 0:
        if jax.numpy.issubdtype(x.dtype, jax.numpy.inexact):
            return jax.lax.pmean(x, "dp")
        return jax.lax.psum(x, "dp")
    return jax.lax.all_gather(x, "dp", tiled=True)


def _gather_replicas(x):
    """Per-replica results of a data-parallel step: per-sample outputs are concatenated along the
    batch; a float scalar (a mean loss) is averaged, an integer scalar (a count) is summed."""
    if x.ndim == 1:
        return x.mean() if jax.numpy.issubdtype(x.dtype, jax.numpy.inexact) else x.sum()
    return x.reshape((-1,) + x.shape[2:])


def _as_type(cls, v):
    t = object.__new__(cls)
    t._data = v
    return t


class _Discovered:
    """What a compiled function's calls have shown it touches (shared by all argument signatures)."""

    def __init__(self):
        self.state: list = []  # weakrefs of state tensors, in discovery order
        self.modules: list = []  # modules called: their `training` flags guard the programs
        self.presync: list = []  # optimizers: hyper-parameters set in Python are copied into cells first
        self.data_parallel = False  # a DistributedDataParallel/DataParallel module takes part
        self.warm = False
        self.precreated: list = []  # (optimizer, param, state tensors) made before the first trace


def _user_frame(tb) -> str:
    """file:line of the innermost frame outside jaxtorch and jax."""
    where = "<unknown>"
    for fs in traceback.extract_tb(tb):
        f = os.path.abspath(fs.filename)
        if f.startswith(_LIB_DIR) or os.sep + "jax" + os.sep in f or os.sep + "jaxlib" + os.sep in f:
            continue
        where = f"{fs.filename}:{fs.lineno}"
    return where


def _dynamo_disabled() -> bool:
    from .._dynamo import config as dynamo_config

    return dynamo_config.disable


_BREAK_ERRORS = (GraphBreak, jax.errors.ConcretizationTypeError, jax.errors.TracerBoolConversionError,
                 jax.errors.TracerIntegerConversionError, jax.errors.TracerArrayConversionError)


class CompiledFunction:
    """The callable `torch.compile(fn)` returns."""

    def __init__(self, fn, fullgraph: bool = False):
        self.fn = fn
        self.fullgraph = fullgraph
        self.programs: dict = {}  # (argument signature, guard) -> _Program
        self.grad_deps: list = []  # state whose incoming `.grad` some program read: part of the key
        self.seen = _Discovered()
        self.eager_only = False
        functools.update_wrapper(self, fn)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self.__call__, obj)

    def _guard(self):
        # a program traced under autocast holds its casts: key on the state too; optimizers' structural
        # switches (maximize, weight decay on or off, ...) are baked into the traced update
        seen = self.seen
        return ((_grad_state.enabled, _autocast.guard()) + tuple([m.training for m in seen.modules])
                + tuple([o._compile_guard() for o in seen.presync]))

    def _key(self, args, kwargs, leaves: list | None = None):
        """The program cache key (argument signature, guard, identity of the grads the step reads); the
        arguments' dynamic leaves are appended to `leaves` on the way."""
        leaves = [] if leaves is None else leaves
        sig = _sig_leaves(args, leaves)
        if kwargs:
            sig = (sig, _sig_leaves(kwargs, leaves))
        grads = tuple([id(t._grad) for t in self.grad_deps]) if self.grad_deps else ()
        return (sig, self._guard(), grads)

    def __call__(self, *args, **kwargs):
        if self.eager_only or _trace_state.observer is not None or _stance[0] != "default" or _dynamo_disabled():
            return self.fn(*args, **kwargs)
        if not self.seen.warm:
            return self._first_call(args, kwargs)
        for o in self.seen.presync:  # hyper-parameters set in Python since the last call
            o._compile_presync()
        leaves: list = []
        prog = self.programs.get(self._key(args, kwargs, leaves))
        if prog is None:
            prog = self._build(self.seen, args, kwargs)
            if prog is None:
                _STATS["eager_calls"] += 1
                return self.fn(*args, **kwargs)
            self._remember(prog, args, kwargs)
        with _lock:
            return prog.run(leaves, args, kwargs)

    def _remember(self, prog, args, kwargs):
        """Cache a program unless it is good for one call only (it created new state slots)."""
        info = prog.trace_info
        known = {id(t) for t in self.grad_deps}
        self.grad_deps += [t for t in info["grad_deps"] if id(t) not in known]
        if not prog.one_shot and not info["grown"]:
            self.programs[self._key(args, kwargs)] = prog

    def _first_call(self, args, kwargs):
        """The first call is traced and compiled right away. The state it reads is guessed from the
        objects the function can reach (modules, optimizers, generators, tensors in its closure,
        globals and arguments) and confirmed by the trace; state an optimizer would create lazily
        on its first step is created first, so this program is also the one every later call uses."""
        seen = self.seen
        seen.data_parallel = _data_parallel_pending()  # an eager first call would miss per-replica semantics
        optimizers: list = []
        guessed = _guess_state(self.fn, args, kwargs, optimizers)
        seen.precreated = _precreate_state(optimizers)
        seen.state = [weakref.ref(t) for t in _union(guessed, [t for _, _, ts in seen.precreated for t in ts])]
        try:
            prog = self._build(seen, args, kwargs)
        except BaseException:  # e.g. fullgraph=True: leave the optimizers as they were
            _drop_precreated(seen)
            raise
        if prog is None:
            _drop_precreated(seen)  # running eagerly: its first step makes the state it needs
            _STATS["eager_calls"] += 1
            return self.fn(*args, **kwargs)
        info = prog.trace_info
        seen.modules, seen.presync, seen.warm = info["modules"], info["presync"], True
        if seen.data_parallel and not info["data_parallel"]:  # not data-parallel after all
            seen.data_parallel = False
            prog.one_shot = True
        self._remember(prog, args, kwargs)
        with _lock:
            return prog(args, kwargs)

    def _build(self, entry, args, kwargs):
        lifted = [t for t in (r() for r in entry.state) if t is not None]
        arg_leaves: list = []
        arg_tpl = _flatten_args(args, arg_leaves)
        kw_tpl = _flatten_args(kwargs, arg_leaves)
        with _lock:
            for _ in range(8):
                prog = _Program(self.fn, lifted, arg_tpl, kw_tpl, entry.presync + entry.modules,
                                entry.data_parallel)
                state_vals = [t._value() for t in lifted]
                try:
                    prog.trace(state_vals, arg_leaves)
                except _NeedLift as e:
                    lifted = _union(lifted, e.tensors)
                    entry.state = [weakref.ref(t) for t in lifted]
                    continue
                except _BREAK_ERRORS as e:
                    return self._graph_break(e)
                if entry.precreated:
                    dropped = _drop_unused_precreated(entry, lifted, prog.plan["written"])
                    if dropped:  # the step did not update those params: trace again without their state
                        lifted = [t for t in lifted if id(t) not in dropped]
                        entry.state = [weakref.ref(t) for t in lifted]
                        continue
                if prog.trace_info["grown"]:
                    made = _prepare_growth(prog.trace_info["grown"])
                    if made is not None:  # the state now exists: trace again with it as input
                        lifted = _union(lifted, made)
                        entry.state = [weakref.ref(t) for t in lifted]
                        continue
                prog.compile(state_vals, arg_leaves)
                _STATS["compiles"] += 1
                return prog
        raise RuntimeError("jaxtorch.compile: the state read by the function kept changing across traces")

    def _graph_break(self, e):
        where = _user_frame(e.__traceback__)
        _STATS["graph_breaks"] += 1
        msg = (f"torch.compile could not trace {getattr(self.fn, '__qualname__', self.fn)} ({where}): "
               f"{type(e).__name__}: {e}")
        if self.fullgraph:
            raise RuntimeError(msg + " [fullgraph=True]") from e
        warnings.warn(msg + "; running it eagerly from now on", stacklevel=3)
        self.eager_only = True
        return None


def _union(tensors, more):
    ids = {id(t) for t in tensors}
    out = list(tensors)
    for t in more:
        if id(t) not in ids:
            ids.add(id(t))
            out.append(t)
    return out


def _guess_state(fn, args, kwargs, optimizers: list | None = None) -> list:
    """Tensors the function can reach and is likely to read: the parameters and buffers of modules,
    the parameters and state of optimizers, generator states and plain tensors found in its
    arguments, closure, referenced globals and bound object. Lifting them before the first trace
    spares re-tracing for each; the trace then confirms (a tensor not guessed is found and lifted,
    one guessed but unused costs an unused input)."""
    from ..nn.modules.module import Module
    from ..optim.optimizer import Optimizer
    from ..random import Generator, default_generator

    out: dict = {}
    seen_objs: set = set()

    def add(t):
        if t._base is not None:
            t = t._base
        out.setdefault(id(t), t)

    def visit(x, depth):
        if isinstance(x, Tensor):
            add(x)
            return
        if depth > 3 or id(x) in seen_objs or isinstance(x, (str, bytes, int, float, bool, type)) or x is None:
            return
        seen_objs.add(id(x))
        if isinstance(x, Module):
            for t in itertools.chain(x.parameters(), x.buffers()):
                add(t)
        elif isinstance(x, Optimizer):
            if optimizers is not None:
                optimizers.append(x)
            for g in x.param_groups:
                for p in g["params"]:
                    add(p)
            for st in x.state.values():
                for v in st.values():
                    if isinstance(v, Tensor):
                        add(v)
            for entry in x.__dict__.get("_hp_cells", {}).values():
                add(entry[0])
        elif isinstance(x, Generator):
            visit(x._key, depth)
            visit(x._counter, depth)
        elif isinstance(x, (list, tuple)):
            for v in x[:64]:
                visit(v, depth + 1)
        elif isinstance(x, dict):
            for v in list(x.values())[:64]:
                visit(v, depth + 1)
        elif isinstance(x, functools.partial):
            visit(x.func, depth + 1)
            visit(x.args, depth + 1)
        elif callable(x) and hasattr(x, "__code__"):
            visit_function(x, depth + 1)
        elif hasattr(x, "__self__") and hasattr(x, "__func__"):  # bound method
            visit(x.__self__, depth + 1)
            visit_function(x.__func__, depth + 1)
        elif hasattr(x, "__dict__") and not isinstance(x, type(jax)):
            for v in list(vars(x).values())[:64]:
                if isinstance(v, (Tensor, Module, Optimizer, Generator)):
                    visit(v, depth + 1)

    def names(code):
        yield from code.co_names
        for c in code.co_consts:
            if hasattr(c, "co_names"):
                yield from names(c)

    def visit_function(f, depth):
        for cell in f.__closure__ or ():
            try:
                visit(cell.cell_contents, depth)
            except ValueError:  # an empty cell
                pass
        g = getattr(f, "__globals__", {})
        for n in set(names(f.__code__)):
            v = g.get(n)
            if isinstance(v, (Tensor, Module, Optimizer, Generator)):
                visit(v, depth)

    visit(default_generator, 0)
    visit(fn, 0)
    visit(args, 0)
    visit(kwargs, 0)
    return list(out.values())


def _precreate_state(optimizers) -> list:
    """Before the first trace, create the first-step state of each reachable optimizer's params that
    have none (the values its first step would start from, via `_compile_prepare`), so that the first
    trace already reads it as input and needs no second trace. Returns (optimizer, param, tensors);
    `_drop_unused_precreated` removes again what the traced step did not update."""
    out: list = []
    for opt in optimizers:
        fresh = [p for g in opt.param_groups for p in g["params"] if not opt.state.get(p)]
        if not fresh:
            continue
        slots = [(opt.state, p) for p in fresh] + [(opt.__dict__, "_hp_cells")]
        if opt._compile_prepare(slots) is None:  # its first step is not a later step from that state
            for p in fresh:
                opt.state.pop(p, None)
            continue
        for p in fresh:
            ts = [v for v in opt.state.get(p, {}).values() if isinstance(v, Tensor)]
            if ts:
                out.append((opt, p, ts))
            else:
                opt.state.pop(p, None)
    return out


def _drop_precreated(entry) -> None:
    for opt, p, _ in entry.precreated:
        opt.state.pop(p, None)
    entry.precreated = []


def _drop_unused_precreated(entry, lifted, written) -> set:
    """After the first trace: state made up front for params the step did not update (no grad, or no
    step at all) is removed from the optimizer, as eager execution would never have made it. Returns
    the ids of the removed tensors."""
    written_ids = {id(t) for t, w in zip(lifted, written) if w}
    dropped: set = set()
    for opt, p, ts in entry.precreated:
        if not any(id(t) in written_ids for t in ts):
            opt.state.pop(p, None)
            dropped.update(id(t) for t in ts)
    entry.precreated = []
    return dropped


def _prepare_growth(grown):
    """A trace created state slots (an optimizer's moments and hyper-parameter cells on its first
    step, a GradScaler's scale). Where each owner can create them up front with the values its first
    step would start from (its `_compile_prepare(slots)`), do so and return the new tensors;
    otherwise None (the program then runs once and the next call builds the steady-state one)."""
    wanted: dict = {}
    for obj, c, key in grown:
        if getattr(obj, "_compile_prepare", None) is None:
            return None
        wanted.setdefault(id(obj), (obj, []))[1].append((c, key))
    made: list = []
    for obj, slots in wanted.values():
        new = obj._compile_prepare(slots)
        if new is None:
            return None
        made += new
    return made


def _modules_seen(obs):
    return [(o, s) for o, s in obs.objects.values() if hasattr(o, "training") and hasattr(o, "_modules")]


class OptimizedModule:
    """What `torch.compile(module)` returns: calls run compiled; everything else is the module's."""

    def __init__(self, mod, fullgraph=False):
        object.__setattr__(self, "_orig_mod", mod)
        object.__setattr__(self, "_compiled_call", CompiledFunction(lambda *a, **k: mod(*a, **k), fullgraph))

    def __call__(self, *args, **kwargs):
        return self._compiled_call(*args, **kwargs)

    def forward(self, *args, **kwargs):
        return self._compiled_call(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._orig_mod, name)

    def __setattr__(self, name, value):
        setattr(self._orig_mod, name, value)

    def state_dict(self, *args, **kwargs):
        from collections import OrderedDict

        sd = self._orig_mod.state_dict(*args, **kwargs)
        out = OrderedDict(("_orig_mod." + k, v) for k, v in sd.items())
        out._metadata = OrderedDict(("_orig_mod" + ("." + k if k else ""), v) for k, v in sd._metadata.items())
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        sd = {k[len("_orig_mod."):] if k.startswith("_orig_mod.") else k: v for k, v in state_dict.items()}
        return self._orig_mod.load_state_dict(sd, strict, assign)

    def __repr__(self):
        return "OptimizedModule(\n  (_orig_mod): " + repr(self._orig_mod).replace("\n", "\n  ") + "\n)"


_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor", mode=None, options=None,
            disable: bool = False):
    """torch.compile: usable as `compile(fn)`, `@compile`, `@compile(fullgraph=True)`, `compile(module)`."""
    if isinstance(backend, str):
        from .._dynamo import lookup_backend

        lookup_backend(backend)  # InvalidBackend for a name torch does not know
    elif backend is not None and not callable(backend):
        raise TypeError(f"torch.compile: backend must be a string or a callable, got {type(backend).__name__}")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")

    def wrap(m):
        if disable:
            return m
        from ..nn.modules.module import Module

        if isinstance(m, Module):
            return OptimizedModule(m, fullgraph)
        return CompiledFunction(m, fullgraph)

    if model is None:
        return wrap
    return wrap(model)


def reset() -> None:
    """Forget nothing global: compiled functions hold their own caches (torch._dynamo.reset analogue)."""
    reset_stats()


def disable(fn=None, recursive=True, *, reason=None):
    """torch.compiler.disable: `fn` always runs eagerly. Met inside a compiled function, it is a graph break: that
    function runs eagerly from then on (torch compiles around the call instead; the results are the same)."""
    if fn is None:
        return functools.partial(disable, recursive=recursive, reason=reason)
    if isinstance(fn, (CompiledFunction, OptimizedModule)):
        return fn._orig_mod if isinstance(fn, OptimizedModule) else fn.fn
    from ..nn.modules.module import Module

    if isinstance(fn, Module):  # a module: its forward never compiles
        fn.forward = disable(fn.forward, recursive, reason=reason)
        return fn

    @functools.wraps(fn)
    def run_eagerly(*args, **kwargs):
        if _trace_state.observer is not None:
            raise GraphBreak(f"{getattr(fn, '__qualname__', fn)} is marked torch.compiler.disable"
                             + (f" ({reason})" if reason else ""))
        return fn(*args, **kwargs)

    run_eagerly._jaxtorch_disabled = "recursive" if recursive else "shallow"
    return run_eagerly


# ------------------------------------------------------------------------------------------------------------------
# The rest of torch.compiler's public API.

from . import config  # noqa: E402

_stance = ["default"]
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

