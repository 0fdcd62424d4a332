"""jaxtorch.masked against torch.masked: fully masked-out slices, broadcast and non-bool masks, keepdim,
dims, dtype promotion and the dtype argument, integer inputs, gradients, and torch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import assert_close

RNG = np.random.default_rng(0)
X = RNG.uniform(-2, 2, size=(3, 4)).astype(np.float32)
# row 0 partly masked, row 1 fully masked out, row 2 fully masked in
MASK = np.array([[True, False, True, False], [False] * 4, [True] * 4])
X3 = RNG.uniform(-2, 2, size=(2, 3, 4)).astype(np.float32)
XI = RNG.integers(-5, 6, size=(3, 4)).astype(np.int32)
COL_MASK = np.array([True, False, True, True])  # broadcasts over rows


def _pair(a: np.ndarray, grad: bool = False):
    t = torch.tensor(a, requires_grad=grad)
    j = jaxtorch.tensor(a.copy())
    if grad:
        j.requires_grad_(True)
    return t, j


def _torch_dtype(v):
    return getattr(torch, repr(v).split(".")[1]) if isinstance(v, jaxtorch.dtype) else v


def _jt_dtype(v):
    return getattr(jaxtorch, str(v).split(".")[1]) if isinstance(v, torch.dtype) else v


def _run(name, x, args=(), kwargs=None, mask=None, grad=None, rtol=1e-5, atol=1e-6, mask_key="mask"):
    """Call torch.masked.<name> and jaxtorch.masked.<name> on the same data; compare outputs and (for
    float inputs) the gradient of a weighted sum of the output."""
    kwargs_t = {k: _torch_dtype(v) for k, v in (kwargs or {}).items()}
    kwargs_j = {k: _jt_dtype(v) for k, v in (kwargs or {}).items()}
    grad = x.dtype.kind == "f" if grad is None else grad
    tx, jx = _pair(x, grad)
    if mask is not None:
        kwargs_t[mask_key] = torch.tensor(mask)
        kwargs_j[mask_key] = jaxtorch.tensor(mask)
    t_out = getattr(torch.masked, name)(tx, *args, **kwargs_t)
    j_out = getattr(jaxtorch.masked, name)(jx, *args, **kwargs_j)
    assert_close(t_out, j_out, rtol, atol, True, f"{name} forward")
    if grad and t_out.requires_grad:
        w = RNG.uniform(0.5, 1.5, size=tuple(t_out.shape)).astype(np.float32)
        (tg,) = torch.autograd.grad((t_out * torch.tensor(w, dtype=t_out.dtype)).sum(), tx, allow_unused=True)
        (jg,) = jaxtorch.autograd.grad((j_out * jaxtorch.tensor(w).to(j_out.dtype)).sum(), jx, allow_unused=True)
        if tg is None:  # e.g. the 0-"norm" (a count): no gradient in torch; ours is None or zero
            assert jg is None or not jg.any().item(), f"{name} gradient: torch's is None"
            return j_out
        assert_close(tg, jg, rtol * 10, atol * 10, True, f"{name} gradient")
    return j_out


REDUCTIONS = ["sum", "prod", "amax", "amin", "mean", "logsumexp", "var", "std"]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dim", [None, 1, -2])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_fully_masked_rows(name, dim, keepdim):
    _run(name, X, (dim,), {"keepdim": keepdim}, MASK)


@pytest.mark.parametrize("name", REDUCTIONS + ["argmax", "argmin", "median"])
def test_reductions_no_mask_and_broadcast_mask(name):
    dim = 2 if name in ("argmax", "argmin", "median") else (0, 2)
    _run(name, X3, (dim,))
    _run(name, X3, (dim,), mask=COL_MASK)  # (4,) broadcast to (2, 3, 4)
    _run(name, X3, (dim,), {"keepdim": True}, mask=MASK)  # (3, 4) broadcast


def test_prod_gradient_through_zeros():
    x = X.copy()
    x[0, 0] = 0.0  # one zero in a row: only that element gets a gradient
    x[2, 1] = x[2, 3] = 0.0  # two zeros: no gradient at all
    x[1, 2] = 0.0  # a zero that is masked out does not zero the product
    _run("prod", x, (1,), mask=MASK)
    _run("prod", x, (None,), mask=np.array([True, True, False, True]))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dim", [None, 1, 0])
def test_argmax_argmin(name, dim):
    # the index comes back in the input's dtype (torch.masked casts it), here float32
    _run(name, X, (dim,), mask=MASK)
    _run(name, X, (dim,), {"keepdim": True}, mask=MASK)
    _run(name, XI, (dim,), mask=MASK)


@pytest.mark.parametrize("keepdim", [False, True])
def test_median(keepdim):
    _run("median", X, (1,), {"keepdim": keepdim}, MASK)
    _run("median", X, (0,), {"keepdim": keepdim}, MASK)
    _run("median", X, (), {"keepdim": keepdim})  # dim defaults to -1
    _run("median", X, ((1, 0),), mask=MASK)  # a tuple of dims: torch.masked takes the first canonical one
    _run("median", XI, (1,), mask=np.array([True, False, True, True]))  # int: no empty row, result in int32
    _run("median", X, (1,), {"dtype": torch.int64}, MASK)  # float input ignores dtype


@pytest.mark.parametrize("ord", [2.0, 1, 0, 3.5, float("inf"), -float("inf"), -1])
@pytest.mark.parametrize("dim", [1, None])
def test_norm(ord, dim):
    x = X.copy()
    x[0, 0] = 0.0  # a zero in the data: the norm's subgradient
    # ord=-1 on a row with zeros sums 1/|0| = inf; torch and jaxtorch both give a 0 norm there
    _run("norm", x, (ord, dim), mask=MASK)
    _run("norm", x, (ord, dim), {"keepdim": True})


@pytest.mark.parametrize("ord", [2.0, 1, float("inf"), -float("inf"), 3.0])
@pytest.mark.parametrize("dim", [0, 1])
def test_normalize(ord, dim):
    _run("normalize", X, (ord, dim), mask=MASK)
    _run("normalize", X, (ord, dim))
    _run("normalize", X, (ord, dim), {"eps": 0.5}, mask=MASK)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family(name, dim):
    # masked-out positions give 0 (softmax/softmin) or -inf (log_softmax); fully masked-out slices nan
    _run(name, X, (dim,), mask=MASK)
    _run(name, X, (dim,))
    _run(name, X3, (dim,), mask=COL_MASK)
    _run(name, X, (dim,), {"dtype": jaxtorch.float64}, mask=MASK)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1])
def test_scans(name, dim):
    x = X.copy()
    x[2, 1] = 0.0  # cumprod's gradient through a zero
    _run(name, x, (dim,), mask=MASK)
    _run(name, x, (dim,))
    _run(name, XI, (dim,), mask=MASK)  # int32 stays int32 (no promotion for the scans)
    _run(name, XI, (dim,), {"dtype": torch.int64}, mask=MASK)
    _run(name, x, ((1, 0),), mask=MASK)  # a tuple of dims: the first canonical one


def test_logaddexp():
    y = RNG.uniform(-2, 2, size=(3, 4)).astype(np.float32)
    other_mask = np.array([[False, False, True, True]] * 3)
    for im, om in ((MASK, other_mask), (MASK, None), (None, None), (COL_MASK, MASK)):
        tx, jx = _pair(X, True)
        ty, jy = _pair(y, True)
        tk = {k: torch.tensor(v) for k, v in (("input_mask", im), ("other_mask", om)) if v is not None}
        jk = {k: jaxtorch.tensor(v) for k, v in (("input_mask", im), ("other_mask", om)) if v is not None}
        t_out = torch.masked.logaddexp(tx, ty, **tk)
        j_out = jaxtorch.masked.logaddexp(jx, jy, **jk)
        assert_close(t_out, j_out)
        t_g = torch.autograd.grad(t_out.sum(), (tx, ty))
        j_g = jaxtorch.autograd.grad(j_out.sum(), (jx, jy))
        assert_close(t_g, j_g)
    # mixed dtypes compute in the promoted dtype, then cast to input's (or dtype=)
    for a, b, kw in ((X.astype(np.float64), y, {}), (XI, y, {}), (y, XI, {}), (X, y, {"dtype": 1})):
        ta, ja = _pair(a)
        tb, jb = _pair(b)
        kt, kj = ({"dtype": torch.float64}, {"dtype": jaxtorch.float64}) if kw else ({}, {})
        assert_close(torch.masked.logaddexp(ta, tb, input_mask=torch.tensor(MASK), **kt),
                     jaxtorch.masked.logaddexp(ja, jb, input_mask=jaxtorch.tensor(MASK), **kj))


INT_NAMES = ["sum", "prod", "amax", "amin", "logsumexp", "var", "std", "argmax", "argmin"]


@pytest.mark.parametrize("name", INT_NAMES)
@pytest.mark.parametrize("np_dtype", [np.int32, np.int64, np.uint8, np.int16])
def test_int_inputs(name, np_dtype):
    # sum/prod promote small ints to int64; amax/amin/logsumexp keep the input dtype (the integer
    # min/max fill shows in fully masked-out rows); var/std compute in float32
    x = np.abs(XI).astype(np_dtype) if np_dtype == np.uint8 else XI.astype(np_dtype)
    _run(name, x, (1,), mask=MASK)
    _run(name, x, (None,))


@pytest.mark.parametrize("name,dtype", [("sum", torch.float64), ("sum", torch.int64), ("prod", torch.float64),
                                        ("amax", torch.int32), ("amin", torch.int64), ("amax", torch.float64),
                                        ("mean", torch.float64), ("logsumexp", torch.int64),
                                        ("logsumexp", torch.float64), ("var", torch.float64),
                                        ("std", torch.float64), ("var", torch.int64), ("std", torch.int64),
                                        ("norm", torch.float64), ("argmax", torch.int64)])
def test_dtype_argument(name, dtype):
    args = (2.0, 1) if name == "norm" else (1,)
    _run(name, X, args, {"dtype": dtype}, MASK, grad=dtype.is_floating_point)
    if name in ("sum", "mean", "var", "std", "logsumexp"):
        _run(name, XI, args, {"dtype": dtype}, MASK)


def test_float64_inputs():
    x = X.astype(np.float64)
    for name in REDUCTIONS:
        _run(name, x, (1,), mask=MASK)
    _run("var", x, (1,), {"dtype": torch.float32}, MASK)  # float64 diffs summed in float32
    _run("softmax", x, (1,), mask=MASK)
    _run("normalize", x, (2.0, 1), mask=MASK)


@pytest.mark.parametrize("kwargs", [{"unbiased": False}, {"unbiased": True}, {"correction": 0},
                                    {"correction": 2}, {"correction": 0.5}, {"correction": 5}])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_corrections(name, kwargs):
    _run(name, X, (1,), kwargs, MASK)
    _run(name, X3, ((0, 2),), kwargs, COL_MASK)


def test_non_bool_masks():
    # torch.masked converts any mask dtype to bool (nonzero = masked in)
    fmask = np.array([1.0, 0.0, 2.5, 0.0], np.float32)
    imask = np.array([[1, 0, 3, 0], [0, 0, 0, 0], [1, 1, 1, 1]], np.int64)
    for name in ("sum", "amax", "mean", "var", "median"):
        _run(name, X, (1,), mask=fmask)
        _run(name, X, (1,), mask=imask)
    _run("softmax", X, (1,), mask=imask)


def test_zero_dim_inputs():
    s = np.array(1.5, np.float32)
    for m in (np.array(True), np.array(False), None):
        for name in ("sum", "prod", "amax", "amin", "mean", "logsumexp", "argmax", "median"):
            _run(name, s, (), mask=m)
        for name in ("softmax", "log_softmax", "softmin", "cumsum", "cumprod"):
            _run(name, s, (0,), mask=m)
        _run("norm", s, (2.0,), mask=m)


def test_bool_input():
    xb = X > 0
    _run("sum", xb, (1,), mask=MASK)
    _run("prod", xb, (1,), mask=MASK)
    _run("amax", xb, (1,))


def _both_raise(name, args_t, args_j, kwargs_t=None, kwargs_j=None):
    with pytest.raises(Exception) as te:
        getattr(torch.masked, name)(*args_t, **(kwargs_t or {}))
    with pytest.raises(type(te.value)) as je:
        getattr(jaxtorch.masked, name)(*args_j, **(kwargs_j or {}))
    assert str(je.value) == str(te.value)


def test_errors():
    tx, jx = _pair(X)
    ti, ji = _pair(XI)
    tm, jm = torch.tensor(MASK), jaxtorch.tensor(MASK)

    def mk(shape):
        return {"mask": torch.ones(shape, dtype=torch.bool)}, {"mask": jaxtorch.ones(shape, dtype=jaxtorch.bool)}

    for shape in ((4, 3), (3,), (2, 3, 4), (1, 3, 4)):  # not broadcastable / more dims than the input
        kt, kj = mk(shape)
        for name in ("sum", "mean", "var", "softmax"):
            _both_raise(name, (tx, 1), (jx, 1), kt, kj)
    _both_raise("mean", (ti, 1), (ji, 1), {"mask": tm}, {"mask": jm})
    _both_raise("mean", (tx, 1), (jx, 1), {"dtype": torch.int64}, {"dtype": jaxtorch.int64})
    _both_raise("median", (ti, 1), (ji, 1), {"mask": tm}, {"mask": jm})  # fully masked int row
    for name in ("softmax", "log_softmax", "softmin"):
        for dim in (0, 1):
            _both_raise(name, (ti, dim), (ji, dim), {"mask": tm}, {"mask": jm})
    _both_raise("softmax", (tx, 1), (jx, 1), {"dtype": torch.int64}, {"dtype": jaxtorch.int64})
    _both_raise("norm", (ti, 2.0, 1), (ji, 2.0, 1))
    _both_raise("norm", (ti, -float("inf"), 1), (ji, -float("inf"), 1), {"mask": tm}, {"mask": jm})
    _both_raise("norm", (tx, 2.0, 1), (jx, 2.0, 1), {"dtype": torch.int64}, {"dtype": jaxtorch.int64})
    _both_raise("norm", (tx.double(), 2.0, 1), (jx.double(), 2.0, 1), {"dtype": torch.float32},
                {"dtype": jaxtorch.float32})
    _both_raise("norm", (tx, None, 1), (jx, None, 1))
    _both_raise("normalize", (ti, 2.0, 1), (ji, 2.0, 1))
    _both_raise("var", (tx, 1, True), (jx, 1, True), {"correction": 1}, {"correction": 1})
    _both_raise("sum", (tx, (1, 1)), (jx, (1, 1)))
    _both_raise("sum", (tx, (1, -1)), (jx, (1, -1)))
    for name in ("sum", "amax", "softmax", "cumsum", "median", "argmax"):
        _both_raise(name, (tx, 2), (jx, 2))
    _both_raise("argmax", (tx, (0, 1)), (jx, (0, 1)))
    _both_raise("amax", (tx > 0, 1), (jx > 0, 1), {"mask": tm}, {"mask": jm})
    _both_raise("cumsum", (tx > 0, 1), (jx > 0, 1))
    _both_raise("logaddexp", (ti, ti), (ji, ji))


def test_mask_is_not_differentiated():
    # a float mask that requires grad gets no gradient (torch gives None)
    tx, jx = _pair(X, True)
    tm, jm = _pair(MASK.astype(np.float32), True)
    t_out = torch.masked.sum(tx, 1, mask=tm)
    j_out = jaxtorch.masked.sum(jx, 1, mask=jm)
    assert_close(t_out, j_out)
    t_g = torch.autograd.grad(t_out.sum(), (tx, tm), allow_unused=True)
    j_g = jaxtorch.autograd.grad(j_out.sum(), (jx, jm), allow_unused=True)
    assert t_g[1] is None and j_g[1] is None
    assert_close(t_g[0], j_g[0])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision(dtype):
    tx = torch.tensor(X).to(getattr(torch, dtype))
    jx = jaxtorch.tensor(X).to(getattr(jaxtorch, dtype))
    tm, jm = torch.tensor(MASK), jaxtorch.tensor(MASK)
    for name, args in (("sum", (1,)), ("mean", (1,)), ("var", (1,)), ("amax", (1,)), ("softmax", (1,)),
                       ("log_softmax", (1,)), ("norm", (2.0, 1)), ("normalize", (2.0, 1)), ("logsumexp", (1,)),
                       ("median", (1,)), ("cumsum", (1,)), ("prod", (1,))):
        t = getattr(torch.masked, name)(tx, *args, mask=tm)
        j = getattr(jaxtorch.masked, name)(jx, *args, mask=jm)
        assert str(t.dtype) == repr(j.dtype), name
        # half-precision rounding of intermediate results differs between the libraries' kernels
        assert_close(t.float(), j.float(), 1e-2, 1e-2, True, name)


def test_compiled_matches_eager():
    def step(x, m):
        return (jaxtorch.masked.softmax(x, 1, mask=m) + jaxtorch.masked.var(x, 1, keepdim=True, mask=m)
                + jaxtorch.masked.amax(x, 1, keepdim=True, mask=m))

    jx, jm = jaxtorch.tensor(X), jaxtorch.tensor(MASK)
    compiled = jaxtorch.compile(step)(jx, jm)
    eager = step(jx, jm)
    np.testing.assert_allclose(compiled.numpy(), eager.numpy(), rtol=1e-6, atol=1e-7)  # XLA may fuse differently
    t = (torch.masked.softmax(torch.tensor(X), 1, mask=torch.tensor(MASK))
         + torch.masked.var(torch.tensor(X), 1, keepdim=True, mask=torch.tensor(MASK))
         + torch.masked.amax(torch.tensor(X), 1, keepdim=True, mask=torch.tensor(MASK)))
    assert_close(t, compiled)


def test_empty_inputs():
    e = np.zeros((0, 3), np.float32)
    em = np.ones((0, 3), bool)
    for name, args in (("sum", (0,)), ("sum", (1,)), ("prod", (0,)), ("mean", (0,)), ("var", (0,)),
                       ("logsumexp", (0,)), ("amax", (1,)), ("argmax", (1,)), ("median", (1,)), ("norm", (2.0, 0)),
                       ("softmax", (0,)), ("cumsum", (0,)), ("normalize", (2.0, 0))):
        _run(name, e, args, mask=em, grad=False)
    te, je = _pair(e)
    for name, args in (("amax", (0,)), ("amin", (None,)), ("argmax", (0,)), ("argmax", (None,)), ("median", (0,)),
                       ("norm", (float("inf"), 0)), ("norm", (-float("inf"), None)), ("norm", (-1.5, 0)),
                       ("normalize", (float("inf"), 0))):
        _both_raise(name, (te, *args), (je, *args))


def test_gradients_with_ties():
    # amax/amin and the inf norms share the gradient evenly among tied extremes; median gives it to the
    # element whose index torch's nanmedian returns
    x = np.array([[1.0, 2, 2, 0, 2], [3, 3, 1, 1, 5]], np.float32)
    m = np.array([[1, 1, 1, 0, 1], [1, 1, 1, 1, 0]], bool)
    for name, args in (("amax", (1,)), ("amin", (1,)), ("median", (1,)), ("norm", (float("inf"), 1)),
                       ("norm", (-float("inf"), 1))):
        _run(name, x, args, mask=m)
