"""The autograd tape: nodes made from jax.vjp, and the engine that walks them backwards.

A Node is one recorded op: its vjp function (residuals already computed by jax.vjp), the edges to
the nodes that produced its differentiable inputs, and what is needed to replay its backward as an
op of its own when create_graph=True. Leaves that require grad get an AccumulateGrad node.

A node's saved tensors are the residual arrays in its vjp function plus its primal inputs (kept for
create_graph). While `saved_tensors_hooks` or a checkpoint (torch.utils.checkpoint) is active, the
innermost one takes them over as the node is recorded (`_take_saved`): hooks pack them, a checkpoint
drops them; the node then holds a `_Deferred` in place of its vjp function until backward needs it.
The rest of this module is torch.autograd.graph's public surface.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from typing import Any, Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from . import grad_mode as _gm
from .. import _background
from .anomaly_mode import state as _anomaly
from .. import _trace_state as _ts


class _NodeMeta(type):
    """isinstance(x, torch.autograd.graph.Node) holds for every kind of tape node, as in torch (where Node is
    an abstract base): AccumulateGrad and custom-Function nodes are not subclasses of the op node here."""

    def __instancecheck__(cls, obj) -> bool:
        if type.__instancecheck__(cls, obj):
            return True
        t = type(obj)
        return cls is Node and all(hasattr(t, a) for a in ("name", "next_functions", "register_hook",
                                                            "register_prehook", "metadata"))


class Node(metaclass=_NodeMeta):
    __slots__ = ("_name", "_vjp", "next_edges", "fn", "static", "diff_pos", "saved", "out_mask", "out_avals",
                 "_tensor_pre_hooks", "_retain", "_pre_hooks", "_hooks", "metadata", "__weakref__")

    def __init__(self, name, vjp, next_edges, fn, static, diff_pos, saved, out_mask, out_avals):
        self._name = name
        self._vjp = vjp
        self.next_edges = next_edges
        self.fn = fn
        self.static = static
        self.diff_pos = diff_pos
        self.saved = saved
        self.out_mask = out_mask
        self.out_avals = out_avals
        self._tensor_pre_hooks = None
        self._retain = None
        self._pre_hooks = None
        self._hooks = None
        self.metadata = {}
        if _anomaly.enabled:  # detect_anomaly: remember the forward call for the error report
            from .anomaly_mode import user_stack

            self.metadata["traceback_"] = user_stack()
        if _saved_active:  # saved_tensors_hooks or a checkpoint somewhere: the one check recording pays
            _take_saved(self)

    # how the vjp runs on concrete cotangents: None is the eager ops' jitted runner (_dispatch._apply_vjp); a
    # subclass may give its own (a compiled call's backward keeps XLA's default optimisation)
    _run_vjp = None

    def name(self) -> str:
        n = self._name
        return "".join(p[:1].upper() + p[1:] for p in n.strip("_").split("_")) + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        return tuple((e[0], e[1]) if e is not None else (None, 0) for e in self.next_edges)

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> new grad_inputs or None."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) -> new grad_outputs or None."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return _RemovableHandle(self._pre_hooks, fn)

    def _add_tensor_hook(self, idx, fn):
        if self._tensor_pre_hooks is None:
            self._tensor_pre_hooks = {}
        lst = self._tensor_pre_hooks.setdefault(idx, [])
        lst.append(fn)
        return _RemovableHandle(lst, fn)

    def release(self):
        # A node whose vjp holds no residuals stays runnable, as torch's nodes without saved tensors do.
        if self._vjp is not None and jax.tree_util.tree_leaves(self._vjp):
            self._vjp = None
            self.saved = None

    # cotangents in: one per output (None where nothing flowed). cotangents out: one per next edge.
    def apply(self, cts, create_graph: bool):
        from .._tensor import Tensor

        vjp = self._vjp
        if vjp is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after "
                "they have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward.")
        saved = self.saved
        if isinstance(vjp, _Deferred):  # packed by hooks or dropped by a checkpoint: get them back
            vjp, saved = vjp.materialize(self, cts)
        if create_graph:
            from .._ops._dispatch import apply, vjp_as_op

            args = list(saved)
            for p, e in zip(self.diff_pos, self.next_edges):
                t = Tensor._make(args[p])
                t._requires_grad = True
                t._grad_fn, t._out_idx = e
                args[p] = t
            ct_list = _torch_to_jax_ct(self._full_cts(cts, tensors=True))
            static = (("fn", self.fn), ("static", self.static), ("diff_pos", self.diff_pos),
                      ("n_args", len(args)), ("out_mask", self.out_mask))
            res = apply(vjp_as_op, tuple(args) + tuple(ct_list), static, name=self._name + "_backward")
            return _torch_to_jax_ct(list(res))
        from .._ops._dispatch import _apply_vjp

        ct_list = _torch_to_jax_ct(self._full_cts(cts, tensors=False))
        ct = ct_list[0] if self.out_mask is None else _restructure(ct_list, self.out_mask)
        run = type(self)._run_vjp or _apply_vjp
        return _torch_to_jax_ct(list(run(vjp, ct)))

    def _full_cts(self, cts, tensors):
        from .._tensor import Tensor

        if self.out_mask is None:
            return [cts[0]]
        out = []
        for i, m in enumerate(self.out_mask):
            if not m:
                continue
            c = cts[i] if i < len(cts) else None
            if c is None:
                shape, dtype = self.out_avals[i]
                c = jnp.zeros(shape, dtype)
                if tensors:
                    c = Tensor._make(c)
            out.append(c)
        return out


def _torch_to_jax_ct(cts: list) -> list:
    """Complex gradients: torch's are the conjugates of JAX's cotangents (torch pairs a gradient g with
    a tangent t as Re(conj(g) t), JAX as Re(g t)). The tape holds torch's, so each op's JAX vjp gets
    and gives conjugates; real ones pass through. Conjugation is its own inverse: one helper, both ways."""
    for c in cts:  # the common all-real case returns the list as it is (this runs for every node)
        if c is not None and getattr(c, "_data", c).dtype.kind == "c":
            break
    else:
        return cts
    return [c.conj() if c is not None and getattr(c, "_data", c).dtype.kind == "c" else c for c in cts]


def _restructure(flat, mask):
    it = iter(flat)
    return tuple(next(it) if m else None for m in mask)


class AccumulateGrad:
    """The node at a leaf: adds the incoming gradient into `variable.grad`."""

    __slots__ = ("variable", "_hooks", "_pre_hooks", "_tensor_pre_hooks", "_retain", "metadata", "__weakref__")

    next_edges = ()
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable
        self._hooks = None
        self._pre_hooks = None
        self._tensor_pre_hooks = None
        self._retain = None
        self.metadata = {}

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def _add_tensor_hook(self, idx, fn):
        if self._tensor_pre_hooks is None:
            self._tensor_pre_hooks = {}
        lst = self._tensor_pre_hooks.setdefault(0, [])
        lst.append(fn)
        return _RemovableHandle(lst, fn)

    register_hook = Node.register_hook
    register_prehook = Node.register_prehook

    def release(self):
        pass


class _RemovableHandle:
    _next_id = 0

    def __init__(self, lst, fn):
        self._lst, self._fn = lst, fn
        _RemovableHandle._next_id += 1
        self.id = _RemovableHandle._next_id

    def remove(self):
        try:
            self._lst.remove(self._fn)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# ---------------------------------------------------------------------------------------------
# the engine


def _add(a, b, create_graph):
    if a is None:
        return b
    return a + b


def run_backward(roots, root_cts, retain_graph: bool, create_graph: bool, capture=None, accumulate=True):
    """Propagate cotangents from roots (a list of (node, idx) edges) through the tape.

    capture: optional list of edges whose incoming gradient is returned (autograd.grad) instead of
    being accumulated into leaves.
    """
    from .._ops._dispatch import _vjp_runner
    from .._tensor import Tensor

    _background.drain(_vjp_runner())  # backward programs warming up on the worker thread: never compile twice
    # Which nodes are reachable, and how many edges point at each (dependencies).
    deps: dict = {}
    stack = [e[0] for e in roots]
    seen = set()
    order = []
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        order.append(n)
        for e in n.next_edges:
            if e is None:
                continue
            deps[id(e[0])] = deps.get(id(e[0]), 0) + 1
            if id(e[0]) not in seen:
                stack.append(e[0])

    capture_map = None
    if capture is not None:
        capture_map = {}
        for k, (n, idx) in enumerate(capture):
            capture_map.setdefault(id(n), []).append((idx, k))
        # only run nodes that lead to a captured edge
        needed = set(capture_map)
        changed = True
        while changed:
            changed = False
            for n in order:
                if id(n) not in needed and any(e is not None and id(e[0]) in needed for e in n.next_edges):
                    needed.add(id(n))
                    changed = True
    results = [None] * (len(capture) if capture is not None else 0)

    buffers: dict = {}
    for (n, idx), ct in zip(roots, root_cts):
        buf = buffers.setdefault(id(n), {})
        buf[idx] = _add(buf.get(idx), ct, create_graph)

    ready = [e[0] for e in roots if deps.get(id(e[0]), 0) == 0]
    ready_ids = set()
    queue = []
    for n in ready:
        if id(n) not in ready_ids:
            ready_ids.add(id(n))
            queue.append(n)

    def wrap(c):
        return c if isinstance(c, Tensor) else Tensor._make(c)

    def unwrap(c):
        return c if create_graph else (c._data if isinstance(c, Tensor) else c)

    nan_check = _anomaly.enabled and _anomaly.check_nan
    prev_grad = _gm.state.enabled
    _gm.state.enabled = create_graph
    _callbacks.append([])
    _tasks.append(_Task(seen, needed if capture is not None else None, capture is not None))
    try:
        while queue:
            node = queue.pop()
            nid = id(node)
            buf = buffers.pop(nid, {})
            if (capture_map is not None and nid not in needed) or all(v is None for v in buf.values()):
                for e in node.next_edges:
                    if e is not None:
                        deps[id(e[0])] -= 1
                        if deps[id(e[0])] == 0:
                            queue.append(e[0])
                continue
            # tensor hooks and retain_grad on this node's outputs
            if node._tensor_pre_hooks:
                for idx, hooks in node._tensor_pre_hooks.items():
                    if buf.get(idx) is None:
                        continue
                    for h in list(hooks):
                        r = h(wrap(buf[idx]))
                        if r is not None:
                            buf[idx] = unwrap(r)
            if node._retain:
                for idx, ref in node._retain.items():
                    t = ref()
                    if t is not None and buf.get(idx) is not None:
                        g = buf[idx]
                        t._grad = wrap(g) if create_graph else Tensor._make(unwrap(g))
            if capture_map is not None and nid in capture_map:
                for idx, k in capture_map[nid]:
                    results[k] = buf.get(idx)
            if isinstance(node, AccumulateGrad):
                if accumulate and capture_map is None:
                    _accumulate(node, buf.get(0), create_graph)
                continue
            n_out = 1 if node.out_mask is None else len(node.out_mask)
            cts = [buf.get(i) for i in range(n_out)]
            if node._pre_hooks:
                for h in node._pre_hooks:
                    r = h(tuple(wrap(c) if c is not None else None for c in cts))
                    if r is not None:
                        cts = [unwrap(c) if c is not None else None for c in r]
            if create_graph:
                cts = [wrap(c) if c is not None else None for c in cts]
            in_cts = node.apply(cts, create_graph)
            if nan_check:
                from .anomaly_mode import check_nan

                check_nan(node, in_cts)
            if node._hooks:
                for h in node._hooks:
                    r = h(tuple(wrap(c) for c in in_cts), tuple(wrap(c) if c is not None else None for c in cts))
                    if r is not None:
                        in_cts = [unwrap(c) for c in r]
            if not retain_graph:
                node.release()
            for e, c in zip(node.next_edges, in_cts):
                if e is None:
                    continue
                nxt, idx = e
                if c is not None:
                    b = buffers.setdefault(id(nxt), {})
                    b[idx] = _add(b.get(idx), c, create_graph)
                d = deps[id(nxt)] - 1
                deps[id(nxt)] = d
                if d == 0:
                    queue.append(nxt)
        callbacks = _callbacks[-1]
        while callbacks:  # queued by hooks during this backward (e.g. DDP's gradient all-reduce)
            callbacks.pop(0)()
        return results
    finally:
        _tasks.pop()
        _callbacks.pop()
        _gm.state.enabled = prev_grad


_callbacks: list = []  # one list per running backward (backward can nest inside hooks)
_task_ids = itertools.count(1)


class _Task:
    """One running backward pass (torch's graph task): which nodes it reaches and will run."""

    __slots__ = ("id", "reach", "needed", "capture")

    def __init__(self, reach: set, needed, capture: bool):
        self.id = next(_task_ids)
        self.reach, self.needed, self.capture = reach, needed, capture

    def will_execute(self, node) -> bool:
        i = id(node)
        return i in self.reach and (self.needed is None or i in self.needed)


_tasks: list = []  # the running backward passes, innermost last


def queue_callback(fn) -> None:
    """Run fn() once the current backward pass has finished (torch's engine.queue_callback)."""
    if not _callbacks:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _callbacks[-1].append(fn)


def _accumulate(node: AccumulateGrad, ct, create_graph):
    from .._tensor import Tensor

    if ct is None:
        return
    t = node.variable
    obs = _ts.observer
    if obs is not None:  # torch.compile: whether a grad existed before the step decides the program
        obs.read_grad(t)
    if isinstance(ct, Tensor) and not create_graph:
        ct = ct._data
    if not create_graph:
        if ct.dtype != t._data.dtype:
            ct = ct.astype(t._data.dtype)
        if t._grad is None:
            t._grad = Tensor._make(ct)
        else:
            g = t._grad
            g._data = g._value() + ct
            g._box()[0] += 1
    else:
        ct = ct if isinstance(ct, Tensor) else Tensor._make(ct)
        t._grad = ct if t._grad is None else t._grad + ct
    hooks = t.__dict__.get("_post_accumulate_grad_hooks")
    if hooks:  # Tensor.register_post_accumulate_grad_hook
        for h in list(hooks):
            h(t)


# ---------------------------------------------------------------------------------------------
# saved tensors: the stack of saved_tensors_hooks and checkpoint frames


class _SavedStack(threading.local):
    def __init__(self):
        self.stack: list = []  # innermost last; each entry has take(node)
        self.disabled: str | None = None  # the error message while disable_saved_tensors_hooks is active


_saved = _SavedStack()
_saved_active = 0  # entries on any thread's stack: Node.__init__ reads only this global while there are none
_saved_lock = threading.Lock()  # (a lost update of the count would make recording skip the hooks)


def _push_saved(entry) -> None:
    global _saved_active
    if _saved.disabled is not None:
        raise RuntimeError(_saved.disabled)
    _saved.stack.append(entry)
    with _saved_lock:
        _saved_active += 1


def _pop_saved(entry) -> None:
    global _saved_active
    stack = _saved.stack
    if stack and stack[-1] is entry:
        stack.pop()
    else:  # left out of order (an exception between nested contexts): take out this one only
        stack.remove(entry)
    with _saved_lock:
        _saved_active -= 1


def _take_saved(node: Node) -> None:
    stack = _saved.stack
    if stack:  # (the global counter also counts other threads' entries)
        if _saved.disabled is not None:
            raise RuntimeError(_saved.disabled)
        stack[-1].take(node)


class _Deferred:
    """Held in a node's `_vjp` slot while its saved tensors are packed or dropped. `materialize(node, cts)`
    gives back (vjp function, primal inputs) for one backward through the node."""

    __slots__ = ()

    def materialize(self, node: Node, cts) -> tuple:
        raise NotImplementedError


def _is_array(x) -> bool:
    return isinstance(x, (jax.Array, np.ndarray))


class _Slot:
    """One saved array as the pack hook returned it."""

    __slots__ = ("packed", "shape", "dtype")

    def __init__(self, packed, shape, dtype):
        self.packed, self.shape, self.dtype = packed, shape, dtype


class _Packed(_Deferred):
    __slots__ = ("unpack_hook", "treedef", "leaves", "saved")

    def __init__(self, node: Node, pack_hook, unpack_hook):
        from .._tensor import Tensor

        def pack(x):
            if not _is_array(x):  # Python scalars and None among the primal inputs stay as they are
                return x
            r = pack_hook(Tensor._make(x))
            return _Slot(r, tuple(x.shape), x.dtype)

        leaves, self.treedef = jax.tree_util.tree_flatten(node._vjp)
        self.unpack_hook = unpack_hook
        self.leaves = [pack(x) for x in leaves]
        self.saved = tuple(pack(x) for x in node.saved)

    def _unpack(self, x):
        from .._tensor import Tensor

        if not isinstance(x, _Slot):
            return x
        r = self.unpack_hook(x.packed)
        if not isinstance(r, Tensor):
            raise TypeError(f"Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                            f"{type(r).__name__}")
        v = r._value()
        if tuple(v.shape) != x.shape or v.dtype != x.dtype:
            # a different shape would surface as a JAX error deep in the backward; name the cause instead
            raise RuntimeError(f"saved tensor unpack_hook returned a tensor of shape {list(v.shape)} and dtype "
                               f"{r.dtype}, but the tensor saved for backward had shape {list(x.shape)} and dtype "
                               f"{Tensor._make(jnp.zeros((), x.dtype)).dtype}")
        return v

    def materialize(self, node, cts):
        vjp = self.treedef.unflatten([self._unpack(x) for x in self.leaves])
        return vjp, tuple(self._unpack(x) for x in self.saved)


class _HooksEntry:
    __slots__ = ("pack_hook", "unpack_hook")

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def take(self, node: Node) -> None:
        node._vjp = _Packed(node, self.pack_hook, self.unpack_hook)
        node.saved = None


class saved_tensors_hooks:
    """Context manager: pack_hook(tensor) -> anything is called on each tensor a recorded op saves for
    backward; unpack_hook(packed) -> Tensor gives it back when backward needs it. What unpack returns is
    what the backward uses. The innermost active pair applies. The saved tensors of a jaxtorch op are
    the residual arrays JAX's vjp keeps plus the op's inputs, so which tensors (and how many) reach the
    hooks differs from torch's."""

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        entry = _HooksEntry(self.pack_hook, self.unpack_hook)
        _push_saved(entry)
        self.__dict__.setdefault("_entries", []).append(entry)  # (one object may be entered again, nested)

    def __exit__(self, *args: object) -> None:
        _pop_saved(self._entries.pop())


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are moved to the CPU when an op records them and back to their device for backward."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor):
            packed = tensor.cpu()
            if pin_memory:
                packed = packed.pin_memory()
            return (tensor.device, packed)

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str):
    """Within it, entering saved_tensors_hooks (or a non-reentrant checkpoint), or recording an op while
    hooks are active, raises RuntimeError(error_message)."""
    prev = _saved.disabled
    _saved.disabled = error_message
    try:
        yield
    finally:
        _saved.disabled = prev


# ---------------------------------------------------------------------------------------------
# the rest of torch.autograd.graph


class GradientEdge(NamedTuple):
    """Where the gradient of a tensor is computed: (node, output index). Accepted by autograd.grad."""

    node: Any
    output_nr: int
    ownership_token: Any = None


def _grad_fn_or_acc(t) -> Any:
    if isinstance(t, GradientEdge):
        return t.node
    return t._edge()[0]


def get_gradient_edge(tensor) -> GradientEdge:
    """The GradientEdge of a tensor: `autograd.grad(loss, get_gradient_edge(x))` equals `grad(loss, x)`."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does not require "
                           "gradients")
    node, idx = tensor._edge()
    return GradientEdge(node, idx)


def increment_version(tensor) -> None:
    """Bump the version counter of a tensor (or of each tensor in an iterable), as an in-place op does."""
    from .._tensor import Tensor

    for t in (tensor,) if isinstance(tensor, Tensor) else tensor:
        t._bump()


class _MultiHandle:
    def __init__(self, handles: tuple) -> None:
        self.handles = handles

    def remove(self) -> None:
        for h in self.handles:
            h.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def register_multi_grad_hook(tensors: Sequence, fn: Callable, *, mode: str = "all") -> _MultiHandle:
    """mode='all': fn(grads) once the gradients of all of `tensors` that this backward computes are ready
    (None for the rest); mode='any': fn(grad) with the first of them computed."""
    supported_modes = ("all", "any")
    if mode not in supported_modes:
        raise ValueError(f"Expects mode to be one of {supported_modes} but got {mode}")
    tensors = list(tensors)
    lock = threading.Lock()
    if mode == "all":
        grad_fns = [_grad_fn_or_acc(t) for t in tensors]
        state: dict = {}  # backward task id -> [calls seen, calls expected, buffer]

        def inner(idx):
            def hook(grad):
                task = _tasks[-1]
                with lock:
                    st = state.get(task.id)
                    if st is None:
                        expected = sum(task.will_execute(n) for n in grad_fns)
                        st = state[task.id] = [0, expected, [None] * len(tensors)]
                    st[0] += 1
                    st[2][idx] = grad
                    done = st[0] == st[1]
                    if done:
                        del state[task.id]
                if done:
                    fn(st[2])

            return hook

        return _MultiHandle(tuple(t.register_hook(inner(i)) for i, t in enumerate(tensors)))
    ran: set = set()

    def wrapped(grad):
        task = _tasks[-1]
        with lock:
            if task.id in ran:
                return
            ran.add(task.id)
        fn(grad)

    return _MultiHandle(tuple(t.register_hook(wrapped) for t in tensors if t.requires_grad))


class _AllowMutationOnSavedContext:
    def clear(self) -> None:
        pass


_allow_mutation_enabled = False


@contextlib.contextmanager
def allow_mutation_on_saved_tensors():
    """In torch, tensors saved for backward are cloned when mutated inside this context. jaxtorch always
    behaves so: arrays are immutable, so what an op saved never changes when a tensor is written later.
    The context exists for code that uses it (and refuses to nest, as torch's does)."""
    global _allow_mutation_enabled
    ctx = _AllowMutationOnSavedContext()
    try:
        if _allow_mutation_enabled:
            raise RuntimeError("allow_mutation_on_saved_tensors contexts cannot be nested")
        _allow_mutation_enabled = True
        yield ctx
    finally:
        ctx.clear()
        _allow_mutation_enabled = False


def region_activation_memory_budget(budget: float):
    """torch.compile's min-cut partitioner budget for a region. XLA makes its own rematerialisation choices
    and takes no such budget, so under jaxtorch.compile this raises NotImplementedError; use
    torch.utils.checkpoint to recompute a region."""
    if isinstance(budget, bool) or not isinstance(budget, (int, float)):
        raise TypeError(f"torch.autograd.graph.region_activation_memory_budget: expects a float, got "
                        f"{type(budget).__name__}")
    if not 0.0 <= budget <= 1.0:
        raise ValueError(f"torch.autograd.graph.region_activation_memory_budget: must be in [0, 1], got {budget}")
    if _ts.observer is None:
        raise RuntimeError("torch.autograd.graph.region_activation_memory_budget can only be used inside a "
                           "torch.compile region; it has no effect in eager mode.")
    raise NotImplementedError("torch.autograd.graph.region_activation_memory_budget is not supported in jaxtorch: "
                              "XLA takes no activation memory budget; use torch.utils.checkpoint on the region")


_stream_flags = {"warn_on_accumulate_grad_stream_mismatch": True, "override_stale_capture_stream": False}


def set_warn_on_accumulate_grad_stream_mismatch(enabled: bool) -> None:
    """Kept for code that sets it: jaxtorch has no CUDA streams, so the mismatch it warns about never occurs."""
    _stream_flags["warn_on_accumulate_grad_stream_mismatch"] = bool(enabled)


def set_override_stale_capture_stream(enabled: bool) -> None:
    """Kept for code that sets it: jaxtorch has no CUDA graph capture, so there is no stale stream to override."""
    _stream_flags["override_stale_capture_stream"] = bool(enabled)


__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks", "register_multi_grad_hook",
           "allow_mutation_on_saved_tensors", "Node", "GradientEdge", "get_gradient_edge", "increment_version",
           "region_activation_memory_budget", "set_warn_on_accumulate_grad_stream_mismatch",
           "set_override_stale_capture_stream"]
