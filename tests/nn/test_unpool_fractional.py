"""max_unpool1d/2d/3d, fractional_max_pool2d/3d and gumbel_softmax against real torch.

Unpooling is deterministic: values and gradients must equal torch's. Fractional pooling and Gumbel-softmax
draw random numbers; jaxtorch's generator is not torch's (DESIGN.md section 6), so fractional pooling is
compared exactly when both get the same `_random_samples`, and otherwise (like gumbel_softmax) tested by
its properties: shapes, each output being the maximum of a valid window, determinism under manual_seed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import jaxtorch
from _module_oracle import run_module
from helpers import assert_close, to_np
from test_conv_pool import check_module

TF, JF = torch.nn.functional, jaxtorch.nn.functional


def _pair_tensors(x: np.ndarray, grad: bool = True):
    return torch.tensor(x, requires_grad=grad), jaxtorch.tensor(x, requires_grad=grad)


def _check_errors(torch_call, jt_call):
    """Both libraries raise the same exception type with the same message."""
    with pytest.raises(Exception) as te:
        torch_call()
    with pytest.raises(type(te.value)) as je:
        jt_call()
    assert str(je.value) == str(te.value)


# ----------------------------------------------------------------------------- max_unpool
# (nd, input shape, kernel, stride, padding, output_size given to unpool)
UNPOOL_CASES = [
    (1, (2, 3, 9), 2, None, 0, None),
    (1, (3, 9), 3, 2, 1, (9,)),                       # unbatched, output_size needed to reach 9
    (1, (2, 3, 8), 2, 1, 0, [1, 1, 8]),                # stride 1: overlapping windows, duplicate indices
    (2, (2, 3, 6, 6), 2, None, 0, None),
    (2, (2, 3, 7, 6), 3, 2, 1, (7, 6)),
    (2, (3, 5, 6), (2, 3), (1, 2), (1, 0), [5, 6]),    # unbatched, overlapping rows
    (2, (1, 2, 5, 5), 2, 1, 0, torch.Size([1, 2, 5, 5])),
    (3, (1, 2, 4, 4, 6), 2, None, 0, None),
    (3, (2, 4, 5, 5), 3, 2, 1, (4, 5, 5)),             # unbatched
    (3, (1, 2, 4, 4, 5), (2, 2, 3), 1, 0, None),       # overlapping windows, duplicate indices
]


@pytest.mark.parametrize("nd,shape,k,s,p,size", UNPOOL_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_unpool_functional(nd, shape, k, s, p, size, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    pooled, idx = getattr(TF, f"max_pool{nd}d")(torch.tensor(x), k, s, p, return_indices=True)
    tp, jp = _pair_tensors(pooled.numpy())
    ti, ji = idx, jaxtorch.tensor(idx.numpy())
    jsize = tuple(size) if isinstance(size, torch.Size) else size
    t_out = getattr(TF, f"max_unpool{nd}d")(tp, ti, k, stride=s, padding=p, output_size=size)
    j_out = getattr(JF, f"max_unpool{nd}d")(jp, ji, k, stride=s, padding=p, output_size=jsize)
    assert_close(t_out, j_out, 0, 0)  # a scatter: values are copied, not computed
    w = rng.uniform(0.5, 1.5, size=tuple(t_out.shape)).astype(dtype)
    (t_out * torch.tensor(w)).sum().backward()
    (j_out * jaxtorch.tensor(w)).sum().backward()
    assert_close(tp.grad, jp.grad, 0, 0)


def test_max_unpool_duplicate_indices_gradient():
    # torch's backward is a gather: every element naming a cell gets that cell's gradient, duplicates included
    x = np.array([[[1.0, 5.0, 2.0, 2.0, 7.0, 0.0]]], np.float32)
    pooled, idx = TF.max_pool1d(torch.tensor(x), 3, 1, return_indices=True)
    assert len(set(idx.flatten().tolist())) < idx.numel()  # the case under test really has duplicates
    tp, jp = _pair_tensors(pooled.numpy())
    t_out = TF.max_unpool1d(tp, idx, 3, 1, output_size=[6])
    j_out = JF.max_unpool1d(jp, jaxtorch.tensor(idx.numpy()), 3, 1, output_size=[6])
    assert_close(t_out, j_out, 0, 0)
    g = np.arange(1, 7, dtype=np.float32).reshape(1, 1, 6)
    t_out.backward(torch.tensor(g))
    j_out.backward(jaxtorch.tensor(g))
    assert_close(tp.grad, jp.grad, 0, 0)


def test_max_unpool_duplicates_last_wins():
    # with different values naming one cell, torch's serial loop leaves the last (its threaded loop races)
    inp = np.array([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]], np.float32)
    idx = np.array([[[[0, 0, 4], [4, 1, 0]]]], np.int64)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        t = TF.max_unpool2d(torch.tensor(inp), torch.tensor(idx), 1, output_size=(2, 3))
    finally:
        torch.set_num_threads(threads)
    assert_close(t, JF.max_unpool2d(jaxtorch.tensor(inp), jaxtorch.tensor(idx), 1, output_size=(2, 3)), 0, 0)


def test_max_unpool_second_order():
    # the custom backward is itself differentiable (a gather): d/dx of (grad . v) is 0, torch's too
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4)).astype(np.float32)
    pooled, idx = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    tp, jp = _pair_tensors(pooled.numpy())
    outs = []
    for lib, F, p, i in ((torch, TF, tp, idx), (jaxtorch, JF, jp, jaxtorch.tensor(idx.numpy()))):
        y = F.max_unpool2d(p, i, 2)
        (gx,) = lib.autograd.grad((y * y).sum(), p, create_graph=True)
        (ggx,) = lib.autograd.grad(gx.sum(), p)
        outs.append((gx, ggx))
    assert_close(outs[0][0], outs[1][0])
    assert_close(outs[0][1], outs[1][1])


UNPOOL_MODULES = [
    ("unpool1d", 1, lambda nn: nn.MaxUnpool1d(2), (2, 3, 8), 2, None, 0, False),
    ("unpool1d_size", 1, lambda nn: nn.MaxUnpool1d(3, 2, 1), (2, 3, 9), 3, 2, 1, True),
    ("unpool2d", 2, lambda nn: nn.MaxUnpool2d(2), (2, 3, 6, 6), 2, None, 0, False),
    ("unpool2d_full", 2, lambda nn: nn.MaxUnpool2d((3, 2), (2, 1), (1, 0)), (2, 2, 7, 6), (3, 2), (2, 1), (1, 0),
     True),
    ("unpool3d", 3, lambda nn: nn.MaxUnpool3d(2, 2), (1, 2, 4, 4, 5), 2, 2, 0, True),
]


@pytest.mark.parametrize("name,nd,make,shape,k,s,p,with_size", UNPOOL_MODULES, ids=[c[0] for c in UNPOOL_MODULES])
def test_max_unpool_modules(name, nd, make, shape, k, s, p, with_size):
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    pooled, idx = getattr(TF, f"max_pool{nd}d")(torch.tensor(x), k, s, p, return_indices=True)
    inputs = [pooled.numpy(), idx.numpy()] + ([tuple(shape[-nd:])] if with_size else [])
    run_module(make, inputs, rtol=0, atol=0, grad_rtol=0, grad_atol=0)


def _unpool_args():
    x = torch.tensor(np.random.default_rng(3).standard_normal((1, 2, 4, 4)).astype(np.float32))
    o, i = TF.max_pool2d(x, 2, return_indices=True)
    x3 = torch.tensor(np.random.default_rng(3).standard_normal((1, 2, 4, 4, 4)).astype(np.float32))
    o3, i3 = TF.max_pool3d(x3, 2, return_indices=True)
    o1, i1 = TF.max_pool1d(x[0], 2, return_indices=True)
    bad = i.clone()
    bad[0, 0, 1, 1], bad[0, 1, 0, 0] = 77, 99
    return o, i, o3, i3, o1, i1, bad


UNPOOL_ERRORS = [
    ("size_range", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, i, 2, output_size=(6, 5))),
    ("size_small", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, i, 2, output_size=[2, 4])),
    ("size_len", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, i, 2, output_size=(5,))),
    ("size_negative", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, i, 2, padding=3)),
    ("size_len_1d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool1d(o1, i1, 2, output_size=[20])),
    ("index_high", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, bad, 2)),
    ("index_negative", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, i - 100, 2)),
    ("index_high_1d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool1d(o1, i1 + 100, 2)),
    ("index_high_3d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool3d(o3, i3 + 100, 2)),
    ("index_stride", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, i, 2, stride=1)),
    ("indices_shape", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, i[..., :1], 2)),
    ("indices_shape_1d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool1d(o1, i1[..., :1], 2)),
    ("indices_shape_3d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool3d(o3, i3[..., :1], 2)),
    ("indices_int32", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, i.int(), 2)),
    ("indices_float", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, i.float(), 2)),
    ("indices_int32_3d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool3d(o3, i3.int(), 2)),
    ("rank_2d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o[0, 0], i[0, 0], 2)),
    ("rank_2d_high", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o[None], i[None], 2)),
    ("rank_1d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool1d(o1[0, 0], i1[0, 0], 2)),
    ("rank_3d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool3d(o3[0, 0], i3[0, 0], 2)),
    ("empty_dim", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o[:, :, :0], i[:, :, :0], 2)),
    ("empty_dim_3d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool3d(o3[:, :0], i3[:, :0], 2)),
    ("stride_zero_3d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool3d(o3, i3, 2, stride=(1, 0, 1))),
    ("int_input", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o.long(), i, 2)),
    ("int_input_1d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool1d(o1.long(), i1, 2)),
    ("bool_input_3d", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool3d(o3.bool(), i3, 2)),
    ("kernel_len", lambda F, o, i, o3, i3, o1, i1, bad: F.max_unpool2d(o, i, [2], stride=[2], padding=[0])),
]


def _to_jt(v):
    return jaxtorch.tensor(v.numpy()) if isinstance(v, torch.Tensor) else v


@pytest.mark.parametrize("name,call", UNPOOL_ERRORS, ids=[c[0] for c in UNPOOL_ERRORS])
def test_max_unpool_errors(name, call):
    t_args = _unpool_args()
    j_args = [_to_jt(a) for a in t_args]
    # with several invalid indices torch names the last one its loop meets; threaded, which one is a race
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _check_errors(lambda: call(TF, *t_args), lambda: call(JF, *j_args))
    finally:
        torch.set_num_threads(threads)


def test_max_unpool_empty_batch_and_dtypes():
    for shape in [(0, 2, 2, 2), (0, 2, 2)]:
        t = TF.max_unpool2d(torch.zeros(shape), torch.zeros(shape, dtype=torch.long), 2)
        j = JF.max_unpool2d(jaxtorch.zeros(shape), jaxtorch.zeros(shape, dtype=jaxtorch.long), 2)
        assert_close(t, j, 0, 0)
    o, i = TF.max_pool2d(torch.tensor(np.random.default_rng(4).standard_normal((1, 2, 4, 4)).astype(np.float32)), 2,
                         return_indices=True)
    for dt in ("float16", "bfloat16"):
        t = TF.max_unpool2d(o.to(getattr(torch, dt)), i, 2)
        j = JF.max_unpool2d(jaxtorch.tensor(o.numpy()).to(getattr(jaxtorch, dt)), jaxtorch.tensor(i.numpy()), 2)
        assert str(t.dtype) == repr(j.dtype)
        assert_close(t.float(), j.float(), 0, 0)


def test_max_unpool_reprs():
    for make in [lambda nn: nn.MaxUnpool1d(2, 1, 1), lambda nn: nn.MaxUnpool2d(2), lambda nn: nn.MaxUnpool2d([3, 2]),
                 lambda nn: nn.MaxUnpool3d((2, 1, 2), padding=1)]:
        assert repr(make(jaxtorch.nn)) == repr(make(torch.nn))


# ----------------------------------------------------------------------------- fractional_max_pool
# (nd, input shape, kernel, output_size, output_ratio); windows get non-integer spacing so samples matter
FRACTIONAL_CASES = [
    (2, (2, 3, 9, 11), 2, (4, 5), None),
    (2, (2, 3, 10, 9), (3, 2), 4, None),
    (2, (3, 13, 12), 2, None, (0.5, 0.7)),             # unbatched
    (2, (1, 2, 7, 7), 3, (5, 5), None),                # windows overlap
    (2, (1, 1, 6, 6), 1, (4, 3), None),                # 1x1 windows: subsampling
    (3, (2, 2, 5, 6, 7), 2, (3, 4, 5), None),
    (3, (2, 6, 6, 7), (2, 1, 3), None, 0.5),           # unbatched, float ratio
]


def _frac_samples(shape, nd, dtype, seed=0, batch_extra=0):
    batch = 1 if len(shape) == nd + 1 else shape[0]
    return np.random.default_rng(seed).random((batch + batch_extra, shape[-nd - 1], nd)).astype(dtype)


@pytest.mark.parametrize("nd,shape,k,size,ratio", FRACTIONAL_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fractional_given_samples(nd, shape, k, size, ratio, dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape).astype(dtype)
    u = _frac_samples(shape, nd, dtype, batch_extra=1)  # torch allows more sample rows than the batch
    tx, jx = _pair_tensors(x)
    t = getattr(TF, f"fractional_max_pool{nd}d")(tx, k, output_size=size, output_ratio=ratio, return_indices=True,
                                                 _random_samples=torch.tensor(u))
    j = getattr(JF, f"fractional_max_pool{nd}d")(jx, k, output_size=size, output_ratio=ratio, return_indices=True,
                                                 _random_samples=jaxtorch.tensor(u))
    assert_close(t, j, 0, 0)
    w = rng.uniform(0.5, 1.5, size=tuple(t[0].shape)).astype(dtype)
    (t[0] * torch.tensor(w)).sum().backward()
    (j[0] * jaxtorch.tensor(w)).sum().backward()
    # overlapping windows add several weights into one element: float sums in another order
    assert_close(tx.grad, jx.grad, 1e-6, 1e-6)


def test_fractional_edge_samples_and_ties():
    # samples at the ends of [0, 1) (and beyond, which torch accepts), float32 rounding of the window
    # spacing, ties (first maximum wins) and NaN (the last NaN of a window wins)
    x = np.random.default_rng(6).integers(0, 3, size=(2, 3, 37, 41)).astype(np.float32)
    x[0, 0, 5, 7] = np.nan
    x[1, 2, 20, 20] = x[1, 2, 20, 21] = np.nan
    u = np.array([0.0, 1 - 2 ** -24, 0.5, 1 / 3, 0.7, 1.0, 2.5, 0.1, 0.999, 0.25, 0.0, 0.75],
                 np.float32).reshape(2, 3, 2)
    for k, size in [(2, (19, 29)), ((3, 2), (11, 40)), (1, (36, 7))]:
        t = TF.fractional_max_pool2d(torch.tensor(x), k, size, return_indices=True, _random_samples=torch.tensor(u))
        j = JF.fractional_max_pool2d(jaxtorch.tensor(x), k, size, return_indices=True,
                                     _random_samples=jaxtorch.tensor(u))
        assert_close(t, j, 0, 0)


def test_fractional_half_precision():
    x = np.random.default_rng(7).standard_normal((1, 2, 9, 10)).astype(np.float32)
    u = _frac_samples(x.shape, 2, np.float32, seed=7)
    for dt in ("float16", "bfloat16"):
        tdt, jdt = getattr(torch, dt), getattr(jaxtorch, dt)
        t = TF.fractional_max_pool2d(torch.tensor(x).to(tdt), 2, (4, 6), return_indices=True,
                                     _random_samples=torch.tensor(u).to(tdt))
        j = JF.fractional_max_pool2d(jaxtorch.tensor(x).to(jdt), 2, (4, 6), return_indices=True,
                                     _random_samples=jaxtorch.tensor(u).to(jdt))
        assert str(t[0].dtype) == repr(j[0].dtype)
        assert_close(t[0].float(), j[0].float(), 0, 0)
        assert_close(t[1], j[1])


FRACTIONAL_MODULES = [
    ("frac2d", lambda nn, lib: nn.FractionalMaxPool2d(2, output_size=(4, 5), _random_samples=lib.rand(2, 3, 2)),
     (2, 3, 8, 9)),
    ("frac2d_ratio_idx", lambda nn, lib: nn.FractionalMaxPool2d((3, 2), output_ratio=0.5, return_indices=True,
                                                                _random_samples=lib.rand(2, 3, 2)), (2, 3, 8, 9)),
    ("frac3d", lambda nn, lib: nn.FractionalMaxPool3d(2, output_size=(2, 3, 3), _random_samples=lib.rand(2, 3, 3)),
     (2, 3, 5, 6, 6)),
]


@pytest.mark.parametrize("name,make,shape", FRACTIONAL_MODULES, ids=[c[0] for c in FRACTIONAL_MODULES])
def test_fractional_modules_with_samples(name, make, shape):
    # the samples are a buffer: check_module copies torch's into ours through load_state_dict
    check_module(lambda nn: make(nn, torch if nn is torch.nn else jaxtorch), shape, modes=("train",), steps=1,
                 rtol=0, atol=0, grad_rtol=1e-6, grad_atol=1e-6)


def test_fractional_module_ctor_and_repr():
    for args, kw in [((3,), {}), ((3,), {"output_ratio": 1.0}), ((3,), {"output_ratio": (0.5, 0)}),
                     ((3,), {"output_size": 2, "output_ratio": 0.5})]:
        _check_errors(lambda: torch.nn.FractionalMaxPool2d(*args, **kw),
                      lambda: jaxtorch.nn.FractionalMaxPool2d(*args, **kw))
    for args, kw in [((3,), {}), ((0,), {"output_size": 2}), (((2, 0, 2),), {"output_size": 2}),
                     ((3,), {"output_ratio": (0.5, 0.5, 2)})]:
        _check_errors(lambda: torch.nn.FractionalMaxPool3d(*args, **kw),
                      lambda: jaxtorch.nn.FractionalMaxPool3d(*args, **kw))
    for make in [lambda nn: nn.FractionalMaxPool2d(2, output_size=3),
                 lambda nn: nn.FractionalMaxPool3d(2, output_ratio=0.5, return_indices=True)]:
        tm, jm = make(torch.nn), make(jaxtorch.nn)
        assert repr(tm) == repr(jm)
        assert (tm.kernel_size, tm.output_size, tm.output_ratio) == (jm.kernel_size, jm.output_size, jm.output_ratio)
        assert list(tm.state_dict()) == list(jm.state_dict()) == []  # no samples given: the buffer is None


def _window_is_valid(x_plane, k, flat_idx, value):
    """Some k-window of x_plane contains position flat_idx and has maximum `value` there."""
    pos = np.unravel_index(flat_idx, x_plane.shape)
    if x_plane[pos] != value:
        return False
    ranges = [range(max(0, p - kk + 1), min(p, L - kk) + 1) for p, kk, L in zip(pos, k, x_plane.shape)]
    for start in np.array(np.meshgrid(*ranges, indexing="ij")).reshape(len(k), -1).T:
        win = x_plane[tuple(slice(s, s + kk) for s, kk in zip(start, k))]
        if win.max() == value:
            return True
    return False


@pytest.mark.parametrize("nd,shape,k,size", [(2, (2, 3, 11, 10), (3, 2), (5, 6)), (3, (2, 5, 6, 7), 2, (3, 4, 3))])
def test_fractional_random_properties(nd, shape, k, size):
    F = getattr(JF, f"fractional_max_pool{nd}d")
    k = (k,) * nd if isinstance(k, int) else k
    x = np.random.default_rng(9).permutation(np.prod(shape)).reshape(shape).astype(np.float32)  # no ties
    jaxtorch.manual_seed(123)
    out, idx = F(jaxtorch.tensor(x), k, size, return_indices=True)
    out2 = F(jaxtorch.tensor(x), k, size)  # the generator moved on: a new draw
    jaxtorch.manual_seed(123)
    again, idx_again = F(jaxtorch.tensor(x), k, size, return_indices=True)
    assert tuple(out.shape) == tuple(idx.shape) == shape[:-nd] + size
    assert out.dtype == jaxtorch.float32 and idx.dtype == jaxtorch.int64
    assert np.array_equal(to_np(out), to_np(again)) and np.array_equal(to_np(idx), to_np(idx_again))
    assert not np.array_equal(to_np(out), to_np(out2))
    o, ix = to_np(out).reshape((-1,) + size), to_np(idx).reshape((-1,) + size)
    planes = x.reshape((-1,) + shape[-nd:])
    for p in range(planes.shape[0]):
        for pos in np.ndindex(*size):
            assert _window_is_valid(planes[p], k, ix[p][pos], o[p][pos])
        # the first window starts at 0 and the last ends at the input's end, along every axis
        coords = np.unravel_index(ix[p], shape[-nd:])
        for d in range(nd):
            first = np.take(coords[d], 0, axis=d)
            last = np.take(coords[d], -1, axis=d)
            assert (first < k[d]).all() and (last >= shape[-nd + d] - k[d]).all()
    # gradient: each output's weight lands on its argmax position (summed where windows share one)
    jx = jaxtorch.tensor(x, requires_grad=True)
    jaxtorch.manual_seed(123)
    y, yi = F(jx, k, size, return_indices=True)
    w = np.random.default_rng(10).uniform(0.5, 1.5, size=tuple(y.shape)).astype(np.float32)
    (y * jaxtorch.tensor(w)).sum().backward()
    expect = np.zeros((planes.shape[0], int(np.prod(shape[-nd:]))), np.float32)
    np.add.at(expect, (np.arange(planes.shape[0])[:, None], to_np(yi).reshape(planes.shape[0], -1)),
              w.reshape(planes.shape[0], -1))
    np.testing.assert_allclose(to_np(jx.grad).reshape(expect.shape), expect, rtol=1e-6)


def test_fractional_module_draws_per_call():
    m = jaxtorch.nn.FractionalMaxPool2d(2, output_ratio=0.6, return_indices=True)
    x = jaxtorch.tensor(np.random.default_rng(11).permutation(2 * 3 * 10 * 10).reshape(2, 3, 10, 10)
                        .astype(np.float32))
    jaxtorch.manual_seed(0)
    a = m(x)[1]
    b = m(x)[1]
    jaxtorch.manual_seed(0)
    assert np.array_equal(to_np(m(x)[1]), to_np(a))
    assert not np.array_equal(to_np(a), to_np(b))
    assert tuple(a.shape) == (2, 3, 6, 6)


def _frac_args():
    x = torch.tensor(np.random.default_rng(12).standard_normal((2, 3, 9, 9)).astype(np.float32))
    x3 = torch.tensor(np.random.default_rng(12).standard_normal((2, 3, 5, 6, 7)).astype(np.float32))
    return x, torch.rand(2, 3, 2), x3, torch.rand(2, 3, 3)


FRACTIONAL_ERRORS = [
    ("no_size", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3)),
    ("no_size_3d", lambda F, x, s, x3, s3: F.fractional_max_pool3d(x3, 3)),
    ("float_ratio_2d", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_ratio=0.5)),
    ("long_ratio_2d", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_ratio=(0.5, 0.5, 0.5))),
    ("too_large_h", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_size=8, _random_samples=s)),
    ("too_large_w", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_size=(7, 8), _random_samples=s)),
    ("kernel_too_large", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 10, output_size=1, _random_samples=s)),
    ("too_large_t", lambda F, x, s, x3, s3: F.fractional_max_pool3d(x3, 2, output_size=(4, 4, 5), _random_samples=s3)),
    ("too_large_3d_h", lambda F, x, s, x3, s3: F.fractional_max_pool3d(x3, 2, output_size=(3, 5, 5),
                                                                      _random_samples=s3)),
    ("too_large_3d_w", lambda F, x, s, x3, s3: F.fractional_max_pool3d(x3, 2, output_size=(3, 4, 6),
                                                                      _random_samples=s3)),
    ("samples_batch", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_size=2, _random_samples=s[:1])),
    ("samples_chan", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_size=2, _random_samples=s[:, :2])),
    ("samples_last", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_size=2, _random_samples=s[..., :1])),
    ("samples_rank", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_size=2, _random_samples=s[0])),
    ("samples_dtype", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_size=2,
                                                                     _random_samples=s.double())),
    ("samples_last_3d", lambda F, x, s, x3, s3: F.fractional_max_pool3d(x3, 2, output_size=2, _random_samples=s)),
    ("samples_grad", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_size=2,
                                                                    _random_samples=s.requires_grad_())),
    ("rank_low", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x[0, 0], 3, output_size=2)),
    ("rank_high", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x[None], 3, output_size=2)),
    ("rank_high_3d", lambda F, x, s, x3, s3: F.fractional_max_pool3d(x3[None], 2, output_size=2)),
    ("empty_dim", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x[:, :, :0], 3, output_size=2)),
    ("empty_dim_3d", lambda F, x, s, x3, s3: F.fractional_max_pool3d(x3[:, :, :, :0], 2, output_size=2)),
    ("int_input", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x.long(), 3, output_size=2)),
    ("int_input_samples", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x.long(), 3, output_size=2,
                                                                         _random_samples=s.long())),
    ("kernel_len", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, (3, 3, 3), output_size=2)),
    ("size_len", lambda F, x, s, x3, s3: F.fractional_max_pool2d(x, 3, output_size=(2, 2, 2))),
    ("kernel_len_3d", lambda F, x, s, x3, s3: F.fractional_max_pool3d(x3, (2, 2), output_size=2)),
]


@pytest.mark.parametrize("name,call", FRACTIONAL_ERRORS, ids=[c[0] for c in FRACTIONAL_ERRORS])
def test_fractional_errors(name, call):
    t_args = _frac_args()
    j_args = [_to_jt(a) for a in t_args]
    _check_errors(lambda: call(TF, *t_args), lambda: call(JF, *j_args))


def test_fractional_empty():
    u = np.random.default_rng(13).random((2, 3, 2)).astype(np.float32)
    for shape, size in [((0, 3, 9, 9), 2), ((2, 3, 9, 9), 0)]:
        x = np.zeros(shape, np.float32)
        t = TF.fractional_max_pool2d(torch.tensor(x), 3, size, return_indices=True, _random_samples=torch.tensor(u))
        j = JF.fractional_max_pool2d(jaxtorch.tensor(x), 3, size, return_indices=True,
                                     _random_samples=jaxtorch.tensor(u))
        assert_close(t, j, 0, 0)


# ----------------------------------------------------------------------------- gumbel_softmax
def test_gumbel_softmax_soft_and_hard():
    logits = np.random.default_rng(14).standard_normal((4, 6)).astype(np.float32)
    for dim, tau in [(-1, 1.0), (0, 0.5)]:
        jaxtorch.manual_seed(7)
        soft = JF.gumbel_softmax(jaxtorch.tensor(logits), tau=tau, dim=dim)
        jaxtorch.manual_seed(7)
        hard = JF.gumbel_softmax(jaxtorch.tensor(logits), tau=tau, hard=True, dim=dim)
        s, h = to_np(soft), to_np(hard)
        assert soft.shape == hard.shape == (4, 6) and soft.dtype == hard.dtype == jaxtorch.float32
        assert (s > 0).all() and np.allclose(s.sum(dim), 1, atol=1e-6)
        # hard = one_hot - soft + soft, as torch computes it: one-hot up to float32 rounding, at soft's argmax
        expect = np.zeros_like(s)
        np.put_along_axis(expect, np.expand_dims(s.argmax(dim), dim), 1.0, axis=dim)
        np.testing.assert_allclose(h, expect, atol=1e-7)


def test_gumbel_softmax_straight_through_gradient():
    logits = np.random.default_rng(15).standard_normal((3, 5)).astype(np.float32)
    w = jaxtorch.tensor(np.random.default_rng(16).uniform(0.5, 1.5, size=(3, 5)).astype(np.float32))
    grads = []
    for hard in (False, True):
        x = jaxtorch.tensor(logits, requires_grad=True)
        jaxtorch.manual_seed(3)
        y = JF.gumbel_softmax(x, tau=0.7, hard=hard)
        (y * w).sum().backward()
        grads.append(to_np(x.grad))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6, atol=1e-7)
    assert np.abs(grads[0]).max() > 0


def test_gumbel_softmax_distribution():
    # Gumbel-max trick: at tau=1 hard samples are categorical with probabilities softmax(logits)
    logits = np.array([1.0, 0.0, -1.0, 0.5], np.float32)
    jaxtorch.manual_seed(0)
    h = to_np(JF.gumbel_softmax(jaxtorch.tensor(np.tile(logits, (20000, 1))), hard=True))
    freq = h.mean(0)
    p = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(freq, p, atol=0.015)  # 20000 draws: std of each frequency < 0.0036


def test_gumbel_softmax_seed_shapes_and_errors():
    x = jaxtorch.tensor(np.random.default_rng(18).standard_normal((2, 5)).astype(np.float32))
    jaxtorch.manual_seed(1)
    a = to_np(JF.gumbel_softmax(x))
    b = to_np(JF.gumbel_softmax(x))
    jaxtorch.manual_seed(1)
    assert np.array_equal(to_np(JF.gumbel_softmax(x)), a)
    assert not np.array_equal(a, b)
    for make, kw in [(lambda lib: lib.zeros(()), {"hard": True}), (lambda lib: lib.zeros(()), {"dim": 0}),
                     (lambda lib: lib.zeros(3, 4, dtype=lib.float64), {"hard": True}),
                     (lambda lib: lib.zeros(3, 4, dtype=lib.float16), {})]:
        t, j = TF.gumbel_softmax(make(torch), **kw), JF.gumbel_softmax(make(jaxtorch), **kw)
        assert tuple(t.shape) == tuple(j.shape) and str(t.dtype) == repr(j.dtype)
    t, j = TF.gumbel_softmax(torch.zeros(()), hard=True), JF.gumbel_softmax(jaxtorch.zeros(()), hard=True)
    assert_close(t, j)  # a one-element softmax is exactly 1
    for make, kw in [(lambda lib: lib.zeros(3, 4, dtype=lib.long), {}), (lambda lib: lib.zeros(3, dtype=lib.bool), {}),
                     (lambda lib: lib.zeros(3, 4), {"dim": 2})]:
        _check_errors(lambda: TF.gumbel_softmax(make(torch), **kw), lambda: JF.gumbel_softmax(make(jaxtorch), **kw))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        JF.gumbel_softmax(x, eps=1e-3)
    assert [str(r.message) for r in rec] == ["`eps` parameter is deprecated and has no effect."]
