"""torch.compile on hand-written steps: compiled state equals eager state, graph breaks, counters.

Every stateful behaviour runs twice, eagerly and compiled, from the same seed and weights, and the
two must agree (XLA fuses differently from op-by-op dispatch, hence float32-level tolerances)."""

import warnings

import numpy as np
import pytest

import jaxtorch as torch
from jaxtorch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 3) * 0.1)
        self.b = nn.Parameter(torch.zeros(4))
        self.register_buffer("running", torch.zeros(4))
        self.register_buffer("count", torch.tensor(0))

    def forward(self, x):
        h = x @ self.w.t() + self.b
        with torch.no_grad():
            self.running.mul_(0.9).add_(h.mean(0) * 0.1)
            self.count += 1
        mask = (torch.rand(h.shape) > 0.2).float()  # dropout-like: needs a fresh mask every step
        return (h * mask).tanh()


def _run(compiled, steps=5, lrs=(0.1, 0.1, 0.05, 0.05, 0.05)):
    torch.manual_seed(0)
    m = Net()
    momentum = {id(p): torch.zeros_like(p) for p in m.parameters()}
    history = []

    def step(x, y, lr):
        for p in m.parameters():
            p.grad = None
        loss = ((m(x) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in m.parameters():
                buf = momentum[id(p)]
                buf.mul_(0.9).add_(p.grad)
                p.sub_(lr * buf)
        history.append(None)
        return loss

    f = torch.compile(step) if compiled else step
    x = torch.tensor(np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32))
    y = torch.zeros(8, 4)
    torch.manual_seed(1)
    losses = [f(x, y, lr).item() for lr in lrs[:steps]]
    return losses, m, momentum


def test_compiled_step_keeps_all_state():
    torch.compiler.reset_stats()
    le, me, mome = _run(False)
    ce, mc, momc = _run(True)
    np.testing.assert_allclose(ce, le, rtol=1e-5)
    for (name, a), (_, b) in zip(me.state_dict().items(), mc.state_dict().items()):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-7, err_msg=name)
    for a, b in zip(mome.values(), momc.values()):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-7)
    for p, q in zip(me.parameters(), mc.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert int(mc.count) == 5 and int(me.count) == 5
    s = torch.compiler.stats()
    # every call compiled (the first traces and discovers the state); one program per distinct lr constant
    assert s["eager_calls"] == 0 and s["compiles"] == 2 and s["compiled_calls"] == 5, s


def test_generator_state_advances_under_compile():
    torch.manual_seed(3)
    f = torch.compile(lambda: torch.rand(2))
    draws = [f() for _ in range(4)]
    torch.manual_seed(3)
    eager = [torch.rand(2) for _ in range(4)]
    for a, b in zip(draws, eager):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(draws[2].numpy(), draws[3].numpy())


def test_inplace_write_to_captured_tensor_and_view_persists():
    base = torch.zeros(3, 4)
    view = base[1]

    @torch.compile
    def f(x):
        view.add_(x)
        base[2, :2] = x[:2] * 2
        return base.sum()

    for _ in range(3):
        f(torch.ones(4))
    expected = np.zeros((3, 4), np.float32)
    expected[1] = 3
    expected[2, :2] = 2
    np.testing.assert_array_equal(base.numpy(), expected)
    np.testing.assert_array_equal(view.numpy(), expected[1])


def test_new_batch_shape_compiles_once_more():
    w = torch.ones(3)
    f = torch.compile(lambda x: (x * w).sum(1))
    torch.compiler.reset_stats()
    for n in (4, 4, 2, 2, 4):
        f(torch.ones(n, 3))
    assert torch.compiler.stats()["compiles"] == 2


def test_graph_break_falls_back_with_one_warning():
    w = torch.ones(3, requires_grad=True)

    def f(x):
        loss = (w * x).sum()
        if loss.item() > 1:  # data-dependent Python: cannot be traced
            loss = loss * 2
        return loss

    cf = torch.compile(f)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        vals = [cf(torch.ones(3)).item() for _ in range(3)]
    assert vals == [6.0, 6.0, 6.0]
    msgs = [str(r.message) for r in rec if "torch.compile" in str(r.message)]
    assert len(msgs) == 1 and "test_compile_basic.py" in msgs[0] and "item()" in msgs[0]


def test_fullgraph_raises_naming_the_line():
    def f(x):
        if x.sum() > 0:
            return x
        return -x

    g = torch.compile(f, fullgraph=True)
    with pytest.raises(RuntimeError, match=r"test_compile_basic.py:\d+"):
        g(torch.ones(2))


def test_tensor_escaping_into_untracked_list_raises_clearly():
    kept = []

    @torch.compile
    def f(x):
        y = x * 2
        kept.append(y)  # a Python list is not state jaxtorch can carry out of the program
        return x.sum()

    with pytest.raises(RuntimeError, match="cannot be carried"):
        f(torch.ones(2))
