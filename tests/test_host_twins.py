"""Data-movement ops on small CPU tensors run through their NumPy twins (jaxtorch/_ops/_dispatch.py, host_impl):
the results equal torch's and the jitted path's, a shape seen once compiles nothing, and everything a twin cannot
take (autograd recording, large inputs, dtype conversions, out-of-range slices) still takes the jitted path."""

import jax
import numpy as np
import pytest
import torch

import jaxtorch
from jaxtorch._ops import _dispatch

_compiles = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, secs, **kw: _compiles.append(name) if name == "/jax/core/compile/backend_compile_duration" else None)


def _count(fn):
    n = len(_compiles)
    out = fn()
    return out, len(_compiles) - n


def _cases(lib, x, y):
    return {
        "reshape": lambda: x.reshape(3, 2, 7),
        "view": lambda: x.view(-1),
        "transpose": lambda: x.transpose(0, 2),
        "permute": lambda: x.permute(2, 0, 1),
        "unsqueeze_squeeze": lambda: x.unsqueeze(1).squeeze(1),
        "expand": lambda: x[:, :1].expand(2, 5, 7),
        "index": lambda: x[1, ::2, -3:],
        "index_none_ellipsis": lambda: x[None, ..., 1],
        "narrow": lambda: x.narrow(2, 2, 4),
        "cat": lambda: lib.cat([x, y], dim=1),
        "stack_like": lambda: lib.cat([x.unsqueeze(0), y[:, :3].unsqueeze(0)], 0),
        "clone": lambda: x.clone(),
        "chain": lambda: x.transpose(0, 1)[1:, :, 2].unsqueeze(0),
    }


@pytest.mark.parametrize("name", list(_cases(torch, None, None)))
@pytest.mark.parametrize("dtype", ["float32", "int64", "bfloat16"])
def test_matches_torch_without_compiling(name, dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 7)) * 10
    b = rng.standard_normal((2, 3, 7)) * 10
    td, jd = getattr(torch, dtype), getattr(jaxtorch, dtype)
    tx, ty = torch.tensor(a).to(td), torch.tensor(b).to(td)
    jx, jy = jaxtorch.tensor(a).to(jd), jaxtorch.tensor(b).to(jd)
    expected = _cases(torch, tx, ty)[name]()
    with jaxtorch.no_grad():
        got, n = _count(lambda: _cases(jaxtorch, jx, jy)[name]())
    assert n == 0
    assert got.dtype == jd and tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(np.asarray(got._value()).astype(np.float32), expected.float().numpy())


def test_growing_length_compiles_nothing():
    """A KV cache growing one position at a time: cat and slicing of a new length each step."""
    cache = jaxtorch.zeros(1, 2, 1, 4)
    step = jaxtorch.ones(1, 2, 1, 4)
    n0 = len(_compiles)
    for _ in range(6):
        cache = jaxtorch.cat([cache, step], dim=2)
        last = cache[:, :, -2:]
    assert len(_compiles) == n0
    assert tuple(cache.shape) == (1, 2, 7, 4) and float(last.sum()) == 16.0


def test_what_the_twins_do_not_take_still_works():
    big = jaxtorch.arange(float(_dispatch.HOST_MAX_BYTES))  # float32: 4x the limit, the jitted path
    assert float(big.reshape(2, -1)[1, -1]) == _dispatch.HOST_MAX_BYTES - 1
    mixed = jaxtorch.cat([jaxtorch.ones(2), jaxtorch.arange(2)])  # a promotion: XLA converts
    assert mixed.dtype == jaxtorch.float32 and mixed.tolist() == [1.0, 1.0, 0.0, 1.0]
    x = jaxtorch.ones(3, 4, requires_grad=True)  # recorded for autograd: the jitted VJP path
    (x.reshape(4, 3)[1:] * 2).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0, 2.0], [2.0] * 4, [2.0] * 4]


def test_results_are_fresh_buffers_on_the_inputs_device():
    x = jaxtorch.arange(12.0)
    y = x.reshape(3, 4)[1]
    assert y._value().devices() == x._value().devices()
    x.add_(1)  # the view follows its base; the earlier result of the twin is not aliased by anything else
    assert y.tolist() == [5.0, 6.0, 7.0, 8.0]


def test_committed_inputs_keep_their_device():
    from jaxtorch._ops.shape import _reshape_impl

    dev = jax.devices()[0]
    a = jax.device_put(np.arange(6.0, dtype=np.float32), dev)
    out = _dispatch.run_eager(_reshape_impl, (("shape", (2, 3)),), (a,))
    assert out.committed and out.devices() == {dev}
    assert np.asarray(out).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    free = jax.numpy.asarray(np.arange(6.0, dtype=np.float32))
    u = _dispatch.run_eager(_reshape_impl, (("shape", (3, 2)),), (free,))
    assert not u.committed
