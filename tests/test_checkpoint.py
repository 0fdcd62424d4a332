"""torch.utils.checkpoint against real torch: gradients to inputs and captured parameters, both variants,
checkpoint_sequential, kwargs and non-tensor arguments, RNG preservation (dropout masks), the knobs
(early_stop, context_fn, determinism_check, debug, GraphExecGroup), errors, whole compiled training
steps, and that the saved residuals really shrink (eagerly and in the program handed to XLA)."""

from __future__ import annotations

import gc
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from torch.utils import checkpoint as tck

import jaxtorch
from jaxtorch.utils import checkpoint as jck
from helpers import assert_close, to_np

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 8)).astype(np.float32)


def _copy_weights(t_mod, j_mod):
    j_mod.load_state_dict({k: jaxtorch.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()})


def _mlp(lib, depth=4):
    lib.manual_seed(0)
    return lib.nn.ModuleList([lib.nn.Linear(8, 8) for _ in range(depth)])


def _pair(depth=4):
    t, j = _mlp(torch, depth), _mlp(jaxtorch, depth)
    _copy_weights(t, j)
    return t, j


def _grads(mod, x):
    return [x.grad] + [p.grad for p in mod.parameters()]


def _errors_match(t_fn, j_fn, exc=Exception):
    with pytest.raises(exc) as te:
        t_fn()
    with pytest.raises(type(te.value)) as je:
        j_fn()
    assert str(je.value) == str(te.value)


# ---------------------------------------------------------------------------------------------
# gradients


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_mlp_gradients_match_torch(use_reentrant):
    """Two checkpointed blocks of two layers each; the layers' parameters are captured by closure."""
    tm, jm = _pair()

    def run(lib, mod, cp):
        def block(h, i):
            return lib.tanh(mod[i + 1](lib.tanh(mod[i](h))))

        x = lib.tensor(X, requires_grad=True)
        h = cp(block, x, 0, use_reentrant=use_reentrant)
        h = cp(block, h, 2, use_reentrant=use_reentrant)
        (h**2).sum().backward()
        return h, _grads(mod, x)

    th, tg = run(torch, tm, tck.checkpoint)
    jh, jg = run(jaxtorch, jm, jck.checkpoint)
    assert_close(th, jh)
    assert_close(tg, jg)
    name = jh.grad_fn.name()
    assert name == th.grad_fn.name()  # TanhBackward0 / CheckpointFunctionBackward
    # the same model without checkpointing gives the very same numbers in jaxtorch
    for p in jm.parameters():
        p.grad = None
    x = jaxtorch.tensor(X, requires_grad=True)
    h = x
    for i in range(4):
        h = jaxtorch.tanh(jm[i](h))
    (h**2).sum().backward()
    for a, b in zip(_grads(jm, x), jg):
        np.testing.assert_array_equal(to_np(a), to_np(b))


def test_autograd_grad_and_backward_inputs_non_reentrant():
    tm, jm = _pair(2)
    res = []
    for lib, mod, cp in ((torch, tm, tck.checkpoint), (jaxtorch, jm, jck.checkpoint)):
        x = lib.tensor(X, requires_grad=True)
        out = cp(lambda h: mod[1](mod[0](h).relu()), x, use_reentrant=False)
        gx, gw = lib.autograd.grad(out.pow(2).sum(), (x, mod[0].weight), retain_graph=True)
        out.sum().backward(inputs=[mod[1].bias])
        res.append((gx, gw, mod[1].bias.grad, mod[0].weight.grad))
    assert_close(res[0], res[1])


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_kwargs_and_non_tensor_args(use_reentrant):
    tm, jm = _pair(2)
    out = []
    for lib, mod, cp in ((torch, tm, tck.checkpoint), (jaxtorch, jm, jck.checkpoint)):

        def fn(h, idx, act, scale=1.0, *, bias=None, tag=None):
            assert isinstance(idx, int) and act in ("tanh", "relu")
            h = getattr(lib, act)(mod[idx](h)) * scale
            return (h + bias if bias is not None else h), tag

        x = lib.tensor(X, requires_grad=True)
        b = lib.tensor(X[0], requires_grad=True)
        if use_reentrant:  # positional only (torch refuses keyword arguments there)
            h, tag = cp(fn, x, 1, "tanh", 0.5, use_reentrant=True)
        else:
            h, tag = cp(fn, x, 1, "relu", scale=2.0, bias=b, tag="t", use_reentrant=False, preserve_rng_state=False)
            assert tag == "t"
        h.sum().backward()
        out.append((h, x.grad, mod[1].weight.grad, b.grad))
    assert_close(out[0], out[1])


@pytest.mark.filterwarnings("ignore:None of the inputs have requires_grad")  # the inner reentrant one, in both
@pytest.mark.parametrize("use_reentrant", [False, True])
def test_nested_checkpoint(use_reentrant):
    tm, jm = _pair(3)
    res = []
    for lib, mod, cp in ((torch, tm, tck.checkpoint), (jaxtorch, jm, jck.checkpoint)):

        def inner(h):
            return mod[1](h).sigmoid()

        def outer(h):
            return mod[2](cp(inner, mod[0](h).tanh(), use_reentrant=use_reentrant))

        x = lib.tensor(X, requires_grad=True)
        y = cp(outer, x, use_reentrant=use_reentrant)
        (y * y).sum().backward()
        res.append(_grads(mod, x))
    assert_close(res[0], res[1])


@pytest.mark.parametrize("segments", [1, 2, 3])
@pytest.mark.parametrize("use_reentrant", [False, True])
def test_checkpoint_sequential(segments, use_reentrant):
    def build(lib):
        lib.manual_seed(0)
        return lib.nn.Sequential(
            lib.nn.Linear(8, 8),
            lib.nn.Tanh(),
            lib.nn.Linear(8, 8),
            lib.nn.ReLU(),
            lib.nn.Linear(8, 8),
            lib.nn.Sigmoid(),
        )

    tm, jm = build(torch), build(jaxtorch)
    _copy_weights(tm, jm)
    res = []
    for lib, mod, cs in ((torch, tm, tck.checkpoint_sequential), (jaxtorch, jm, jck.checkpoint_sequential)):
        x = lib.tensor(X, requires_grad=True)
        y = cs(mod, segments, x, use_reentrant=use_reentrant, preserve_rng_state=True)
        y.sum().backward()
        res.append([y] + _grads(mod, x))
    assert_close(res[0], res[1])
    # a plain list of functions works too
    jx = jaxtorch.tensor(X, requires_grad=True)
    fns = [jaxtorch.sin, jaxtorch.cos, jaxtorch.tanh, jaxtorch.exp]
    y = jck.checkpoint_sequential(fns, 2, jx, use_reentrant=use_reentrant)
    y.sum().backward()
    tx = torch.tensor(X, requires_grad=True)
    torch.exp(torch.tanh(torch.cos(torch.sin(tx)))).sum().backward()
    assert_close(tx.grad, jx.grad)


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_batchnorm_statistics_updated_as_torch(use_reentrant):
    """The recomputation re-runs the function, so a BatchNorm inside updates its statistics again (in torch too)."""
    res = []
    for lib, cp in ((torch, tck.checkpoint), (jaxtorch, jck.checkpoint)):
        lib.manual_seed(0)
        bn = lib.nn.BatchNorm1d(8)
        x = lib.tensor(X, requires_grad=True)
        cp(lambda h: bn(h).tanh(), x, use_reentrant=use_reentrant).sum().backward()
        res.append((bn.running_mean, bn.running_var, bn.num_batches_tracked, x.grad))
    assert_close(res[0], res[1])


def test_retain_graph_and_second_backward():
    tm, jm = _pair(2)
    res = []
    for lib, mod, cp in ((torch, tm, tck.checkpoint), (jaxtorch, jm, jck.checkpoint)):
        x = lib.tensor(X, requires_grad=True)
        y = cp(lambda h: mod[1](mod[0](h).tanh()).sum(), x, use_reentrant=False)
        y.backward(retain_graph=True)
        y.backward()  # recomputes again, grads accumulate
        res.append(_grads(mod, x))
    assert_close(res[0], res[1])
    _errors_match(
        lambda: _second_backward(torch, tm, tck.checkpoint),
        lambda: _second_backward(jaxtorch, jm, jck.checkpoint),
        RuntimeError,
    )


def _second_backward(lib, mod, cp):
    y = cp(lambda h: mod[0](h).tanh().sum(), lib.tensor(X, requires_grad=True), use_reentrant=False)
    y.backward()
    y.backward()


def test_no_grad_runs_plain():
    for ur in (False, True):
        with jaxtorch.no_grad():
            y = jck.checkpoint(jaxtorch.sin, jaxtorch.tensor(X, requires_grad=True), use_reentrant=ur)
        assert not y.requires_grad and y.grad_fn is None


# ---------------------------------------------------------------------------------------------
# randomness


class _Block:
    """A transformer-ish block (pre-norm attention + MLP, dropout in both) built from `lib`'s nn."""

    def __init__(self, lib, p):
        nn = lib.nn
        lib.manual_seed(0)
        # (every Linear is 8x8: one shape keeps the XLA compiles of this small test few)
        self.mods = nn.ModuleDict(
            {
                "ln1": nn.LayerNorm(8),
                "q": nn.Linear(8, 8),
                "k": nn.Linear(8, 8),
                "v": nn.Linear(8, 8),
                "proj": nn.Linear(8, 8),
                "ln2": nn.LayerNorm(8),
                "fc1": nn.Linear(8, 8),
                "fc2": nn.Linear(8, 8),
                "drop": nn.Dropout(p),
            }
        )
        self.lib = lib

    def __call__(self, x):
        m, lib = self.mods, self.lib
        n = m["ln1"](x)
        q, k, v = m["q"](n), m["k"](n), m["v"](n)
        att = lib.softmax(q @ k.transpose(-2, -1) / 8**0.5, dim=-1)
        x = x + m["drop"](m["proj"](m["drop"](att) @ v))
        return x + m["drop"](m["fc2"](lib.nn.functional.gelu(m["fc1"](m["ln2"](x)))))


def _block_run(lib, block, cp, use_reentrant=False, seed=5, p_before=0.1, **kw):
    x = lib.tensor(np.stack([X, X[::-1]]), requires_grad=True)
    lib.manual_seed(seed)
    h = lib.nn.functional.dropout(x, p_before)  # a draw before: the checkpoint must not start from seed's state
    y = cp(block, h, use_reentrant=use_reentrant, **kw) if cp is not None else block(h)
    y = cp(block, y, use_reentrant=use_reentrant, **kw) if cp is not None else block(y)
    (y**2).sum().backward()
    after = lib.rand(3)  # where the stream stands after forward and backward
    return [y, x.grad] + [p.grad for p in block.mods.parameters()], after


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_transformer_block_deterministic_parts_match_torch(use_reentrant):
    tb, jb = _Block(torch, 0.0), _Block(jaxtorch, 0.0)
    _copy_weights(tb.mods, jb.mods)
    t, _ = _block_run(torch, tb, tck.checkpoint, use_reentrant, p_before=0.0)
    j, _ = _block_run(jaxtorch, jb, jck.checkpoint, use_reentrant, p_before=0.0)
    assert_close(t, j, rtol=1e-5, atol=1e-5)  # softmax/LayerNorm/GELU chains of 2 blocks: float32 rounding


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_dropout_masks_preserved(use_reentrant):
    """preserve_rng_state: the recomputation draws the forward's masks, so gradients equal the un-checkpointed
    run's; and the recomputation does not move the RNG stream on."""
    block = _Block(jaxtorch, 0.3)
    plain, plain_after = _block_run(jaxtorch, block, None)
    for p in block.mods.parameters():
        p.grad = None
    ck, ck_after = _block_run(jaxtorch, block, jck.checkpoint, use_reentrant)
    for a, b in zip(plain, ck):
        if use_reentrant:  # its forward runs under no_grad: the ops jitted alone, not inside jax.vjp (last bits)
            np.testing.assert_allclose(to_np(b), to_np(a), rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(to_np(b), to_np(a))
    np.testing.assert_array_equal(to_np(plain_after), to_np(ck_after))
    # without preserving, the recomputation draws new masks: the gradients no longer match the forward
    for p in block.mods.parameters():
        p.grad = None
    off, _ = _block_run(jaxtorch, block, jck.checkpoint, use_reentrant, preserve_rng_state=False)
    np.testing.assert_allclose(to_np(off[0]), to_np(plain[0]), rtol=1e-5, atol=1e-6)  # same forward
    assert not np.allclose(to_np(off[1]), to_np(plain[1]), rtol=1e-3, atol=1e-3)


# ---------------------------------------------------------------------------------------------
# knobs


@pytest.mark.parametrize("mode", ["arg", "context"])
@pytest.mark.parametrize("early_stop", [True, False])
def test_early_stop(early_stop, mode):
    """With early_stop the recomputation stops once the last saved op ran: Python after it does not re-run."""
    calls = []
    for lib, ck in ((torch, tck), (jaxtorch, jck)):
        n = [0]

        def fn(h):
            y = h.sin().exp()
            n[0] += 1
            return y

        x = lib.tensor(X, requires_grad=True)
        if mode == "arg":
            y = ck.checkpoint(fn, x, use_reentrant=False, early_stop=early_stop)
        else:
            with ck.set_checkpoint_early_stop(early_stop):
                y = ck.checkpoint(fn, x, use_reentrant=False)
        y.sum().backward()
        calls.append(n[0])
    assert calls[0] == calls[1] == (1 if early_stop else 2)


def test_context_fn():
    seen = []
    for lib, ck in ((torch, tck), (jaxtorch, jck)):
        log = []

        class Ctx:
            def __init__(self, name):
                self.name = name

            def __enter__(self):
                log.append(self.name + " in")

            def __exit__(self, *a):
                log.append(self.name + " out")

        x = lib.tensor(X, requires_grad=True)
        y = ck.checkpoint(
            lambda h: h.sin().cos(), x, use_reentrant=False, context_fn=lambda: (Ctx("fwd"), Ctx("recompute"))
        )
        log.append("backward")
        y.sum().backward()
        seen.append(log)
    assert seen[0] == seen[1] == ["fwd in", "fwd out", "backward", "recompute in", "recompute out"]


def test_graph_exec_group_recomputes_once():
    counts = []
    for lib, ck in ((torch, tck), (jaxtorch, jck)):
        per = []
        for grouped in (False, True):
            n = [0]

            def fn(h):
                n[0] += 1
                return h.sin(), h.cos()

            x = lib.tensor(X, requires_grad=True)
            a, b = ck.checkpoint(fn, x, use_reentrant=False, early_stop=False)
            with ck.GraphExecGroup() if grouped else warnings.catch_warnings():
                a.sum().backward()
                b.sum().backward()
            per.append(n[0])
        counts.append(per)
    assert counts[0] == counts[1] == [3, 2]
    with jck.GraphExecGroup():
        with pytest.raises(RuntimeError, match="GraphExecGroup contexts cannot be nested"):
            with jck.GraphExecGroup():
                pass


def test_determinism_check():
    """The recomputation must record what the forward did; otherwise CheckpointError, as torch raises."""
    for make in (_fewer_ops, _other_dtype):
        errs = []
        for lib, ck in ((torch, tck), (jaxtorch, jck)):
            fn = make(lib)
            y = ck.checkpoint(fn, lib.tensor(X, requires_grad=True), use_reentrant=False)
            with pytest.raises(ck.CheckpointError) as e:
                y.sum().backward()
            errs.append(str(e.value).splitlines()[0])
        assert errs[0] == errs[1]
    # debug=True: the error lists the ops each pass recorded
    y = jck.checkpoint(_fewer_ops(jaxtorch), jaxtorch.tensor(X, requires_grad=True), use_reentrant=False, debug=True)
    with pytest.raises(jck.CheckpointError, match="(?s)original forward:.*SinBackward0.*ExpBackward0"):
        y.sum().backward()
    # debug on a correct function changes nothing
    x = jaxtorch.tensor(X, requires_grad=True)
    with jck.set_checkpoint_debug_enabled(True):
        jck.checkpoint(lambda h: h.sin().exp(), x, use_reentrant=False).sum().backward()
    tx = torch.tensor(X, requires_grad=True)
    tx.sin().exp().sum().backward()
    assert_close(tx.grad, x.grad)
    # determinism_check="none" is accepted and the gradients are the same
    x.grad = None
    jck.checkpoint(lambda h: h.sin().exp(), x, use_reentrant=False, determinism_check="none").sum().backward()
    assert_close(tx.grad, x.grad)


def _fewer_ops(lib):
    state = {"first": True}

    def fn(h):
        first, state["first"] = state["first"], False
        return h.sin().exp() if first else h.sin()

    return fn


def _other_dtype(lib):
    state = {"first": True}

    def fn(h):
        first, state["first"] = state["first"], False
        return h.sin() if first else h.double().sin().float()

    return fn


# ---------------------------------------------------------------------------------------------
# errors and warnings


def test_use_reentrant_default_warns_like_torch():
    msgs = []
    for lib, ck in ((torch, tck), (jaxtorch, jck)):
        x = lib.tensor(X, requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = ck.checkpoint(lib.sin, x)
            ck.checkpoint_sequential([lib.sin, lib.cos], 2, x)
        msgs.append([(type(m.message), str(m.message)) for m in w])
        assert y.grad_fn.name() == "CheckpointFunctionBackward"  # the default is still the reentrant variant
    assert msgs[0] == msgs[1] and len(msgs[0]) == 2


def test_argument_errors_match_torch():
    tx, jx = torch.tensor(X, requires_grad=True), jaxtorch.tensor(X, requires_grad=True)
    cases = [
        lambda lib, ck, x: ck.checkpoint(lib.sin, x, use_reentrant=True, foo=1),
        lambda lib, ck, x: ck.checkpoint(lib.sin, x, use_reentrant=True, debug=True),
        lambda lib, ck, x: ck.checkpoint(lib.sin, x, use_reentrant=True, context_fn=lambda: None),
        lambda lib, ck, x: ck.checkpoint(lib.sin, x, use_reentrant=False, determinism_check="bitwise"),
        lambda lib, ck, x: ck.checkpoint(lib.sin, x, use_reentrant=False, debug=True, context_fn=lambda: (None, None)),
        lambda lib, ck, x: ck.checkpoint_sequential([lib.sin], 1, x, use_reentrant=False, foo=2),
        lambda lib, ck, x: ck.detach_variable([x]),
    ]
    for case in cases:
        _errors_match(lambda: case(torch, tck, tx), lambda: case(jaxtorch, jck, jx))


def test_reentrant_refuses_grad_and_inputs_like_torch():
    for call in (lambda lib, y, x: lib.autograd.grad(y.sum(), x), lambda lib, y, x: y.sum().backward(inputs=[x])):

        def run(lib, ck):
            x = lib.tensor(X, requires_grad=True)
            call(lib, ck.checkpoint(lib.sin, x, use_reentrant=True), x)

        _errors_match(lambda: run(torch, tck), lambda: run(jaxtorch, jck), RuntimeError)


def test_reentrant_without_grad_inputs_warns_like_torch():
    """torch's well-known pitfall, kept: no input requires grad, so the output does not either."""
    tm, jm = _pair(1)
    res = []
    for lib, mod, ck in ((torch, tm, tck), (jaxtorch, jm, jck)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = ck.checkpoint(mod[0], lib.tensor(X), use_reentrant=True)
        res.append(([str(m.message) for m in w], y.requires_grad))
    assert res[0] == res[1] == (["None of the inputs have requires_grad=True. Gradients will be None"], False)


def test_module_surface():
    assert set(tck.__all__) <= set(dir(jck))
    assert jck.noop_context_fn() is not None and len(jck.noop_context_fn()) == 2
    assert [p.name for p in jck.CheckpointPolicy] == [p.name for p in tck.CheckpointPolicy]
    ctx = jck.SelectiveCheckpointContext(is_recompute=False)
    assert ctx.is_recompute is False and ctx.op_output is None
    with pytest.raises(NotImplementedError, match="create_selective_checkpoint_contexts"):
        jck.checkpoint(
            jaxtorch.sin,
            jaxtorch.tensor(X, requires_grad=True),
            use_reentrant=False,
            context_fn=lambda: jck.create_selective_checkpoint_contexts([]),
        )
    assert jck.DefaultDeviceType.get_device_type() == tck.DefaultDeviceType.get_device_type()  # CPU here: "cpu"
    assert jck.get_device_states(jaxtorch.ones(2)) == tck.get_device_states(torch.ones(2)) == ([], [])
    d = jck.detach_variable((jaxtorch.tensor(X, requires_grad=True), 3))
    assert d[0].requires_grad and d[0].is_leaf and d[1] == 3


# ---------------------------------------------------------------------------------------------
# compile


def _train(compiled, checkpointed, use_reentrant=False, steps=2):
    """A few SGD steps of Linear -> checkpointed (Linear, GELU, Dropout, Linear) -> loss."""
    jaxtorch.manual_seed(0)
    nn = jaxtorch.nn
    inp = nn.Linear(8, 8)
    block = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Dropout(0.2), nn.Linear(16, 8))
    params = list(inp.parameters()) + list(block.parameters())
    opt = jaxtorch.optim.SGD(params, lr=0.1, momentum=0.9)
    x = jaxtorch.tensor(X)

    def step(x):
        opt.zero_grad()
        h = inp(x)
        h = jck.checkpoint(block, h, use_reentrant=use_reentrant) if checkpointed else block(h)
        loss = (h**2).mean()
        loss.backward()
        opt.step()
        return loss

    f = jaxtorch.compile(step, fullgraph=True) if compiled else step
    jaxtorch.manual_seed(1)
    losses = [f(x).item() for _ in range(steps)]
    return losses, [p.detach().numpy() for p in params]


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_compiled_training_step_equals_eager(use_reentrant):
    plain = _train(False, False)
    eager = _train(False, True, use_reentrant)
    compiled = _train(True, True, use_reentrant)
    # (the reentrant forward runs the ops jitted alone, not inside jax.vjp: last-bit differences)
    same = (
        np.testing.assert_array_equal
        if not use_reentrant
        else lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    )
    same(eager[0], plain[0])
    for a, b in zip(eager[1], plain[1]):
        same(a, b)
    # XLA fuses the compiled program differently from op-by-op dispatch: float32 rounding
    np.testing.assert_allclose(compiled[0], eager[0], rtol=1e-5)
    for a, b in zip(compiled[1], eager[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# what is kept for backward


def _deep_forward(layers, x, checkpointed):
    def block(h, i):
        return jaxtorch.tanh(layers[i + 2](jaxtorch.tanh(layers[i + 1](jaxtorch.tanh(layers[i](h))))))

    h = x
    for i in range(0, len(layers), 3):
        h = jck.checkpoint(block, h, i, use_reentrant=False) if checkpointed else block(h, i)
    return h.sum()


def _tape_arrays(root):
    """Every array the graph under `root` keeps for backward: node residuals, inputs, checkpoint inputs."""
    out, seen, stack = [], set(), [root.grad_fn]
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        vjp = getattr(n, "_vjp", None)
        if isinstance(vjp, jck._Recompute):
            frame = vjp.frame
            if id(frame) not in seen:
                seen.add(id(frame))
                out += [frame.args[i][0] for i in frame.tensor_pos]
        elif vjp is not None:
            out += jax.tree_util.tree_leaves(vjp) + [v for v in (n.saved or ()) if isinstance(v, jax.Array)]
        stack += [e[0] for e in getattr(n, "next_edges", ()) if e is not None]
    return out


def test_saved_residuals_shrink_eagerly():
    jaxtorch.manual_seed(0)
    layers = [jaxtorch.nn.Linear(8, 8) for _ in range(9)]
    x = jaxtorch.randn(1024, 8, requires_grad=True)
    act = 1024 * 8 * 4  # bytes of one activation
    kept, live = {}, {}
    for ck in (False, True):
        gc.collect()
        before = sum(a.nbytes for a in jax.live_arrays())
        loss = _deep_forward(layers, x, ck)
        gc.collect()
        live[ck] = sum(a.nbytes for a in jax.live_arrays()) - before
        kept[ck] = sum(a.nbytes for a in _tape_arrays(loss))
        loss.backward()
        del loss
    # checkpointed: the graph keeps the three regions' inputs (x and two block outputs) and the last
    # region's output value; without: every layer's input, residuals and output
    assert kept[True] == 4 * act
    assert kept[False] > 9 * act
    assert live[True] <= 3 * act + 1024  # new arrays alive: two block outputs, the last output, the loss
    assert live[False] > 9 * act
    # and the gradients do not change
    grads = {}
    for ck in (False, True):
        for p in [x] + [p for layer in layers for p in layer.parameters()]:
            p.grad = None
        _deep_forward(layers, x, ck).backward()
        grads[ck] = [to_np(x.grad)] + [to_np(p.grad) for layer in layers for p in layer.parameters()]
    for a, b in zip(grads[False], grads[True]):
        np.testing.assert_array_equal(a, b)


def _jit_step(checkpointed, depth=6):
    def step(ws, x):
        ws = [jaxtorch.from_jax(w).requires_grad_() for w in ws]
        h = jaxtorch.from_jax(x)

        def block(h, a, b):
            return jaxtorch.tanh(jaxtorch.tanh(h @ a) @ b)

        for i in range(0, depth, 2):
            h = (
                jck.checkpoint(block, h, ws[i], ws[i + 1], use_reentrant=False)
                if checkpointed
                else block(h, *ws[i : i + 2])
            )
        kept = _tape_arrays(h) if step.probe else None  # what the network's graph keeps for backward
        loss = (h * h).sum()
        loss.backward()
        if step.probe:
            step.kept = kept
        return [w.grad.to_jax() for w in ws]

    step.probe = False
    return step


def _jax_reference(checkpointed, depth=6):
    def block(h, a, b):
        return jnp.tanh(jnp.tanh(h @ a) @ b)

    def loss(ws, x):
        h = x
        for i in range(0, depth, 2):
            h = (jax.checkpoint(block) if checkpointed else block)(h, ws[i], ws[i + 1])
        return (h * h).sum()

    return jax.grad(loss)


def test_traced_program_rematerialises_like_jax_checkpoint():
    """Under jax.jit the tape keeps only the regions' inputs, and the program handed to XLA recomputes each
    region behind an optimization barrier: the same dots, tanhs and barriers as jax.checkpoint's program for
    the same network. (XLA's CPU pipeline removes barriers before CSE, so the CPU executable does not keep
    the recomputation, for jax.checkpoint alike; GPU and TPU pipelines do.)"""
    rng = np.random.default_rng(1)
    ws = [jnp.asarray(rng.standard_normal((16, 16)).astype(np.float32) / 4) for _ in range(6)]
    x = jnp.asarray(rng.standard_normal((32, 16)).astype(np.float32))
    counts = {}
    for ck in (False, True):
        step = _jit_step(ck)
        step.probe = True
        text = jax.jit(step).lower(ws, x).as_text()
        kept = step.kept
        ref = jax.jit(_jax_reference(ck)).lower(ws, x).as_text()
        counts[ck] = [text.count(op) for op in ("stablehlo.dot_general", "stablehlo.tanh", "optimization_barrier")]
        assert counts[ck] == [
            ref.count(op) for op in ("stablehlo.dot_general", "stablehlo.tanh", "optimization_barrier")
        ]
        n_act = sum(1 for a in kept if tuple(a.shape) == (32, 16))
        if ck:
            assert n_act == 3  # x and two region outputs
        else:
            assert n_act > 6
    assert counts[True][0] > counts[False][0] and counts[True][2] == 3
    # and the jitted gradients equal eager jaxtorch's and JAX's own
    got = jax.jit(_jit_step(True))(ws, x)
    eager = _jit_step(True)(ws, x)
    want = jax.jit(_jax_reference(True))(ws, x)
    for g, e, w in zip(got, eager, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-5, atol=1e-6)


def test_signatures_match_torch():
    import inspect

    for name in (
        "checkpoint",
        "checkpoint_sequential",
        "set_checkpoint_early_stop",
        "set_checkpoint_debug_enabled",
        "create_selective_checkpoint_contexts",
        "get_device_states",
        "set_device_states",
    ):
        t = inspect.signature(getattr(tck, name)).parameters
        j = inspect.signature(getattr(jck, name)).parameters
        assert list(t) == list(j), name
        for k in t:
            assert t[k].kind == j[k].kind, (name, k)
            if k != "context_fn":  # (each module's own noop_context_fn)
                assert t[k].default == j[k].default, (name, k)
