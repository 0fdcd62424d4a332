"""torch.autograd: backward, grad, grad modes, custom Functions."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._tensor import Tensor
from . import graph
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .anomaly_mode import detect_anomaly, set_detect_anomaly

__all__ = ["backward", "grad", "Function", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "once_differentiable", "FunctionCtx", "detect_anomaly", "set_detect_anomaly", "Variable",
           "variable", "gradcheck", "gradgradcheck"]


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, (Tensor, graph.GradientEdge)):
        return (x,)
    return tuple(x)


def _input_edge(t):
    """The tape edge a gradient is captured at: a tensor's, or a torch.autograd.graph.GradientEdge."""
    return (t.node, t.output_nr) if isinstance(t, graph.GradientEdge) else t._edge()


_ONES: dict = {}


def _ones(shape, dtype):
    """The implicit seed gradient (1 for a scalar loss): arrays are immutable, so one per shape is reused."""
    key = (shape, dtype)
    c = _ONES.get(key)
    if c is None:
        c = jnp.ones(shape, dtype)
        if not isinstance(c, jax.core.Tracer):  # made inside a trace it belongs to that trace only
            _ONES[key] = c
    return c


def _make_root_cts(outputs, grad_outputs, create_graph):
    cts = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.is_floating_point() and not out.is_complex():
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"{out.dtype}")
            c = _ones(out._data.shape, out._data.dtype)
            cts.append(Tensor._make(c) if create_graph else c)
            continue
        if not isinstance(g, Tensor):
            from .._ops.creation import tensor

            g = tensor(g, dtype=out.dtype)
        if tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a "
                               f"shape of {out.shape}.")
        if g._data.dtype != out._data.dtype:
            g = g.to(out.dtype)
        cts.append(g if create_graph else g._value())
    return cts


def _roots(outputs):
    roots = []
    for i, o in enumerate(outputs):
        if not o._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        o._value()  # a stale view re-derives its edge first
        roots.append(o._edge())
    return roots


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate gradients of `tensors` into the .grad of the leaves (or only of `inputs`)."""
    outputs = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(outputs)
    if isinstance(grad_tensors, Tensor):
        grads = (grad_tensors,)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(grads)} tensors and {len(outputs)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outputs)
    cts = _make_root_cts(outputs, grads, create_graph)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        res = graph.run_backward(roots, cts, retain_graph, create_graph, capture=[t._edge() for t in inputs])
        for t, g in zip(inputs, res):
            if g is None:
                continue
            if t.is_leaf:
                graph._accumulate(t._edge()[0] if t._grad_fn is None else graph.AccumulateGrad(t), g, create_graph)
            else:
                gt = g if isinstance(g, Tensor) else Tensor._make(g)
                t._grad = gt if t._grad is None else t._grad + gt
        return
    graph.run_backward(roots, cts, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of outputs with respect to inputs, returned (not accumulated into .grad)."""
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    gos = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outs)
    if isinstance(grad_outputs, Tensor):
        gos = (grad_outputs,)
    if len(gos) != len(outs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(gos)} and {len(outs)}")
    for t in ins:
        if not isinstance(t, graph.GradientEdge) and not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outs)
    cts = _make_root_cts(outs, gos, create_graph)
    res = graph.run_backward(roots, cts, retain_graph, create_graph, capture=[_input_edge(t) for t in ins])
    out = []
    for i, (t, g) in enumerate(zip(ins, res)):
        if g is None:
            if materialize_grads:
                from .._ops.creation import zeros_like

                out.append(zeros_like(t))
                continue
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            out.append(None)
            continue
        if isinstance(g, Tensor):
            out.append(g)
        else:
            out.append(Tensor._make(g))
    return tuple(out)


from .variable import Variable  # noqa: E402


def variable(*args, **kwargs):
    raise RuntimeError("torch.autograd.variable(...) is deprecated, use torch.tensor(...) instead")


# torch.autograd.variable is this deprecated function (it shadows the submodule's name), which carries Variable
# so that `torch.autograd.variable.Variable` still resolves
variable.Variable = Variable

from . import functional  # noqa: E402,F401
from . import forward_ad  # noqa: E402,F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402,F401
