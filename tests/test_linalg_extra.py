"""LU / Cholesky / triangular / Householder factorizations and solvers against real torch: values, LAPACK
pivot and info conventions, named tuples, batching, gradients and torch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import assert_close, helper_test_op

warnings.filterwarnings("ignore", message=".*deprecated.*")  # torch.lu / lu_solve / triangular_solve warn

RNG = np.random.default_rng(0)


def _mat(*shape, dtype=np.float64, shift=0.0):
    a = RNG.uniform(-1, 1, size=shape).astype(dtype)
    if shift:
        a = a + shift * np.eye(shape[-1], dtype=dtype)
    return a


def _spd(*shape, dtype=np.float64):
    a = _mat(*shape, dtype=dtype)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def _both(fn, *arrays):
    """fn(lib, *tensors) in torch and jaxtorch on the same arrays."""
    return (fn(torch, *[torch.tensor(a) for a in arrays]), fn(jaxtorch, *[jaxtorch.tensor(a) for a in arrays]))


# ---------------------------------------------------------------------------------------------- LU


@pytest.mark.parametrize("shape", [(3, 3), (3, 4), (4, 3), (2, 3, 3)])
def test_lu_factor_and_unpack(shape):
    a = _mat(*shape)
    t, j = _both(lambda lib, x: lib.linalg.lu_factor(x), a)
    assert type(j).__name__ == type(t).__name__ == "linalg_lu_factor" and j._fields == ("LU", "pivots")
    assert_close(tuple(t), tuple(j), 1e-12, 1e-12)  # pivots: int32, 1-based, exactly torch's
    t, j = _both(lambda lib, x: lib.linalg.lu_factor_ex(x), a)
    assert type(j).__name__ == "linalg_lu_factor_ex" and j._fields == ("LU", "pivots", "info")
    assert_close(tuple(t), tuple(j), 1e-12, 1e-12)
    t, j = _both(lambda lib, x: lib.lu_unpack(*lib.linalg.lu_factor(x)), a)
    assert type(j).__name__ == "lu_unpack"
    assert_close(tuple(t), tuple(j), 1e-12, 1e-12)
    for kw in ({"unpack_data": False}, {"unpack_pivots": False}):
        t, j = _both(lambda lib, x: lib.lu_unpack(*lib.linalg.lu_factor(x), **kw), a)
        assert_close(tuple(t), tuple(j), 1e-12, 1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (3, 4), (4, 3), (2, 3, 3)])
def test_linalg_lu_values_and_grad(shape):
    t, j = helper_test_op([], lambda x: tuple(torch.linalg.lu(x)), lambda x: tuple(jaxtorch.linalg.lu(x)),
                          inputs=[_mat(*shape)], rtol=1e-10, atol=1e-12)
    assert not j[0].requires_grad  # P is a constant of the pivots, as in torch
    helper_test_op([], lambda x: tuple(torch.linalg.lu_factor(x))[0],
                   lambda x: tuple(jaxtorch.linalg.lu_factor(x))[0], inputs=[_mat(*shape)], rtol=1e-10, atol=1e-12)


def test_torch_lu_forms():
    a = _mat(2, 3, 3)
    t, j = _both(lambda lib, x: lib.lu(x), a)
    assert type(j) is tuple
    assert_close(t, j, 1e-12, 1e-12)
    t, j = _both(lambda lib, x: x.lu(get_infos=True), a)
    assert type(j).__name__ == "_lu_with_info"
    assert_close(tuple(t), tuple(j), 1e-12, 1e-12)
    # singular: torch.lu reports through info and does not raise
    t, j = _both(lambda lib, x: lib.lu(x, get_infos=True), np.zeros((3, 3)))
    assert_close(tuple(t), tuple(j))
    t, j = _both(lambda lib, x: lib.linalg.lu_factor_ex(x), np.array([[1.0, 2.0], [2.0, 4.0]]))
    assert_close(tuple(t), tuple(j), 1e-12, 1e-12)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve(left, adjoint):
    a, b = _mat(2, 3, 3, shift=2), _mat(4, 1, 3, 2) if left else _mat(4, 1, 2, 3)

    def fn(lib):
        return lambda x, y: lib.linalg.lu_solve(*lib.linalg.lu_factor(x), y, left=left, adjoint=adjoint)

    helper_test_op([], fn(torch), fn(jaxtorch), inputs=[a, b], rtol=1e-10, atol=1e-12)
    # float32, with the packed LU itself as the differentiated input
    lu, piv = torch.linalg.lu_factor(torch.tensor(a[0], dtype=torch.float32))
    helper_test_op([], lambda x, y: torch.linalg.lu_solve(x, piv, y, left=left, adjoint=adjoint),
                   lambda x, y: jaxtorch.linalg.lu_solve(x, jaxtorch.tensor(piv.numpy()), y, left=left,
                                                         adjoint=adjoint),
                   inputs=[lu.numpy(), b[0, 0].astype(np.float32)], rtol=1e-5, atol=1e-5)


def test_torch_lu_solve():
    a, b = _mat(3, 3, shift=2), _mat(3, 2)
    t, j = _both(lambda lib, x, y: lib.lu_solve(y, *lib.linalg.lu_factor(x)), a, b)
    assert_close(t, j, 1e-12, 1e-12)
    t, j = _both(lambda lib, x, y: y.lu_solve(*lib.linalg.lu_factor(x)), a, b)
    assert_close(t, j, 1e-12, 1e-12)


# ---------------------------------------------------------------------------------------------- _ex forms


@pytest.mark.parametrize("left", [True, False])
def test_solve_ex(left):
    a, b = _mat(2, 3, 3, shift=2), _mat(3, 2) if left else _mat(4, 3)
    helper_test_op([], lambda x, y: tuple(torch.linalg.solve_ex(x, y, left=left)),
                   lambda x, y: tuple(jaxtorch.linalg.solve_ex(x, y, left=left)), inputs=[a, b],
                   rtol=1e-10, atol=1e-12)
    t, j = _both(lambda lib, x, y: lib.linalg.solve_ex(x, y, left=left), a, b)
    assert type(j).__name__ == type(t).__name__ == "linalg_solve_ex" and j._fields == ("result", "info")
    # the vector right-hand sides (1-D, or exactly A's shape minus its last dimension; torch rejects
    # them for left=False, see _ERRORS)
    for bv in (_mat(3), _mat(2, 3)) if left else ():
        helper_test_op([], torch.linalg.solve, jaxtorch.linalg.solve, inputs=[a, bv], rtol=1e-10, atol=1e-12)


def test_singular_info():
    sing = np.stack([np.eye(3), np.zeros((3, 3)), np.diag([1.0, 0.0, 1.0])])
    t, j = _both(lambda lib, x: lib.linalg.solve_ex(x, lib.ones(3, 3, 1, dtype=x.dtype)), sing)
    assert_close(t.info, j.info)
    assert_close(t.result[0], j.result[0])
    t, j = _both(lambda lib, x: lib.linalg.inv_ex(x), sing)
    assert type(j).__name__ == "linalg_inv_ex"
    assert_close(t.info, j.info)
    assert_close(t.inverse[0], j.inverse[0])
    npd = np.stack([np.eye(3), np.diag([1.0, -1.0, 1.0]), -np.eye(3), np.array([[1, 2, 0], [2, 1, 0], [0, 0, 1.0]])])
    t, j = _both(lambda lib, x: lib.linalg.cholesky_ex(x), npd)
    assert type(j).__name__ == "linalg_cholesky_ex"
    assert_close(t.info, j.info)  # [0, 2, 1, 2]: the order of the first bad leading minor
    assert_close(t.L[0], j.L[0])


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_and_inv_ex_values_grad(upper):
    a = _spd(2, 3, 3)
    helper_test_op([], lambda x: tuple(torch.linalg.cholesky_ex(x, upper=upper)),
                   lambda x: tuple(jaxtorch.linalg.cholesky_ex(x, upper=upper)), inputs=[a], rtol=1e-10, atol=1e-12)
    helper_test_op([], lambda x: tuple(torch.linalg.inv_ex(x)), lambda x: tuple(jaxtorch.linalg.inv_ex(x)),
                   inputs=[_mat(2, 3, 3, shift=2)], rtol=1e-10, atol=1e-12)
    # only the lower triangle is read
    helper_test_op([], lambda x: torch.linalg.cholesky(x, upper=upper),
                   lambda x: jaxtorch.linalg.cholesky(x, upper=upper), inputs=[np.tril(a) + np.triu(_mat(3, 3), 1)],
                   rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------------- Cholesky / triangular


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    fac = np.linalg.cholesky(_spd(2, 3, 3))
    fac = np.swapaxes(fac, -1, -2) if upper else fac
    helper_test_op([], lambda b, f: torch.cholesky_solve(b, f, upper=upper),
                   lambda b, f: jaxtorch.cholesky_solve(b, f, upper=upper), inputs=[_mat(4, 1, 3, 2), fac],
                   rtol=1e-10, atol=1e-12)
    helper_test_op([], lambda f: torch.cholesky_inverse(f, upper=upper),
                   lambda f: jaxtorch.cholesky_inverse(f, upper=upper), inputs=[fac], rtol=1e-10, atol=1e-12)
    helper_test_op([], lambda b, f: b.cholesky_solve(f, upper), lambda b, f: b.cholesky_solve(f, upper),
                   inputs=[_mat(3, 2).astype(np.float32), fac[0].astype(np.float32)], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("upper,transpose,unit", [(True, False, False), (False, True, True), (False, False, True),
                                                  (True, True, False)])
def test_triangular_solve(upper, transpose, unit):
    a = _mat(3, 3, shift=2)
    helper_test_op([], lambda b, x: tuple(torch.triangular_solve(b, x, upper, transpose, unit)),
                   lambda b, x: tuple(jaxtorch.triangular_solve(b, x, upper, transpose, unit)),
                   inputs=[_mat(2, 3, 2), a], rtol=1e-10, atol=1e-12)
    j = jaxtorch.triangular_solve(jaxtorch.tensor(_mat(2, 3, 2)), jaxtorch.tensor(a), upper, transpose, unit)
    assert type(j).__name__ == "triangular_solve" and j._fields == ("solution", "cloned_coefficient")
    assert tuple(j.cloned_coefficient.shape) == (2, 3, 3)  # the broadcast A


# ---------------------------------------------------------------------------------------------- vander, tensor ops


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.bool_])
def test_vander_dtypes(dtype):
    x = np.array([0, 1, 2, 3]).astype(dtype)
    for kw in ({}, {"N": 5}, {"N": 2, "increasing": True}, {"N": 0}):
        t, j = _both(lambda lib, v: lib.vander(v, **kw), x)
        assert_close(t, j)
    if dtype != np.bool_:
        t, j = _both(lambda lib, v: lib.linalg.vander(v.reshape(2, 2), N=3), x)
        assert_close(t, j)


def test_vander_grad_at_zero():
    x = np.array([0.0, -1.5, 2.0])
    # torch.vander's own backward trips torch's in-place check: its reference is linalg.vander, flipped
    helper_test_op([], lambda v: torch.linalg.vander(v, N=4).flip(-1), lambda v: jaxtorch.vander(v, 4), inputs=[x],
                   rtol=1e-12)
    helper_test_op([], lambda v: torch.linalg.vander(v, N=4), lambda v: jaxtorch.linalg.vander(v, N=4), inputs=[x],
                   rtol=1e-12)


def test_tensorinv_tensorsolve():
    a = _mat(6, 6, shift=3).reshape(2, 3, 6)
    helper_test_op([], lambda x: torch.linalg.tensorinv(x, ind=2), lambda x: jaxtorch.linalg.tensorinv(x, ind=2),
                   inputs=[a], rtol=1e-10, atol=1e-12)
    helper_test_op([], lambda x: torch.linalg.tensorinv(x, 1), lambda x: jaxtorch.linalg.tensorinv(x, 1),
                   inputs=[a.reshape(6, 2, 3)], rtol=1e-10, atol=1e-12)
    helper_test_op([], torch.linalg.tensorsolve, jaxtorch.linalg.tensorsolve, inputs=[a, _mat(2, 3)],
                   rtol=1e-10, atol=1e-12)
    helper_test_op([], lambda x, y: torch.linalg.tensorsolve(x, y, dims=(0,)),
                   lambda x, y: jaxtorch.linalg.tensorsolve(x, y, dims=(0,)),
                   inputs=[a.reshape(2, 3, 2, 3), _mat(3, 2)], rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------------- Householder


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4)])
def test_geqrf_householder_product(shape):
    t, j = _both(lambda lib, x: lib.geqrf(x), _mat(*shape))
    assert type(j).__name__ == "geqrf" and j._fields == ("a", "tau")
    assert_close(tuple(t), tuple(j), 1e-10, 1e-12)
    a, tau = t.a.numpy(), t.tau.numpy()
    if shape[-2] >= shape[-1]:
        helper_test_op([], torch.linalg.householder_product, jaxtorch.linalg.householder_product, inputs=[a, tau],
                       rtol=1e-10, atol=1e-12)
        helper_test_op([], lambda x, y: x.orgqr(y), lambda x, y: x.orgqr(y), inputs=[a, tau[..., :2]],
                       rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [True, False])
def test_ormqr(left, transpose):
    g = torch.geqrf(torch.tensor(_mat(2, 4, 3)))
    c = _mat(2, 4, 2) if left else _mat(2, 2, 4)
    helper_test_op([], lambda a, tau, x: torch.ormqr(a, tau, x, left, transpose),
                   lambda a, tau, x: jaxtorch.ormqr(a, tau, x, left, transpose),
                   inputs=[g.a.numpy(), g.tau.numpy(), c], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ldl_factor_and_solve(dtype):
    # symmetric indefinite matrices; a zero/small diagonal forces Bunch-Kaufman's 2x2 pivots and interchanges
    a = _mat(3, 5, 5)
    a = a + np.swapaxes(a, -1, -2)
    a[0] *= 1 - np.eye(5)
    a[1, np.arange(5), np.arange(5)] *= 0.01
    a = np.concatenate([a, np.array([[[0, 1, 2, 0, 0], [1, 0, 0, 3, 0], [2, 0, 0, 0, 1], [0, 3, 0, 0, 2],
                                      [0, 0, 1, 2, 0.0]]])]).astype(dtype)
    t, j = _both(lambda lib, x: lib.linalg.ldl_factor_ex(x), a)
    assert type(j).__name__ == type(t).__name__ == "linalg_ldl_factor_ex" and j._fields == ("LD", "pivots", "info")
    tol = (1e-5, 1e-5) if dtype == np.float32 else (1e-10, 1e-12)
    assert_close(tuple(t), tuple(j), *tol)  # pivots (negative pairs = 2x2 blocks) exactly LAPACK's
    assert (t.pivots < 0).any()
    t2, j2 = _both(lambda lib, x: lib.linalg.ldl_factor(x, hermitian=True), a)
    assert type(j2).__name__ == "linalg_ldl_factor"
    assert_close(tuple(t2), tuple(j2), *tol)
    b = _mat(4, 5, 3).astype(dtype)  # (torch crashes when LD and B batches broadcast against each other)
    ts = torch.linalg.ldl_solve(t.LD, t.pivots, torch.tensor(b))
    js = jaxtorch.linalg.ldl_solve(j.LD, j.pivots, jaxtorch.tensor(b))
    assert_close(ts, js, *(1e-4, 1e-5) if dtype == np.float32 else tol)  # float32: solves amplify rounding
    t, j = _both(lambda lib, x: lib.linalg.ldl_factor_ex(x), np.zeros((0, 2, 2), dtype))
    assert_close(tuple(t), tuple(j))


def test_lowrank_invariants():
    # random projections differ from torch's generator; with q = rank the result is the exact SVD, so
    # U V^H and S are determined
    a = _mat(5, 2) @ _mat(2, 4)
    for fn in (lambda lib, x: lib.svd_lowrank(x, q=2), lambda lib, x: lib.pca_lowrank(x, q=2, center=False)):
        t, j = _both(fn, a)
        assert_close((t[0] @ t[2].mH, t[1]), (j[0] @ j[2].mH, j[1]), 1e-10, 1e-10)


# ---------------------------------------------------------------------------------------------- errors


_I3, _Z3, _B32 = np.eye(3), np.zeros((3, 3)), np.ones((3, 2))
_ERRORS = [
    ("lu_factor singular", lambda lib: lib.linalg.lu_factor(lib.tensor(_Z3))),
    ("lu_factor batch singular", lambda lib: lib.linalg.lu_factor(lib.tensor(np.stack([_I3, _Z3])))),
    ("lu_factor_ex check", lambda lib: lib.linalg.lu_factor_ex(lib.tensor(_Z3), check_errors=True)),
    ("lu_factor no pivot", lambda lib: lib.linalg.lu_factor(lib.tensor(_I3), pivot=False)),
    ("lu no pivot", lambda lib: lib.linalg.lu(lib.tensor(_I3), pivot=False)),
    ("lu_factor 1d", lambda lib: lib.linalg.lu_factor(lib.ones(3))),
    ("lu 1d", lambda lib: lib.linalg.lu(lib.ones(3))),
    ("lu_factor int", lambda lib: lib.linalg.lu_factor(lib.ones(3, 3, dtype=lib.int64))),
    ("lu_solve B 1d", lambda lib: lib.linalg.lu_solve(*lib.linalg.lu_factor(lib.tensor(_I3)), lib.ones(3))),
    ("lu_solve shapes", lambda lib: lib.linalg.lu_solve(*lib.linalg.lu_factor(lib.tensor(_I3)), lib.ones(4, 2,
                                                                                                             dtype=lib.float64))),
    ("lu_solve right shapes", lambda lib: lib.linalg.lu_solve(*lib.linalg.lu_factor(lib.tensor(_I3)),
                                                              lib.ones(3, 2, dtype=lib.float64), left=False)),
    ("lu_solve pivots dtype", lambda lib: lib.linalg.lu_solve(lib.tensor(_I3), lib.ones(3, dtype=lib.int64),
                                                              lib.tensor(_B32))),
    ("lu_solve pivots len", lambda lib: lib.linalg.lu_solve(lib.tensor(_I3), lib.ones(2, dtype=lib.int32),
                                                            lib.tensor(_B32))),
    ("lu_solve pivots batch", lambda lib: lib.linalg.lu_solve(lib.tensor(np.stack([_I3, _I3])),
                                                              lib.ones(3, 3, dtype=lib.int32), lib.tensor(_B32))),
    ("lu_solve dtype", lambda lib: lib.linalg.lu_solve(lib.tensor(_I3), lib.ones(3, dtype=lib.int32),
                                                       lib.ones(3, 2))),
    ("lu_solve nonsquare", lambda lib: lib.linalg.lu_solve(lib.ones(3, 4), lib.ones(3, dtype=lib.int32),
                                                           lib.ones(3, 2))),
    ("lu_unpack pivots dtype", lambda lib: lib.lu_unpack(lib.tensor(_I3), lib.ones(3, dtype=lib.int64))),
    ("lu_unpack pivots range", lambda lib: lib.lu_unpack(lib.tensor(_I3), lib.tensor([5, 1, 1], dtype=lib.int32))),
    ("lu_unpack 1d", lambda lib: lib.lu_unpack(lib.ones(3), lib.ones(3, dtype=lib.int32))),
    ("solve singular", lambda lib: lib.linalg.solve(lib.tensor(_Z3), lib.tensor(_B32))),
    ("solve batch singular", lambda lib: lib.linalg.solve(lib.tensor(np.stack([_I3, _Z3])), lib.ones(2, 3,
                                                                                                      dtype=lib.float64))),
    ("solve_ex check", lambda lib: lib.linalg.solve_ex(lib.tensor(_Z3), lib.tensor(_B32), check_errors=True)),
    ("solve shapes", lambda lib: lib.linalg.solve(lib.tensor(_I3), lib.ones(4, dtype=lib.float64))),
    ("solve right shapes", lambda lib: lib.linalg.solve(lib.tensor(_I3), lib.tensor(_B32), left=False)),
    ("solve right vector", lambda lib: lib.linalg.solve(lib.tensor(_I3), lib.ones(3, dtype=lib.float64), left=False)),
    ("solve nonsquare", lambda lib: lib.linalg.solve(lib.ones(2, 3), lib.ones(2))),
    ("solve dtype", lambda lib: lib.linalg.solve(lib.tensor(_I3), lib.ones(3, 2))),
    ("solve int B", lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(3, dtype=lib.int64))),
    ("solve int", lambda lib: lib.linalg.solve_ex(lib.ones(3, 3, dtype=lib.int64), lib.ones(3, dtype=lib.int64))),
    ("inv singular", lambda lib: lib.linalg.inv(lib.tensor(np.diag([1.0, 0.0])))),
    ("inv batch singular", lambda lib: lib.linalg.inv(lib.zeros(2, 3, 3))),
    ("inv_ex check", lambda lib: lib.linalg.inv_ex(lib.tensor(_Z3), check_errors=True)),
    ("inv_ex 1d", lambda lib: lib.linalg.inv_ex(lib.ones(3))),
    ("inv nonsquare", lambda lib: lib.linalg.inv(lib.ones(2, 3))),
    ("cholesky not pd", lambda lib: lib.linalg.cholesky(lib.tensor(np.diag([1.0, -1.0, 1.0])))),
    ("cholesky batch not pd", lambda lib: lib.linalg.cholesky(lib.tensor(np.stack([_I3, -_I3])))),
    ("cholesky_ex check", lambda lib: lib.linalg.cholesky_ex(lib.zeros(2, 3, 3), check_errors=True)),
    ("cholesky nonsquare", lambda lib: lib.linalg.cholesky_ex(lib.ones(2, 3))),
    ("cholesky int", lambda lib: lib.linalg.cholesky(lib.ones(3, 3, dtype=lib.int64))),
    ("cholesky_solve b 1d", lambda lib: lib.cholesky_solve(lib.ones(3), lib.tensor(_I3))),
    ("cholesky_solve shapes", lambda lib: lib.cholesky_solve(lib.ones(4, 2, dtype=lib.float64), lib.tensor(_I3))),
    ("cholesky_solve nonsquare", lambda lib: lib.cholesky_solve(lib.ones(3, 2), lib.ones(3, 4))),
    ("cholesky_solve dtype", lambda lib: lib.cholesky_solve(lib.ones(3, 2), lib.tensor(_I3))),
    ("cholesky_inverse singular", lambda lib: lib.cholesky_inverse(lib.tensor(np.stack([_I3, _Z3])))),
    ("cholesky_inverse 1d", lambda lib: lib.cholesky_inverse(lib.ones(3))),
    ("cholesky_inverse nonsquare", lambda lib: lib.cholesky_inverse(lib.ones(3, 4))),
    ("triangular_solve b 1d", lambda lib: lib.triangular_solve(lib.ones(3), lib.ones(3, 3))),
    ("triangular_solve shapes", lambda lib: lib.triangular_solve(lib.ones(4, 2), lib.ones(3, 3))),
    ("triangular_solve nonsquare", lambda lib: lib.triangular_solve(lib.ones(3, 2), lib.ones(3, 4))),
    ("vander 2d", lambda lib: lib.vander(lib.ones(2, 2))),
    ("vander negative N", lambda lib: lib.vander(lib.ones(3), N=-1)),
    ("linalg.vander bool", lambda lib: lib.linalg.vander(lib.ones(3, dtype=lib.bool))),
    ("linalg.vander N", lambda lib: lib.linalg.vander(lib.ones(3), N=1)),
    ("tensorinv ind", lambda lib: lib.linalg.tensorinv(lib.ones(4, 6, 8, 3), ind=0)),
    ("tensorinv shape", lambda lib: lib.linalg.tensorinv(lib.ones(4, 6, 8, 2), ind=2)),
    ("tensorinv singular", lambda lib: lib.linalg.tensorinv(lib.zeros(2, 2, 4), ind=2)),
    ("tensorsolve shape", lambda lib: lib.linalg.tensorsolve(lib.ones(2, 3, 6), lib.ones(2, 4))),
    ("householder 1d", lambda lib: lib.linalg.householder_product(lib.ones(4), lib.ones(1))),
    ("householder wide", lambda lib: lib.linalg.householder_product(lib.ones(3, 4), lib.ones(2))),
    ("householder tau long", lambda lib: lib.linalg.householder_product(lib.ones(4, 3), lib.ones(4))),
    ("householder tau ndim", lambda lib: lib.linalg.householder_product(lib.ones(4, 3), lib.ones(3, 2))),
    ("householder tau batch", lambda lib: lib.linalg.householder_product(lib.ones(2, 4, 3), lib.ones(3, 2))),
    ("householder dtype", lambda lib: lib.linalg.householder_product(lib.ones(4, 3), lib.ones(2, dtype=lib.float64))),
    ("householder int", lambda lib: lib.linalg.householder_product(lib.ones(4, 3, dtype=lib.int64),
                                                                   lib.ones(2, dtype=lib.int64))),
    ("geqrf 1d", lambda lib: lib.geqrf(lib.ones(3))),
    ("geqrf int", lambda lib: lib.geqrf(lib.ones(3, 3, dtype=lib.int64))),
    ("ormqr other rows", lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(3), lib.ones(5, 2))),
    ("ormqr other cols", lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(3), lib.ones(2, 5), left=False)),
    ("ormqr tau", lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(4), lib.ones(4, 2))),
    ("ormqr 1d", lambda lib: lib.ormqr(lib.ones(3), lib.ones(3), lib.ones(4, 2))),
    ("ormqr other 1d", lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(3), lib.ones(4))),
    ("ormqr tau dtype", lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(3, dtype=lib.float64), lib.ones(4, 2))),
    ("ormqr other ndim", lambda lib: lib.ormqr(lib.ones(2, 4, 3), lib.ones(2, 3), lib.ones(4, 2))),
    ("ldl_factor singular", lambda lib: lib.linalg.ldl_factor(lib.zeros(3, 3))),
    ("ldl_factor 1d", lambda lib: lib.linalg.ldl_factor(lib.ones(3))),
    ("ldl_factor nonsquare", lambda lib: lib.linalg.ldl_factor_ex(lib.ones(2, 3))),
    ("ldl_factor int", lambda lib: lib.linalg.ldl_factor(lib.ones(3, 3, dtype=lib.int64))),
    ("ldl_solve b 1d", lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(3))),
    ("ldl_solve shapes", lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(4, 2))),
    ("ldl_solve pivots", lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(2, dtype=lib.int32), lib.ones(3, 2))),
    ("ldl_solve dtype", lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(3, dtype=lib.int32),
                                                         lib.ones(3, 2, dtype=lib.float64))),
    ("pca_lowrank q", lambda lib: lib.pca_lowrank(lib.ones(3, 4), q=5)),
]


@pytest.mark.parametrize("name,fn", _ERRORS, ids=[e[0] for e in _ERRORS])
def test_errors_match_torch(name, fn):
    with pytest.raises(Exception) as t_err:
        fn(torch)
    with pytest.raises(Exception) as j_err:
        fn(jaxtorch)
    assert type(j_err.value).__name__ == type(t_err.value).__name__, (t_err.value, j_err.value)
    assert isinstance(j_err.value, RuntimeError) == isinstance(t_err.value, RuntimeError)
    t_msg = str(t_err.value).split("\n")[0]
    if "INTERNAL ASSERT FAILED" in t_msg:  # torch's ldl_factor reports a singular D through an internal assert
        assert t_msg.endswith(" " + str(j_err.value))
    else:
        assert str(j_err.value) == t_msg


def test_linalg_error_class():
    assert issubclass(jaxtorch.linalg.LinAlgError, RuntimeError)
    with pytest.raises(jaxtorch.linalg.LinAlgError):
        jaxtorch.linalg.inv(jaxtorch.zeros(2, 2))


def test_out_and_no_error_under_ex():
    # the _ex forms never raise for numerical failures unless asked to
    j = jaxtorch.linalg.cholesky_ex(jaxtorch.tensor(-np.eye(2)))
    assert int(j.info) == 1
    j = jaxtorch.linalg.solve_ex(jaxtorch.zeros(2, 2), jaxtorch.ones(2))
    assert int(j.info) == 1
    lu_out, piv_out = jaxtorch.empty(0, dtype=jaxtorch.float64), jaxtorch.empty(0, dtype=jaxtorch.int32)
    a = _mat(3, 3)
    jaxtorch.linalg.lu_factor(jaxtorch.tensor(a), out=(lu_out, piv_out))
    t = torch.linalg.lu_factor(torch.tensor(a))
    assert_close(tuple(t), (lu_out, piv_out), 1e-12, 1e-12)


def test_logdet_function_and_method():
    # nan for a negative determinant, -inf for a singular matrix; the gradient where det > 0
    a = np.array([[[2.0, 1.0], [1.0, 3.0]], [[0.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]], np.float32)
    helper_test_op(None, torch.logdet, jaxtorch.logdet, inputs=[a], grad=False)
    helper_test_op(None, lambda x: x.logdet(), lambda x: x.logdet(), inputs=[a[:1]])
