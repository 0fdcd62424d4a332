"""torch.autograd.Function: user-defined forward/backward, recorded as one node on the tape."""

from __future__ import annotations

import jax.numpy as jnp

from . import grad_mode as _gm


class FunctionCtx:
    def save_for_backward(self, *tensors):
        self.saved_tensors = tuple(tensors)
        self._saved = True

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool):
        self.materialize_grads = value

    materialize_grads = True
    saved_tensors = ()
    needs_input_grad = ()


class _FunctionNode:
    """A tape node whose backward calls the user's `backward` with Tensor cotangents."""

    __slots__ = ("cls", "ctx", "next_edges", "out_mask", "out_avals", "_vjp", "_tensor_pre_hooks", "_retain",
                 "_pre_hooks", "_hooks", "input_pos", "n_inputs", "metadata", "__weakref__")

    def __init__(self, cls, ctx, next_edges, input_pos, n_inputs, out_avals):
        self.cls, self.ctx, self.next_edges = cls, ctx, next_edges
        self.input_pos, self.n_inputs = input_pos, n_inputs
        self.out_mask = tuple(True for _ in out_avals) if len(out_avals) != 1 else None
        self.out_avals = out_avals
        self._vjp = True
        self._tensor_pre_hooks = self._retain = self._pre_hooks = self._hooks = None
        self.metadata = {}

    def name(self):
        return self.cls.__name__ + "Backward"

    def __repr__(self):
        return f"<torch.autograd.function.{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        return tuple(self.next_edges)

    from .graph import Node as _N

    register_hook = _N.register_hook
    register_prehook = _N.register_prehook
    _add_tensor_hook = _N._add_tensor_hook
    del _N

    def release(self):
        self._vjp = None
        self.ctx.saved_tensors = ()

    def apply(self, cts, create_graph):
        from .._tensor import Tensor

        if self._vjp is None:
            raise RuntimeError("Trying to backward through the graph a second time (or directly access saved "
                               "tensors after they have already been freed). Specify retain_graph=True if you need "
                               "to backward through the graph a second time.")
        tcts = []
        for i, c in enumerate(cts):
            if c is None:
                if self.ctx.materialize_grads:
                    shape, dtype = self.out_avals[i]
                    c = jnp.zeros(shape, dtype)
                else:
                    tcts.append(None)
                    continue
            tcts.append(c if isinstance(c, Tensor) else Tensor._make(c))
        prev = _gm.state.enabled
        _gm.state.enabled = create_graph
        try:
            res = self.cls.backward(self.ctx, *tcts)
        finally:
            _gm.state.enabled = prev
        if not isinstance(res, tuple):
            res = (res,)
        if len(res) < self.n_inputs:
            res = res + (None,) * (self.n_inputs - len(res))
        if len(res) > self.n_inputs and any(r is not None for r in res[self.n_inputs:]):
            raise RuntimeError(f"function {self.cls.__name__}Backward returned an incorrect number of gradients "
                               f"(expected {self.n_inputs}, got {len(res)})")
        out = []
        for p in self.input_pos:
            g = res[p]
            if g is None:
                out.append(None)
            else:
                out.append(g if create_graph else g._value())
        return out


def _node_class(cls) -> type:
    """The grad_fn class of a Function subclass, named like torch's (`<Name>Backward`)."""
    nc = cls.__dict__.get("_backward_cls")
    if nc is None:
        nc = type(cls.__name__ + "Backward", (_FunctionNode,), {"__slots__": ()})
        nc.__module__ = __name__
        type.__setattr__(cls, "_backward_cls", nc)
    return nc


class _FunctionMeta(type):
    pass


class Function(metaclass=_FunctionMeta):
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grads)`; call `Fn.apply(*args)`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor

        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        prev = _gm.state.enabled
        _gm.state.enabled = False
        try:
            if cls.setup_context is not Function.setup_context:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        finally:
            _gm.state.enabled = prev
        record = prev and any(ctx.needs_input_grad)
        if not record:
            return out
        outs = out if isinstance(out, tuple) else (out,)
        input_pos = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor) and a._requires_grad)
        edges = tuple(args[i]._edge() for i in input_pos)
        tensor_outs = [o for o in outs if isinstance(o, Tensor)]
        node = _node_class(cls)(cls, ctx, edges, input_pos, len(args),
                             tuple((o._data.shape, o._data.dtype) for o in tensor_outs))
        non_diff = getattr(ctx, "_non_diff", set())
        dirty = {id(t) for t in getattr(ctx, "_dirty", ())}
        results = []
        k = 0
        for o in outs:
            if not isinstance(o, Tensor):
                results.append(o)
                continue
            if any(o is a for a in args) and id(o) not in dirty:
                o = Tensor._make(o._value())  # returning an input gives a new tensor (a view in torch)
            if id(o) not in non_diff and (o.is_floating_point() or o.is_complex()):
                o._requires_grad = True
                o._grad_fn = node
                o._out_idx = k
            k += 1
            results.append(o)
        return tuple(results) if isinstance(out, tuple) else results[0]


def once_differentiable(fn):
    return fn
