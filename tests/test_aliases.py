"""torch.* aliases of nn.functional ops, small Tensor methods, torch.cond / while_loop, and autograd
anomaly mode, each compared with real torch."""

from __future__ import annotations

import warnings

import jax
import numpy as np
import pytest
import torch
from helpers import assert_close, helper_test_op

import jaxtorch

rng = np.random.default_rng(0)


def both(fn):
    """(torch_fn, jaxtorch_fn) from fn(module, *tensors)."""
    return (lambda *a: fn(torch, *a)), (lambda *a: fn(jaxtorch, *a))


# values, dtypes and gradients against torch, calling the torch.* spelling in both libraries
ALIAS_CASES = {
    "conv1d": ([(2, 3, 8), (4, 3, 3), (4,)], lambda m, x, w, b: m.conv1d(x, w, b, 2, 1)),
    "conv2d": ([(1, 2, 5, 5), (3, 2, 3, 3)], lambda m, x, w: m.conv2d(x, w, padding="same")),
    "conv_transpose2d": ([(1, 2, 4, 4), (2, 3, 3, 3)], lambda m, x, w: m.conv_transpose2d(x, w, None, 2, 1, 1)),
    "convolution": ([(1, 2, 5, 5), (3, 2, 3, 3), (3,)],
                    lambda m, x, w, b: m.convolution(x, w, b, [1, 1], [1, 1], [1, 1], False, [0, 0], 1)),
    "convolution_t": ([(1, 2, 4), (2, 3, 3)],
                      lambda m, x, w: m.convolution(x, w, None, [2], [1], [1], True, [1], 1)),
    "layer_norm": ([(2, 3, 4), (4,), (4,)], lambda m, x, w, b: m.layer_norm(x, [4], w, b, 1e-5, True)),
    "group_norm": ([(2, 4, 3)], lambda m, x: m.group_norm(x, 2)),
    "batch_norm": ([(3, 2, 4), (2,), (2,)],
                   lambda m, x, w, b: m.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False)),
    "instance_norm": ([(2, 3, 4)], lambda m, x: m.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False)),
    "rms_norm": ([(2, 4), (4,)], lambda m, x, w: m.rms_norm(x, [4], w)),
    "max_pool1d": ([(2, 3, 8)], lambda m, x: m.max_pool1d(x, 2)),
    "max_pool2d": ([(1, 2, 6, 6)], lambda m, x: m.max_pool2d(x, 3, 2, 1)),
    "max_pool1d_with_indices": ([(2, 3, 8)], lambda m, x: m.max_pool1d_with_indices(x, 3, 2)),
    "avg_pool1d": ([(2, 3, 8)], lambda m, x: m.avg_pool1d(x, 3, 2, 1, False, False)),
    "adaptive_avg_pool1d": ([(2, 3, 8)], lambda m, x: m.adaptive_avg_pool1d(x, 3)),
    "adaptive_max_pool1d": ([(2, 3, 8)], lambda m, x: m.adaptive_max_pool1d(x, 3)),
    "pixel_shuffle": ([(1, 8, 2, 3)], lambda m, x: m.pixel_shuffle(x, 2)),
    "pixel_unshuffle": ([(1, 2, 4, 6)], lambda m, x: m.pixel_unshuffle(x, 2)),
    "channel_shuffle": ([(1, 6, 2, 2)], lambda m, x: m.channel_shuffle(x, 3)),
    "cosine_similarity": ([(3, 4), (3, 4)], lambda m, x, y: m.cosine_similarity(x, y)),
    "pairwise_distance": ([(3, 4), (3, 4)], lambda m, x, y: m.pairwise_distance(x, y, 3.0, 1e-6, True)),
    "pdist": ([(4, 3)], lambda m, x: m.pdist(x)),
    "prelu": ([(2, 3, 4), (3,)], lambda m, x, w: m.prelu(x, w)),
    "prelu_method": ([(2, 3, 4), (3,)], lambda m, x, w: x.prelu(w)),
    "selu": ([(3, 4)], lambda m, x: m.selu(x)),
    "celu": ([(3, 4)], lambda m, x: m.celu(x, 0.5)),
    "rrelu_eval": ([(3, 4)], lambda m, x: m.rrelu(x)),
    "threshold": ([(3, 4)], lambda m, x: m.threshold(x, 0.1, 20.0)),
    "hardshrink": ([(3, 4)], lambda m, x: m.hardshrink(x, 0.7)),
    "hardshrink_method": ([(3, 4)], lambda m, x: x.hardshrink()),
    "bilinear": ([(2, 3), (2, 4), (5, 3, 4), (5,)], lambda m, a, b, w, c: m.bilinear(a, b, w, c)),
    "bce_logits": ([(3, 4), (3, 4), (4,)],
                   lambda m, x, y, pw: m.binary_cross_entropy_with_logits(x, y.sigmoid(), None, pw.detach().abs(), 2)),
    "kl_div": ([(3, 4), (3, 4)], lambda m, x, y: m.kl_div(x, y.softmax(-1), 1, log_target=False)),
    "kl_div_none": ([(3, 4), (3, 4)], lambda m, x, y: m.kl_div(x, y, 0, log_target=True)),
    "margin_ranking_loss": ([(5,), (5,)], lambda m, x, y: m.margin_ranking_loss(x, y, (x * y).sign(), 0.3)),
    "hinge_embedding_loss": ([(5,)], lambda m, x: m.hinge_embedding_loss(x, x.sign(), 1.5, 2)),
    "cosine_embedding_loss": ([(3, 4), (3, 4)],
                              lambda m, x, y: m.cosine_embedding_loss(x, y, x[:, 0].sign(), 0.1, 0)),
    "poisson_nll_loss": ([(3, 4), (3, 4)], lambda m, x, y: m.poisson_nll_loss(x, y.abs(), True, True, 1e-8, 1)),
    "triplet_margin_loss": ([(3, 4), (3, 4), (3, 4)], lambda m, a, p, n: m.triplet_margin_loss(a, p, n, 1.0, 2.0,
                                                                                                  1e-6, True, 1)),
    "grid_sampler": ([(1, 2, 4, 4), (1, 3, 3, 2)], lambda m, x, g: m.grid_sampler(x, g.tanh(), 0, 1, False)),
    "affine_grid_generator": ([(2, 2, 3)], lambda m, t: m.affine_grid_generator(t, [2, 1, 3, 4], False)),
    "nuclear_norm": ([(3, 4)], lambda m, x: m.nuclear_norm(x)),
    "nuclear_norm_dim": ([(2, 3, 4)], lambda m, x: m.nuclear_norm(x, [0, 2], True)),
    "frobenius_norm": ([(2, 3, 4)], lambda m, x: m.frobenius_norm(x, [1, 2])),
    "norm_except_dim": ([(2, 3, 4)], lambda m, x: m.norm_except_dim(x, 2, 1)),
    "norm_except_dim_all": ([(2, 3)], lambda m, x: m.norm_except_dim(x, 3, -1)),
    "select_copy": ([(2, 3, 4)], lambda m, x: m.select_copy(x, 1, -1)),
    "slice_copy": ([(2, 6)], lambda m, x: m.slice_copy(x, 1, 1, 5, 2)),
    "split_copy": ([(5, 2)], lambda m, x: m.split_copy(x, 2)),
    "detach": ([(3,)], lambda m, x: m.detach(x * 2)),
}


@pytest.mark.filterwarnings("ignore:at::.*is deprecated")
@pytest.mark.parametrize("name", list(ALIAS_CASES))
def test_alias_matches_torch(name):
    shapes, fn = ALIAS_CASES[name]
    t_fn, j_fn = both(fn)
    # norms and distances go through an SVD / sqrt: float32 rounding differs from torch's LAPACK path
    loose = name.startswith(("nuclear", "pdist", "pairwise", "triplet", "cosine"))
    helper_test_op(shapes, t_fn, j_fn, rtol=1e-4 if loose else 1e-5, atol=1e-5 if loose else 1e-6)


def test_embedding_aten_order_and_padding_idx():
    w = rng.standard_normal((5, 3)).astype(np.float32)
    idx = np.array([[0, 2], [4, 0]])
    for pad in (-1, 0):
        tw, jw = torch.tensor(w, requires_grad=True), jaxtorch.tensor(w, requires_grad=True)
        to, jo = torch.embedding(tw, torch.tensor(idx), pad), jaxtorch.embedding(jw, jaxtorch.tensor(idx), pad)
        assert_close(to, jo)
        to.sum().backward()
        jo.sum().backward()
        assert_close(tw.grad, jw.grad)


def test_detach_copy_and_default_reduction():
    a = rng.standard_normal((3, 4)).astype(np.float32)
    outs = []
    for m in (torch, jaxtorch):
        x = m.tensor(a)
        t = m.ones(3)
        # the torch.* loss bindings reduce nothing unless given reduction=1 (mean) or 2 (sum)
        outs.append([m.detach_copy(x), m.binary_cross_entropy_with_logits(x, x.sigmoid()), m.kl_div(x, x.exp()),
                     m.hinge_embedding_loss(x, x.sign()), m.cosine_embedding_loss(x, x, t),
                     m.margin_ranking_loss(x[0], x[1], x[2].sign()), m.triplet_margin_loss(x, x.flip(0), x * 2)])
    assert_close(outs[0], outs[1], rtol=1e-5, atol=1e-5)
    assert type(jaxtorch.split_copy(jaxtorch.ones(5), 2)) is type(torch.split_copy(torch.ones(5), 2))


def test_int_reduction_and_dropout_errors():
    x = np.ones((2, 3), np.float32)
    for m in (torch, jaxtorch):
        with pytest.raises(TypeError, match="argument 'reduction' .position 3. must be int, not str"):
            m.kl_div(m.tensor(x), m.tensor(x), "mean")
        with pytest.raises(RuntimeError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            m.dropout(m.tensor(x), 1.5, True)
        with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions in the input"):
            m.feature_dropout(m.tensor(np.ones(3, np.float32)), 0.5, True)
        with pytest.raises(RuntimeError, match="Expected at most 2 dimensions, but got 3 dimensions instead"):
            m.frobenius_norm(m.tensor(np.ones((2, 2, 2), np.float32)), (0, 1, 2))
        with pytest.raises(RuntimeError, match="deprecated since version 1.9 and is now removed"):
            m.matrix_rank(m.tensor(x))


def test_dropout_family_statistics():
    jaxtorch.manual_seed(0)
    x = jaxtorch.ones(64, 32)
    assert_close(torch.dropout(torch.ones(2, 2), 0.3, False), jaxtorch.dropout(jaxtorch.ones(2, 2), 0.3, False))
    y = jaxtorch.dropout(x, 0.25, True).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)} and abs((y == 0).mean() - 0.25) < 0.05
    f = jaxtorch.feature_dropout(x.reshape(64, 32, 1), 0.5, True).numpy()
    assert (f.std(axis=2) == 0).all()  # whole channels
    a = jaxtorch.alpha_dropout(jaxtorch.randn(64, 32), 0.2, True).numpy()
    assert abs(a.mean()) < 0.1 and abs(a.std() - 1.0) < 0.1  # keeps zero mean, unit variance
    z = jaxtorch.ones(8, 4)
    r = jaxtorch.dropout_(z, 0.5, True)
    assert r is z and set(np.unique(z.numpy())) <= {0.0, 2.0}
    w = jaxtorch.zeros(3, 4) - 1
    assert jaxtorch.selu_(w) is w
    assert_close(torch.selu(torch.zeros(3, 4) - 1), w)
    t = jaxtorch.tensor([0.5, -1.0])
    jaxtorch.threshold_(t, 0.0, 7.0)
    assert t.tolist() == [0.5, 7.0]
    g = jaxtorch.Generator().manual_seed(3)
    r1 = jaxtorch.rrelu(-jaxtorch.ones(100), 0.1, 0.3, True, g).numpy()
    assert ((r1 >= -0.3) & (r1 <= -0.1)).all() and r1.std() > 0


def test_inplace_aliases():
    names = [n for n in dir(torch) if n.endswith("_") and not n.startswith("_") and hasattr(jaxtorch, n[:-1])
             and hasattr(jaxtorch.Tensor, n)]
    for n in ("arccos_", "arcsin_", "arctan_", "clip_", "fix_", "negative_"):
        assert n in names and hasattr(jaxtorch, n), n
    for n in ("arccos_", "arcsinh_", "fix_", "negative_"):
        a = np.array([0.25, -0.5], np.float32)
        t, j = torch.tensor(a), jaxtorch.tensor(a)
        assert getattr(jaxtorch, n)(j) is j
        getattr(torch, n)(t)
        assert_close(t, j)
    t, j = torch.tensor([3.0, -3.0]), jaxtorch.tensor([3.0, -3.0])
    torch.clip_(t, -1, 2)
    jaxtorch.clip_(j, -1, 2)
    assert_close(t, j)


def test_binomial_and_frombuffer_and_dlpack():
    jaxtorch.manual_seed(1)
    c, p = jaxtorch.full((2000,), 10.0), jaxtorch.full((2000,), 0.3)
    s = jaxtorch.binomial(c, p)
    assert s.dtype == jaxtorch.float32 and abs(s.mean().item() - 3.0) < 0.15 and s.max().item() <= 10
    buf = bytearray(np.arange(6, dtype=np.int32).tobytes())
    assert_close(torch.frombuffer(buf, dtype=torch.int32, count=3, offset=4),
                 jaxtorch.frombuffer(buf, dtype=jaxtorch.int32, count=3, offset=4))
    arr = np.arange(4, dtype=np.float32)
    assert_close(torch.from_dlpack(arr), jaxtorch.from_dlpack(arr))
    j = jaxtorch.tensor([1.0, 2.0])
    assert_close(torch.tensor([1.0, 2.0]), jaxtorch.from_dlpack(jaxtorch.to_dlpack(j)))
    back = torch.from_dlpack(j)  # real torch reads a jaxtorch tensor through __dlpack__
    assert isinstance(back, torch.Tensor) and back.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("nbytes,kw", [(8, dict(offset=8)), (8, dict(offset=-1)), (8, dict(count=0)),
                                       (8, dict(count=3)), (10, dict()), (10, dict(offset=1)), (0, dict())])
def test_frombuffer_errors(nbytes, kw):
    with pytest.raises(ValueError) as t_err:
        torch.frombuffer(bytearray(nbytes), dtype=torch.int32, **kw)
    with pytest.raises(ValueError) as j_err:
        jaxtorch.frombuffer(bytearray(nbytes), dtype=jaxtorch.int32, **kw)
    assert str(t_err.value) == str(j_err.value)


def test_queries():
    a = np.ones((2, 3), np.float32)
    for m in (torch, jaxtorch):
        t = m.tensor(a)
        assert m.is_same_size(t, m.tensor(a)) and not t.is_same_size(m.ones(3))
        assert not m.is_conj(t) and not t.is_neg() and not t.is_inference()
        assert m.is_signed(t) and not m.is_signed(m.ones(2, dtype=m.uint8))
        assert m.tensor([2]).is_nonzero() and not m.is_nonzero(m.tensor([0.0]))
        with pytest.raises(RuntimeError, match="with no values is ambiguous"):
            m.is_nonzero(m.tensor([]))
        with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
            t.is_nonzero()
        with pytest.raises(RuntimeError, match="with no values is ambiguous"):
            m.tensor([]).is_nonzero()
        assert str(m.get_default_device()) == "cpu"
        prev = m.is_warn_always_enabled()
        m.set_warn_always(True)
        assert m.is_warn_always_enabled()
        m.set_warn_always(prev)
    assert jaxtorch.set_flush_denormal(False) is False


def test_tensor_methods():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for m in (torch, jaxtorch):
        t = m.tensor(x)
        assert tuple(t.new(2, 3).shape) == (2, 3) and t.new(2, 3).dtype == t.dtype
        assert tuple(t.new().shape) == (0,) and tuple(t.new(m.Size([4])).shape) == (4,)
        assert t.new((3, 4)).tolist() == [3.0, 4.0] and t.new([1, 2]).dtype == t.dtype
        assert t.is_pinned() is False and t.is_shared() is False
        assert t.output_nr == 0
        assert t.permute(1, 0).dim_order() == (1, 0) and m.ones(2, 3, 4).dim_order() == (0, 1, 2)
        with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
            r = t.resize(3, 2)
        assert r.tolist() == t.reshape(3, 2).tolist()
        with pytest.warns(UserWarning, match="non-inplace resize_as is deprecated"):
            assert tuple(t.resize_as(m.ones(6)).shape) == (6,)
        with pytest.raises(RuntimeError, match="requested resize to 4 .4 elements in total."), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t.resize(4)
    assert jaxtorch.tensor(x).pin_memory().tolist() == x.tolist()


@pytest.mark.parametrize("shape,wrap,value", [((3, 3), False, 5), ((7, 3), True, 5), ((7, 3), False, 2.0),
                                              ((3, 7), True, 1), ((3, 3, 3), False, -1)])
def test_fill_diagonal_(shape, wrap, value):
    t, j = torch.zeros(shape), jaxtorch.zeros(shape)
    assert j.fill_diagonal_(value, wrap) is j
    assert_close(t.fill_diagonal_(value, wrap), j)
    assert_close(torch.zeros(2, 3, dtype=torch.int64).fill_diagonal_(2.7),
                 jaxtorch.zeros(2, 3, dtype=jaxtorch.int64).fill_diagonal_(2.7))


def test_fill_diagonal_errors():
    for m in (torch, jaxtorch):
        with pytest.raises(RuntimeError, match="all dimensions of input must be of equal length"):
            m.zeros(3, 4, 3).fill_diagonal_(1)
        with pytest.raises(RuntimeError, match="dimensions must larger than 1"):
            m.zeros(3).fill_diagonal_(1)


def test_inplace_methods():
    a = rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32)
    t, j = torch.tensor(a), jaxtorch.tensor(a)
    assert_close(t.polygamma_(1), j.polygamma_(1))
    t2, j2 = torch.tensor(a), jaxtorch.tensor(a)
    assert j2.swapaxes_(0, 1) is j2
    assert_close(t2.swapaxes_(0, 1), j2)
    assert_close(t2.swapdims_(1, 0), j2.swapdims_(1, 0))


def test_apply_map():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    outs = []
    for m in (torch, jaxtorch):
        t = m.tensor(x)
        t.apply_(lambda v: v * 2)
        t.map_(m.ones(3), lambda a, b: a + b)
        t.map2_(m.ones(3), m.ones(2, 1), lambda a, b, c: a + b + c)
        outs.append(t)
        z = m.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"Can't call apply_\(\) on Variable that requires grad"):
            z.apply_(lambda v: v)
        with pytest.raises(RuntimeError, match=r"Can't call map_\(\) on Variable that requires grad"):
            z.map_(z, lambda a, b: a)
    assert_close(*outs)


def test_post_accumulate_grad_hook():
    seen = {}
    for m in (torch, jaxtorch):
        w = m.ones(3, requires_grad=True)
        calls = []
        h = w.register_post_accumulate_grad_hook(lambda p: calls.append(p.grad.clone()))
        (w * 2).sum().backward()
        (w * 3).sum().backward()
        h.remove()
        (w * 4).sum().backward()
        seen[m] = calls
        with pytest.raises(RuntimeError, match="cannot be registered on non-leaf tensors"):
            (w * 2).register_post_accumulate_grad_hook(lambda p: None)
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            m.ones(2).register_post_accumulate_grad_hook(lambda p: None)
    assert_close(seen[torch], seen[jaxtorch])


# ---------------------------------------------------------------------------------------------
# cond / while_loop


def test_cond_eager():
    x = np.array([1.0, -2.0, 3.0], np.float32)
    for pred in (True, False):
        res = []
        for m in (torch, jaxtorch):
            t = m.tensor(x, requires_grad=True)
            out = m.cond(m.tensor(pred), lambda a: (a.sin() * 2,), lambda a: (a.cos() + 1,), (t,))
            out[0].sum().backward()
            res.append((out, t.grad))
        assert_close(res[0], res[1])


def test_cond_traced():
    """Under a JAX trace the predicate is abstract: both branches are traced into one lax.cond, and
    the gradient flows through the branch taken."""

    def step(xv, flag):
        x = jaxtorch.from_jax(xv).requires_grad_()
        out = jaxtorch.cond(jaxtorch.from_jax(flag) > 0, lambda a: a.sin() * 2, lambda a: a.cos() + 1, (x,))
        g, = jaxtorch.autograd.grad(out.sum(), x)
        return out._value(), g._value()

    f = jax.jit(step)
    x = np.array([1.0, -2.0, 3.0], np.float32)
    for flag, tf in ((1.0, lambda a: a.sin() * 2), (-1.0, lambda a: a.cos() + 1)):
        tx = torch.tensor(x, requires_grad=True)
        tout = tf(tx)
        tout.sum().backward()
        out, g = f(x, np.float32(flag))
        np.testing.assert_allclose(np.asarray(out), tout.detach().numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(np.asarray(g), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_while_loop_eager_and_traced():
    def cond_fn(i, x):
        return i < 5

    def body_fn(i, x):
        return i + 1, x * 2

    t_out = torch.while_loop(cond_fn, body_fn, (torch.tensor(0), torch.tensor([1.0, 3.0])))
    j_out = jaxtorch.while_loop(cond_fn, body_fn, (jaxtorch.tensor(0), jaxtorch.tensor([1.0, 3.0])))
    assert_close(tuple(t_out), tuple(j_out))

    def traced(n, xv):
        i, x = jaxtorch.while_loop(lambda i, x: i < jaxtorch.from_jax(n), body_fn,
                                   (jaxtorch.tensor(0), jaxtorch.from_jax(xv)))
        return i._value(), x._value()

    i, x = jax.jit(traced)(np.int64(5), np.array([1.0, 3.0], np.float32))
    assert int(i) == 5
    np.testing.assert_allclose(np.asarray(x), t_out[1].numpy())


# ---------------------------------------------------------------------------------------------
# anomaly mode


def test_anomaly_flags_and_warning():
    for m in (torch, jaxtorch):
        assert not m.is_anomaly_enabled() and m.is_anomaly_check_nan_enabled()
        with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
            with m.autograd.detect_anomaly(check_nan=False):
                assert m.is_anomaly_enabled() and not m.is_anomaly_check_nan_enabled()
        assert not m.is_anomaly_enabled() and m.is_anomaly_check_nan_enabled()
        with m.autograd.set_detect_anomaly(True):
            assert m.is_anomaly_enabled()
        assert not m.is_anomaly_enabled()
        m.set_anomaly_enabled(True, False)
        assert m.is_anomaly_enabled() and not m.is_anomaly_check_nan_enabled()
        m.set_anomaly_enabled(False)
        assert not m.is_anomaly_enabled()


def test_anomaly_nan_error():
    msgs = []
    for m in (torch, jaxtorch):
        x = m.tensor([0.0, 1.0], requires_grad=True)
        y = m.tensor([2.0, 3.0])
        loss = (y * x.sqrt()).sum()  # d sqrt(x)/dx at 0 is inf, times 0 below gives nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with m.autograd.detect_anomaly():
                with pytest.raises(RuntimeError, match=r"Function '\w+Backward0' returned nan values in its 0th "
                                                       r"output.") as e:
                    (loss * 0).backward()
        msgs.append(str(e.value))
        x.grad = None
        ((y * x.sqrt()).sum() * 0).backward()  # off again: no error, NaN gradient
        assert np.isnan(x.grad.numpy()).any()
    assert msgs[0] == msgs[1], msgs


def test_cond_compiled_step_matches_eager():
    """torch.compile of a training step whose loss is a cond over a module: the branches' parameters
    (read from the closure) get gradients through the lax.cond, and the weights match eager."""
    x = jaxtorch.tensor([1.0, -2.0, 3.0])
    finals = []
    for compiled in (False, True):
        jaxtorch.manual_seed(0)
        lin = jaxtorch.nn.Linear(3, 1)
        opt = jaxtorch.optim.SGD(lin.parameters(), lr=0.1)

        def step(inp, flag, lin=lin, opt=opt):
            opt.zero_grad()
            y = jaxtorch.cond(flag > 0, lambda a: lin(a).sum(), lambda a: (lin(a) * 3).sum(), (inp,))
            y.backward()
            opt.step()
            return y

        fn = jaxtorch.compile(step, fullgraph=True) if compiled else step
        losses = [fn(x, jaxtorch.tensor(f)).item() for f in (1.0, -1.0, 1.0)]
        finals.append((losses, lin.weight.detach().numpy().copy(), lin.bias.detach().numpy().copy()))
    np.testing.assert_allclose(finals[0][0], finals[1][0], rtol=1e-6)
    np.testing.assert_allclose(finals[0][1], finals[1][1], rtol=1e-6)
    np.testing.assert_allclose(finals[0][2], finals[1][2], rtol=1e-6)


def test_cond_errors():
    for m in (torch, jaxtorch):
        with pytest.raises(RuntimeError, match="Expected pred to be bool or single-element tensor"):
            m.cond(m.ones(2), lambda: m.ones(1), lambda: m.zeros(1))


def test_signatures_match_aten_schemas():
    """Keyword names and order of every torch.* function defined in aliases.py (and in the files its tensor
    queries and autograd names moved to) are those of torch's aten schema (torch's Python bindings name `self`
    `input`)."""
    import inspect

    import jaxtorch._ops.aliases as A

    modules = {A.__name__, "jaxtorch._ops.tensor_info", "jaxtorch._ops.autograd_surface"}
    checked = 0
    for name, f in A.FUNCTIONS.items():
        if getattr(f, "__module__", "") not in modules or not hasattr(torch, name):
            continue
        schemas = torch._C._jit_get_schemas_for_operator("aten::" + name)
        if not schemas:
            continue
        ours = [p for p in inspect.signature(f).parameters if p != "out"]
        theirs = [[a.name if a.name != "self" else "input" for a in s.arguments if a.name != "out"] for s in schemas]
        assert ours in theirs, (name, ours, theirs)
        checked += 1
    assert checked >= 70


@pytest.mark.parametrize("args", [(False, 0), (False, 1), (False, 2), (False, 1, False, None, True),
                                  (False, 0, False, None, False, 1), (False, 2, False, None, False, 1)])
def test_embedding_bag_outputs(args):
    w = rng.standard_normal((5, 2)).astype(np.float32)
    i, o = np.array([0, 2, 1, 4, 3, 1]), np.array([0, 2, 2, 5])
    t = torch.embedding_bag(torch.tensor(w), torch.tensor(i), torch.tensor(o), *args)
    j = jaxtorch.embedding_bag(jaxtorch.tensor(w), jaxtorch.tensor(i), jaxtorch.tensor(o), *args)
    if len(args) > 4 and args[4]:
        # F.embedding_bag (another file) sums past the last offset with include_last_offset=True:
        # compare the bookkeeping outputs only
        t, j = t[1:], j[1:]
    assert_close(tuple(t), tuple(j))


def test_deprecated_norm_warnings():
    # torch warns once per process (an earlier test may have used its warning up): check ours only
    for m in (jaxtorch,):
        with pytest.warns(UserWarning, match="at::frobenius_norm is deprecated"):
            m.frobenius_norm(m.ones(2, 2), [0, 1])
        with pytest.warns(UserWarning, match="at::nuclear_norm is deprecated"):
            m.nuclear_norm(m.ones(2, 2))


def test_anomaly_custom_function_and_traceback():
    msgs = []
    for m in (torch, jaxtorch):
        class Bad(m.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, g):
                return None, g * float("nan")

        x, y = m.tensor([0.0, 1.0]), m.tensor([2.0, 3.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            with m.autograd.detect_anomaly():
                with pytest.raises(RuntimeError) as e1:
                    ((x * y) * float("nan")).sum().backward()
                with pytest.raises(RuntimeError) as e2:
                    Bad.apply(x, y).sum().backward()
        msgs.append((str(e1.value), str(e2.value)))
        tb = [str(r.message) for r in rec if "Error detected in MulBackward0" in str(r.message)]
        assert tb and "test_aliases.py" in tb[0] and "(x * y) * float" in tb[0]
    assert msgs[0] == msgs[1]


def test_while_loop_traced_grad_error():
    def traced(xv):
        x = jaxtorch.from_jax(xv).requires_grad_()
        n = jaxtorch.from_jax(xv).sum()
        jaxtorch.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * 2), (jaxtorch.tensor(0.0), x))

    with pytest.raises(RuntimeError, match="autograd through a traced while_loop is not supported"):
        jax.jit(traced)(np.ones(2, np.float32))
