"""nn.init distributions vs torch's (statistics over large tensors), errors, seeding; nn.utils clipping,
parameter/vector conversion, weight_norm and spectral_norm vs torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import jaxtorch
from _module_oracle import copy_state, to_jt
from _same import same_error
from helpers import assert_close

SHAPE = (256, 128, 3)


def _both(fn, shape=SHAPE):
    torch.manual_seed(0)
    jaxtorch.manual_seed(0)
    t = torch.empty(*shape)
    j = jaxtorch.empty(*shape)
    fn(torch.nn.init, t)
    r = fn(jaxtorch.nn.init, j)
    assert r is j
    return t.numpy(), j.numpy()


INITS = [
    ("uniform", lambda I, x: I.uniform_(x, -0.3, 0.7)),
    ("normal", lambda I, x: I.normal_(x, 0.5, 2.0)),
    ("trunc_normal", lambda I, x: I.trunc_normal_(x, 0.1, 0.5, -0.4, 0.9)),
    ("xavier_uniform", lambda I, x: I.xavier_uniform_(x, gain=2.0)),
    ("xavier_normal", lambda I, x: I.xavier_normal_(x)),
    ("kaiming_uniform", lambda I, x: I.kaiming_uniform_(x, a=math.sqrt(5))),
    ("kaiming_uniform-fan_out-relu", lambda I, x: I.kaiming_uniform_(x, mode="fan_out", nonlinearity="relu")),
    ("kaiming_normal", lambda I, x: I.kaiming_normal_(x, a=0.2)),
    ("orthogonal", lambda I, x: I.orthogonal_(x, gain=1.5)),
]


@pytest.mark.parametrize("fn", [i[1] for i in INITS], ids=[i[0] for i in INITS])
def test_init_statistics(fn):
    t, j = _both(fn)
    assert t.dtype == j.dtype and t.shape == j.shape
    np.testing.assert_allclose(j.mean(), t.mean(), atol=0.01 * t.std() + 1e-4)
    np.testing.assert_allclose(j.std(), t.std(), rtol=0.02)
    np.testing.assert_allclose(j.min(), t.min(), rtol=0.1, atol=0.05 * t.std())
    np.testing.assert_allclose(j.max(), t.max(), rtol=0.1, atol=0.05 * t.std())


def test_orthogonal_is_orthogonal():
    for shape in ((20, 50), (50, 20)):
        j = jaxtorch.empty(*shape)
        jaxtorch.nn.init.orthogonal_(j)
        a = j.numpy().astype(np.float64)
        g = a @ a.T if shape[0] < shape[1] else a.T @ a
        np.testing.assert_allclose(g, np.eye(min(shape)), atol=1e-5)


def test_deterministic_inits():
    for fn in (lambda I, x: I.constant_(x, 0.3), lambda I, x: I.ones_(x), lambda I, x: I.zeros_(x),
               lambda I, x: I.eye_(x)):
        t, j = _both(fn, (4, 6))
        np.testing.assert_array_equal(j, t)
    for groups, shape in ((1, (4, 3, 3)), (2, (6, 2, 3, 3)), (1, (2, 4, 3, 3, 3))):
        t, j = _both(lambda I, x, g=groups: I.dirac_(x, g), shape)
        np.testing.assert_array_equal(j, t)


def test_sparse_init():
    t, j = _both(lambda I, x: I.sparse_(x, 0.3, 0.5), (100, 40))
    assert ((j == 0).sum(0) == (t == 0).sum(0)).all()
    np.testing.assert_allclose(j[j != 0].std(), t[t != 0].std(), rtol=0.1)


def test_init_is_no_grad_and_seeded():
    p = jaxtorch.nn.Parameter(jaxtorch.empty(3, 4))
    jaxtorch.nn.init.kaiming_uniform_(p)
    assert p.grad_fn is None and p.requires_grad
    g1, g2 = jaxtorch.Generator().manual_seed(7), jaxtorch.Generator().manual_seed(7)
    a = jaxtorch.nn.init.normal_(jaxtorch.empty(5), generator=g1).numpy()
    b = jaxtorch.nn.init.normal_(jaxtorch.empty(5), generator=g2).numpy()
    np.testing.assert_array_equal(a, b)


def test_calculate_gain_and_fans():
    for args in (("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", 0.2),
                 ("selu",)):
        assert torch.nn.init.calculate_gain(*args) == jaxtorch.nn.init.calculate_gain(*args)
    for shape in ((3, 4), (5, 2, 3, 3)):
        assert (torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
                == jaxtorch.nn.init._calculate_fan_in_and_fan_out(jaxtorch.empty(*shape)))


def test_init_errors():
    same_error(lambda T: T.nn.init.calculate_gain("foo"))
    same_error(lambda T: T.nn.init.calculate_gain("leaky_relu", "x"))
    same_error(lambda T: T.nn.init.kaiming_uniform_(T.empty(3, 3), mode="x"))
    same_error(lambda T: T.nn.init.xavier_uniform_(T.empty(3)))
    same_error(lambda T: T.nn.init.eye_(T.empty(3, 3, 3)))
    same_error(lambda T: T.nn.init.dirac_(T.empty(3, 3)))
    same_error(lambda T: T.nn.init.dirac_(T.empty(3, 3, 3), groups=2))
    same_error(lambda T: T.nn.init.orthogonal_(T.empty(3)))
    same_error(lambda T: T.nn.init.sparse_(T.empty(3, 3, 3), 0.1))


def _params_with_grads(T, scale=1.0):
    rng = np.random.default_rng(0)
    ps = []
    for shape in ((3, 4), (5,), (2, 2, 2)):
        p = T.nn.Parameter(T.tensor(rng.normal(size=shape).astype(np.float32)))
        p.grad = T.tensor((rng.normal(size=shape) * scale).astype(np.float32))
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    tp, jp = _params_with_grads(torch), _params_with_grads(jaxtorch)
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type)
    jn = jaxtorch.nn.utils.clip_grad_norm_(jp, max_norm, norm_type, foreach=True)
    assert_close(tn, jn)
    for a, b in zip(tp, jp):
        assert_close(a.grad, b.grad)


def test_clip_grad_value_total_norm_and_nonfinite():
    tp, jp = _params_with_grads(torch, 3.0), _params_with_grads(jaxtorch, 3.0)
    torch.nn.utils.clip_grad_value_(tp, 1.5)
    jaxtorch.nn.utils.clip_grad_value_(jp, 1.5)
    for a, b in zip(tp, jp):
        assert_close(a.grad, b.grad)
    assert_close(torch.nn.utils.get_total_norm([p.grad for p in tp]),
                 jaxtorch.nn.utils.get_total_norm([p.grad for p in jp]))
    tn = torch.nn.utils.get_total_norm([p.grad for p in tp])
    jn = jaxtorch.nn.utils.get_total_norm([p.grad for p in jp])
    torch.nn.utils.clip_grads_with_norm_(tp, 1.0, tn)
    jaxtorch.nn.utils.clip_grads_with_norm_(jp, 1.0, jn)
    for a, b in zip(tp, jp):
        assert_close(a.grad, b.grad)
    assert_close(torch.nn.utils.clip_grad_norm_([], 1.0), jaxtorch.nn.utils.clip_grad_norm_([], 1.0))

    def nonfinite(T):
        p = T.nn.Parameter(T.ones(2))
        p.grad = T.tensor([1.0, float("inf")])
        return T.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)

    same_error(nonfinite)


def test_parameters_vector_roundtrip():
    tm, jm = torch.nn.Linear(3, 2), jaxtorch.nn.Linear(3, 2)
    copy_state(tm, jm)
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    jv = jaxtorch.nn.utils.parameters_to_vector(jm.parameters())
    assert_close(tv, jv)
    torch.nn.utils.vector_to_parameters(tv * 2, tm.parameters())
    jaxtorch.nn.utils.vector_to_parameters(jv * 2, jm.parameters())
    assert_close(tm.weight, jm.weight)
    assert_close(tm.bias, jm.bias)
    same_error(lambda T: T.nn.utils.vector_to_parameters([1.0], []))


def test_weight_norm_matches_torch():
    x = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    for dim in (0, 1, None):
        with pytest.warns(FutureWarning):
            tm = torch.nn.utils.weight_norm(torch.nn.Linear(4, 5), dim=dim)
        with pytest.warns(FutureWarning):
            jm = jaxtorch.nn.utils.weight_norm(jaxtorch.nn.Linear(4, 5), dim=dim)
        assert list(tm.state_dict()) == list(jm.state_dict())
        copy_state(tm, jm)
        ty, jy = tm(torch.tensor(x)), jm(jaxtorch.tensor(x))
        assert_close(ty, jy)
        ty.sum().backward()
        jy.sum().backward()
        for k, p in tm.named_parameters():
            assert_close(p.grad, dict(jm.named_parameters())[k].grad, 1e-4, 1e-5)
    torch.nn.utils.remove_weight_norm(tm)
    jaxtorch.nn.utils.remove_weight_norm(jm)
    assert list(tm.state_dict()) == list(jm.state_dict())
    assert_close(tm.weight, jm.weight)


def test_spectral_norm_matches_torch():
    x = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    tm = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 5))
    jm = jaxtorch.nn.utils.spectral_norm(jaxtorch.nn.Linear(4, 5))
    assert list(tm.state_dict()) == list(jm.state_dict())
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    for mode in (True, True, False):
        tm.train(mode)
        jm.train(mode)
        ty, jy = tm(torch.tensor(x)), jm(jaxtorch.tensor(x))
        assert_close(ty, jy, 1e-5, 1e-5)
        ty.sum().backward()
        jy.sum().backward()
        assert_close(tm.weight_orig.grad, jm.weight_orig.grad, 1e-4, 1e-5)
        assert_close(tm.weight_u, jm.weight_u, 1e-5, 1e-5)
        assert_close(tm.weight_v, jm.weight_v, 1e-5, 1e-5)
    torch.nn.utils.remove_spectral_norm(tm)
    jaxtorch.nn.utils.remove_spectral_norm(jm)
    assert list(tm.state_dict()) == list(jm.state_dict())
