"""Full backward hooks: identity Functions around a module's inputs and outputs capture
grad_output and grad_input, then call hook(module, grad_input, grad_output)."""

from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.function import Function


class _Identity(Function):
    @staticmethod
    def forward(ctx, state, kind, *tensors):
        ctx.state, ctx.kind = state, kind
        out = tuple(Tensor._make(t._value()) for t in tensors)
        return out if len(out) != 1 else out[0]

    @staticmethod
    def backward(ctx, *grads):
        grads = ctx.state.on_grads(ctx.kind, grads)
        return (None, None) + tuple(grads)


class BackwardHookState:
    def __init__(self, module):
        self.module = module
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_mask = ()

    def setup_inputs(self, args):
        self.input_mask = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        tensors = [a for a, m in zip(args, self.input_mask) if m]
        if not tensors:
            return args
        wrapped = _Identity.apply(self, "in", *tensors)
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        it = iter(wrapped)
        return tuple(next(it) if m else a for a, m in zip(args, self.input_mask))

    def setup_outputs(self, result):
        outs = result if isinstance(result, tuple) else (result,)
        mask = tuple(isinstance(o, Tensor) and o.requires_grad for o in outs)
        tensors = [o for o, m in zip(outs, mask) if m]
        if not tensors:
            return result
        self.out_count = len(tensors)
        wrapped = _Identity.apply(self, "out", *tensors)
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        it = iter(wrapped)
        new = tuple(next(it) if m else o for o, m in zip(outs, mask))
        if not any(self.input_mask):
            self._no_inputs = True
        return new if isinstance(result, tuple) else new[0]

    def on_grads(self, kind, grads):
        m = self.module
        if kind == "out":
            for hook in m._backward_pre_hooks.values():
                r = hook(m, grads)
                if r is not None:
                    grads = tuple(r)
            self.grad_outputs = grads
            if getattr(self, "_no_inputs", False):
                for hook in m._backward_hooks.values():
                    hook(m, (None,) * len(self.input_mask), self.grad_outputs)
            return grads
        full = []
        it = iter(grads)
        for msk in self.input_mask:
            full.append(next(it) if msk else None)
        grad_input = tuple(full)
        for hook in m._backward_hooks.values():
            r = hook(m, grad_input, self.grad_outputs)
            if r is not None:
                grad_input = tuple(r)
        return tuple(g for g, msk in zip(grad_input, self.input_mask) if msk)
