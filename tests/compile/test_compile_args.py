"""Effects a compiled function has on its tensor ARGUMENTS are kept, as eagerly (no state is lost silently):
in-place writes, writes through a view argument into its base, and gradients backward leaves on them."""

from __future__ import annotations

import numpy as np

import jaxtorch


def _run_both(fn, make_args, calls=2):
    """(eager results, compiled results): each a list per call of (returned value, args after the call)."""
    out = []
    breaks = jaxtorch.compiler.stats()["graph_breaks"]
    for runner in (fn, jaxtorch.compile(fn)):
        args = make_args()
        rec = []
        for _ in range(calls):
            r = runner(*args)
            rec.append((np.asarray(r.detach().numpy()), [np.asarray(a.detach().numpy()) for a in args],
                        [None if a.grad is None else np.asarray(a.grad.numpy()) for a in args]))
        out.append(rec)
    assert jaxtorch.compiler.stats()["graph_breaks"] == breaks  # the compiled runs really ran compiled
    return out


def _same(eager, compiled):
    for (r1, a1, g1), (r2, a2, g2) in zip(eager, compiled):
        np.testing.assert_array_equal(r2, r1)
        for x, y in zip(a1, a2):
            np.testing.assert_array_equal(y, x)
        for x, y in zip(g1, g2):
            assert (x is None) == (y is None)
            if x is not None:
                np.testing.assert_array_equal(y, x)


def test_in_place_writes_to_arguments():
    def step(x, buf):
        x.add_(1)
        buf[0] = x.sum()
        return x * 2

    _same(*_run_both(step, lambda: (jaxtorch.zeros(3), jaxtorch.zeros(2))))


def test_write_through_a_view_argument_reaches_its_base():
    base = jaxtorch.zeros(2, 3)
    step = jaxtorch.compile(lambda v: v.mul_(2).add_(1))
    step(base[1])
    step(base[1])
    np.testing.assert_array_equal(base.numpy(), [[0, 0, 0], [3, 3, 3]])


def test_gradients_on_arguments_accumulate():
    def step(w, x):
        loss = (w * x).pow(2).sum()
        loss.backward()
        return loss

    _same(*_run_both(step, lambda: (jaxtorch.ones(3, requires_grad=True), jaxtorch.arange(3.0))))
