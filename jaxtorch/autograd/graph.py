"""The autograd tape: nodes made from jax.vjp, and the engine that walks them backwards.

A Node is one recorded op: its vjp function (residuals already computed by jax.vjp), the edges to
the nodes that produced its differentiable inputs, and what is needed to replay its backward as an
op of its own when create_graph=True. Leaves that require grad get an AccumulateGrad node.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from . import grad_mode as _gm
from .anomaly_mode import state as _anomaly
from .. import _trace_state as _ts


class Node:
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

        if self._vjp is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after "
                "they have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward.")
        if create_graph:
            from .._ops._dispatch import apply, vjp_as_op

            args = list(self.saved)
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
        return _torch_to_jax_ct(list(_apply_vjp(self._vjp, ct)))

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
    from .._tensor import Tensor

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
        _callbacks.pop()
        _gm.state.enabled = prev_grad


_callbacks: list = []  # one list per running backward (backward can nest inside hooks)


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
