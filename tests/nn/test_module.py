"""nn.Module and containers vs torch: registration, traversal, state_dict / load_state_dict, modes,
dtype conversion, hooks, submodule access, repr, and two small reference nets end to end."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import jaxtorch
from _module_oracle import copy_state, run_module, to_jt
from _same import same_error
from helpers import assert_close


def zoo(nn):
    """A nested model: Sequential + ModuleDict + ModuleList + tied weights + a buffer."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 8))
            self.heads = nn.ModuleDict({"a": nn.Linear(8, 3), "b": nn.Sequential(nn.Tanh(), nn.Linear(8, 3))})
            self.extra = nn.ModuleList([nn.Identity(), nn.Softmax(dim=-1)])
            self.tied = self.heads["a"]
            self.register_buffer("scale", torch_or_jt(nn).ones(3) * 2)
            self.register_buffer("tmp", torch_or_jt(nn).zeros(1), persistent=False)

        def forward(self, x):
            h = self.body(x)
            return self.extra[1](self.heads["a"](h) + self.heads["b"](h)) * self.scale

    return Net()


def torch_or_jt(nn):
    return torch if nn is torch.nn else jaxtorch


def _names(it):
    return [n for n, _ in it]


def test_traversal_matches_torch():
    t, j = zoo(torch.nn), zoo(jaxtorch.nn)
    for kw in ({}, {"prefix": "m"}, {"recurse": False}, {"remove_duplicate": False}):
        assert _names(t.named_parameters(**kw)) == _names(j.named_parameters(**kw)), kw
        assert _names(t.named_buffers(**kw)) == _names(j.named_buffers(**kw)), kw
    for kw in ({}, {"prefix": "m"}, {"remove_duplicate": False}):
        assert _names(t.named_modules(**kw)) == _names(j.named_modules(**kw)), kw
    assert _names(t.named_children()) == _names(j.named_children())
    assert len(list(t.parameters())) == len(list(j.parameters()))
    assert [type(m).__name__ for m in t.modules()] == [type(m).__name__ for m in j.modules()]


def test_state_dict_keys_metadata_and_roundtrip():
    t, j = zoo(torch.nn), zoo(jaxtorch.nn)
    ts, js = t.state_dict(), j.state_dict()
    assert list(ts) == list(js)
    assert dict(ts._metadata) == dict(js._metadata)
    for k in ts:
        assert tuple(ts[k].shape) == tuple(js[k].shape) and str(ts[k].dtype) == repr(js[k].dtype)
    copy_state(t, j)
    t.eval()
    j.eval()
    x = np.random.default_rng(0).normal(size=(2, 4)).astype(np.float32)
    assert_close(t(torch.tensor(x)), j(jaxtorch.tensor(x)))
    r = j.load_state_dict(j.state_dict())
    assert repr(r) == repr(t.load_state_dict(t.state_dict()))


def test_load_state_dict_errors_match_torch():
    def missing(T):
        m = zoo(T.nn)
        sd = m.state_dict()
        del sd["body.0.bias"]
        sd["body.9.weight"] = T.ones(1)
        return m.load_state_dict(sd)

    same_error(missing)

    def size(T):
        m = T.nn.Sequential(T.nn.Linear(2, 3))
        return m.load_state_dict({"0.weight": T.ones(4, 2), "0.bias": T.ones(3)})

    same_error(size)

    def non_strict(T):
        m = T.nn.Sequential(T.nn.Linear(2, 3))
        r = m.load_state_dict({"0.weight": T.ones(3, 2), "x": T.ones(1)}, strict=False)
        return list(r.missing_keys), list(r.unexpected_keys)

    t = non_strict(torch)
    assert t == non_strict(jaxtorch)


def test_train_eval_zero_grad_apply_to():
    for T in (torch, jaxtorch):
        m = zoo(T.nn)
        m.eval()
        assert all(not x.training for x in m.modules())
        m.train()
        assert all(x.training for x in m.modules())
        m(T.ones(2, 4)).sum().backward()
        assert all(p.grad is not None for p in m.parameters())
        m.zero_grad(set_to_none=False)
        assert all(float(p.grad.abs().sum()) == 0 for p in m.parameters())
        m.zero_grad()
        assert all(p.grad is None for p in m.parameters())
        seen = []
        m.apply(lambda mod: seen.append(type(mod).__name__))
        assert seen[-1] == "Net" and seen[0] == "Linear"
        p = m.body[0].weight
        m.double()
        assert m.body[0].weight is p and p.dtype == T.float64 and m.scale.dtype == T.float64
        m.to(T.float32)
        assert p.dtype == T.float32
    same_error(lambda T: T.nn.Linear(2, 2).to(T.int64))


def test_get_submodule_parameter():
    for T in (torch, jaxtorch):
        m = zoo(T.nn)
        assert m.get_submodule("heads.b.1") is m.heads["b"][1]
        assert m.get_parameter("body.3.bias") is m.body[3].bias
    same_error(lambda T: zoo(T.nn).get_submodule("body.7"))
    same_error(lambda T: zoo(T.nn).get_parameter("body.0.nope"))
    same_error(lambda T: zoo(T.nn).get_parameter("scale"))


def test_forward_and_pre_hooks():
    logs = {}
    for T in (torch, jaxtorch):
        log = logs[T.__name__] = []
        m = T.nn.Linear(3, 2)
        m.weight.data = T.ones(2, 3)
        m.bias.data = T.zeros(2)
        h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h2 = m.register_forward_hook(lambda mod, args, out: out + 1)
        m.register_forward_hook(lambda mod, args, out: log.append(out.tolist()))
        log.append(m(T.ones(1, 3)).tolist())
        h1.remove()
        h2.remove()
        log.append(m(T.ones(1, 3)).tolist())
        m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] * 0,), kwargs), with_kwargs=True)
        log.append(m(T.ones(1, 3)).tolist())
    assert logs["torch"] == logs["jaxtorch"]


def test_full_backward_hook():
    res = {}
    for T in (torch, jaxtorch):
        m = T.nn.Linear(3, 2)
        copy = T.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
        m.weight.data = copy
        seen = []

        def hook(mod, gin, gout):
            seen.append(([g.tolist() if g is not None else None for g in gin], [g.tolist() for g in gout]))
            return (gin[0] * 3,)

        m.register_full_backward_hook(hook)
        x = T.ones(2, 3, requires_grad=True)
        (m(x) * T.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        res[T.__name__] = (seen, x.grad.tolist())
    assert res["torch"] == res["jaxtorch"]


def test_repr_zoo():
    assert repr(zoo(torch.nn)) == repr(zoo(jaxtorch.nn))
    for make in (lambda nn: nn.Sequential(), lambda nn: nn.ModuleList([nn.ReLU(), nn.ReLU()]),
                 lambda nn: nn.Sequential(nn.Flatten(), nn.Unflatten(1, (2, 2)), nn.Embedding(4, 2)),
                 lambda nn: nn.ModuleDict({"x": nn.Bilinear(2, 3, 4)})):
        assert repr(make(torch.nn)) == repr(make(jaxtorch.nn))


def test_registration_errors():
    same_error(lambda T: T.nn.Linear(2, 2).register_buffer("a.b", T.ones(1)))
    same_error(lambda T: T.nn.Linear(2, 2).register_parameter("x", T.ones(1)))
    same_error(lambda T: setattr(T.nn.Linear(2, 2), "weight", T.ones(2, 2)))
    same_error(lambda T: T.nn.Linear(2, 2).add_module("bad", 3))


def _my_module(nn):
    class MyModule(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, x):
            return self.linear(x)

    return MyModule()


def _simple_net(nn):
    class SimpleNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 128)
            self.relu = nn.ReLU()
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            return self.fc2(self.relu(self.fc1(x)))

    return SimpleNet()


def test_my_module_matches_torch():
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    run_module(_my_module, [x])


def test_simple_net_matches_torch():
    x = np.random.default_rng(0).normal(size=(8, 784)).astype(np.float32)
    run_module(_simple_net, [x], grad_rtol=1e-4, grad_atol=1e-5)
    tm, jm = _simple_net(torch.nn), _simple_net(jaxtorch.nn)
    copy_state(tm, jm)
    y = np.array([1, 0, 9, 3, 4, 5, 6, 7], np.int64)
    tl = torch.nn.functional.cross_entropy(tm(torch.tensor(x)), torch.tensor(y))
    jl = jaxtorch.nn.functional.cross_entropy(jm(jaxtorch.tensor(x)), jaxtorch.tensor(y))
    tl.backward()
    jl.backward()
    assert_close(tl, jl)
    assert_close(tm.fc1.weight.grad, jm.fc1.weight.grad, 1e-4, 1e-6)


def test_state_dict_is_detached_and_loads_by_copy():
    m = jaxtorch.nn.Linear(2, 2)
    w = m.weight
    sd = m.state_dict()
    assert not sd["weight"].requires_grad
    m.load_state_dict({"weight": to_jt(torch.ones(2, 2)), "bias": to_jt(torch.zeros(2))})
    assert m.weight is w and np.all(w.detach().numpy() == 1) and w.requires_grad


@pytest.mark.parametrize("assign", [True])
def test_load_state_dict_assign(assign):
    m = jaxtorch.nn.Linear(2, 2)
    new_w = jaxtorch.ones(2, 2)
    m.load_state_dict({"weight": new_w, "bias": jaxtorch.zeros(2)}, assign=assign)
    assert isinstance(m.weight, jaxtorch.nn.Parameter) and m.weight.requires_grad
