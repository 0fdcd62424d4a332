"""Control flow over tensors: torch.cond and torch.while_loop. Eagerly they run as Python; when their predicate
is traced (inside torch.compile or a JAX transform) they become one `jax.lax.cond` / `jax.lax.while_loop`."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode as _gm
from ._registry import register


def _payloads(tree):
    leaves, treedef = jax.tree_util.tree_flatten(tree, is_leaf=lambda x: isinstance(x, Tensor))
    return [x._value() if isinstance(x, Tensor) else x for x in leaves], treedef


def _wrap_all(vals):
    return [Tensor._make(v) for v in vals]


class _OutTree:
    """Per traced cond call: the branches' output structure, and the tensors requiring grad that the
    branches read from their closures (module parameters...), found while tracing them."""

    def __init__(self):
        self.treedef = None
        self.found: dict = {}
        self.captured: tuple = ()


class _CaptureWatch:
    """A trace observer (chained to compile's, if any) noting tensors that require grad read by a
    branch but not made in it."""

    def __init__(self, outer, holder):
        self.outer, self.holder, self.created = outer, holder, set()

    def observe(self, t):
        if self.outer is not None:
            self.outer.observe(t)
        if t._requires_grad and id(t) not in self.created:
            self.holder.found.setdefault(id(t), t)

    def created_tensor(self, t):
        self.created.add(id(t))
        if self.outer is not None:
            self.outer.created_tensor(t)

    def __getattr__(self, name):
        return getattr(self.outer, name)


def _call_branch(fn, vals, holder):
    from .. import _trace_state as _ts

    n_ops = len(vals) - len(holder.captured)
    prev, prev_obs = _gm.state.enabled, _ts.observer
    saved = [t._data for t in holder.captured]
    _gm.state.enabled = False  # the enclosing dispatched op differentiates the whole cond
    _ts.observer = _CaptureWatch(prev_obs, holder)
    try:
        for t, v in zip(holder.captured, vals[n_ops:]):  # captured tensors read the traced copies
            t._data = v
        out = fn(*_wrap_all(vals[:n_ops]))
        flat, holder.treedef = _payloads(out)
    finally:
        for t, v in zip(holder.captured, saved):
            t._data = v
        _ts.observer = prev_obs
        _gm.state.enabled = prev
    return tuple(flat)


def _cond_impl(pred, *vals, true_fn, false_fn, holder):
    return jax.lax.cond(jnp.asarray(pred).reshape(()).astype(bool),
                        lambda v: _call_branch(true_fn, v, holder),
                        lambda v: _call_branch(false_fn, v, holder), list(vals))


@register(method=False, out=False)
def cond(pred, true_fn, false_fn, operands=()):
    """Run true_fn(*operands) or false_fn(*operands). A concrete predicate picks the branch in Python;
    a traced one (inside jaxtorch.compile or a JAX transform) becomes one `jax.lax.cond`, so both
    branches must then return tensors of the same shapes and dtypes. Gradients flow to the operands
    and to tensors the branches read from their closures (e.g. module parameters)."""
    from ._dispatch import apply

    if not isinstance(operands, (tuple, list)):
        raise RuntimeError(f"Expect operands to be a tuple of possibly nested dict/list/tuple that only consists "
                           f"of tensor leaves, but got {operands}.")
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
        pv = pred._value()
        if not isinstance(pv, jax.core.Tracer):
            pred = bool(np.asarray(pv).reshape(()))
    elif not isinstance(pred, (bool, int, float)):
        raise RuntimeError(f"Expected pred to be bool or tensor, but got {pred}.")
    if not isinstance(pred, Tensor):
        return (true_fn if pred else false_fn)(*operands)
    for o in operands:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"Expect operands to be a tuple of possibly nested dict/list/tuple that only consists "
                               f"of tensor leaves, but got {operands}.")
    holder = _OutTree()
    static = (("true_fn", true_fn), ("false_fn", false_fn), ("holder", holder))
    outs = apply(_cond_impl, (pred, *operands), static, "cond")
    operand_ids = {id(o) for o in operands}
    captured = tuple(t for k, t in holder.found.items() if k not in operand_ids)
    if captured and _gm.state.enabled:  # trace again with them as inputs, so the tape reaches them
        holder.captured, holder.found = captured, {}
        outs = apply(_cond_impl, (pred, *operands, *captured), static, "cond")
    outs = outs if isinstance(outs, tuple) else (outs,)
    return jax.tree_util.tree_unflatten(holder.treedef, list(outs))


def _truth(c):
    if isinstance(c, Tensor):
        v = c._value()
        if isinstance(v, jax.core.Tracer):
            return v
        return bool(np.asarray(v).reshape(()))
    return bool(c)


@register(method=False, out=False)
def while_loop(cond_fn, body_fn, carried_inputs):
    """while cond_fn(*carried): carried = body_fn(*carried). Eager with concrete values; a traced
    loop (inside jaxtorch.compile or a JAX transform) becomes one `jax.lax.while_loop`, so the body
    must keep every carried tensor's shape and dtype. Not differentiable (as in torch)."""
    if not isinstance(carried_inputs, (tuple, list)):
        raise RuntimeError(f"carried_inputs must be a tuple or list, got {type(carried_inputs)}")
    carried = tuple(carried_inputs)
    while True:
        c = _truth(cond_fn(*carried))
        if isinstance(c, jax.core.Tracer):
            return _traced_while(cond_fn, body_fn, carried)
        if not c:
            return carried
        out = body_fn(*carried)
        carried = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(carried) != len(carried_inputs):
            raise RuntimeError(f"body_fn should return the same number of elements as carried_inputs, got "
                               f"{len(carried)} and {len(carried_inputs)}")


def _traced_while(cond_fn, body_fn, carried):
    if _gm.state.enabled and any(isinstance(t, Tensor) and t._requires_grad for t in carried):
        raise RuntimeError("torch.while_loop: autograd through a traced while_loop is not supported; run it "
                           "under torch.no_grad() or detach the carried tensors.")
    for t in carried:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"torch.while_loop: a traced loop carries tensors only, got {type(t).__name__}")
    dtypes = [t._value().dtype for t in carried]

    def c(vals):
        with _no_grad():
            r = cond_fn(*_wrap_all(vals))
        return jnp.asarray(r._value() if isinstance(r, Tensor) else r).reshape(()).astype(bool)

    def b(vals):
        with _no_grad():
            out = body_fn(*_wrap_all(vals))
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        return [o._value().astype(d) if isinstance(o, Tensor) else jnp.asarray(o, d) for o, d in zip(out, dtypes)]

    res = jax.lax.while_loop(c, b, [t._value() for t in carried])
    return tuple(Tensor._make(r) for r in res)


def _no_grad():
    from ..autograd.grad_mode import no_grad

    return no_grad()
