"""The lowering changed for the compiled GPT-tiny step (issue #9): layer_norm's closed-form derivative.
Checked against the formulation it replaced (plain autodiff of mean/variance, kept here as the
reference) and against real torch: forward, gradients, forward mode, double backward, and a small
compiled GPT train step (LayerNorm, causal SDPA, GELU MLP, tied embedding, cross_entropy, AdamW)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from jax import lax

import jaxtorch
from jaxtorch.nn._functional import norm as N
from helpers import assert_close

RTOL, ATOL = 1e-5, 1e-6


# ------------------------------------------------------------------------------ the replaced formulations
def _layer_norm_autodiff(x, w, b, *, nd, eps):
    axes = tuple(range(x.ndim - nd, x.ndim))
    dt = x.dtype
    xc = x.astype(jnp.float32 if dt in (jnp.float16, jnp.bfloat16) else dt)
    mean = jnp.mean(xc, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(xc - mean), axis=axes, keepdims=True)
    y = ((xc - mean) * lax.rsqrt(var + eps)).astype(dt)
    if w is not None:
        y = y * w.astype(dt)
    if b is not None:
        y = y + b.astype(dt)
    return y


def _vjp_all(fn, args, seed=1):
    out, vjp = jax.vjp(fn, *args)
    cot = jnp.asarray(np.random.default_rng(seed).standard_normal(out.shape), out.dtype)
    return out, vjp(cot)


def _close(a, b, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol, atol=atol)


# ------------------------------------------------------------------------------ layer_norm
LN_CASES = [((16, 64, 128), 1), ((3, 4, 5, 6), 2), ((7,), 1), ((2, 3, 4), 3)]


@pytest.mark.parametrize("shape,nd", LN_CASES, ids=[f"{s}-{n}" for s, n in LN_CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_matches_autodiff_formulation(shape, nd, dtype):
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal(shape) * 3 + 1, dtype)
    w = jnp.asarray(rng.standard_normal(shape[len(shape) - nd:]), dtype)
    b = jnp.asarray(rng.standard_normal(shape[len(shape) - nd:]), dtype)
    new = jax.jit(lambda *a: _vjp_all(lambda x, w, b: N._layer_norm_impl(x, w, b, nd=nd, eps=1e-5), a))
    old = jax.jit(lambda *a: _vjp_all(lambda x, w, b: _layer_norm_autodiff(x, w, b, nd=nd, eps=1e-5), a))
    (yn, gn), (yo, go) = new(x, w, b), old(x, w, b)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else {}
    _close(yn, yo, **tol)
    for a, c in zip(gn, go):
        _close(a, c, **tol)
    # forward mode too (jacfwd / torch.func.jvp go through the tangent rule directly)
    t = jnp.asarray(rng.standard_normal(shape), dtype)
    jn = jax.jvp(lambda x: N._layer_norm_impl(x, w, b, nd=nd, eps=1e-5), (x,), (t,))[1]
    jo = jax.jvp(lambda x: _layer_norm_autodiff(x, w, b, nd=nd, eps=1e-5), (x,), (t,))[1]
    _close(jn, jo, **tol)


def test_layer_norm_low_precision_matches_autodiff_formulation():
    x = jnp.asarray(np.random.default_rng(2).standard_normal((4, 32)), jnp.bfloat16)
    (yn, (gn,)), (yo, (go,)) = (_vjp_all(lambda x: f(x, None, None, nd=1, eps=1e-5), (x,))
                                for f in (N._layer_norm_impl, _layer_norm_autodiff))
    assert yn.dtype == jnp.bfloat16 and gn.dtype == jnp.bfloat16
    # both compute in float32 and round to bfloat16 once; a differently ordered float32 sum can round
    # to the neighbouring bfloat16 value (relative step 2**-8)
    _close(yn, yo, rtol=1e-2, atol=1e-2)
    _close(gn, go, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_against_torch(affine):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((4, 8, 32)) * 2 + 0.5).astype(np.float32)
    w, b = rng.standard_normal(32).astype(np.float32), rng.standard_normal(32).astype(np.float32)
    cot = rng.standard_normal(x.shape).astype(np.float32)
    res = {}
    for lib in (torch, jaxtorch):
        xt = lib.tensor(x, requires_grad=True)
        wt, bt = (lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)) if affine else (None, None)
        y = lib.nn.functional.layer_norm(xt, (32,), wt, bt)
        (y * lib.tensor(cot)).sum().backward()
        res[lib] = [y, xt.grad] + ([wt.grad, bt.grad] if affine else [])
    # the weight/bias gradients sum 32 products of O(1) values per entry: order-of-summation noise
    # ~1e-6 absolute
    for i, (a, c) in enumerate(zip(res[torch], res[jaxtorch])):
        assert_close(a, c, rtol=RTOL, atol=ATOL if i < 2 else 1e-5, what=f"layer_norm result {i}")


def test_layer_norm_double_backward_against_torch():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 16)).astype(np.float32)
    w = rng.standard_normal(16).astype(np.float32)
    cot = rng.standard_normal(x.shape).astype(np.float32)
    res = {}
    for lib in (torch, jaxtorch):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = lib.nn.functional.layer_norm(xt, (16,), wt)
        (gx,) = lib.autograd.grad((y * lib.tensor(cot)).sum(), xt, create_graph=True)
        gx.pow(2).sum().backward()
        res[lib] = [gx, xt.grad, wt.grad]
    # second derivatives go through rstd**3 terms of O(1) inputs: float32 noise ~1e-6 relative
    for i, (a, c) in enumerate(zip(res[torch], res[jaxtorch])):
        assert_close(a, c, rtol=1e-4, atol=1e-5, what=f"double backward {i}")


# ------------------------------------------------------------------------------ a compiled GPT step
def _gpt(lib, d=32, h=4, t=8, v=16):
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

        def forward(self, x):
            B, T, C = x.shape
            q, k, vv = self.qkv(self.ln1(x)).split(C, dim=2)
            q, k, vv = (a.view(B, T, h, C // h).transpose(1, 2) for a in (q, k, vv))
            y = F.scaled_dot_product_attention(q, k, vv, is_causal=True).transpose(1, 2).contiguous().view(B, T, C)
            x = x + self.proj(y)
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(v, d), nn.Embedding(t, d)
            self.block, self.ln_f = Block(), nn.LayerNorm(d)
            self.head = nn.Linear(d, v, bias=False)
            self.head.weight = self.wte.weight

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(lib.arange(idx.shape[1]))
            return self.head(self.ln_f(self.block(x)))

    return GPT()


def test_compiled_gpt_step_against_torch():
    torch.manual_seed(0)
    tm = _gpt(torch)
    with torch.no_grad():
        tm.wte.weight.mul_(0.3)  # keep the logits O(1) so the softmax is not saturated
    jm = _gpt(jaxtorch)
    jm.load_state_dict({k: jaxtorch.tensor(p.detach().numpy()) for k, p in tm.state_dict().items()})
    rng = np.random.default_rng(7)
    idx, tgt = (rng.integers(0, 16, (4, 8)).astype(np.int64) for _ in range(2))
    results = {}
    for lib, model in ((torch, tm), (jaxtorch, jm)):
        opt = lib.optim.AdamW(model.parameters(), lr=1e-2)

        def step(x, y, model=model, opt=opt, lib=lib):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(x).view(-1, 16), y.view(-1))
            loss.backward()
            opt.step()
            return loss.detach()

        if lib is jaxtorch:
            step = jaxtorch.compile(step)
        losses = [step(lib.tensor(idx), lib.tensor(tgt)) for _ in range(3)]  # eager discovery, trace, compiled
        results[lib] = (losses, [p.grad for p in model.parameters()], list(model.parameters()))
    (tl, tg, tp), (jl, jg, jp) = results[torch], results[jaxtorch]
    for a, b in zip(tl, jl):
        assert_close(a, b, rtol=1e-5, atol=1e-6, what="loss")
    # gradients and AdamW-updated parameters after three steps accumulate float32 summation-order
    # differences through two attention/MLP layers: compare at 1e-4 (the update divides by sqrt(v),
    # which amplifies tiny gradient differences)
    for i, (a, b) in enumerate(zip(tg, jg)):
        assert_close(a, b, rtol=1e-4, atol=1e-5, what=f"grad {i}")
    names = [n for n, _ in tm.named_parameters()]
    for name, a, b in zip(names, tp, jp):
        a, b = a.detach().numpy(), np.asarray(b.detach()._value())
        if name == "block.qkv.bias":
            # the key bias shifts every score of a softmax row equally: its exact gradient is 0, so both
            # libraries hold rounding noise there and AdamW turns noise of either sign into +-lr steps
            a, b = np.delete(a, np.s_[32:64]), np.delete(b, np.s_[32:64])
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5, err_msg=f"param {name}")
