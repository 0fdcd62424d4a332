"""Compiled forward, eager backward: `torch.compile(model)` (or a compiled function) whose outputs feed `.backward()`.

A compiled call whose trace shows a forward (outputs that require grad, no backward inside) runs as one recorded
op on jaxtorch's tape, as AOTAutograd makes one autograd node of a compiled graph in torch:
- forward: one XLA program computing the outputs, the state the call writes (BatchNorm statistics, generator
  counters) and the residuals of its vjp (what backward needs), with XLA's default optimisations;
- backward: one XLA program, the vjp of the same forward applied to the residuals (`CompiledFunctionBackward`).
The differentiable inputs are the state tensors that require grad (parameters, read fresh on every call, so an
eager optimizer's updates are seen) and the tensor arguments that require grad (their own graphs continue
behind the node). Calls under no_grad / inference_mode take the plain program and keep no residuals.
"""

from __future__ import annotations

import jax
import jax.extend

from .. import _xla
from .._ops._dispatch import _merge, _run_vjp, _vjp_fwd
from .._tensor import Tensor
from ..autograd.graph import Node
from ._flatten import arg_tensors, flatten_args
from ._program import _Program

_bwd_jit = None  # made on first use (the backend must be up for jaxtorch's options)


def _run_compiled_vjp(vjp_fn, ct):
    global _bwd_jit
    if _bwd_jit is None:
        _bwd_jit = _xla.jit(_run_vjp)
    return _bwd_jit(vjp_fn, ct)


class CompiledFunctionBackward(Node):
    """The autograd node of a compiled call: its backward is the compiled vjp program (double backward re-derives
    it from the forward, as every node does)."""

    __slots__ = ()
    _run_vjp = staticmethod(_run_compiled_vjp)


class _AutogradProgram:
    """A traced `_Program` run as one differentiable op (see the module docstring)."""

    one_shot = False

    def __init__(self, prog: _Program, arg_marks: list):
        self.prog = prog
        self.trace_info = prog.trace_info
        self.lifted = prog.lifted
        n = len(prog.lifted)
        self.n_state = n
        dyn = [m for m in arg_marks if not hasattr(m, "value")]  # one per dynamic argument leaf
        self.arg_is_tensor = [m[0] == "T" for m in dyn]
        self.diff_state = tuple(k for k, t in enumerate(prog.lifted) if t._requires_grad)
        self.diff_args = tuple(i for i, m in enumerate(dyn) if m[0] == "T" and m[1])
        self.diff_pos = self.diff_state + tuple(n + i for i in self.diff_args)
        self.diff_set = frozenset(self.diff_pos)
        # argument leaf index -> position among the call's tensor arguments (arg_tensors order)
        tensor_leaves = [i for i, is_t in enumerate(self.arg_is_tensor) if is_t]
        self.tensor_of_leaf = {leaf: k for k, leaf in enumerate(tensor_leaves)}
        plan = prog.plan
        prog.written_pos = [k for k, w in enumerate(plan["written"]) if w]
        self.n_head = len(prog.written_pos) + plan["n_esc"]  # written state and escaped tensors come first
        # the jaxpr the trace already made: differentiated as it is, so the Python runs once
        self.jaxpr_fn = jax.extend.core.jaxpr_as_fun(prog.closed)
        prog.closed = None
        self.fwd_exec = _xla.jit(_vjp_fwd(self._fn, (), self.diff_pos))
        self.out_is_tensor = [m[0] == "T" for m in plan["out_tpl"][1] if not hasattr(m, "value")]

    def _fn(self, *vals):
        """The call as a pure function of (state payloads, argument leaves): outputs first, then written state
        and escaped tensors (so the node's output mask covers them; their cotangents are zero)."""
        flat = tuple(self.jaxpr_fn(*vals))
        return flat[self.n_head:] + flat[:self.n_head]

    def valid(self) -> bool:
        """Whether the same state tensors require grad as when the program was built."""
        return tuple(k for k, t in enumerate(self.lifted) if t._requires_grad) == self.diff_state

    def __call__(self, args, kwargs):
        leaves: list = []
        flatten_args(args, kwargs, leaves)
        return self.run(leaves, args, kwargs)

    def run(self, leaves, args=(), kwargs=None):
        lifted = self.lifted
        vals = [t._data for t in lifted] + list(leaves)
        diff = tuple(vals[i] for i in self.diff_pos)
        rest = tuple(None if i in self.diff_set else v for i, v in enumerate(vals))
        main, vjp_fn, aux = self.fwd_exec(diff, rest)
        out = _merge(main, aux)
        mask = tuple(m is not None for m in main)
        n_out = len(out) - self.n_head
        node = None
        if any(mask):
            n = self.n_state
            tensors = arg_tensors(args, kwargs or {}) if self.diff_args else ()
            edges = tuple(lifted[p]._edge() if p < n else tensors[self.tensor_of_leaf[p - n]]._edge()
                          for p in self.diff_pos)
            avals = tuple(None if m is None else (m.shape, m.dtype) for m in main)
            node = CompiledFunctionBackward("compiled_function", vjp_fn, edges, self._fn, (), self.diff_pos,
                                            tuple(vals), mask, avals)
        made = []
        for i in range(n_out):
            v = out[i]
            if i < len(self.out_is_tensor) and self.out_is_tensor[i]:
                t = Tensor._make(v)
                if node is not None and mask[i]:
                    t._requires_grad, t._grad_fn, t._out_idx = True, node, i
                made.append(t)
            else:
                made.append(v)
        flat = list(out[n_out:]) + list(out[:n_out])
        return self.prog._replay(flat, args, kwargs, out_tensors=made)
