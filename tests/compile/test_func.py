"""jaxtorch.func against torch.func on the same functions and inputs."""

import numpy as np
import pytest
import torch

import jaxtorch
import jaxtorch.func as jfunc
from helpers import assert_close

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3,)).astype(np.float32)
Y = RNG.standard_normal((3,)).astype(np.float32)
M = RNG.standard_normal((4, 3)).astype(np.float32)


def f1(a):
    return (a.sin() * a).sum()


def f2(a, b):
    return (a * b.exp()).sum() + (a ** 2).sum()


def fvec(a):
    return a.tanh() * 2 + a


def both(arr):
    return torch.tensor(arr), jaxtorch.tensor(arr)


def test_grad():
    t, j = both(X)
    assert_close(torch.func.grad(f1)(t), jfunc.grad(f1)(j))


def test_grad_argnums_tuple():
    (ta, ja), (tb, jb) = both(X), both(Y)
    assert_close(torch.func.grad(f2, argnums=(0, 1))(ta, tb), jfunc.grad(f2, argnums=(0, 1))(ja, jb))


def test_grad_and_value_has_aux():
    t, j = both(X)

    def g(a):
        return f1(a), a * 2

    (tg, (tv, ta)), (jg, (jv, ja)) = torch.func.grad_and_value(g, has_aux=True)(t), \
        jfunc.grad_and_value(g, has_aux=True)(j)
    assert_close(tg, jg)
    assert_close(tv, jv)
    assert_close(ta, ja)


def test_vjp_and_jvp():
    t, j = both(X)
    to, tfn = torch.func.vjp(fvec, t)
    jo, jfn = jfunc.vjp(fvec, j)
    ct = Y
    assert_close(to, jo)
    assert_close(tfn(torch.tensor(ct)), jfn(jaxtorch.tensor(ct)))
    assert_close(torch.func.jvp(fvec, (t,), (torch.tensor(ct),)), jfunc.jvp(fvec, (j,), (jaxtorch.tensor(ct),)))


@pytest.mark.parametrize("which", ["jacrev", "jacfwd"])
def test_jacobians(which):
    t, j = both(X)
    assert_close(getattr(torch.func, which)(fvec)(t), getattr(jfunc, which)(fvec)(j))


def test_hessian():
    t, j = both(X)
    assert_close(torch.func.hessian(f1)(t), jfunc.hessian(f1)(j), rtol=1e-5, atol=1e-5)


def test_vmap_in_dims_out_dims():
    tm, jm = both(M)
    tv, jv = both(X)

    def mv(m, v):
        return (m * v).sum()

    assert_close(torch.func.vmap(mv, in_dims=(0, None))(tm, tv), jfunc.vmap(mv, in_dims=(0, None))(jm, jv))
    assert_close(torch.func.vmap(lambda r: r * 2, in_dims=1, out_dims=1)(tm),
                 jfunc.vmap(lambda r: r * 2, in_dims=1, out_dims=1)(jm))


def test_grad_rejects_non_scalar():
    t, j = both(X)
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor"):
        torch.func.grad(fvec)(t)
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor"):
        jfunc.grad(fvec)(j)


def test_top_level_vmap_is_func_vmap():
    tm, jm = both(M)
    import jaxtorch

    assert_close(torch.vmap(lambda r: r.sum() * 3)(tm), jaxtorch.vmap(lambda r: r.sum() * 3)(jm))
