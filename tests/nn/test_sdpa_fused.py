"""The fused-attention path of F.scaled_dot_product_attention (jaxtorch/backends/cuda.py, cuDNN on an
NVIDIA GPU): when it is chosen, and that the wrapper around jax.nn.dot_product_attention (layout, scale,
causal, grouped heads) computes torch's SDPA. On CPU the same wrapper runs with JAX's 'xla'
implementation; cuDNN itself needs a GPU and is measured by benchmarks/bench_gpu.py."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import jaxtorch
from jaxtorch.nn._functional import attention as A

CASES = [  # (q shape, kv shape, causal, scale, gqa)
    ((2, 4, 8, 16), (2, 4, 8, 16), False, None, False),
    ((2, 4, 8, 16), (2, 4, 8, 16), True, None, False),
    ((1, 2, 5, 8), (1, 2, 7, 8), False, 0.3, False),
    ((2, 4, 6, 8), (2, 2, 6, 8), True, None, True),  # grouped k/v heads
]


def _inputs(qs, ks, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in (qs, ks, ks)]


@pytest.mark.parametrize("case", CASES, ids=[f"c{i}" for i in range(len(CASES))])
def test_fused_wrapper_matches_torch(case):
    qs, ks, causal, scale, gqa = case
    q, k, v = _inputs(qs, ks)
    s = 1 / np.sqrt(qs[-1]) if scale is None else scale

    def ours(q, k, v):
        return A._sdpa_impl(q, k, v, None, None, scale=s, causal=causal, gqa=gqa, fused="xla")

    out, vjp = jax.vjp(ours, *(jnp.asarray(a) for a in (q, k, v)))
    g = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    grads = vjp(jnp.asarray(g))

    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=causal, scale=scale,
                                                            enable_gqa=gqa)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(np.asarray(out), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    for ours_g, t in zip(grads, (tq, tk, tv)):
        np.testing.assert_allclose(np.asarray(ours_g), t.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_flags_default_and_cpu_never_fuses():
    cuda = jaxtorch.backends.cuda
    assert cuda.cudnn_sdp_enabled() is False  # opt-in until measured on a GPU
    assert cuda.flash_sdp_enabled() and cuda.mem_efficient_sdp_enabled() and cuda.math_sdp_enabled()
    q = jaxtorch.randn(2, 4, 8, 16, dtype=jaxtorch.bfloat16)
    try:
        cuda.enable_cudnn_sdp(True)
        assert cuda.cudnn_sdp_enabled()
        if jax.default_backend() == "cpu":
            assert A._fused_impl(q, q, None, 0.0, True) is None
    finally:
        cuda.enable_cudnn_sdp(False)


def test_fused_path_selection(monkeypatch):
    """The cases cuDNN takes, decided before dispatch (the backend is faked as a GPU here)."""
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    cuda = jaxtorch.backends.cuda
    bf = jaxtorch.bfloat16
    q = jaxtorch.randn(2, 4, 8, 16, dtype=bf)
    assert A._fused_impl(q, q, None, 0.0, True) is None  # not enabled
    monkeypatch.setitem(cuda._sdp, "cudnn", True)
    assert A._fused_impl(q, q, None, 0.0, True) == "cudnn"
    assert A._fused_impl(q, q, None, 0.0, False) == "cudnn"
    assert A._fused_impl(q.float(), q.float(), None, 0.0, True) is None  # float32: XLA's lowering
    assert A._fused_impl(q, q, jaxtorch.ones(8, 8, dtype=jaxtorch.bool), 0.0, False) is None  # explicit mask
    assert A._fused_impl(q, q, None, 0.1, True) is None  # dropout
    odd = jaxtorch.randn(2, 4, 8, 12, dtype=bf)
    assert A._fused_impl(odd, odd, None, 0.0, True) is None  # head dim not a multiple of 8
    kv = jaxtorch.randn(2, 4, 6, 16, dtype=bf)
    assert A._fused_impl(q, kv, None, 0.0, True) is None  # causal with different lengths
    assert A._fused_impl(q, kv, None, 0.0, False) == "cudnn"
    assert A._fused_impl(q[0], q[0], None, 0.0, False) is None  # 3-D
