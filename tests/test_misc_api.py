"""linear_cross_entropy (plain and chunked), resize_/resize_as_, empty_permuted, new_empty_strided,
nonzero_static: compared with real torch on the same numpy inputs."""

from __future__ import annotations

import functools
import warnings

import jax
import numpy as np
import pytest
import torch
from helpers import assert_close

import jaxtorch
import jaxtorch.nn.functional as JF
from jaxtorch.nn._functional.loss import _chunked_linear_ce, _class_loss

N, D, C = 6, 4, 5
RNG = np.random.default_rng(0)
X = RNG.standard_normal((N, D)).astype(np.float32)
W = RNG.standard_normal((C, D)).astype(np.float32)
B = RNG.standard_normal(C).astype(np.float32)
CW = RNG.random(C).astype(np.float32) + 0.5
T = np.array([0, 4, 2, -100, 1, 3])  # one row carries torch's default ignore index
T_OTHER_IGNORE = np.array([0, 4, 2, 2, 1, 3])
P = RNG.random((N, C)).astype(np.float32)
P /= P.sum(-1, keepdims=True)


def _raises_like(torch_fn, jt_fn):
    """Both raise the same exception type with the same message."""
    with pytest.raises(Exception) as te:
        torch_fn()
    with pytest.raises(type(te.value)) as je:
        jt_fn()
    assert str(je.value) == str(te.value)


def _both(fn, arrays, grads, ints=()):
    """fn(lib, *tensors) in torch and jaxtorch; compare values and gradients of a weighted sum."""
    outs, gr = [], []
    for lib in (torch, jaxtorch):
        ts = [lib.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
        out = fn(lib, *ts)
        cot = np.linspace(0.5, 1.5, max(out.numel(), 1)).reshape(tuple(out.shape)).astype(np.float32)
        (out * lib.tensor(cot)).sum().backward()
        outs.append(out)
        gr.append([t.grad for t, g in zip(ts, grads) if g])
    assert_close(outs[0], outs[1])
    assert_close(gr[0], gr[1], what="grad")
    return outs[1], gr[1]


# ----------------------------------------------------------------------------- linear_cross_entropy
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kw", [{}, {"weight": CW}, {"label_smoothing": 0.2}, {"ignore_index": 2},
                                {"weight": CW, "label_smoothing": 0.1, "ignore_index": 2}])
def test_lce_class_targets_match_torch(reduction, kw):
    t = T if "ignore_index" not in kw else T_OTHER_IGNORE

    def f(lib, x, w, b):
        extra = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        return lib.nn.functional.linear_cross_entropy(x, w, lib.tensor(t), linear_bias=b, reduction=reduction,
                                                      **extra)

    _both(f, [X, W, B], [True, True, True])


def test_lce_equals_cross_entropy_of_linear():
    x, w, t = jaxtorch.tensor(X), jaxtorch.tensor(W), jaxtorch.tensor(T)
    ref = JF.cross_entropy(JF.linear(x, w), t)
    assert_close(ref, JF.linear_cross_entropy(x, w, t), rtol=0, atol=0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_lce_prob_targets_and_unbatched(reduction):
    def f(lib, x, w, b, p):
        return lib.nn.functional.linear_cross_entropy(x, w, p, linear_bias=b, reduction=reduction,
                                                      label_smoothing=0.1)

    _both(f, [X, W, B, P], [True, True, True, False])

    def g(lib, x, w, p):
        return lib.nn.functional.linear_cross_entropy(x, w, p, reduction=reduction)

    _both(g, [X[0], W, P[0]], [True, True, False])

    def h(lib, x, w):
        return lib.nn.functional.linear_cross_entropy(x, w, lib.tensor(3), reduction=reduction)

    _both(h, [X[0], W], [True, True])


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_lce_k_dimensional(reduction):
    w3 = RNG.standard_normal((C, 3, D)).astype(np.float32)
    b3 = RNG.standard_normal((C, 3)).astype(np.float32)
    t3 = np.array([[0, 1, 4], [2, -100, 3], [4, 4, 0], [1, 2, 3], [0, 0, 0], [3, 2, 1]])
    p3 = RNG.random((N, C, 3)).astype(np.float32)

    def f(lib, x, w, b):
        return lib.nn.functional.linear_cross_entropy(x, w, lib.tensor(t3), linear_bias=b, reduction=reduction,
                                                      weight=lib.tensor(CW))

    _both(f, [X, w3, b3], [True, True, True])

    def g(lib, x, w, p):
        return lib.nn.functional.linear_cross_entropy(x, w, p, reduction=reduction)

    _both(g, [X, w3, p3], [True, True, False])


def test_lce_float64():
    def f(lib, x, w, b):
        return lib.nn.functional.linear_cross_entropy(x, w, lib.tensor(T), linear_bias=b)

    out, _ = _both(f, [X.astype(np.float64), W.astype(np.float64), B.astype(np.float64)], [True, True, True])
    assert out.dtype == jaxtorch.float64


def test_lce_errors_match_torch():
    def call(lib, x, w, t, **kw):
        return lambda: lib.nn.functional.linear_cross_entropy(lib.tensor(x), lib.tensor(w), lib.tensor(t), **kw)

    cases = [
        (X[None], W, T, {}),  # 3-D input
        (X, W[0], T, {}),  # 1-D weight
        (X, W[:, :3], T, {}),  # in_features mismatch
        (X[0], np.zeros((C, 2, D), np.float32), np.array(0), {}),  # K-dim weight, unbatched input
        (X, W, P, {"ignore_index": 1}),  # probabilities with an ignore index
        (X, W, np.array([0, 1, 9, 0, 0, 0]), {}),  # class out of range
        (X, W, T[:3], {}),  # batch mismatch
    ]
    for x, w, t, kw in cases:
        _raises_like(call(torch, x, w, t, **kw), call(jaxtorch, x, w, t, **kw))
    _raises_like(call(torch, X, W, T, linear_bias=torch.zeros(3)),
                 call(jaxtorch, X, W, T, linear_bias=jaxtorch.zeros(3)))


# ----------------------------------------------------------------------------- chunked path
CHUNK_OPTIONS = [{}, {"batch_chunk_size": 1}, {"batch_chunk_size": 4}, {"batch_chunk_size": 100},
                 {"chunking_method": "aspect_ratio:2"}, {"chunking_method": None, "batch_chunk_size": 4},
                 {"acc_policy": "accurate", "allow_retain_graph": True}]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("opts", CHUNK_OPTIONS)
def test_lce_chunked_matches_torch_and_plain(reduction, opts):
    def f(lib, x, w, b, options):
        return lib.nn.functional.linear_cross_entropy(x, w, lib.tensor(T), linear_bias=b, weight=lib.tensor(CW),
                                                      reduction=reduction, options=options)

    chunked, chunked_grads = _both(lambda lib, *a: f(lib, *a, lib.nn.LinearCrossEntropyOptions(**opts)),
                                   [X, W, B], [True, True, True])
    plain, plain_grads = _both(lambda lib, *a: f(lib, *a, None), [X, W, B], [True, True, True])
    for a, b in zip([plain, *plain_grads], [chunked, *chunked_grads]):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_lce_chunked_unbatched_and_ignore_index():
    def f(lib, x, w):
        opts = lib.nn.LinearCrossEntropyOptions(batch_chunk_size=1)
        return lib.nn.functional.linear_cross_entropy(x, w, lib.tensor(2), options=opts, reduction="none")

    _both(f, [X[0], W], [True, True])

    def g(lib, x, w):
        opts = lib.nn.LinearCrossEntropyOptions(batch_chunk_size=4)
        return lib.nn.functional.linear_cross_entropy(x, w, lib.tensor(T_OTHER_IGNORE), options=opts,
                                                      ignore_index=2)

    _both(g, [X, W], [True, True])


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_lce_chunked_low_precision(dtype):
    outs = {}
    for lib in (torch, jaxtorch):
        for acc in (None, "float32", dtype):
            x = lib.tensor(X).to(getattr(lib, dtype)).requires_grad_()
            w = lib.tensor(W).to(getattr(lib, dtype)).requires_grad_()
            opts = lib.nn.LinearCrossEntropyOptions(batch_chunk_size=4, acc_dtype=acc and getattr(lib, acc))
            out = lib.nn.functional.linear_cross_entropy(x, w, lib.tensor(T), reduction="none", options=opts)
            out.sum().backward()
            outs.setdefault(acc, []).append((out, x.grad, w.grad))
    for (t_res, j_res) in outs.values():
        for t, j in zip(t_res, j_res):
            assert str(t.dtype) == repr(j.dtype)
            # half-precision results: different accumulation orders differ by a few half-precision ulps
            np.testing.assert_allclose(j.detach().float().numpy(), t.detach().float().numpy(), rtol=2e-2, atol=2e-2)


def test_lce_chunked_acc_dtype_error_matches_torch():
    def call(lib):
        opts = lib.nn.LinearCrossEntropyOptions(acc_dtype=lib.float16)
        return lambda: lib.nn.functional.linear_cross_entropy(lib.tensor(X), lib.tensor(W), lib.tensor(T),
                                                              options=opts)

    _raises_like(call(torch), call(jaxtorch))
    _raises_like(lambda: torch.nn.LinearCrossEntropyOptions(acc_dtype=torch.int64),
                 lambda: jaxtorch.nn.LinearCrossEntropyOptions(acc_dtype=jaxtorch.int64))


def test_lce_chunked_retain_graph_twice():
    x = jaxtorch.tensor(X, requires_grad=True)
    opts = jaxtorch.nn.LinearCrossEntropyOptions(batch_chunk_size=2, allow_retain_graph=True)
    loss = JF.linear_cross_entropy(x, jaxtorch.tensor(W), jaxtorch.tensor(T), options=opts)
    loss.backward(retain_graph=True)
    first = x.grad.clone()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first.numpy(), rtol=1e-6)


def test_lce_chunked_compiled_step_matches_eager():
    w = jaxtorch.tensor(W, requires_grad=True)
    opts = jaxtorch.nn.LinearCrossEntropyOptions(batch_chunk_size=4)

    def step(x, t):
        loss = JF.linear_cross_entropy(x, w, t, options=opts)
        loss.backward()
        return loss

    compiled_loss = jaxtorch.compile(step, fullgraph=True)(jaxtorch.tensor(X), jaxtorch.tensor(T))
    compiled_grad = w.grad.clone()
    w.grad = None
    eager_loss = step(jaxtorch.tensor(X), jaxtorch.tensor(T))
    np.testing.assert_allclose(compiled_loss.detach().numpy(), eager_loss.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(compiled_grad.numpy(), w.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_lce_options_fallback_warns_like_torch():
    for lib in (torch, jaxtorch):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            lib.nn.functional.linear_cross_entropy(lib.tensor(X), lib.tensor(W), lib.tensor(T), label_smoothing=0.1,
                                                   options=lib.nn.LinearCrossEntropyOptions())
        assert any("``options`` ignored" in str(w.message) for w in rec), lib.__name__


def test_lce_options_validation_matches_torch():
    for kw in [{"acc_policy": "fast"}, {"chunking_method": "rows"}, {"chunking_method": "aspect_ratio:0"},
               {"batch_chunk_size": 0}, {"batch_chunk_size": 2.0}]:
        _raises_like(lambda: torch.nn.LinearCrossEntropyOptions(**kw),
                     lambda: jaxtorch.nn.LinearCrossEntropyOptions(**kw))
    # an explicit chunk size that disagrees with an explicit heuristic is a call-time error
    kw = {"batch_chunk_size": 3, "chunking_method": "aspect_ratio"}

    def call(lib):
        return lambda: lib.nn.functional.linear_cross_entropy(lib.tensor(X), lib.tensor(W), lib.tensor(T),
                                                              options=lib.nn.LinearCrossEntropyOptions(**kw))

    _raises_like(call(torch), call(jaxtorch))


@pytest.mark.parametrize("opts", [{}, {"chunking_method": "aspect_ratio"}, {"chunking_method": "aspect_ratio:4"},
                                  {"batch_chunk_size": 3}, {"chunking_method": None}])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_lce_chunk_size_resolution_matches_torch(opts, dtype):
    for rows, feat, classes in [(1000, 16, 5000), (7, 4, 5), (64, 4, 50), (1, 8, 3)]:
        t = torch.nn.LinearCrossEntropyOptions(**opts)._adjust(rows, feat, classes, getattr(torch, dtype),
                                                              torch.device("cpu"))
        chunk, acc = jaxtorch.nn.LinearCrossEntropyOptions(**opts)._resolve(rows, feat, classes,
                                                                           getattr(jaxtorch, dtype))
        assert chunk == t.batch_chunk_size and str(np.dtype(acc)) in str(t.acc_dtype), (rows, t)


def test_lce_chunked_keeps_no_full_logits_for_backward():
    # the residuals kept by jax.vjp are what backward stores: the chunked path must hold nothing of the size
    # of the (rows, classes) logits, while the plain path does
    rows, feat, classes = 64, 4, 50
    x = RNG.standard_normal((rows, feat)).astype(np.float32)
    w = RNG.standard_normal((classes, feat)).astype(np.float32)
    t = RNG.integers(0, classes, rows)
    chunked = functools.partial(_chunked_linear_ce, chunk=8, ignore_index=-100, reduction="mean",
                                acc=np.dtype(np.float32), out_dtype=np.dtype(np.float32))
    _, vjp_chunked = jax.vjp(lambda a, b: chunked(a, b, t, None, None), x, w)
    sizes = [leaf.size for leaf in jax.tree_util.tree_leaves(vjp_chunked)]
    assert max(sizes) < rows * classes, sizes

    def plain(a, b):
        return _class_loss(a @ b.T, t, None, log_input=False, reduction="mean", ignore_index=-100,
                           label_smoothing=0.0, prob_target=False)

    _, vjp_plain = jax.vjp(plain, x, w)
    assert max(leaf.size for leaf in jax.tree_util.tree_leaves(vjp_plain)) >= rows * classes
    # and the chunked gradients equal the plain ones
    g_chunked = vjp_chunked(np.float32(1.0))
    g_plain = vjp_plain(np.float32(1.0))
    for a, b in zip(g_chunked, g_plain):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- resize_ / resize_as_
@pytest.mark.parametrize("new", [(4,), (3, 3), (2, 2), ((),), (0,), ((2, 4),), ([1, 6],)])
def test_resize_matches_torch(new):
    a = np.arange(6, dtype=np.float32).reshape(2, 3) + 1
    for dtype in (np.float32, np.int64):
        t, j = torch.tensor(a.astype(dtype)), jaxtorch.tensor(a.astype(dtype))
        rt, rj = t.resize_(*new), j.resize_(*new)
        assert rj is j
        keep = min(a.size, t.numel())
        assert tuple(j.shape) == tuple(t.shape) and j.dtype == getattr(jaxtorch, str(t.dtype).split(".")[1])
        # torch's new elements are uninitialised: compare only the kept ones; ours are zeros
        np.testing.assert_array_equal(j.numpy().reshape(-1)[:keep], rt.numpy().reshape(-1)[:keep])
        assert (j.numpy().reshape(-1)[keep:] == 0).all()
        assert j._version == t._version


def test_resize_as_and_size_object():
    t, j = torch.ones(3), jaxtorch.ones(3)
    t.resize_as_(torch.zeros(2, 2, dtype=torch.int64))
    j.resize_as_(jaxtorch.zeros(2, 2, dtype=jaxtorch.int64))
    assert tuple(j.shape) == (2, 2) and j.dtype == jaxtorch.float32 and str(t.dtype) == "torch.float32"
    r = jaxtorch.resize_as_(j, jaxtorch.zeros(5))
    assert r is j and tuple(j.shape) == (5,)
    j.resize_(jaxtorch.Size([1, 2]))
    assert tuple(j.shape) == (1, 2) and j.numpy().tolist() == [[1.0, 1.0]]


def test_resize_errors_match_torch():
    for lib in (torch, jaxtorch):
        x = lib.ones(3, requires_grad=True)
        for fn in (lambda: x.resize_(2), lambda: x.resize_(3), lambda: (x * 2).resize_(2),
                   lambda: x.resize_as_(lib.ones(2))):
            with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
                fn()
        with lib.no_grad(), pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            x.resize_(2)
    _raises_like(lambda: torch.ones(3).resize_(2, -1), lambda: jaxtorch.ones(3).resize_(2, -1))
    _raises_like(lambda: torch.ones(3).resize_(2.0), lambda: jaxtorch.ones(3).resize_(2.0))
    _raises_like(lambda: torch.ones(3).resize_(), lambda: jaxtorch.ones(3).resize_())


def test_resize_refuses_live_aliasing():
    # torch keeps views aliasing the old storage; our views re-derive from the base, so refuse (documented)
    base = jaxtorch.arange(6.0)
    view = base[:3]
    with pytest.raises(RuntimeError, match="view of another live tensor"):
        view.resize_(5)
    with pytest.raises(RuntimeError, match="has live views"):
        base.resize_(8)
    del view
    base.resize_(8)  # no view left
    assert base.numpy().tolist() == [0, 1, 2, 3, 4, 5, 0, 0]
    # a view whose base nobody else holds is just a tensor
    t = jaxtorch.arange(6.0).reshape(2, 3)
    t.resize_(4)
    assert t.numpy().tolist() == [0, 1, 2, 3] and t._base is None


# ----------------------------------------------------------------------------- empty_permuted / new_empty_strided
def test_empty_permuted_and_new_empty_strided():
    for kw in [{}, {"dtype": "float64", "requires_grad": True}, {"dtype": "int64"}]:
        tk = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
        jk = {k: getattr(jaxtorch, v) if k == "dtype" else v for k, v in kw.items()}
        t = torch.empty_permuted((2, 3, 4), (0, 2, 1), **tk)
        j = jaxtorch.empty_permuted((2, 3, 4), (0, 2, 1), **jk)
        assert tuple(j.shape) == tuple(t.shape) and repr(j.dtype) == str(t.dtype)
        assert j.requires_grad == t.requires_grad and j.is_leaf
        assert not j.detach().numpy().any()
        src_t, src_j = torch.ones(2, dtype=torch.float16), jaxtorch.ones(2, dtype=jaxtorch.float16)
        t = src_t.new_empty_strided((2, 3), (1, 2), **tk)
        j = src_j.new_empty_strided((2, 3), (1, 2), **jk)
        assert tuple(j.shape) == tuple(t.shape) and repr(j.dtype) == str(t.dtype)
        assert j.requires_grad == t.requires_grad and not j.detach().numpy().any()
        if not t.requires_grad:  # a grad-requiring leaf is made contiguous (documented in creation.py)
            assert j.stride() == t.stride() and j.is_contiguous() == t.is_contiguous()


@pytest.mark.parametrize("size,layout", [((2, 3, 4, 5), (0, 2, 3, 1)), ((3, 4), (1, 0)), ((2, 3), (0, 1)),
                                         ((), ())])
def test_empty_permuted_strides_and_writes(size, layout):
    t, j = torch.empty_permuted(size, layout), jaxtorch.empty_permuted(size, layout)
    assert j.stride() == t.stride() and j.is_contiguous() == t.is_contiguous()
    vals = np.arange(int(np.prod(size)), dtype=np.float32).reshape(size)
    t.copy_(torch.tensor(vals)).mul_(2)
    j.copy_(jaxtorch.tensor(vals)).mul_(2)
    assert_close(t, j)
    assert_close(t.contiguous().view(-1), j.contiguous().view(-1))


@pytest.mark.parametrize("size,stride", [((2, 3), (1, 2)), ((2, 3), (0, 1)), ((2, 3), (3, 1)), ((4,), (2,)),
                                         ((2, 0), (5, 7)), ((), ())])
def test_new_empty_strided_strides(size, stride):
    t = torch.ones(1, dtype=torch.float64).new_empty_strided(size, stride)
    j = jaxtorch.ones(1, dtype=jaxtorch.float64).new_empty_strided(size, stride)
    assert tuple(j.shape) == tuple(t.shape) and repr(j.dtype) == str(t.dtype)
    if t.numel():
        assert j.stride() == t.stride()
    assert j.is_contiguous() == t.is_contiguous() and not j.numpy().any()
    if 0 in stride and t.numel() > 1:  # elements share memory: torch refuses in-place writes
        _raises_like(lambda: t.add_(1), lambda: j.add_(1))


def test_layout_factories_errors_match_torch():
    for size, layout in [((2, 3), (0, 0)), ((2, 3), (0,)), ((2, 3), (0, 2)), ((2, -3), (0, 1))]:
        _raises_like(lambda: torch.empty_permuted(size, layout), lambda: jaxtorch.empty_permuted(size, layout))
    _raises_like(lambda: torch.empty_permuted((2, 3), (1, 0), dtype=torch.int64, requires_grad=True),
                 lambda: jaxtorch.empty_permuted((2, 3), (1, 0), dtype=jaxtorch.int64, requires_grad=True))
    _raises_like(lambda: torch.ones(1).new_empty_strided((2, 3), (1,)),
                 lambda: jaxtorch.ones(1).new_empty_strided((2, 3), (1,)))
    _raises_like(lambda: torch.ones(1).new_empty_strided((2, -3), (1, 2)),
                 lambda: jaxtorch.ones(1).new_empty_strided((2, -3), (1, 2)))
    _raises_like(lambda: torch.ones(1).new_empty_strided((2, 3), (-1, 1)),
                 lambda: jaxtorch.ones(1).new_empty_strided((2, 3), (-1, 1)))


# ----------------------------------------------------------------------------- nonzero_static
NZ_INPUTS = [np.array([[1.0, 0.0], [0.0, 2.5]], np.float32), np.array([0, 3, 0, 7, 1]), np.array(3.0),
             np.array(0), np.array([True, False, True]), (np.arange(24).reshape(2, 3, 4) % 5 == 0)]


@pytest.mark.parametrize("k", range(len(NZ_INPUTS)))
@pytest.mark.parametrize("size,fill", [(0, -1), (2, -1), (5, -1), (6, 9)])
def test_nonzero_static_matches_torch(k, size, fill):
    a = NZ_INPUTS[k]
    t = torch.nonzero_static(torch.tensor(a), size=size, fill_value=fill)
    assert_close(t, jaxtorch.nonzero_static(jaxtorch.tensor(a), size=size, fill_value=fill))
    assert_close(t, jaxtorch.tensor(a).nonzero_static(size=size, fill_value=fill))


def test_nonzero_static_compiled():
    def f(x):
        return (x * 2).nonzero_static(size=4)

    a = NZ_INPUTS[5].astype(np.float32)
    compiled = jaxtorch.compile(f, fullgraph=True)
    expected = torch.nonzero_static(torch.tensor(a) * 2, size=4)
    assert_close(expected, compiled(jaxtorch.tensor(a)))
    b = np.zeros_like(a)
    b[1, 2, 3] = 1
    assert_close(torch.nonzero_static(torch.tensor(b), size=4), compiled(jaxtorch.tensor(b)))


def test_nonzero_static_errors_match_torch():
    x = np.ones(3, np.float32)
    for kw in [{"size": -1}, {"size": 2, "fill_value": 2.5}, {"size": 1.0}]:
        _raises_like(lambda: torch.nonzero_static(torch.tensor(x), **kw),
                     lambda: jaxtorch.nonzero_static(jaxtorch.tensor(x), **kw))


@pytest.mark.parametrize("kw", [dict(), dict(bias=True, reduction="sum"), dict(out_features=(3,), bias=True),
                                dict(weight=np.array([1.0, 2.0, 0.5, 1.0, 3.0], np.float32), ignore_index=2,
                                     label_smoothing=0.1)])
def test_linear_cross_entropy_loss_module(kw):
    # torch's state_dict loads into ours (the flat Linear weight), and loss and grads agree
    rng = np.random.default_rng(3)
    of = kw.get("out_features", ())
    x = rng.standard_normal((6, 4)).astype(np.float32)  # logits (6, 5, *of): the weight is (5, *of, 4)
    y = rng.integers(0, 5, (6, *of))
    tkw = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    jkw = {k: (jaxtorch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    tm, jm = torch.nn.LinearCrossEntropyLoss(4, 5, **tkw), jaxtorch.nn.LinearCrossEntropyLoss(4, 5, **jkw)
    assert repr(tm) == repr(jm)
    jm.load_state_dict({k: jaxtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    assert list(tm.state_dict()) == list(jm.state_dict())
    tx, jx = torch.tensor(x, requires_grad=True), jaxtorch.tensor(x, requires_grad=True)
    tl, jl = tm(tx, torch.tensor(y)), jm(jx, jaxtorch.tensor(y))
    assert_close(tl, jl)
    tl.backward()
    jl.backward()
    assert_close(tx.grad, jx.grad)
    assert_close(tm.linear.weight.grad, jm.linear.weight.grad)
