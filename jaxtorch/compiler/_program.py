"""One traced-and-compiled step: the pure function a step becomes, its trace, its executable, and each call.

`_Program.pure(state_vals, arg_vals) -> (written state, escaped tensors, outputs)` runs only under JAX's
tracer: tracers are swapped into the state tensors' payloads, the Python step runs under an `_Observer`, and
every effect is read back as a plan (payloads written, attributes and container slots rebound, tensors that
escape the call, writes into tensor arguments), after which every object is restored exactly. `run` calls
the executable and replays the plan on real values.
"""

from __future__ import annotations

import gc

import jax
import jax.extend
import numpy as np

from .. import _trace_state, _xla
from .._errors import GraphBreak
from .._tensor import Tensor
from ..autograd.grad_mode import state as _grad_mode
from . import _data_parallel as _dp
from ._flatten import arg_tensors, flatten_args, flatten_out, unflatten_args, unflatten_out
from ._observe import _MISSING, _container_writes, _modules_seen, _Observer, _restore_object
from ._stats import _STATS


class _NeedLift(Exception):
    def __init__(self, tensors):
        super().__init__(f"{len(tensors)} more state tensors")
        self.tensors = tensors


class _Program:
    """One traced-and-compiled step for a fixed argument signature and state list."""

    one_shot = False

    def __init__(self, fn, lifted: list, arg_tpl, tracked=(), data_parallel=False):
        self.fn = fn
        self.mesh = _dp.dp_mesh() if data_parallel else None
        self.multiprocess = self.mesh is not None and jax.process_count() > 1
        self.tracked = list(tracked)
        self.lifted = lifted
        self.arg_tpl = arg_tpl  # template of (args, kwargs)
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
            made, out = self._run_traced(obs, state_vals, arg_vals, prev_obs)
            out_rg = _grad_mode.enabled and any(
                isinstance(t, Tensor) and t._requires_grad
                for t in jax.tree_util.tree_leaves(out, is_leaf=lambda x: isinstance(x, Tensor)))
            # what did the step do?
            out_leaves: list = []
            out_tpl = flatten_out(out, out_leaves)
            del out
            # tensor arguments: in-place writes (x.add_(1), x[0] = v) and gradients backward left on them are
            # carried out like state, and written into the caller's tensors after each call
            arg_writes = tuple(k for k, t in enumerate(made) if t._data is not made.payloads_in[k])
            arg_grads = tuple(k for k, t in enumerate(made) if t.__dict__.get("_grad") is not None)
            if (arg_writes or arg_grads) and self.mesh is not None:
                raise GraphBreak("a data-parallel compiled step cannot write into its tensor arguments (in-place "
                                 "ops or .grad on an argument)")
            out_leaves += [made[k]._data for k in arg_writes] + [made[k]._grad._value() for k in arg_grads]
            new_state = [t._data for t in lifted]
            written = tuple(n is not v for n, v in zip(new_state, state_vals))
            carrier = _Carrier(obs)
            attr_plan, obj_plan, grown, rebinds = self._effects(obs, snaps, carrier)
            # escaped tensors hold tracers: anything alive we cannot account for cannot be carried
            for t in carrier.escaped:
                t._grad_fn = None
            for obj, snap in obs.objects.values():  # (restored again below; now so that containers the
                _restore_object(obj, snap)           # step emptied or replaced drop what they held)
            _check_no_leak(obs, made, set(carrier.index) | {id(made[k]._grad) for k in arg_grads})
            escaped = carrier.escaped
            esc_vals = [t._data for t in escaped]
            esc_meta = [(t._requires_grad and t._grad_fn is not None, type(t)) for t in escaped]
            self.plan = dict(out_tpl=out_tpl, written=written, attr_plan=attr_plan, obj_plan=obj_plan,
                             n_esc=len(escaped), esc_meta=esc_meta, rebinds=rebinds, arg_writes=arg_writes,
                             arg_grads=arg_grads)
            self.trace_info = dict(modules=[m for m, _ in _modules_seen(obs)], presync=list(obs.presync.values()),
                                   data_parallel=obs.data_parallel, grown=grown,
                                   grad_deps=list(obs.grad_deps.values()),
                                   # a forward whose outputs need eager autograd (backward runs after the call)
                                   wants_autograd=bool(out_rg and not obs.grad_set and not arg_grads
                                                       and not any(a[1] == "_grad" for a in attr_plan)))
            return (tuple(n for n, w in zip(new_state, written) if w), tuple(esc_vals), tuple(out_leaves))
        finally:
            _trace_state.observer = prev_obs
            _restore(obs, snaps)

    def _run_traced(self, obs, state_vals, arg_vals, prev_obs):
        """Swap the tracers into the state, rebuild the arguments and run the step under the observer. Returns
        (the tensor arguments made here, with their incoming payloads as `.payloads_in`, the step's result)."""
        for t, v in zip(self.lifted, state_vals):
            t._data = v
            t._grad_fn = None  # state enters as a leaf: the graph does not cross the boundary
            if t._version_box is not None:
                t._version_box[0] += 1  # views of state re-derive from the traced payload
        made = _Made()
        args, kwargs = unflatten_args(self.arg_tpl, arg_vals, made)
        made.payloads_in = [t._data for t in made]
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
        return made, out

    def _effects(self, obs, snaps, carrier):
        """The writes the step made outside tensor payloads, as plans replayed after each call: `.grad` of state
        (attr_plan), attributes and container slots of touched objects (obj_plan), new state slots (grown) and
        state tensors replaced by new ones (rebinds)."""
        attr_plan = []  # (owner_index, attribute, carried value) for lifted tensors
        for k, (t, snap, _) in enumerate(snaps):
            new = t.__dict__.get("_grad", None)
            if new is not snap.get("_grad", None):
                attr_plan.append((k, "_grad", carrier.carry(new) if new is not None else ("obj", None)))
        obj_plan = []  # (container, key, carried value) for modules/optimizers/dicts touched
        grown: list = []  # (object, container, key) of each new state slot (e.g. optimizer moments)
        rebinds: list = []  # (lifted index, escaped index)
        lifted_pos = {id(t): k for k, t in enumerate(self.lifted)}
        for obj, snap in obs.objects.values():
            writes: list = []
            _container_writes(obj.__dict__, snap, (), writes)
            for c, key, new, added, was in writes:
                if key == "__len__":
                    continue
                if isinstance(new, (int, float, complex, str)) and not (isinstance(key, str) and key.startswith("_")):
                    # a Python value (e.g. an lr set by scheduler.step()) would be replayed as the
                    # constant seen while tracing: stale on every later call
                    raise GraphBreak(
                        f"the function sets {key!r} = {new!r} on {type(obj).__name__} in Python; a compiled "
                        "program cannot recompute Python values (call e.g. scheduler.step() outside the "
                        "compiled function)")
                carried = carrier.carry(new) if new is not _MISSING else ("del", None)
                if carried[0] == "esc" and isinstance(was, Tensor) and id(was) in lifted_pos:
                    # a state tensor replaced by a new one (`self.h = new_h`): later calls read the new one
                    rebinds.append((lifted_pos[id(was)], carried[1]))
                if added and carried[0] in ("esc", "dict", "list"):
                    grown.append((obj, c, key))
                obj_plan.append((c, key, carried))
        return attr_plan, obj_plan, grown, rebinds

    def trace(self, state_vals, arg_vals):
        """Run the Python once under jax's tracer: the jaxpr and the plan of effects."""
        _STATS["traces"] += 1
        if self.mesh is not None:
            if self.multiprocess:  # each process holds its part of the batch: trace the global shapes
                arg_vals = [_dp.global_aval(a, self.mesh) for a in arg_vals]
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
            arg_vals = [_dp.global_aval(a, self.mesh, sharded=True) for a in arg_vals]
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
            return written, esc, tuple(_dp.combine_replicas(o) for o in outs)

        return jax.shard_map(body, mesh=self.mesh, in_specs=(P(), specs),
                             out_specs=(P(), P(), P("dp") if self.multiprocess else P()), check_vma=False)

    def __call__(self, args, kwargs):
        leaves: list = []
        flatten_args(args, kwargs, leaves)
        return self.run(leaves, args, kwargs)

    def run(self, leaves, args=(), kwargs=None):
        """One call with the arguments' dynamic leaves (tensor payloads, arrays)."""
        lifted = self.lifted
        # lifted state tensors are bases (views are never lifted), so _data is current
        if self.multiprocess:
            flat = self._call_global([t._data for t in lifted], leaves)
        else:
            flat = self.executable(*[t._data for t in lifted], *leaves)
        return self._replay(flat, args, kwargs)

    def _replay(self, flat, args, kwargs, out_tensors=None):
        """Apply one call's results (written state, escaped tensors, outputs) as the traced plan says; the
        outputs are made into Tensors, or taken from `out_tensors` (made by the caller) when given."""
        lifted = self.lifted
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
        if out_tensors is not None:
            return unflatten_out(plan["out_tpl"], out_tensors[:len(out_leaves)], made=True)
        return unflatten_out(plan["out_tpl"], out_leaves)


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
            out.append(_dp.gather_replicas(rows))
        return out


class _Made(list):
    """The tensor arguments a trace rebuilt (a list), with the payloads they came in with."""

    payloads_in: list = []


class _Carrier:
    """Trace-made tensors that outlive the call (escaped), in a fixed order, and how each written value is
    carried: ("esc", i), ("dict", type, items), ("list", items) or ("obj", value)."""

    def __init__(self, obs):
        self.obs = obs
        self.escaped: list = []
        self.index: dict = {}  # id(tensor) -> position in escaped

    def carry(self, value):
        if isinstance(value, Tensor) and self.obs.is_created(value):
            if id(value) not in self.index:
                self.index[id(value)] = len(self.escaped)
                self.escaped.append(value)
            return ("esc", self.index[id(value)])
        if isinstance(value, dict) and any(isinstance(v, (Tensor, dict, list)) for v in value.values()):
            return ("dict", type(value), [(k, self.carry(v)) for k, v in value.items()])
        if isinstance(value, list) and any(isinstance(v, (Tensor, dict, list)) for v in value):
            return ("list", [self.carry(v) for v in value])
        return ("obj", value)


def _check_no_leak(obs, made, accounted: set) -> None:
    """A tensor made in the trace that is still alive but not carried out would hold a tracer after the call."""

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


def _restore(obs, snaps) -> None:
    """Undo the trace: objects, state tensors and pre-existing views exactly as they were."""
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


def _write_back_args(args, kwargs, plan, values) -> None:
    """Write what the program computed for the caller's tensor arguments: new payloads of in-place writes (through
    the tensor, so a view argument reaches its base, as eagerly) and gradients (accumulated as backward does)."""
    from ..autograd import grad_mode

    tensors = arg_tensors(args, kwargs or {})
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


def _as_type(cls, v):
    t = object.__new__(cls)
    t._data = v
    return t
