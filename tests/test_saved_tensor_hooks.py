"""torch.autograd.graph against real torch: saved_tensors_hooks, save_on_cpu, disable_saved_tensors_hooks and
the rest of the module (GradientEdge, increment_version, register_multi_grad_hook, ...).

jaxtorch's saved tensors are the residual arrays JAX's vjp keeps plus each op's inputs, not torch's set, so
the tests compare what hooks mean (which pair runs, that unpack's result is what backward uses, gradients),
never how many tensors were packed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch.autograd import graph as tgraph

import jaxtorch
from jaxtorch.autograd import graph as jgraph
from jaxtorch.utils import checkpoint as jck
from helpers import assert_close

X = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
W = np.random.default_rng(1).standard_normal((4, 2)).astype(np.float32)
LIBS = ((torch, tgraph), (jaxtorch, jgraph))


def _model(lib, x, w):
    h = (x @ w).tanh()
    return (h * h.sigmoid()).sum() + (x**3).mean()


def _inputs(lib):
    return lib.tensor(X, requires_grad=True), lib.tensor(W, requires_grad=True)


def _collapse(log):
    """Consecutive repeats merged: one entry per op in torch, possibly several per op in jaxtorch."""
    return [k for k, _ in itertools.groupby(log)]


def _errors_match(t_fn, j_fn, exc=Exception):
    with pytest.raises(exc) as te:
        t_fn()
    with pytest.raises(type(te.value)) as je:
        j_fn()
    assert str(je.value) == str(te.value)


def test_identity_hooks_called_and_gradients_unchanged():
    res = []
    for lib, g in LIBS:
        packed, unpacked = [], []

        def pack(t):
            assert isinstance(t, lib.Tensor)
            packed.append(t)
            return t

        def unpack(t):
            unpacked.append(t)
            return t

        x, w = _inputs(lib)
        with g.saved_tensors_hooks(pack, unpack):
            y = _model(lib, x, w)
        assert packed and not unpacked  # packed when recorded, nothing unpacked before backward
        y.backward()
        assert len(unpacked) == len(packed)
        res.append((y, x.grad, w.grad))
    assert_close(res[0], res[1])
    # and the same as without hooks
    x, w = _inputs(jaxtorch)
    _model(jaxtorch, x, w).backward()
    assert_close(res[0][1:], (x.grad, w.grad))


def test_pack_to_dict_and_restore():
    res = []
    for lib, g in LIBS:
        store = {}

        def pack(t):
            key = len(store)
            store[key] = t.clone()
            return key

        def unpack(key):
            return store.pop(key)

        x, w = _inputs(lib)
        with g.saved_tensors_hooks(pack, unpack):
            y = _model(lib, x, w)
        assert all(isinstance(k, int) for k in store)
        y.backward()
        assert not store  # every saved tensor came back exactly once
        res.append((x.grad, w.grad))
    assert_close(res[0], res[1])


@pytest.mark.parametrize("factor", [0.0, 2.0])
def test_backward_uses_what_unpack_returns(factor):
    """x * y saves x and y (in both libraries): scaling them on unpack scales the gradients."""
    res = []
    for lib, g in LIBS:
        x, w = lib.tensor(X, requires_grad=True), lib.tensor(X[::-1].copy(), requires_grad=True)
        with g.saved_tensors_hooks(lambda t: t, lambda t: t * factor):
            y = (x * w).sum()
        y.backward()
        res.append((x.grad, w.grad))
    assert_close(res[0], res[1])
    np.testing.assert_allclose(res[1][0].numpy(), factor * X[::-1], rtol=1e-6)


def test_save_on_cpu():
    res = []
    for lib, g in LIBS:
        for pin in (False, True):
            x, w = _inputs(lib)
            with g.save_on_cpu(pin_memory=pin):
                y = _model(lib, x, w)
            y.backward()
            res.append((y, x.grad, w.grad))
    assert_close(res[0], res[2])
    assert_close(res[1], res[3])
    # what is stored is on the CPU
    devices = []
    with jgraph.save_on_cpu():
        x, w = _inputs(jaxtorch)
        y = (x @ w).sum()
    node = y.grad_fn.next_functions[0][0]
    for slot in node._vjp.leaves:
        devices.append(slot.packed[1].device.type)
    assert devices and set(devices) == {"cpu"}


def test_nested_hooks_innermost_wins():
    logs = []
    for lib, g in LIBS:
        log = []

        def hooks(name):
            return (lambda t: (log.append(name + ".pack"), t)[1], lambda t: (log.append(name + ".unpack"), t)[1])

        x = lib.tensor(X, requires_grad=True)
        with g.saved_tensors_hooks(*hooks("outer")):
            a = x.sin()
            with g.saved_tensors_hooks(*hooks("inner")):
                b = a.exp()
            c = b.cos()
        d = c.tanh()  # after both: no hooks
        fwd = _collapse(log)
        log.clear()
        d.sum().backward(retain_graph=True)
        bwd = _collapse(log)
        log.clear()
        d.sum().backward()  # unpacked again for the second backward
        logs.append((fwd, bwd, _collapse(log), x.grad))
    assert logs[0][:3] == logs[1][:3]
    assert logs[0][0] == ["outer.pack", "inner.pack", "outer.pack"]
    assert_close(logs[0][3], logs[1][3])


def test_create_graph_through_hooks():
    res = []
    for lib, g in LIBS:
        x, w = _inputs(lib)
        with g.saved_tensors_hooks(lambda t: t.clone(), lambda t: t):
            y = _model(lib, x, w)
        (gx,) = lib.autograd.grad(y, x, create_graph=True)
        gx.pow(2).sum().backward()
        res.append((gx, x.grad, w.grad))
    assert_close(res[0], res[1], rtol=1e-5, atol=1e-5)  # second derivatives of tanh/sigmoid chains


def test_unpack_must_return_a_tensor():
    def run(lib, g):
        x = lib.tensor(X, requires_grad=True)
        with g.saved_tensors_hooks(lambda t: t, lambda t: 3):
            y = x.sin().sum()
        y.backward()

    _errors_match(lambda: run(torch, tgraph), lambda: run(jaxtorch, jgraph), TypeError)


def test_disable_saved_tensors_hooks():
    def enter_inside(lib, g):
        with g.disable_saved_tensors_hooks("no hooks here"):
            with g.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass

    def record_inside(lib, g):  # hooks set before, an op recorded inside the disabled region
        x = lib.tensor(X, requires_grad=True)
        with g.saved_tensors_hooks(lambda t: t, lambda t: t):
            with g.disable_saved_tensors_hooks("disabled now"):
                x.sin()

    def checkpoint_inside(lib, g):  # non-reentrant checkpoint is built on saved-tensor hooks
        ck = torch.utils.checkpoint if lib is torch else jck
        with g.disable_saved_tensors_hooks("no checkpoint"):
            ck.checkpoint(lib.sin, lib.tensor(X, requires_grad=True), use_reentrant=False)

    for case in (enter_inside, record_inside, checkpoint_inside):
        _errors_match(lambda: case(torch, tgraph), lambda: case(jaxtorch, jgraph), RuntimeError)
    for lib, g in LIBS:
        ck = torch.utils.checkpoint if lib is torch else jck
        x = lib.tensor(X, requires_grad=True)
        with g.disable_saved_tensors_hooks("outer"):
            with g.disable_saved_tensors_hooks("inner"):
                pass
            with pytest.raises(RuntimeError, match="^outer$"):  # the outer message is back
                g.saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()
            ck.checkpoint(lib.sin, x, use_reentrant=True).sum().backward()  # the reentrant variant is fine
            x.sin().sum().backward()  # and so is plain autograd
        with g.saved_tensors_hooks(lambda t: t, lambda t: t):  # usable again afterwards
            x.sin().sum().backward()


def test_hooks_under_compile_equal_eager():
    def run(compiled):
        jaxtorch.manual_seed(0)
        lin = jaxtorch.nn.Linear(4, 2)
        x = jaxtorch.tensor(X)

        def step(x):
            lin.zero_grad()
            with jgraph.saved_tensors_hooks(lambda t: t * 1.0, lambda t: t):
                loss = lin(x).tanh().pow(2).sum()
            loss.backward()
            return loss

        f = jaxtorch.compile(step, fullgraph=True) if compiled else step
        loss = f(x)
        return loss.item(), lin.weight.grad.numpy(), lin.bias.grad.numpy()

    eager, compiled = run(False), run(True)
    np.testing.assert_allclose(compiled[0], eager[0], rtol=1e-6)
    for a, b in zip(compiled[1:], eager[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_hooks_are_thread_local():
    import threading

    calls = []
    x = jaxtorch.tensor(X, requires_grad=True)
    with jgraph.saved_tensors_hooks(lambda t: (calls.append(1), t)[1], lambda t: t):
        th = threading.Thread(target=lambda: x.sin().sum().backward())
        th.start()
        th.join()
    assert not calls


# ---------------------------------------------------------------------------------------------
# the rest of torch.autograd.graph


def test_module_surface():
    assert set(tgraph.__all__) <= set(dir(jgraph))
    assert jgraph.GradientEdge._fields == tgraph.GradientEdge._fields


def test_node_isinstance():
    for lib, g in LIBS:
        x = lib.tensor(X, requires_grad=True)
        y = x.sin()
        acc = y.grad_fn.next_functions[0][0]
        assert isinstance(y.grad_fn, g.Node) and isinstance(acc, g.Node)
        assert not isinstance(x, g.Node) and not isinstance(3, g.Node)

    class Square(jaxtorch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            return 2 * ctx.saved_tensors[0] * g

    assert isinstance(Square.apply(jaxtorch.tensor(X, requires_grad=True)).grad_fn, jgraph.Node)


def test_gradient_edge():
    res = []
    for lib, g in LIBS:
        x, w = _inputs(lib)
        h = x @ w
        y = h.tanh().sum()
        e_h, e_w = g.get_gradient_edge(h), g.get_gradient_edge(w)
        assert e_h.node is h.grad_fn and e_h.output_nr == 0
        res.append(lib.autograd.grad(y, (e_h, e_w)))
    assert_close(res[0], res[1])
    _errors_match(
        lambda: tgraph.get_gradient_edge(torch.ones(2)),
        lambda: jgraph.get_gradient_edge(jaxtorch.ones(2)),
        RuntimeError,
    )


def test_increment_version():
    res = []
    for lib, g in LIBS:
        t = lib.ones(2)
        v0 = t._version
        g.increment_version(t)
        g.increment_version([t, t])
        res.append(t._version - v0)
    assert res == [3, 3]


def test_register_multi_grad_hook():
    """torch's docstring example, in both modes."""
    res = []
    for lib, g in LIBS:
        a, b = lib.rand(2, 3, requires_grad=True), lib.rand(2, 3, requires_grad=True)
        c, d = a * b, a * b
        seen, first = [], []
        h = g.register_multi_grad_hook((a, b, c, d), lambda grads: seen.append([x is not None for x in grads]))
        c.sum().backward(retain_graph=True)
        c.sum().backward(inputs=(a,), retain_graph=True)
        h.remove()
        c.sum().backward(retain_graph=True)  # removed: not called again
        g.register_multi_grad_hook((a, b), lambda grad: first.append(tuple(grad.shape)), mode="any")
        (a * b).sum().backward()
        (a * b).sum().backward()
        res.append((seen, first))
    assert res[0] == res[1] == ([[True, True, True, False], [True, False, True, False]], [(2, 3), (2, 3)])
    _errors_match(
        lambda: tgraph.register_multi_grad_hook((torch.ones(1, requires_grad=True),), print, mode="x"),
        lambda: jgraph.register_multi_grad_hook((jaxtorch.ones(1, requires_grad=True),), print, mode="x"),
        ValueError,
    )


def test_allow_mutation_on_saved_tensors():
    """torch's docstring example: the gradient uses the value saved before the in-place write."""
    res = []
    for lib, g in LIBS:
        with g.allow_mutation_on_saved_tensors() as ctx:
            assert ctx is not None
            a = lib.ones(2, 3, requires_grad=True)
            b = a.clone()
            out = (b**2).sum()
            b.sin_()
            out.sum().backward()
        res.append(a.grad)
    assert_close(res[0], res[1])

    def nested(g):
        with g.allow_mutation_on_saved_tensors():
            with g.allow_mutation_on_saved_tensors():
                pass

    _errors_match(lambda: nested(tgraph), lambda: nested(jgraph), RuntimeError)


def test_region_activation_memory_budget():
    for budget in (0.5, 2.0, "x", True):
        _errors_match(
            lambda: tgraph.region_activation_memory_budget(budget),
            lambda: jgraph.region_activation_memory_budget(budget),
        )

    def step(x):
        with jgraph.region_activation_memory_budget(0.5):
            return x.sin()

    with pytest.raises(NotImplementedError, match="region_activation_memory_budget"):
        jaxtorch.compile(step, fullgraph=True)(jaxtorch.tensor(X))


def test_stream_flags_accepted():
    for g in (tgraph, jgraph):
        assert g.set_warn_on_accumulate_grad_stream_mismatch(False) is None
        assert g.set_warn_on_accumulate_grad_stream_mismatch(True) is None
        assert g.set_override_stale_capture_stream(False) is None
