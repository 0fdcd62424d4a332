"""torch.autocast against real torch 2.13's CPU autocast: output dtypes per op, values, nesting, compile."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import jaxtorch

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 8)).astype(np.float32)
W = rng.standard_normal((6, 8)).astype(np.float32)
B = rng.standard_normal((6,)).astype(np.float32)
IMG = rng.standard_normal((1, 3, 6, 6)).astype(np.float32)
CW = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
TGT = np.array([0, 3, 7, 2], dtype=np.int64)


def _t(lib, a):
    return lib.from_numpy(a.copy()) if lib is torch else lib.tensor(a)


# (name, fn(lib, F, x, w, b, img, cw, tgt)); each case runs in torch and in jaxtorch under autocast
CASES = [
    ("linear", lambda L, F, x, w, b, i, c, t: F.linear(x, w, b)),
    ("matmul", lambda L, F, x, w, b, i, c, t: x @ w.T),
    ("mm", lambda L, F, x, w, b, i, c, t: L.mm(x, w.T)),
    ("bmm", lambda L, F, x, w, b, i, c, t: L.bmm(x[None], w.T[None])),
    ("addmm", lambda L, F, x, w, b, i, c, t: L.addmm(b, x, w.T)),
    ("baddbmm", lambda L, F, x, w, b, i, c, t: L.baddbmm(b[None, None], x[None], w.T[None])),
    ("einsum", lambda L, F, x, w, b, i, c, t: L.einsum("ij,kj->ik", x, w)),
    ("conv2d", lambda L, F, x, w, b, i, c, t: F.conv2d(i, c)),
    ("conv1d", lambda L, F, x, w, b, i, c, t: F.conv1d(i[:, :, 0], c[:, :, 0])),
    ("conv_transpose2d", lambda L, F, x, w, b, i, c, t: F.conv_transpose2d(i, c.transpose(0, 1))),
    ("sdpa", lambda L, F, x, w, b, i, c, t: F.scaled_dot_product_attention(x[None], x[None], x[None])),
    ("prelu", lambda L, F, x, w, b, i, c, t: F.prelu(x, b[:1])),
    ("softmax", lambda L, F, x, w, b, i, c, t: F.softmax(x, -1)),
    ("log_softmax", lambda L, F, x, w, b, i, c, t: F.log_softmax(x, -1)),
    ("softmax_of_bf16", lambda L, F, x, w, b, i, c, t: F.softmax(F.linear(x, w), -1)),
    ("cross_entropy", lambda L, F, x, w, b, i, c, t: F.cross_entropy(x, t)),
    ("cross_entropy_of_bf16", lambda L, F, x, w, b, i, c, t: F.cross_entropy(F.linear(x, w), t % 6)),
    ("mse_loss_of_bf16", lambda L, F, x, w, b, i, c, t: F.mse_loss(F.linear(x, w), F.linear(x, w) * 0)),
    ("l1_loss_of_bf16", lambda L, F, x, w, b, i, c, t: F.l1_loss(x @ w.T, x @ w.T * 0.5)),
    ("bce_logits_of_bf16", lambda L, F, x, w, b, i, c, t: F.binary_cross_entropy_with_logits(x @ w.T, x @ w.T * 0.1)),
    ("mse_loss", lambda L, F, x, w, b, i, c, t: F.mse_loss(x, x * 2)),
    ("layer_norm", lambda L, F, x, w, b, i, c, t: F.layer_norm(x, (8,))),
    ("layer_norm_of_bf16", lambda L, F, x, w, b, i, c, t: F.layer_norm(x @ w.T, (6,))),
    ("group_norm", lambda L, F, x, w, b, i, c, t: F.group_norm(i, 1)),
    ("sum", lambda L, F, x, w, b, i, c, t: x.sum()),
    ("sum_of_bf16", lambda L, F, x, w, b, i, c, t: (x @ w.T).sum()),
    ("mean", lambda L, F, x, w, b, i, c, t: x.mean()),
    ("exp", lambda L, F, x, w, b, i, c, t: x.exp()),
    ("relu", lambda L, F, x, w, b, i, c, t: x.relu()),
    ("relu_of_bf16", lambda L, F, x, w, b, i, c, t: F.relu(x @ w.T)),
    ("add_mixed", lambda L, F, x, w, b, i, c, t: (x @ w.T) + b),
    ("cat_mixed", lambda L, F, x, w, b, i, c, t: L.cat([x @ w.T, b[None]])),
    ("cdist", lambda L, F, x, w, b, i, c, t: L.cdist(x.to(L.bfloat16), w.to(L.bfloat16))),
    ("prod", lambda L, F, x, w, b, i, c, t: x.to(L.bfloat16).prod()),
    ("dot", lambda L, F, x, w, b, i, c, t: L.dot(x[0], w[0])),
    ("matmul_float64", lambda L, F, x, w, b, i, c, t: x.double() @ w.double().T),
    ("matmul_float16_in", lambda L, F, x, w, b, i, c, t: x.half() @ w.half().T),
]


def _run(lib, fn, dtype):
    F = lib.nn.functional
    args = [_t(lib, a) for a in (X, W, B, IMG, CW, TGT)]
    with lib.autocast("cpu", dtype=dtype):
        return fn(lib, F, *args)


def _close(t_out, j_out, dtype):
    assert str(t_out.dtype) == repr(j_out.dtype), f"dtype {t_out.dtype} vs {j_out.dtype}"
    a = t_out.detach().float().numpy()
    b = np.asarray(j_out.detach().float()._value())
    low = t_out.dtype in (torch.bfloat16, torch.float16) or "of_bf16" in str(dtype)
    # Low-precision results: bfloat16 keeps 8 significant bits (relative step 2^-8 = 0.004); the two
    # libraries round the same inputs identically but accumulate/round intermediates in different
    # orders, so results may differ by a few units in the last place.
    rtol, atol = (3e-2, 3e-2) if low else (1e-5, 1e-5)
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_autocast_op_table(name, fn, dtype):
    t_out = _run(torch, fn, getattr(torch, dtype))
    j_out = _run(jaxtorch, fn, getattr(jaxtorch, dtype))
    if name.endswith("of_bf16") or name in ("prod", "cdist", "sum_of_bf16"):
        # inputs passed through a low-precision op: compare at low precision
        assert str(t_out.dtype) == repr(j_out.dtype)
        np.testing.assert_allclose(np.asarray(j_out.detach().float()._value()), t_out.detach().float().numpy(),
                                   rtol=5e-2, atol=5e-2)  # two bf16 roundings in a row (see _close)
    else:
        _close(t_out, j_out, dtype)


def test_gradients_flow_back_in_float32():
    def run(lib):
        x, w = _t(lib, X), _t(lib, W).requires_grad_()
        with lib.autocast("cpu"):
            y = lib.nn.functional.linear(x, w)
            loss = lib.nn.functional.mse_loss(y, lib.zeros_like(y))
        loss.backward()
        return y, loss, w.grad

    ty, tl, tg = run(torch)
    jy, jl, jg = run(jaxtorch)
    assert repr(jy.dtype) == "torch.bfloat16" and repr(jl.dtype) == "torch.float32"
    assert repr(jg.dtype) == str(tg.dtype) == "torch.float32"
    # bf16 forward (see _close): gradients agree to bf16 precision
    np.testing.assert_allclose(np.asarray(jg._value()), tg.numpy(), rtol=3e-2, atol=3e-2)


def test_nested_and_disabled():
    x, w = jaxtorch.tensor(X), jaxtorch.tensor(W)
    assert not jaxtorch.is_autocast_enabled("cpu")
    with jaxtorch.autocast("cpu"):
        assert jaxtorch.is_autocast_enabled("cpu") and not jaxtorch.is_autocast_enabled()
        assert (x @ w.T).dtype is jaxtorch.bfloat16
        with jaxtorch.autocast("cpu", enabled=False):
            assert not jaxtorch.is_autocast_enabled("cpu")
            assert (x @ w.T).dtype is jaxtorch.float32
            with jaxtorch.autocast("cpu", dtype=jaxtorch.float16):
                assert (x @ w.T).dtype is jaxtorch.float16
                assert jaxtorch.get_autocast_dtype("cpu") is jaxtorch.float16
            assert (x @ w.T).dtype is jaxtorch.float32
        assert (x @ w.T).dtype is jaxtorch.bfloat16
        assert jaxtorch.get_autocast_dtype("cpu") is jaxtorch.bfloat16
    assert not jaxtorch.is_autocast_enabled("cpu")
    assert (x @ w.T).dtype is jaxtorch.float32


def test_decorator_and_amp_alias():
    @jaxtorch.amp.autocast("cpu")
    def f(a, b):
        return a @ b

    x = jaxtorch.tensor(X)
    assert f(x, x.T).dtype is jaxtorch.bfloat16
    assert (x @ x.T).dtype is jaxtorch.float32
    assert not jaxtorch.is_autocast_enabled("cpu")


def test_unsupported_dtype_and_device_match_torch():
    def msgs(lib, **kw):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            a = lib.autocast("cpu", **kw) if kw else lib.autocast("cuda")
        return [str(r.message) for r in rec], a._enabled

    assert msgs(jaxtorch, dtype=jaxtorch.float64) == msgs(torch, dtype=torch.float64)
    if not jaxtorch.cuda.is_available():
        assert msgs(jaxtorch) == msgs(torch)
    with pytest.raises(RuntimeError) as jr:
        jaxtorch.autocast("foo")
    with pytest.raises(RuntimeError) as tr:
        torch.autocast("foo")
    assert str(jr.value) == str(tr.value)


def test_autocast_under_compile():
    lin = jaxtorch.nn.Linear(8, 6)
    x = jaxtorch.tensor(X)

    def f(inp):
        with jaxtorch.autocast("cpu"):
            y = lin(inp)
            return y, jaxtorch.nn.functional.softmax(y, -1), jaxtorch.nn.functional.mse_loss(y, y * 0)

    cf = jaxtorch.compile(f)
    for _ in range(3):  # first call discovers state eagerly; later calls run the compiled program
        eager, compiled = f(x), cf(x)
        for e, c in zip(eager, compiled):
            assert e.dtype is c.dtype
            # XLA may fuse a bf16 result straight into the following float32 op and skip the
            # intermediate rounding to bfloat16 that eager mode does: equal to bf16 precision
            np.testing.assert_allclose(np.asarray(c.float()._value()), np.asarray(e.float()._value()),
                                       rtol=1e-2, atol=1e-2)
    assert [t.dtype for t in compiled] == [jaxtorch.bfloat16, jaxtorch.bfloat16, jaxtorch.float32]


def test_compiled_function_respects_caller_autocast_state():
    # a compiled function is re-traced per autocast state (torch's dynamo guards on it too)
    lin = jaxtorch.nn.Linear(8, 6)
    cf = jaxtorch.compile(lambda inp: lin(inp))
    x = jaxtorch.tensor(X)
    for _ in range(2):
        with jaxtorch.autocast("cpu"):
            assert cf(x).dtype is jaxtorch.bfloat16
        assert cf(x).dtype is jaxtorch.float32
