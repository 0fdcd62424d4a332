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


# Integer/bool arithmetic, selections and factories: exact on NumPy and XLA alike, so they also run on the host
# (what a generate loop builds per step: position ids, causal and padding masks, stopping checks).
def _exact_cases(lib, a, b, m, f, i=None):
    F = lib.nn.functional
    return {
        "eq": lambda: a == b, "ne_scalar": lambda: a != 3, "lt": lambda: a < b, "ge_scalar": lambda: a >= -2,
        "add": lambda: a + b, "add_scalar": lambda: a + 7, "sub": lambda: a - b, "rsub": lambda: 5 - a,
        "mul": lambda: a * b, "mul_bool": lambda: a * m, "and_bool": lambda: m & ~m[1:2], "or": lambda: m | m[:1],
        "xor": lambda: a ^ b, "maximum": lambda: lib.maximum(a, b), "invert": lambda: ~a, "not": lambda: ~m,
        "logical_and": lambda: lib.logical_and(a, m), "any": lambda: m.any(), "all_dim": lambda: m.all(1),
        "sum": lambda: a.sum(0), "sum_bool": lambda: m.sum(), "max": lambda: a.max(), "argmax": lambda: a.argmax(1),
        "argmin_keep": lambda: b.argmin(0, keepdim=True), "cumsum": lambda: a.cumsum(1), "isin": lambda: lib.isin(
            a, b[0]), "isin_invert": lambda: lib.isin(a, b[1], invert=True), "to_int32": lambda: a.to(lib.int32),
        "to_bool": lambda: a.bool(), "bool_to_long": lambda: m.long(), "wrap": lambda: (a * 2**62).to(lib.int8),
        "masked_fill": lambda: a.masked_fill(m, -100), "masked_fill_float": lambda: f.masked_fill(m, float("-inf")),
        "where_float": lambda: lib.where(m, f, 0.0), "where_int": lambda: lib.where(m, a, b),
        "pad": lambda: F.pad(a, (1, 2), value=9), "pad_float": lambda: F.pad(f, (0, 0, 2, 0)),
        "embedding": lambda: F.embedding(i, f), "index_tensor": lambda: f[i],
        "index_mixed": lambda: f[:, i[0]][1:], "arange": lambda: lib.arange(3, 40, 4),
        "zeros": lambda: lib.zeros(2, 9), "ones_long": lambda: lib.ones(3, dtype=lib.long), "full": lambda: lib.full(
            (2, 2), -1.5), "full_like": lambda: lib.full_like(a, 11), "fill_": lambda: a.clone().fill_(4),
        "zero_": lambda: f.clone().zero_(),
    }


@pytest.mark.parametrize("name", list(_exact_cases(torch, *[None] * 5)))
def test_exact_ops_match_torch_without_compiling(name):
    rng = np.random.default_rng(1)
    a, b = rng.integers(-6, 6, (4, 5)), rng.integers(-6, 6, (4, 5))
    m = rng.random((4, 5)) > 0.5
    f = rng.standard_normal((4, 5)).astype(np.float32)
    i = rng.integers(0, 4, (2, 3))
    args = lambda lib: (lib.tensor(a), lib.tensor(b), lib.tensor(m), lib.tensor(f), lib.tensor(i))  # noqa: E731
    expected = _exact_cases(torch, *args(torch))[name]()
    jargs = args(jaxtorch)
    with jaxtorch.no_grad():
        got, n = _count(lambda: _exact_cases(jaxtorch, *jargs)[name]())
    assert n == 0
    assert str(got.dtype) == str(expected.dtype)
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_exact_twins_decline_what_is_not_exact():
    from jaxtorch._ops import pointwise, reductions
    from jaxtorch._ops.creation import _fill_impl

    f32 = np.array([1e-40, 1.0], np.float32)  # a subnormal: XLA:CPU reads it as 0, NumPy does not
    twin_any = _dispatch.HOST_IMPLS[reductions._any_impl]
    assert twin_any(f32, axis=None, keepdims=False) is NotImplemented  # float input
    assert twin_any(np.array([0, 2]), axis=None, keepdims=False)
    twin_add = _dispatch.HOST_IMPLS[pointwise._add_impl]
    assert twin_add(f32, f32, dtype=np.dtype(np.float32)) is NotImplemented
    assert twin_add(np.array([1], np.int8), 2**40, dtype=np.dtype(np.int8)) is NotImplemented  # does not fit
    assert twin_add(np.array([127], np.int8), 1, dtype=np.dtype(np.int8)).tolist() == [-128]  # wraps, as XLA
    twin_fill = _dispatch.HOST_IMPLS[_fill_impl]
    assert twin_fill(f32, 1e-40, dtype=np.dtype(np.float32)) is NotImplemented  # a subnormal after the cast
    assert twin_fill(f32, 0.1, dtype=np.dtype(np.float32)) is NotImplemented  # rounds
    assert twin_fill(f32, 0.5, dtype=np.dtype(np.float32)).tolist() == [0.5, 0.5]
    # and through the public ops: the jitted path gives XLA's answer, the same as before the twins
    x = jaxtorch.tensor(f32)
    assert (x > 0).tolist() == [False, True]
    assert jaxtorch.full((2,), 0.1).tolist() == torch.full((2,), 0.1).tolist()


def test_exact_twins_are_not_used_while_recording():
    w = jaxtorch.randn(6, 3, requires_grad=True)
    idx = jaxtorch.tensor([[0, 5], [2, 2]])
    out, n = _count(lambda: jaxtorch.nn.functional.embedding(idx, w, padding_idx=2))
    out.sum().backward()
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    torch.nn.functional.embedding(torch.tensor(idx.numpy()), tw, padding_idx=2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())
    assert out.grad_fn is not None


def test_stack_and_host_payloads_take_the_twins():
    """stack has a twin (a DataLoader collate stacks per-sample rows), and tensors with numpy payloads (a
    default_collate batch) go through the twins too: in a forked DataLoader worker such a collate then needs no XLA
    compile. Results equal torch's and land on the default device."""
    rows = [np.arange(k, k + 5, dtype=np.int64) * (k + 3) for k in range(4)]
    jt = [jaxtorch.as_tensor(r) for r in rows]
    batch = jaxtorch.utils.data.default_collate(rows)
    assert isinstance(batch._data, np.ndarray)  # a host payload
    (s, sl, summed), n = _count(lambda: (jaxtorch.stack(jt, 1), batch[1:, 0:4:2],
                                         jaxtorch.stack([batch, batch]).sum(0)))
    assert n == 0
    tt = [torch.as_tensor(r) for r in rows]
    tb = torch.stack(tt)
    for got, ref in ((s, torch.stack(tt, 1)), (sl, tb[1:, 0:4:2]), (summed, torch.stack([tb, tb]).sum(0))):
        assert got.dtype == jaxtorch.int64 and isinstance(got._data, jax.Array)
        np.testing.assert_array_equal(got.numpy(), ref.numpy())
    assert s._data.devices() == {jax.devices()[0]} and not s._data.committed
