"""A parameter listed twice in a group is updated twice per step, one update after the other, as torch does
(both warn at construction). Compared with real torch over several steps, eagerly and under torch.compile."""

import warnings

import numpy as np
import pytest
import torch

import jaxtorch as jt

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("Adam", {"lr": 0.1}),
    ("AdamW", {"lr": 0.1, "amsgrad": True}),
    ("Adamax", {"lr": 0.1}),
    ("NAdam", {"lr": 0.1}),
    ("RAdam", {"lr": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adadelta", {"lr": 1.0}),
]


def _train(lib, name, kw, order, compiled=False, steps=3):
    p = lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5]))
    q = lib.nn.Parameter(lib.tensor([[0.3, -0.7]]))
    objs = {"p": p, "q": q}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        opt = getattr(lib.optim, name)([objs[k] for k in order], **kw)
    dup_warned = any("duplicate parameters" in str(x.message) for x in w)

    def step():
        opt.zero_grad()
        loss = (p ** 2).sum() + (q * p[:2]).sum() + (q ** 3).sum()
        loss.backward()
        opt.step()
        return loss

    run = jt.compile(step) if compiled else step
    losses = [float(run()) for _ in range(steps)]
    return losses, p.detach().numpy().copy(), q.detach().numpy().copy(), dup_warned


@pytest.mark.parametrize("order", [("p", "p"), ("p", "q", "p", "q", "p")], ids=["pp", "pqpqp"])
@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_duplicates_update_twice_like_torch(name, kw, order):
    want = _train(torch, name, kw, order)
    got = _train(jt, name, kw, order)
    assert want[3] and got[3]
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kw", [CASES[1], CASES[4]], ids=["SGD-momentum", "Adam"])
def test_duplicates_under_compile_match_torch(name, kw):
    want = _train(torch, name, kw, ("p", "q", "p"))
    got = _train(jt, name, kw, ("p", "q", "p"), compiled=True)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-5, atol=1e-6)
