"""ModuleInfo-style oracle for nn layers and losses: build the torch module and ours with the same
constructor, copy torch's state_dict into ours, run the same inputs in train and eval mode, and compare
outputs, input gradients, parameter gradients, buffers, state_dict keys/shapes/dtypes and repr."""

from __future__ import annotations

import numpy as np
import torch

import jaxtorch
from helpers import assert_close, to_np


def to_jt(x):
    if isinstance(x, torch.Tensor):
        return jaxtorch.tensor(x.detach().numpy().copy())
    if isinstance(x, (tuple, list)):
        return type(x)(to_jt(v) for v in x)
    return x


def copy_state(tm, jm) -> None:
    sd = {k: to_jt(v) for k, v in tm.state_dict().items()}
    jm.load_state_dict(sd)


def check_state_dict(tm, jm) -> None:
    ts, js = tm.state_dict(), jm.state_dict()
    assert list(ts.keys()) == list(js.keys()), f"state_dict keys {list(ts)} vs {list(js)}"
    for k in ts:
        assert tuple(ts[k].shape) == tuple(js[k].shape), k
        assert str(ts[k].dtype) == repr(js[k].dtype), k


def _weights(outs, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, size=tuple(o.shape)).astype(to_np(o).dtype) for o in outs]


def run_module(make, inputs, *, modes=(True, False), rtol=1e-5, atol=1e-6, grad_rtol=1e-4, grad_atol=1e-5,
               check_repr=True, grad=True, grad_inputs=None):
    """make(nn) -> module; inputs: list of numpy arrays (float arrays get requires_grad)."""
    torch.manual_seed(0)
    tm = make(torch.nn)
    jm = make(jaxtorch.nn)
    check_state_dict(tm, jm)
    if check_repr:
        assert repr(tm) == repr(jm), f"repr:\n{tm!r}\nvs\n{jm!r}"
    copy_state(tm, jm)
    for mode in modes:
        tm.train(mode)
        jm.train(mode)
        tm.zero_grad()
        jm.zero_grad()
        float_in = [isinstance(a, np.ndarray) and a.dtype.kind == "f" and (grad_inputs is None or i in grad_inputs)
                    for i, a in enumerate(inputs)]
        t_in = [torch.tensor(a, requires_grad=grad and f) if isinstance(a, np.ndarray) else a
                for a, f in zip(inputs, float_in)]
        j_in = [jaxtorch.tensor(a, requires_grad=grad and f) if isinstance(a, np.ndarray) else a
                for a, f in zip(inputs, float_in)]
        t_out = tm(*t_in)
        j_out = jm(*j_in)
        assert_close(t_out, j_out, rtol, atol, what=f"output (train={mode})")
        if grad and t_out.requires_grad:
            (w,) = _weights([t_out])
            (t_out * torch.tensor(w)).sum().backward()
            (j_out * jaxtorch.tensor(w)).sum().backward()
            for i, (a, b) in enumerate(zip(t_in, j_in)):
                if isinstance(a, torch.Tensor) and a.requires_grad:
                    if a.grad is None:  # not differentiable in torch (e.g. a sign target): ours is 0 or None
                        assert b.grad is None or not np.any(to_np(b.grad)), f"input grad {i}: torch None"
                        continue
                    assert_close(a.grad, b.grad, grad_rtol, grad_atol, what=f"input grad {i} (train={mode})")
            tp, jp = dict(tm.named_parameters()), dict(jm.named_parameters())
            assert list(tp) == list(jp)
            for k in tp:
                if tp[k].grad is None:
                    assert jp[k].grad is None or not np.any(to_np(jp[k].grad)), k
                else:
                    tg = tp[k].grad.to_dense() if tp[k].grad.is_sparse else tp[k].grad  # sparse=True embeddings
                    assert_close(tg, jp[k].grad, grad_rtol, grad_atol, what=f"grad of {k} (train={mode})")
        tb, jb = dict(tm.named_buffers()), dict(jm.named_buffers())
        assert list(tb) == list(jb)
        for k in tb:
            assert_close(tb[k], jb[k], rtol, atol, what=f"buffer {k}")
    return tm, jm
