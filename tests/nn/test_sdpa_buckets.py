"""Eager scaled_dot_product_attention pads the key length to a few bucket sizes (nn/_functional/attention.py,
_bucketed_kv), so a decoding loop whose KV cache grows by one position per token compiles a handful of programs,
not one per length. Results equal torch's for every length, mask kind and causal layout."""

import math

import numpy as np
import pytest
import torch

import jaxtorch
from jaxtorch.nn._functional import attention as A


def _sdpa(lib, q, k, v, grad=False, **kw):
    kw = {n: (lib.tensor(a) if isinstance(a, np.ndarray) else a) for n, a in kw.items()}
    if grad:
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, **kw)
    with lib.no_grad():
        return lib.nn.functional.scaled_dot_product_attention(lib.tensor(q), lib.tensor(k), lib.tensor(v), **kw)


@pytest.mark.parametrize("mode", ["none", "bool", "float", "bool_broadcast", "causal", "gqa"])
@pytest.mark.parametrize("S", [1, 9, 16, 17, 25, 49])
def test_matches_torch_for_every_length(S, mode):
    rng = np.random.default_rng(S)
    for L in sorted({1, 3, S}):
        kh = 2 if mode == "gqa" else 4
        q = rng.standard_normal((2, 4, L, 8)).astype(np.float32)
        k = rng.standard_normal((2, kh, S, 8)).astype(np.float32)
        v = rng.standard_normal((2, kh, S, 6)).astype(np.float32)
        kw = {"bool": {"attn_mask": rng.random((2, 1, L, S)) > 0.3},
              "float": {"attn_mask": rng.standard_normal((L, S)).astype(np.float32)},
              "bool_broadcast": {"attn_mask": rng.random((1, 1, L, 1)) > 0.2},
              "causal": {"is_causal": True}, "gqa": {"enable_gqa": True}}.get(mode, {})
        expected = _sdpa(torch, q, k, v, **kw).numpy()
        got = _sdpa(jaxtorch, q, k, v, **kw).numpy()
        # padded keys get weight exactly 0; only the summation order of softmax and product can differ
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_bucket_sizes():
    assert [A._kv_bucket(n) for n in (1, 16, 17, 24, 25, 33, 48, 49, 97, 1000)] == \
        [16, 16, 24, 24, 32, 48, 48, 64, 128, 1024]
    for n in range(1, 5000):
        b = A._kv_bucket(n)
        assert n <= b and (n <= 16 or b < 1.5 * n)


def test_growing_kv_cache_compiles_one_program_per_bucket():
    """A decode loop: one query position against a cache of 9..48 keys (head size 12, used by no other test)."""
    rng = np.random.default_rng(0)
    q = jaxtorch.tensor(rng.standard_normal((1, 2, 1, 12)).astype(np.float32))
    static = (("scale", 1 / math.sqrt(12)), ("causal", False), ("gqa", False))
    jitted = A._dispatch.jitted(A._sdpa_impl, static, True)
    before = jitted._cache_size()
    for S in range(9, 49):
        k = rng.standard_normal((1, 2, S, 12)).astype(np.float32)
        v = rng.standard_normal((1, 2, S, 12)).astype(np.float32)
        with jaxtorch.no_grad():
            out = jaxtorch.nn.functional.scaled_dot_product_attention(q, jaxtorch.tensor(k), jaxtorch.tensor(v))
        ref = torch.nn.functional.scaled_dot_product_attention(torch.tensor(q.numpy()), torch.tensor(k),
                                                               torch.tensor(v))
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    assert jitted._cache_size() - before == 4  # buckets 16, 24, 32, 48


def test_recording_and_dropout_run_unpadded():
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((1, 2, 3, 8)).astype(np.float32) for _ in range(3))
    jq, jk, jv = (jaxtorch.tensor(a, requires_grad=True) for a in (q, k, v))
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    assert A._bucketed_kv(jk, jv, None) is None  # key requires grad: the op is recorded unpadded
    out = _sdpa(jaxtorch, jq, jk, jv, grad=True)
    ref = _sdpa(torch, tq, tk, tv, grad=True)
    out.sum().backward()
    ref.sum().backward()
    for a, b in ((out, ref), (jq.grad, tq.grad), (jk.grad, tk.grad), (jv.grad, tv.grad)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    with jaxtorch.no_grad():
        assert A._bucketed_kv(jk, jv, None) is not None  # the same tensors without recording are padded
        assert tuple(A._bucketed_kv(jk, jv, None)[0].shape) == (1, 2, 16, 8)


def test_compiled_calls_are_not_padded():
    rng = np.random.default_rng(2)
    q, k, v = (jaxtorch.tensor(rng.standard_normal((1, 2, 5, 8)).astype(np.float32)) for _ in range(3))
    seen = []

    @jaxtorch.compile
    def f(q, k, v):
        seen.append(A._bucketed_kv(k, v, None))
        return jaxtorch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)

    out = f(q, k, v)
    ref = torch.nn.functional.scaled_dot_product_attention(*(torch.tensor(t.numpy()) for t in (q, k, v)),
                                                           is_causal=True)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    assert seen and all(s is None for s in seen)
