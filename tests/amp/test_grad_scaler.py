"""torch.amp.GradScaler against real torch's GradScaler('cpu'): scale, step skipping, growth/backoff, state."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import jaxtorch

rng = np.random.default_rng(0)
W0 = rng.standard_normal((3, 4)).astype(np.float32)
B0 = rng.standard_normal((3,)).astype(np.float32)
XS = rng.standard_normal((8, 2, 4)).astype(np.float32)
BAD = {2: float("inf"), 5: float("nan"), 6: float("inf")}  # steps whose loss (hence grads) are non-finite


def _setup(lib, opt_name):
    lin = lib.nn.Linear(4, 3)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor(W0) if lib is jaxtorch else torch.from_numpy(W0.copy()))
        lin.bias.copy_(lib.tensor(B0) if lib is jaxtorch else torch.from_numpy(B0.copy()))
    opt = (lib.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9) if opt_name == "sgd"
           else lib.optim.AdamW(lin.parameters(), lr=0.01))
    scaler = lib.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=2)
    return lin, opt, scaler


def _step(lib, lin, opt, scaler, x, bad):
    opt.zero_grad()
    loss = (lin(x) ** 2).mean() * bad
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    return loss


def _inputs(lib, i):
    x = lib.tensor(XS[i]) if lib is jaxtorch else torch.from_numpy(XS[i].copy())
    return x, BAD.get(i, 1.0)


@pytest.mark.parametrize("opt_name", ["sgd", "adamw"])
def test_matches_torch_step_by_step(opt_name):
    t = _setup(torch, opt_name)
    j = _setup(jaxtorch, opt_name)
    for i in range(len(XS)):
        _step(torch, *t, *_inputs(torch, i))
        _step(jaxtorch, *j, *_inputs(jaxtorch, i))
        assert j[2].get_scale() == t[2].get_scale(), f"step {i}"
        assert j[2]._get_growth_tracker() == t[2]._get_growth_tracker(), f"step {i}"
        for tp, jp in zip(t[0].parameters(), j[0].parameters()):
            np.testing.assert_allclose(np.asarray(jp.detach()._value()), tp.detach().numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=f"step {i}")
    assert j[2].state_dict() == t[2].state_dict()


def test_compiled_step_matches_eager():
    eager = _setup(jaxtorch, "adamw")
    comp = _setup(jaxtorch, "adamw")
    lin, opt, scaler = comp

    @jaxtorch.compile
    def step(x, bad):
        return _step(jaxtorch, lin, opt, scaler, x, bad)

    jaxtorch.compiler.reset_stats()
    for i in range(len(XS)):
        x, bad = _inputs(jaxtorch, i)
        _step(jaxtorch, *eager, x, bad)
        step(x, jaxtorch.tensor(bad))  # a tensor, so inf/nan steps are data, not a new trace
        assert scaler.get_scale() == eager[2].get_scale(), f"step {i}"
        for ep, cp in zip(eager[0].parameters(), lin.parameters()):
            np.testing.assert_allclose(np.asarray(cp.detach()._value()), np.asarray(ep.detach()._value()),
                                       rtol=1e-5, atol=1e-6, err_msg=f"step {i}")
    st = jaxtorch.compiler.stats()
    assert st["graph_breaks"] == 0 and st["compiled_calls"] >= len(XS) - 2, st  # the step really ran compiled


def test_state_dict_round_trip_and_errors():
    lin, opt, scaler = _setup(jaxtorch, "sgd")
    for i in range(4):
        _step(jaxtorch, lin, opt, scaler, *_inputs(jaxtorch, i))
    sd = scaler.state_dict()
    tl, topt, tsc = _setup(torch, "sgd")
    for i in range(4):
        _step(torch, tl, topt, tsc, *_inputs(torch, i))
    assert sd == tsc.state_dict()
    other = jaxtorch.amp.GradScaler("cpu")
    other.load_state_dict(sd)
    assert other.state_dict() == sd
    assert pickle.loads(pickle.dumps(scaler)).state_dict() == sd
    disabled = jaxtorch.amp.GradScaler("cpu", enabled=False)
    assert disabled.state_dict() == {} and disabled.get_scale() == 1.0 and not disabled.is_enabled()
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        other.load_state_dict({})
    with pytest.raises(AssertionError, match="Attempted update but _scale is None"):
        other.update()
    loss = other.scale((lin(jaxtorch.tensor(XS[0])) ** 2).mean())
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update."):
        other.update()
    loss.backward()
    other.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called"):
        other.unscale_(opt)
    other.step(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update\(\)."):
        other.step(opt)
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        other.scale(3.0)
    other.update(256.0)
    assert other.get_scale() == 256.0
