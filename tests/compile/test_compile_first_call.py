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


def test_first_trace_reads_precreated_state():
    """The optimizer state the first step needs is made before the first trace, so one trace serves."""
    torch.compiler.reset_stats()
    _run(OPTS["adam"], True, n=2)
    s = torch.compiler.stats()
    assert s["traces"] == 1 and s["compiles"] == 1, s


def _skipping_setup(lib):
    """Three layers: the first frozen, the last unused by forward; the optimizer holds all of them."""
    lib.manual_seed(0)
    a, b, c = lib.nn.Linear(3, 4), lib.nn.Linear(4, 2), lib.nn.Linear(2, 2)
    for p in a.parameters():
        p.requires_grad_(False)
    params = [*a.parameters(), *b.parameters(), *c.parameters()]
    opt = lib.optim.Adam(params, lr=0.05)

    def step(x, y):
        opt.zero_grad()
        loss = ((b(a(x).tanh()) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    return params, opt, step


def test_no_state_for_params_the_step_skips_like_torch():
    """Params without a gradient get no optimizer state in torch; the state made up front for them is
    removed again after the first trace (and the step traced once more without it)."""
    import torch as real

    tparams, topt, tstep = _skipping_setup(real)
    jparams, jopt, jstep = _skipping_setup(torch)
    for q, p in zip(tparams, jparams):  # same starting weights
        p.data = torch.tensor(q.detach().numpy())
    torch.compiler.reset_stats()
    f = torch.compile(jstep)
    for x, y in _data(3):
        lt = tstep(real.tensor(x.numpy()), real.tensor(y.numpy()))
        lj = f(x, y)
        np.testing.assert_allclose(lj.item(), lt.item(), rtol=1e-5)
    has_state = [bool(topt.state.get(q)) for q in tparams]
    assert has_state == [False, False, True, True, False, False]
    assert [bool(jopt.state.get(p)) for p in jparams] == has_state
    for q, p in zip(tparams, jparams):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
        for k, v in topt.state.get(q, {}).items():
            np.testing.assert_allclose(np.asarray(jopt.state[p][k]), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    s = torch.compiler.stats()
    assert s["compiles"] == 1 and s["traces"] == 2 and s["eager_calls"] == 0, s


def test_function_that_does_not_step_leaves_optimizer_state_empty():
    m = _model()
    opt = torch.optim.Adam(m.parameters(), lr=0.05)

    def predict(x):
        assert opt is not None  # the optimizer is reachable, but never stepped
        return m(x)

    x, _ = _data(1)[0]
    out = torch.compile(predict)(x)
    np.testing.assert_allclose(out.detach().numpy(), m(x).detach().numpy(), rtol=1e-6)
    assert not any(opt.state.get(p) for p in m.parameters())


@pytest.mark.parametrize("fullgraph", [False, True])
def test_graph_break_leaves_no_state_made_up_front(fullgraph):
    """A step that cannot be traced runs eagerly (or raises with fullgraph=True); either way the optimizer
    holds only what eager execution made, nothing from the attempt to compile."""
    m = _model()
    opt = torch.optim.Adam(m.parameters(), lr=0.05)
    frozen = nn.Linear(2, 2)
    opt.add_param_group({"params": frozen.parameters()})  # never gets a gradient

    def step(x, y):
        opt.zero_grad()
        loss = ((m(x) - y) ** 2).mean()
        if loss.item() > 1e9:  # a data-dependent branch: not traceable
            return loss
        loss.backward()
        opt.step()
        return loss

    x, y = _data(1)[0]
    f = torch.compile(step, fullgraph=fullgraph)
    if fullgraph:
        with pytest.raises(RuntimeError, match="fullgraph"):
            f(x, y)
        assert not any(opt.state.get(p) for p in [*m.parameters(), *frozen.parameters()])
    else:
        with pytest.warns(UserWarning):
            f(x, y)
        assert all(opt.state.get(p) for p in m.parameters())
        assert not any(opt.state.get(p) for p in frozen.parameters())
