"""The first compiled call is traced (not run eagerly): state discovery, optimizer state created up front,
lazily created state, and gradients that a step accumulates into. Each case is run eagerly and compiled
from the same weights, and the compiled run must leave exactly what the eager one does."""

import numpy as np
import pytest

import jaxtorch as torch
from jaxtorch import nn


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def _data(n=4):
    rng = np.random.default_rng(0)
    return [(torch.tensor(rng.standard_normal((5, 3)).astype(np.float32)),
             torch.tensor(rng.standard_normal((5, 2)).astype(np.float32))) for _ in range(n)]


def _run(make_opt, compiled, zero=True, n=4):
    m = _model()
    opt = make_opt(m.parameters())

    def step(x, y):
        if zero:
            opt.zero_grad()
        loss = ((m(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    f = torch.compile(step) if compiled else step
    losses = [f(x, y).item() for x, y in _data(n)]
    return losses, m, opt


def _same(eager, comp):
    le, me, oe = eager
    lc, mc, oc = comp
    np.testing.assert_allclose(lc, le, rtol=1e-5)
    for p, q in zip(me.parameters(), mc.parameters()):
        np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-6)
        se, sc = oe.state[p], oc.state[q]
        assert sorted(se) == sorted(sc)
        for k in se:
            np.testing.assert_allclose(np.asarray(sc[k]), np.asarray(se[k]), rtol=1e-5, atol=1e-6, err_msg=k)


OPTS = {
    "adam": lambda ps: torch.optim.Adam(ps, lr=0.05),
    "adamw_amsgrad": lambda ps: torch.optim.AdamW(ps, lr=0.05, amsgrad=True),
    "sgd_nesterov": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "rmsprop": lambda ps: torch.optim.RMSprop(ps, lr=0.01, momentum=0.5),
    "adadelta": lambda ps: torch.optim.Adadelta(ps, lr=1.0),
}


@pytest.mark.parametrize("name", sorted(OPTS))
def test_first_step_state_is_created_up_front_one_compile(name):
    eager = _run(OPTS[name], False)
    torch.compiler.reset_stats()
    comp = _run(OPTS[name], True)
    s = torch.compiler.stats()
    _same(eager, comp)
    # one program serves the first call (which creates the optimizer's state) and every later one
    assert s["compiles"] == 1 and s["compiled_calls"] == 4 and s["eager_calls"] == 0, s


def test_sgd_with_dampening_first_step_differs_and_is_rebuilt():
    # a fresh momentum buffer is the gradient itself, which a zero buffer with dampening does not give:
    # the first program runs once, the second call builds the steady-state program
    make = lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5)  # noqa: E731
    eager = _run(make, False)
    torch.compiler.reset_stats()
    comp = _run(make, True)
    _same(eager, comp)
    assert torch.compiler.stats()["compiles"] == 2


def test_gradients_accumulated_across_calls_without_zero_grad():
    # the first program starts from `.grad is None`; later calls add into existing grads
    make = lambda ps: torch.optim.SGD(ps, lr=0.01)  # noqa: E731
    eager = _run(make, False, zero=False)
    torch.compiler.reset_stats()
    comp = _run(make, True, zero=False)
    _same(eager, comp)
    assert torch.compiler.stats()["compiles"] == 2


class _Cached(nn.Module):
    """Creates a tensor attribute lazily on its first forward, and keeps a running count in it."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)
        self.seen = None

    def forward(self, x):
        if self.seen is None:
            self.seen = torch.zeros(())
        self.seen = self.seen + x.shape[0]
        return self.lin(x) * self.seen


def test_state_created_lazily_by_user_code_is_carried_and_then_lifted():
    xs = [x for x, _ in _data(3)]
    torch.manual_seed(0)
    me = _Cached()
    eager = [me(x).detach().numpy() for x in xs]
    torch.manual_seed(0)
    mc = _Cached()
    f = torch.compile(mc)
    comp = [f(x).detach().numpy() for x in xs]
    for a, b in zip(eager, comp):
        np.testing.assert_allclose(b, a, rtol=1e-6)
    assert float(mc.seen) == float(me.seen) == 15.0


def test_unused_reachable_module_is_not_touched():
    used, unused = _model(), _model()
    before = [p.detach().numpy().copy() for p in unused.parameters()]
    opt = torch.optim.SGD(used.parameters(), lr=0.1)

    @torch.compile
    def step(x, y):
        opt.zero_grad()
        loss = ((used(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        _ = unused  # reachable from the closure, but never read
        return loss

    for x, y in _data(2):
        step(x, y)
    for p, b in zip(unused.parameters(), before):
        np.testing.assert_array_equal(p.detach().numpy(), b)
        assert p.grad is None
