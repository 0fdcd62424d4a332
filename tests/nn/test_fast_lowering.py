"""CPU convolution / max-pool lowerings (jaxtorch/nn/_functional/{conv,pool}.py) against XLA's native
convolution and against real torch: forward, input / weight / bias gradients, higher-order derivatives,
and max-pool ties, NaNs and indices."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import jaxtorch
from jaxtorch.nn._functional import conv as C
from jaxtorch.nn._functional import pool as P

# float32: the lowerings sum the same products in a different order (patches @ W vs XLA's conv kernels)
RTOL, ATOL = 1e-5, 1e-5
# weight gradients sum N * prod(out) products of O(1) values (hundreds to thousands here), so an
# order-of-summation difference reaches ~1e-5 relative to the largest entry; compare at that scale
GRAD_RTOL, GRAD_ATOL = 1e-5, 5e-5

pytestmark = pytest.mark.skipif(jax.default_backend() != "cpu", reason="CPU-only lowerings")

# (x shape, w shape, stride, padding, dilation, groups); small shapes, each traced a few times
CONVS = [
    ((2, 3, 9, 8), (4, 3, 3, 3), 1, 0, 1, 1),  # 2-D unpadded stride 1: native
    ((2, 3, 9, 8), (4, 3, 3, 2), 1, 0, 2, 1),  # ... with dilation
    ((1, 2, 7, 7), (3, 2, 1, 1), 1, 0, 1, 1),  # 1x1
    ((2, 3, 9, 8), (4, 3, 3, 3), 2, 1, 1, 1),  # native
    ((2, 4, 8, 8), (4, 2, 3, 3), 1, 0, 1, 2),  # groups: native
    ((2, 3, 9, 8), (4, 3, 3, 3), 1, "same", 1, 1),
    ((2, 3, 5, 6, 5), (4, 3, 3, 2, 3), 1, 0, 1, 1),  # 3-D: 'matmul'
    ((2, 3, 6, 6, 5), (4, 3, 3, 3, 3), 2, 1, 1, 1),
    ((1, 2, 7, 6, 6), (3, 2, 2, 3, 2), (1, 2, 1), (1, 0, 1), (2, 1, 1), 1),
    ((2, 3, 6, 6, 6), (4, 3, 3, 3, 3), 1, "same", 1, 1),
    ((2, 3, 11), (4, 3, 3), 2, 1, 2, 1),  # 1-D: native
]
CONV_IDS = [f"{len(c[1]) - 2}d-{i}" for i, c in enumerate(CONVS)]


def _inputs(xs, ws, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(xs).astype(np.float32)
    w = (rng.standard_normal(ws) / np.sqrt(np.prod(ws[1:]))).astype(np.float32)
    b = rng.standard_normal(ws[0]).astype(np.float32)
    return x, w, b


def _fn(nd, lib):
    return {1: lib.nn.functional.conv1d, 2: lib.nn.functional.conv2d, 3: lib.nn.functional.conv3d}[nd]


def _check(a, b, rtol, atol, what):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("case", CONVS, ids=CONV_IDS)
def test_conv_matches_torch(case):
    xs, ws, stride, padding, dilation, groups = case
    nd = len(ws) - 2
    x, w, b = _inputs(xs, ws)
    rng = np.random.default_rng(1)
    outs = {}
    for lib in (torch, jaxtorch):
        tx, tw, tb = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
        y = _fn(nd, lib)(tx, tw, tb, stride=stride, padding=padding, dilation=dilation, groups=groups)
        g = rng.standard_normal(tuple(y.shape)).astype(np.float32) if lib is torch else outs["g"]
        y.backward(lib.tensor(g))
        outs["g"] = g
        outs[lib.__name__] = [t.detach().numpy() for t in (y, tx.grad, tw.grad, tb.grad)]
    for what, tv, jv in zip(("output", "input grad", "weight grad", "bias grad"), outs["torch"], outs["jaxtorch"]):
        rtol, atol = (RTOL, ATOL) if what == "output" else (GRAD_RTOL, GRAD_ATOL)
        assert tv.shape == jv.shape, what
        _check(jv, tv, rtol, atol, what)


def _pads(nd, padding, ws, dilation):
    if padding == "same":
        return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(ws[2:], dilation))
    return tuple((p, p) for p in padding)


def _norm(v, nd):
    return tuple(v) if isinstance(v, tuple) else (v,) * nd


@pytest.mark.parametrize("force_matmul", [False, True], ids=["chosen", "matmul"])
@pytest.mark.parametrize("case", CONVS, ids=CONV_IDS)
def test_conv_matches_native(case, force_matmul, monkeypatch):
    """The lowering chosen for the case (and the patches @ W one forced everywhere it applies) against
    lax.conv_general_dilated: forward and the gradients of x, w and b (as jax arrays, under jit)."""
    xs, ws, stride, padding, dilation, groups = case
    nd = len(ws) - 2
    stride, dilation = _norm(stride, nd), _norm(dilation, nd)
    pads = _pads(nd, padding if padding == "same" else _norm(padding, nd), ws, dilation)
    monkeypatch.setattr(C, "_FORCE_MATMUL", force_matmul)
    x, w, b = (jnp.asarray(a) for a in _inputs(xs, ws))
    static = dict(stride=stride, padding=pads, dilation=dilation, groups=groups, unbatched=False)

    def native(x, w, b):
        y = C._conv_native(x, w, stride, pads, dilation, groups)
        return y + b.reshape((1, -1) + (1,) * nd)

    def ours(x, w, b):
        return C._conv_impl(x, w, b, **static)

    y_ref, vjp_ref = jax.vjp(native, x, w, b)
    y, vjp = jax.jit(lambda x, w, b: jax.vjp(ours, x, w, b))(x, w, b)
    _check(y, y_ref, RTOL, ATOL, "output")
    g = jnp.asarray(np.random.default_rng(2).standard_normal(y.shape).astype(np.float32))
    for what, a, r in zip(("input grad", "weight grad", "bias grad"), vjp(g), vjp_ref(g)):
        _check(a, r, GRAD_RTOL, GRAD_ATOL, what)


@pytest.mark.parametrize("case", [CONVS[6]], ids=["3d-matmul"])
def test_conv_higher_order(case):
    """jvp, jacfwd-style forward mode and grad-of-grad through the CPU lowerings equal the native conv's."""
    xs, ws, stride, padding, dilation, groups = case
    nd = len(ws) - 2
    one = (1,) * nd
    zero = ((0, 0),) * nd
    x, w, b = (jnp.asarray(a) for a in _inputs(xs, ws))
    tx, tw = (jnp.asarray(a) for a in _inputs(xs, ws, seed=3)[:2])
    ours = lambda x, w: C._conv_impl(x, w, None, stride=one, padding=zero, dilation=one, groups=1,  # noqa: E731
                                     unbatched=False)
    native = lambda x, w: C._conv_native(x, w, one, zero, one, 1)  # noqa: E731
    assert C._cpu_lowering(x.shape, w.shape, 4, one, zero, one, 1) != "native"
    for what, a, r in zip(("primal", "tangent"), jax.jvp(ours, (x, w), (tx, tw)), jax.jvp(native, (x, w), (tx, tw))):
        _check(a, r, RTOL, GRAD_ATOL, f"jvp {what}")

    def gradgrad(f):
        inner = jax.grad(lambda x, w: jnp.sum(jnp.tanh(f(x, w))), argnums=1)  # dL/dw, a function of x
        return jax.grad(lambda x, w: jnp.sum(inner(x, w) ** 2), argnums=(0, 1))(x, w)

    for a, r in zip(jax.jit(lambda: gradgrad(ours))(), gradgrad(native)):
        _check(a, r, 1e-4, 1e-4, "grad of grad")  # two chained reductions of float32 sums


def test_conv_grad_of_grad_through_jaxtorch():
    """create_graph=True double backward through the conv op matches torch."""
    x, w, b = _inputs((2, 3, 5, 5, 5), (2, 3, 3, 3, 3))
    res = []
    for lib in (torch, jaxtorch):
        tx, tw = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = lib.nn.functional.conv3d(tx, tw)
        (gw,) = lib.autograd.grad(y.tanh().sum(), (tw,), create_graph=True)
        (gx,) = lib.autograd.grad((gw ** 2).sum(), (tx,))
        res.append(gx.detach().numpy())
    _check(res[1], res[0], 1e-4, 1e-4, "double backward")  # as above: chained float32 reductions


def test_convolutions_compile_off_ynnpack():
    """jaxtorch's compiler options keep 2-D convolutions on XLA's own (multi-threaded) convolution: a conv
    program compiled through jaxtorch holds a plain `convolution`, not a YNNPACK custom fusion. Fails if
    a JAX/XLA upgrade stops accepting the option (jaxtorch would then silently fall back to defaults)."""
    import os
    import re

    from jaxtorch import _xla

    if "ynn_fusion_type" in os.environ.get("XLA_FLAGS", ""):
        pytest.skip("XLA_FLAGS chooses the YNNPACK fusions")
    assert _xla.compiler_options() == _xla._CPU_OPTIONS
    x, w = jnp.ones((2, 4, 9, 9), jnp.float32), jnp.ones((8, 4, 3, 3), jnp.float32)
    f = _xla.jit(lambda x, w: C._conv_native(x, w, (1, 1), ((0, 0), (0, 0)), (1, 1), 1))
    text = f.lower(x, w).compile().as_text()
    entry = text[text.index("ENTRY"):]
    assert re.search(r"= f32\[[0-9,]+\]\S* convolution\(", entry), entry
    assert "__ynn_fusion" not in text


def test_compiler_options_fall_back_and_respect_xla_flags(monkeypatch):
    """An XLA that rejects an option keeps its default for that option only; a user's own XLA_FLAGS choice is
    left alone."""
    from jaxtorch import _xla

    bad = {"xla_cpu_experimental_ynn_fusion_type": "NOT_A_FUSION_TYPE"}
    assert _xla._accepted(bad) == {}
    assert _xla._accepted({**bad, **_xla._CPU_EAGER_OPTIONS}) == _xla._CPU_EAGER_OPTIONS
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_experimental_ynn_fusion_type=")
    assert _xla._accepted(_xla._CPU_OPTIONS) == {}
    monkeypatch.delenv("XLA_FLAGS")
    assert _xla._accepted(_xla._CPU_OPTIONS) == _xla._CPU_OPTIONS


def test_ops_on_constants_inside_user_jit():
    """An op whose inputs are all concrete, run inside a user's jax.jit, is traced into that program
    (JAX refuses compiler options on a nested jit), forward and backward."""
    x, w, _ = _inputs((1, 2, 5, 5), (3, 2, 3, 3))
    jx, jw = jaxtorch.tensor(x), jaxtorch.tensor(w, requires_grad=True)

    @jax.jit
    def f(a):
        y = jaxtorch.nn.functional.conv2d(jx, jw)
        (g,) = jaxtorch.autograd.grad(y.sum(), (jw,))
        return y.to_jax() + a, g.to_jax()

    y, g = f(jnp.float32(0))
    tw = torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.conv2d(torch.tensor(x), tw)
    (tg,) = torch.autograd.grad(ty.sum(), (tw,))
    _check(np.asarray(y), ty.detach().numpy(), RTOL, ATOL, "forward")
    _check(np.asarray(g), tg.numpy(), GRAD_RTOL, GRAD_ATOL, "weight grad")


def test_lowering_selection():
    one2, one3 = (1, 1), (1, 1, 1)
    z2, z3 = ((0, 0),) * 2, ((0, 0),) * 3
    assert C._cpu_lowering((64, 32, 26, 26), (64, 32, 3, 3), 4, one2, z2, one2, 1) == "native"
    assert C._cpu_lowering((64, 32, 26, 26), (64, 32, 3, 3), 4, one2, ((1, 1),) * 2, one2, 1) == "native"
    assert C._cpu_lowering((64, 32, 26, 26), (64, 16, 3, 3), 4, one2, z2, one2, 2) == "native"
    assert C._cpu_lowering((2, 8, 16, 16, 16), (16, 8, 3, 3, 3), 4, one3, z3, one3, 1) == "matmul"
    # patches over the size cap fall back to the native convolution
    assert C._cpu_lowering((512, 64, 64, 64, 64), (64, 64, 3, 3, 3), 4, one3, z3, one3, 1) == "native"


# ----------------------------------------------------------------------------- max pool
POOLS = [  # (shape, kernel, stride); stride None = kernel; all take the reshape path but the last two
    ((2, 3, 8, 8), 2, None),
    ((2, 3, 9, 7), 2, None),  # floor mode drops the last row/column
    ((1, 2, 6, 9), (3, 2), None),
    ((3, 8, 8), 2, None),  # unbatched
    ((2, 3, 8, 8), 3, 2),  # overlapping windows: general path
    ((2, 3, 9, 9), 2, 2),
]


def _tie_heavy(shape, seed=0, nan=True):
    a = np.random.default_rng(seed).integers(0, 3, shape).astype(np.float32)  # many equal maxima
    if nan:
        flat = a.reshape(-1)
        flat[[0, 1, 5]] = np.nan  # two NaNs in one window: torch reports the last one
    return a


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("case", POOLS)
def test_max_pool2d_ties_indices_grads(case, ceil_mode):
    shape, k, s = case
    a = _tie_heavy(shape)
    res = {}
    for lib in (torch, jaxtorch):
        t = lib.tensor(a, requires_grad=True)
        o, i = lib.nn.functional.max_pool2d(t, k, s, ceil_mode=ceil_mode, return_indices=True)
        g = np.random.default_rng(1).standard_normal(tuple(o.shape)).astype(np.float32)
        o.backward(lib.tensor(g))
        res[lib.__name__] = (o.detach().numpy(), i.numpy(), t.grad.numpy(), str(i.dtype))
    for what, tv, jv in zip(("output", "indices", "grad", "index dtype"), res["torch"], res["jaxtorch"]):
        if what == "index dtype":
            assert tv == jv
        else:
            np.testing.assert_array_equal(jv, tv, err_msg=what)  # selections: exact


@pytest.mark.parametrize("nd,shape,k", [(1, (2, 3, 9), 3), (3, (2, 2, 4, 6, 5), 2), (3, (1, 2, 4, 4, 4), (2, 1, 2))])
def test_max_pool_1d_3d(nd, shape, k):
    a = _tie_heavy(shape, nan=False)
    res = {}
    for lib in (torch, jaxtorch):
        t = lib.tensor(a, requires_grad=True)
        fn = getattr(lib.nn.functional, f"max_pool{nd}d")
        o, i = fn(t, k, return_indices=True)
        o.backward(lib.ones_like(o))
        res[lib.__name__] = (o.detach().numpy(), i.numpy(), t.grad.numpy())
    for what, tv, jv in zip(("output", "indices", "grad"), res["torch"], res["jaxtorch"]):
        np.testing.assert_array_equal(jv, tv, err_msg=what)


def test_max_pool_blocks_match_general_path():
    """The reshape path equals the window-gather path (values, indices, gradient) on the CNN's shape."""
    x = jnp.asarray(_tie_heavy((4, 5, 12, 10)))
    tables = [P._sliding(12, 6, 2, 2, 0, 1), P._sliding(10, 5, 2, 2, 0, 1)]
    fast = lambda x: P._max_blocks(x, (2, 2), (6, 5), True)  # noqa: E731
    slow = lambda x: P._max_windows(x, tables, True)  # noqa: E731
    (o1, i1), (o2, i2) = jax.jit(fast)(x), slow(x)
    np.testing.assert_array_equal(np.asarray(o1), np.asarray(o2))
    np.testing.assert_array_equal(np.asarray(i1), np.asarray(i2))
    g1 = jax.grad(lambda x: jnp.nansum(fast(x)[0] * jnp.arange(30.0).reshape(6, 5)))(x)
    g2 = jax.grad(lambda x: jnp.nansum(slow(x)[0] * jnp.arange(30.0).reshape(6, 5)))(x)
    np.testing.assert_array_equal(np.asarray(g1), np.asarray(g2))


def test_max_pool_int_and_adaptive_nan():
    a = np.random.default_rng(0).integers(-5, 5, (2, 3, 6, 6)).astype(np.int64)
    to, ti = torch.nn.functional.max_pool2d(torch.tensor(a), 2, return_indices=True)
    jo, ji = jaxtorch.nn.functional.max_pool2d(jaxtorch.tensor(a), 2, return_indices=True)
    np.testing.assert_array_equal(jo.numpy(), to.numpy())
    np.testing.assert_array_equal(ji.numpy(), ti.numpy())
    assert str(jo.dtype) == str(to.dtype)
    b = _tie_heavy((1, 2, 6, 6))
    to, ti = torch.nn.functional.adaptive_max_pool2d(torch.tensor(b), 3, return_indices=True)
    jo, ji = jaxtorch.nn.functional.adaptive_max_pool2d(jaxtorch.tensor(b), 3, return_indices=True)
    np.testing.assert_array_equal(jo.numpy(), to.numpy())
    np.testing.assert_array_equal(ji.numpy(), ti.numpy())
