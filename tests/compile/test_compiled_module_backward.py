"""torch.compile(model) the way real code uses it: a compiled forward whose outputs feed an eager `.backward()` and an
eager optimizer (nanoGPT's --compile, Hugging Face's model.compile()). Compared with real torch running eagerly:
losses, parameters and buffers after several steps."""

import io

import numpy as np
import pytest
import torch

import jaxtorch as jt


def _copy_params(src, dst):
    """Load torch module `src`'s parameters and buffers into the jaxtorch module `dst` (same architecture)."""
    sd = {k: jt.tensor(v.detach().numpy()) for k, v in src.state_dict().items()}
    dst.load_state_dict(sd)


def _mlp(lib):
    nn = lib.nn
    # no bias before the BatchNorm: its gradient is zero up to rounding, which Adam would amplify into noise
    return nn.Sequential(nn.Linear(6, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.0), nn.Linear(16, 3))


def _transformer(lib):
    nn = lib.nn

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(11, 16)
            self.block = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True)
            self.norm = nn.LayerNorm(16)
            self.head = nn.Linear(16, 11)

        def forward(self, idx):
            return self.head(self.norm(self.block(self.emb(idx))))

    return Tiny()


def _train(lib, model, compiled, batches, opt_name, steps=5):
    opt = getattr(lib.optim, opt_name)(model.parameters(), lr=0.05)
    run = lib.compile(model) if compiled else model
    losses = []
    for x, y in batches[:steps]:
        out = run(x)
        if out.dim() == 3:
            out = out.reshape(-1, out.shape[-1])
            y = y.reshape(-1)
        loss = lib.nn.functional.cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("opt_name", ["SGD", "AdamW"])
@pytest.mark.parametrize("arch", ["mlp", "transformer"])
def test_compiled_forward_eager_backward_matches_torch(arch, opt_name):
    rng = np.random.default_rng(0)
    if arch == "mlp":
        data = [(rng.standard_normal((8, 6)).astype(np.float32), rng.integers(0, 3, 8)) for _ in range(5)]
    else:
        data = [(rng.integers(0, 11, (2, 5)), rng.integers(0, 11, (2, 5))) for _ in range(5)]
    build = _mlp if arch == "mlp" else _transformer
    torch.manual_seed(0)
    tmodel = build(torch)
    jmodel = build(jt)
    _copy_params(tmodel, jmodel)
    tb = [(torch.tensor(x), torch.tensor(y)) for x, y in data]
    jb = [(jt.tensor(x), jt.tensor(y)) for x, y in data]
    jt.compiler.reset_stats()
    want = _train(torch, tmodel, False, tb, opt_name)
    got = _train(jt, jmodel, True, jb, opt_name)
    stats = jt.compiler.stats()
    assert stats["compiled_calls"] == 5 and stats["eager_calls"] == 0 and stats["graph_breaks"] == 0
    np.testing.assert_allclose(got[0], want[0], rtol=2e-5, atol=1e-6)
    for k in want[1]:
        g, w = got[1][k], want[1][k]
        if k == "block.self_attn.in_proj_bias" and opt_name == "AdamW":
            # the key bias's gradient is zero up to rounding (softmax ignores a shift shared by all keys);
            # Adam turns that rounding noise into +-lr steps, in torch as in jaxtorch: compare q and v only
            g, w = np.concatenate([g[:16], g[32:]]), np.concatenate([w[:16], w[32:]])
        # five optimizer steps on gradients that agree to float32 rounding: allow a few ulps of drift
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=2e-5, err_msg=k)


def test_outputs_join_autograd_like_torch():
    torch.manual_seed(0)
    tlin = torch.nn.Linear(4, 3)
    jlin = jt.nn.Linear(4, 3)
    _copy_params(tlin, jlin)
    c = jt.compile(jlin)
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    tx, jx = torch.tensor(x, requires_grad=True), jt.tensor(x, requires_grad=True)
    ty, jy = tlin(tx * 2), c(jx * 2)  # the input's own graph continues behind the compiled call
    assert jy.requires_grad and jy.grad_fn is not None and not jy.is_leaf
    assert type(jy.grad_fn).__name__ == "CompiledFunctionBackward"
    (ty ** 2).sum().backward()
    (jy ** 2).sum().backward()
    np.testing.assert_allclose(jx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(jlin.weight.grad.numpy(), tlin.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    # under no_grad the call keeps nothing for backward
    with jt.no_grad():
        out = c(jx)
    assert out.grad_fn is None and not out.requires_grad
    with jt.inference_mode():
        assert c(jx).grad_fn is None


def test_decorated_function_inside_eager_training():
    torch.manual_seed(0)
    w0 = np.random.default_rng(2).standard_normal((3, 3)).astype(np.float32)
    x = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)

    def make(lib):
        @lib.compile
        def block(h, w):
            return lib.tanh(h @ w) + h

        return block

    grads = []
    for lib in (torch, jt):
        w = lib.tensor(w0, requires_grad=True)
        h = lib.tensor(x)
        out = make(lib)(make(lib)(h, w), w) if lib is jt else make(lib)(make(lib)(h, w), w)
        out.sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)


def test_freezing_parameters_rebuilds_the_program():
    m = jt.nn.Sequential(jt.nn.Linear(3, 3), jt.nn.Linear(3, 1))
    c = jt.compile(m)
    x = jt.randn(2, 3)
    c(x).sum().backward()
    assert m[0].weight.grad is not None
    m.zero_grad(set_to_none=True)
    m[0].weight.requires_grad_(False)
    c(x).sum().backward()
    assert m[0].weight.grad is None and m[1].weight.grad is not None


def test_state_dict_keys_round_trip_with_torch(tmp_path):
    torch.manual_seed(0)
    tmodel = _mlp(torch)
    tc = torch.compile(tmodel)
    jc = jt.compile(_mlp(jt))
    assert list(jc.state_dict()) == list(tc.state_dict())
    assert isinstance(jc, jt.nn.Module) and jc._orig_mod is not None
    path = tmp_path / "compiled.pt"
    torch.save(tc.state_dict(), path)
    jc.load_state_dict(jt.load(path))
    for (k, a), (_, b) in zip(jc.state_dict().items(), tc.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.detach().numpy(), err_msg=k)
    # and back: torch's compiled module reads what jaxtorch's wrote
    buf = io.BytesIO()
    jt.save(jc.state_dict(), buf)
    tc.load_state_dict(torch.load(io.BytesIO(buf.getvalue())))
    # a plain (unprefixed) state dict does not load into the compiled wrapper, as in torch
    with pytest.raises(RuntimeError):
        jc.load_state_dict(jc._orig_mod.state_dict())
    # train()/eval() reach the original module
    jc.eval()
    assert not jc.training and not jc._orig_mod.training
    jc.train()
    assert jc._orig_mod.training


def test_recompiles_on_shape_change_only():
    m = jt.nn.Linear(4, 2)
    c = jt.compile(m)
    jt.compiler.reset_stats()
    for n in (3, 3, 5, 5, 3):
        c(jt.randn(n, 4)).sum().backward()
    s = jt.compiler.stats()
    assert s["compiles"] == 2 and s["compiled_calls"] == 5


def test_growing_sequence_compiles_a_bounded_number_of_programs():
    # a generate loop: the sequence grows by one token per call. torch recompiles once with a dynamic length;
    # jaxtorch (static shapes) compiles two lengths, then runs new lengths eagerly: same tokens as eager
    jt.manual_seed(0)
    model = jt.nn.Sequential(jt.nn.Embedding(13, 8), jt.nn.Linear(8, 13))
    c = jt.compile(model)
    jt.compiler.reset_stats()
    idx = jt.tensor([[1, 2]])
    ref = idx.clone()
    with jt.no_grad():
        for _ in range(12):
            idx = jt.cat([idx, c(idx)[:, -1].argmax(-1, keepdim=True)], dim=1)
            ref = jt.cat([ref, model(ref)[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert idx.tolist() == ref.tolist()
    s = jt.compiler.stats()
    assert s["compiles"] == 2 and s["eager_calls"] == 10, s


def test_dynamic_false_recompiles_up_to_torchs_limit_then_runs_eagerly():
    f = jt.compile(lambda x, k: x * k, dynamic=False)
    jt.compiler.reset_stats()
    with pytest.warns(UserWarning, match=r"recompile_limit \(8\)"):
        out = [f(jt.ones(2), k) for k in range(11)]
    assert [o.tolist() for o in out] == [[float(k)] * 2 for k in range(11)]
    s = jt.compiler.stats()
    assert s["compiles"] == 8 and s["eager_calls"] == 3, s


def test_mark_dynamic_and_dynamic_true_compile_one_shape():
    for how in ("mark", "dynamic"):
        f = jt.compile(lambda x: x.sin() * 2, dynamic=True if how == "dynamic" else None)
        jt.compiler.reset_stats()
        for n in (3, 4, 5):
            x = jt.randn(n)
            if how == "mark":
                jt._dynamo.mark_dynamic(x, 0)
            np.testing.assert_allclose(f(x).numpy(), (x.sin() * 2).numpy(), rtol=1e-6)
        assert jt.compiler.stats()["compiles"] == 1, how


def test_forward_is_traced_once_and_backward_hooks_fall_back_to_eager():
    m = jt.nn.Linear(3, 2)
    calls = []
    m.register_forward_hook(lambda mod, i, o: calls.append("fw"))
    c = jt.compile(m)
    jt.compiler.reset_stats()
    for _ in range(3):
        c(jt.randn(4, 3)).sum().backward()
    assert calls == ["fw"]  # Python side effects happen once, while tracing (as in torch)
    assert jt.compiler.stats()["traces"] == 1
    # a module backward hook would have to run inside the compiled backward: torch's kind of warning, then eager
    m.register_full_backward_hook(lambda mod, gi, go: calls.append("bw"))
    c2 = jt.compile(m)
    with pytest.warns(UserWarning, match="Linear has backward hooks"):
        c2(jt.randn(4, 3)).sum().backward()
    c2(jt.randn(4, 3)).sum().backward()
    assert calls.count("bw") == 2
