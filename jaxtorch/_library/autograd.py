"""Autograd for custom operators: the op is opaque; its registered backward is its gradient.

When grad mode is on and an input requires grad, the op runs as a generated `torch.autograd.Function` (named
like torch's, `GeneratedBackwardFor_<ns>_<op>_<overload>`): the kernel runs with grad recording off, the user's
`setup_context(ctx=..., inputs=..., output=...)` saves what backward needs, and all outputs join the tape through
ONE node whose backward calls the user's `backward(ctx, *grads)`. Without a registered backward the node's
backward raises torch's error. Tensor lists (`Tensor[]`) are flattened for the node and rebuilt for the user, as
torch's `supports_tensorlist` does. This path is the same eagerly and under a trace (the tape runs at trace time).

With the tape off but JAX differentiating (torch.func.grad / vjp, jax.grad over jaxtorch code), the op becomes
a `jax.custom_vjp` whose backward is the same user backward, so JAX never differentiates the kernel itself
(which may be a host callback).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._tensor import Tensor
from ..autograd import grad_mode as _gm
from ..autograd.function import Function, FunctionCtx
from ._dispatcher import run_backend, tensors_in


def _is_out(entry) -> bool:
    from .tags import Tag

    return Tag.out in entry.tags


def autograd_call(entry, values: list):
    if _is_out(entry):
        if _gm.state.enabled and any(t._requires_grad for t in tensors_in(values)):
            raise RuntimeError(
                f"{entry.name}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad."
            )
        return run_backend(entry, values)
    if _gm.state.enabled and any(t._requires_grad for t in tensors_in(values)):
        return _apply(entry, values)
    from ._trace import tracing

    if (
        entry.schema.returns
        and not entry.schema.is_mutable
        and all(r.type.base == "Tensor" for r in entry.schema.returns)
        and tracing(tensors_in(values))
    ):
        return _custom_vjp_call(entry, values)
    return run_backend(entry, values)


# ---------------------------------------------------------------------------------------------
# flattening arguments (Tensor lists become several inputs) and outputs


def _flatten_values(values: list) -> tuple[list, list]:
    """(flat tensors, spec): spec[i] is 't' (a tensor), a list of 't'/other for a tensor list, or ('v', value)."""
    flat, spec = [], []
    for v in values:
        if isinstance(v, Tensor):
            flat.append(v)
            spec.append("t")
        elif isinstance(v, (list, tuple)) and any(isinstance(x, Tensor) for x in v):
            spec.append((type(v), [("t" if isinstance(x, Tensor) else ("v", x)) for x in v]))
            flat.extend(x for x in v if isinstance(x, Tensor))
        else:
            spec.append(("v", v))
    return flat, spec


def _unflatten_values(spec: list, flat) -> list:
    it = iter(flat)
    out = []
    for s in spec:
        if s == "t":
            out.append(next(it))
        elif s[0] == "v":
            out.append(s[1])
        else:
            kind, items = s
            out.append(kind(next(it) if i == "t" else i[1] for i in items))
    return out


def _flatten_output(out) -> tuple[list, object]:
    """Leaves of a kernel result (tensors and Python values) and its structure."""
    if isinstance(out, tuple):
        leaves, tree = [], []
        for o in out:
            sub, t = _flatten_output(o)
            leaves.extend(sub)
            tree.append(t)
        return leaves, (tuple, tree)
    if isinstance(out, list):
        return list(out), (list, len(out))
    return [out], "leaf"


def _unflatten_output(tree, leaves):
    it = iter(leaves)

    def build(t):
        if t == "leaf":
            return next(it)
        kind, sub = t
        if kind is list:
            return [next(it) for _ in range(sub)]
        return tuple(build(s) for s in sub)

    return build(tree)


def _needs_input_grad(spec: list, flags, n_pos: int) -> tuple:
    """ctx.needs_input_grad for the user: one entry per positional argument, a list for a tensor list."""
    it = iter(flags)
    out = []
    for s in spec[:n_pos]:
        if s == "t":
            out.append(next(it))
        elif s[0] == "v":
            out.append(False)
        else:
            out.append([next(it) if i == "t" else False for i in s[1]])
    return tuple(out)


class _Call:
    """What one call of the op needs besides its tensors (passed as the Function's last input)."""

    def __init__(self, entry, spec) -> None:
        self.entry = entry
        self.spec = spec
        self.out_tree = None
        self.tensor_leaf = ()  # per output leaf: is it a tensor?


def _setup(entry, ctx, values: list, output) -> None:
    setup_context = entry.autograd[1]
    if setup_context is None:
        return
    inputs, kw = entry.schema.split(values)
    if kw:
        setup_context(ctx=ctx, inputs=inputs, keyword_only_inputs=kw, output=output)
    else:
        setup_context(ctx=ctx, inputs=inputs, output=output)


def _generated(entry) -> type:
    cls = entry.__dict__.get("_generated")
    if cls is not None:
        return cls
    name = f"GeneratedBackwardFor_{entry.ns}_{entry.name}_{entry.overload or 'default'}"

    def forward(ctx, *args):
        call = args[-1]
        values = _unflatten_values(call.spec, args[:-1])
        out = run_backend(call.entry, values)
        flat_flags = ctx.needs_input_grad
        ctx.needs_input_grad = _needs_input_grad(call.spec, flat_flags[:-1], _n_positional(call.entry))
        try:
            _setup(call.entry, ctx, values, out)
        finally:
            ctx.needs_input_grad = flat_flags
        leaves, call.out_tree = _flatten_output(out)
        call.tensor_leaf = tuple(isinstance(x, Tensor) for x in leaves)
        ctx._jaxtorch_call = call
        return tuple(leaves)

    def backward(ctx, *grads):
        call = ctx._jaxtorch_call
        entry_ = call.entry
        backward_fn = entry_.autograd[0] if entry_.autograd is not None else None
        if backward_fn is None:
            raise _no_formula_error(entry_)
        g = iter(grads)
        per_leaf = [next(g) if is_t else None for is_t in call.tensor_leaf]
        structured = _unflatten_output(call.out_tree, per_leaf)
        if not isinstance(structured, tuple) or call.out_tree == "leaf":
            structured = (structured,)
        flat_flags = ctx.needs_input_grad
        ctx.needs_input_grad = _needs_input_grad(call.spec, flat_flags[:-1], _n_positional(entry_))
        try:
            res = backward_fn(ctx, *structured)
        finally:
            ctx.needs_input_grad = flat_flags
        if not isinstance(res, tuple):
            res = (res,)
        return _flatten_grads(name, call.spec, res, _n_positional(entry_), len(flat_flags))

    cls = type(name, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})
    cls.__module__ = "torch.autograd.function"
    entry._generated = cls
    return cls


def _n_positional(entry) -> int:
    return sum(1 for a in entry.schema.arguments if not a.kwarg_only)


def _flatten_grads(name, spec, res, n_pos, n_flat_plus_meta):
    """The user's gradients (one per positional argument; a list for a tensor list) -> one per flat input."""
    missing_tensor = any(s[0] != "v" for s in spec[len(res) : n_pos])  # no gradient for a tensor (list) input
    if missing_tensor or len(res) > n_pos and any(r is not None for r in res[n_pos:]):
        raise RuntimeError(
            f"function {name}Backward returned an incorrect number of gradients (expected "
            f"{n_pos + 1}, got {len(res) + 1})"
        )
    out = []
    for i, s in enumerate(spec):
        g = res[i] if i < min(len(res), n_pos) else None
        if s == "t":
            out.append(g)
        elif s[0] != "v":
            n = sum(1 for x in s[1] if x == "t")
            if g is None:
                out.extend([None] * n)
            else:
                out.extend(x for x, item in zip(g, s[1]) if item == "t")
    out.append(None)  # the call record
    if len(out) != n_flat_plus_meta:
        raise RuntimeError(f"function {name}Backward returned gradients that do not match its inputs")
    return tuple(out)


def _apply(entry, values: list):
    flat, spec = _flatten_values(values)
    call = _Call(entry, spec)
    res = _generated(entry).apply(*flat, call)
    return _unflatten_output(call.out_tree, res)


# ---------------------------------------------------------------------------------------------
# JAX differentiating with the tape off: jax.custom_vjp with the user's backward


def _no_formula_error(entry) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through {entry.ns}.{entry.name}.{entry.overload or 'default'} but no autograd formula "
        "was registered. Please use register_autograd to add one."
    )


def _custom_vjp_call(entry, values: list):
    flat, spec = _flatten_values(values)
    avals = [(x._data.shape, x._data.dtype) for x in flat]  # (the backward must not hold traced tensors)
    state: dict = {}

    def run(arrays):
        vals = _unflatten_values(spec, [Tensor._make(a) for a in arrays])
        return vals, run_backend(entry, vals)

    def leaves_of(out):
        leaves, tree = _flatten_output(out)
        state["tree"] = tree
        return tuple(t._value() for t in leaves)

    @jax.custom_vjp
    def op(*arrays):
        return leaves_of(run(arrays)[1])

    def fwd(*arrays):
        vals, out = run(arrays)
        ctx = FunctionCtx()
        flags = tuple(jnp.issubdtype(a.dtype, jnp.inexact) for a in arrays)
        ctx.needs_input_grad = _needs_input_grad(spec, flags, _n_positional(entry))
        if entry.autograd is not None and entry.autograd[0] is not None:
            _setup(entry, ctx, vals, out)
        primal = leaves_of(out)
        residuals: list = []
        skeleton = {k: _take_tensors(v, residuals) for k, v in ctx.__dict__.items()}
        state["skeleton"] = skeleton
        return primal, tuple(residuals)

    def bwd(residuals, cts):
        ctx = FunctionCtx()
        it = iter(residuals)
        for k, v in state["skeleton"].items():
            setattr(ctx, k, _put_tensors(v, it))
        grads = [None if c.dtype == jax.dtypes.float0 else Tensor._make(c) for c in cts]
        structured = _unflatten_output(state["tree"], grads)
        if state["tree"] == "leaf" or not isinstance(structured, tuple):
            structured = (structured,)
        name = f"GeneratedBackwardFor_{entry.ns}_{entry.name}_{entry.overload or 'default'}"
        backward_fn = entry.autograd[0] if entry.autograd is not None else None
        if backward_fn is None:
            raise _no_formula_error(entry)
        prev = _gm.state.enabled
        _gm.state.enabled = False
        try:
            res = backward_fn(ctx, *structured)
        finally:
            _gm.state.enabled = prev
        if not isinstance(res, tuple):
            res = (res,)
        per_flat = _flatten_grads(name, spec, res, _n_positional(entry), len(avals) + 1)[:-1]
        out = []
        for g, (shape, dtype) in zip(per_flat, avals):
            if not jnp.issubdtype(dtype, jnp.inexact):
                out.append(None)  # integer inputs have no cotangent
            elif g is None:
                out.append(jnp.zeros(shape, dtype))
            else:
                out.append(jnp.asarray(g._value() if isinstance(g, Tensor) else g, dtype))
        return tuple(out)

    op.defvjp(fwd, bwd)
    res = op(*[t._value() for t in flat])
    return _unflatten_output(state["tree"], [Tensor._make(r) for r in res])


_RESIDUAL = object()  # marks where a tensor of ctx went into the residuals


def _take_tensors(v, residuals: list):
    """ctx contents with every tensor replaced by its residual slot (tensors must cross as JAX values)."""
    if isinstance(v, Tensor):
        residuals.append(v._value())
        return _RESIDUAL
    if isinstance(v, (tuple, list)):
        return type(v)(_take_tensors(x, residuals) for x in v)
    if isinstance(v, dict):
        return {k: _take_tensors(x, residuals) for k, x in v.items()}
    return v


def _put_tensors(v, it):
    if v is _RESIDUAL:
        return Tensor._make(next(it))
    if isinstance(v, (tuple, list)):
        return type(v)(_put_tensors(x, it) for x in v)
    if isinstance(v, dict):
        return {k: _put_tensors(x, it) for k, x in v.items()}
    return v
