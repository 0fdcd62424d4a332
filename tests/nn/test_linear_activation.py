"""Linear-family layers, activations, Flatten/Unflatten and distances vs torch (module table + functional)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import jaxtorch
from _module_oracle import run_module
from _same import same_error
from helpers import assert_close, helper_test_op, make_inputs

X = make_inputs([(3, 4)])[0]
X4 = make_inputs([(2, 4, 3, 3)], seed=3)[0]

# (id, constructor taking the nn namespace, inputs)
MODULES = [
    ("Identity", lambda nn: nn.Identity(3, foo=1), [X]),
    ("Linear", lambda nn: nn.Linear(4, 5), [X]),
    ("Linear-nobias", lambda nn: nn.Linear(4, 5, bias=False), [X]),
    ("Linear-3d", lambda nn: nn.Linear(3, 2), [X4[0]]),
    ("Linear-1d", lambda nn: nn.Linear(4, 2), [X[0]]),
    ("Bilinear", lambda nn: nn.Bilinear(4, 3, 2), [X, make_inputs([(3, 3)], seed=5)[0]]),
    ("Bilinear-nobias", lambda nn: nn.Bilinear(4, 3, 2, bias=False), [X, make_inputs([(3, 3)], seed=5)[0]]),
    ("Flatten", lambda nn: nn.Flatten(), [X4]),
    ("Flatten-args", lambda nn: nn.Flatten(0, 2), [X4]),
    ("Unflatten", lambda nn: nn.Unflatten(1, (2, 2)), [X]),
    ("CosineSimilarity", lambda nn: nn.CosineSimilarity(), [X, make_inputs([(3, 4)], seed=7)[0]]),
    ("CosineSimilarity-dim0", lambda nn: nn.CosineSimilarity(0, 1e-6), [X, make_inputs([(3, 4)], seed=7)[0]]),
    ("PairwiseDistance", lambda nn: nn.PairwiseDistance(), [X, make_inputs([(3, 4)], seed=7)[0]]),
    ("PairwiseDistance-p1", lambda nn: nn.PairwiseDistance(1.0, keepdim=True), [X, make_inputs([(3, 4)], seed=7)[0]]),
    ("PairwiseDistance-inf", lambda nn: nn.PairwiseDistance(float("inf")), [X, make_inputs([(3, 4)], seed=7)[0]]),
    ("ReLU", lambda nn: nn.ReLU(), [X]),
    ("ReLU6", lambda nn: nn.ReLU6(), [X * 4]),
    ("LeakyReLU", lambda nn: nn.LeakyReLU(0.2), [X]),
    ("PReLU", lambda nn: nn.PReLU(), [X]),
    ("PReLU-channels", lambda nn: nn.PReLU(4, 0.1), [X4]),
    ("ELU", lambda nn: nn.ELU(0.7), [X]),
    ("SELU", lambda nn: nn.SELU(), [X]),
    ("CELU", lambda nn: nn.CELU(0.5), [X]),
    ("GELU", lambda nn: nn.GELU(), [X]),
    ("GELU-tanh", lambda nn: nn.GELU("tanh"), [X]),
    ("SiLU", lambda nn: nn.SiLU(), [X]),
    ("Mish", lambda nn: nn.Mish(), [X]),
    ("Sigmoid", lambda nn: nn.Sigmoid(), [X]),
    ("Tanh", lambda nn: nn.Tanh(), [X]),
    ("Softmax", lambda nn: nn.Softmax(dim=1), [X]),
    ("Softmax-neg", lambda nn: nn.Softmax(dim=-2), [X4]),
    ("Softmin", lambda nn: nn.Softmin(dim=0), [X]),
    ("LogSoftmax", lambda nn: nn.LogSoftmax(dim=1), [X]),
    ("Softmax2d", lambda nn: nn.Softmax2d(), [X4]),
    ("Softplus", lambda nn: nn.Softplus(), [X]),
    ("Softplus-args", lambda nn: nn.Softplus(2, 1.5), [X]),
    ("Softsign", lambda nn: nn.Softsign(), [X]),
    ("Hardtanh", lambda nn: nn.Hardtanh(), [X]),
    ("Hardtanh-args", lambda nn: nn.Hardtanh(-0.5, 1.5), [X]),
    ("Hardswish", lambda nn: nn.Hardswish(), [X * 3]),
    ("Hardsigmoid", lambda nn: nn.Hardsigmoid(), [X * 3]),
    ("Hardshrink", lambda nn: nn.Hardshrink(), [X]),
    ("Softshrink", lambda nn: nn.Softshrink(0.3), [X]),
    ("Tanhshrink", lambda nn: nn.Tanhshrink(), [X]),
    ("Threshold", lambda nn: nn.Threshold(0.1, 20), [X]),
    ("GLU", lambda nn: nn.GLU(), [X]),
    ("GLU-dim0", lambda nn: nn.GLU(0), [X4[:, :2]]),
    ("LogSigmoid", lambda nn: nn.LogSigmoid(), [X]),
    ("RReLU-eval", lambda nn: nn.RReLU(0.1, 0.3), [X]),
    ("Dropout-eval", lambda nn: nn.Dropout(0.3), [X]),
]


@pytest.mark.parametrize("make,inputs", [m[1:] for m in MODULES], ids=[m[0] for m in MODULES])
def test_module_matches_torch(make, inputs):
    modes = (False,) if "Dropout" in repr(make(torch.nn)) or "RReLU" in repr(make(torch.nn)) else (True, False)
    run_module(make, inputs, modes=modes)


def test_linear_init_statistics():
    # kaiming_uniform(a=sqrt(5)) on the weight = U(-1/sqrt(fan_in), 1/sqrt(fan_in)); same for the bias
    jaxtorch.manual_seed(0)
    m = jaxtorch.nn.Linear(400, 300)
    w = m.weight.detach().numpy()
    bound = 1 / np.sqrt(400)
    assert w.min() >= -bound and w.max() <= bound
    np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.02)
    assert abs(w.mean()) < 0.01 * bound
    b = m.bias.detach().numpy()
    assert b.min() >= -bound and b.max() <= bound and b.std() > 0.4 * bound
    bl = jaxtorch.nn.Bilinear(100, 50, 40).weight.detach().numpy()
    assert np.abs(bl).max() <= 0.1 and bl.std() == pytest.approx(0.1 / np.sqrt(3), rel=0.03)
    p = jaxtorch.nn.PReLU(3)
    assert np.all(p.weight.detach().numpy() == np.float32(0.25))


def test_manual_seed_makes_init_reproducible():
    jaxtorch.manual_seed(3)
    a = jaxtorch.nn.Linear(4, 5).weight.detach().numpy()
    jaxtorch.manual_seed(3)
    b = jaxtorch.nn.Linear(4, 5).weight.detach().numpy()
    c = jaxtorch.nn.Linear(4, 5).weight.detach().numpy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_lazy_linear():
    m = jaxtorch.nn.LazyLinear(5)
    y = m(jaxtorch.randn(3, 7))
    assert type(m) is jaxtorch.nn.Linear and tuple(m.weight.shape) == (5, 7) and tuple(y.shape) == (3, 5)
    assert repr(m) == repr(torch.nn.Linear(7, 5))


def test_module_dtype_and_double():
    both = []
    for T in (torch, jaxtorch):
        T.manual_seed(0)
        both.append(T.nn.Linear(3, 2, dtype=T.float64).weight.dtype)
    assert str(both[0]) == repr(both[1])


ACT_FNS = [
    ("relu", lambda F, x: F.relu(x)), ("relu6", lambda F, x: F.relu6(x * 4)),
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.3)), ("elu", lambda F, x: F.elu(x, 1.5)),
    ("selu", lambda F, x: F.selu(x)), ("celu", lambda F, x: F.celu(x, 2.0)),
    ("gelu", lambda F, x: F.gelu(x)), ("gelu-tanh", lambda F, x: F.gelu(x, approximate="tanh")),
    ("silu", lambda F, x: F.silu(x)), ("mish", lambda F, x: F.mish(x)),
    ("softmax-dtype", lambda F, x: F.softmax(x, dim=0, dtype=torch.float64 if F is torch.nn.functional
                                           else jaxtorch.float64)),
    ("log_softmax", lambda F, x: F.log_softmax(x, -1)), ("softmin", lambda F, x: F.softmin(x, 1)),
    ("softplus", lambda F, x: F.softplus(x * 15, beta=0.5, threshold=3)), ("softsign", lambda F, x: F.softsign(x)),
    ("hardtanh", lambda F, x: F.hardtanh(x, -0.3, 0.7)), ("hardswish", lambda F, x: F.hardswish(x * 3)),
    ("hardsigmoid", lambda F, x: F.hardsigmoid(x * 3)), ("hardshrink", lambda F, x: F.hardshrink(x, 0.7)),
    ("softshrink", lambda F, x: F.softshrink(x)), ("tanhshrink", lambda F, x: F.tanhshrink(x)),
    ("threshold", lambda F, x: F.threshold(x, 0.5, -3.0)), ("glu", lambda F, x: F.glu(x, 1)),
    ("logsigmoid", lambda F, x: F.logsigmoid(x * 10)), ("sigmoid", lambda F, x: F.sigmoid(x)),
    ("tanh", lambda F, x: F.tanh(x)), ("rrelu-eval", lambda F, x: F.rrelu(x)),
    ("normalize", lambda F, x: F.normalize(x)), ("normalize-p1", lambda F, x: F.normalize(x, 1.0, 0)),
    ("pdist", lambda F, x: F.pdist(x)), ("pdist-p3", lambda F, x: F.pdist(x, 3)),
    ("linear-fn", lambda F, x: F.linear(x, x[:2])),
]


@pytest.mark.parametrize("fn", [f[1] for f in ACT_FNS], ids=[f[0] for f in ACT_FNS])
def test_functional(fn):
    helper_test_op([(3, 4)], lambda x: fn(torch.nn.functional, x), lambda x: fn(jaxtorch.nn.functional, x))


INPLACE = [
    ("relu_", lambda F, x: F.relu_(x)), ("relu-inplace", lambda F, x: F.relu(x, inplace=True)),
    ("leaky_relu_", lambda F, x: F.leaky_relu_(x, 0.2)), ("elu_", lambda F, x: F.elu_(x)),
    ("selu", lambda F, x: F.selu(x, True)), ("celu_", lambda F, x: F.celu_(x)),
    ("hardtanh_", lambda F, x: F.hardtanh_(x)), ("relu6", lambda F, x: F.relu6(x, True)),
    ("silu", lambda F, x: F.silu(x, inplace=True)), ("mish", lambda F, x: F.mish(x, inplace=True)),
    ("hardswish", lambda F, x: F.hardswish(x, True)), ("hardsigmoid", lambda F, x: F.hardsigmoid(x, True)),
    ("threshold_", lambda F, x: F.threshold_(x, 0.1, 2.0)),
]


@pytest.mark.parametrize("fn", [f[1] for f in INPLACE], ids=[f[0] for f in INPLACE])
def test_inplace_functional(fn):
    # applied to a non-leaf (x * 1), as torch requires; the result is the same object, written in place
    def run(F):
        def f(x):
            y = x * 1
            r = fn(F, y)
            assert r is y
            return y
        return f

    helper_test_op([(3, 4)], run(torch.nn.functional), run(jaxtorch.nn.functional))


def test_inplace_modules_write_through():
    for make in (lambda nn: nn.ReLU(inplace=True), lambda nn: nn.LeakyReLU(0.1, True), lambda nn: nn.ELU(1., True),
                 lambda nn: nn.Hardtanh(-1, 1, True), lambda nn: nn.Threshold(0.2, 1., True)):
        t, j = torch.tensor(X), jaxtorch.tensor(X)
        make(torch.nn)(t)
        make(jaxtorch.nn)(j)
        assert_close(t, j)


def test_inplace_on_leaf_raises():
    same_error(lambda T: T.nn.functional.relu_(T.ones(3, requires_grad=True)))


def test_reprs():
    for make in (lambda nn: nn.ReLU(True), lambda nn: nn.ReLU6(True), lambda nn: nn.LeakyReLU(0.2, True),
                 lambda nn: nn.ELU(0.5, True), lambda nn: nn.SELU(True), lambda nn: nn.SiLU(True),
                 lambda nn: nn.Mish(True), lambda nn: nn.Hardswish(True), lambda nn: nn.Hardsigmoid(True),
                 lambda nn: nn.Softmin(), lambda nn: nn.Hardtanh(-2, 2, True), lambda nn: nn.Threshold(.1, 2, True),
                 lambda nn: nn.RReLU(0.1, 0.3, True), lambda nn: nn.CELU(), lambda nn: nn.Softplus(2, 10),
                 lambda nn: nn.Dropout(0.2, True), lambda nn: nn.Dropout2d(), lambda nn: nn.AlphaDropout(),
                 lambda nn: nn.FeatureAlphaDropout(0.1)):
        assert repr(make(torch.nn)) == repr(make(jaxtorch.nn))


def test_bad_input_errors():
    same_error(lambda T: T.nn.functional.linear(T.ones(3, 5), T.ones(2, 4)))
    same_error(lambda T: T.nn.functional.linear(T.ones(2, 3, 5), T.ones(2, 4)))
    same_error(lambda T: T.nn.functional.linear(T.ones(3, 4), T.ones(2, 4, dtype=T.float64)))
    same_error(lambda T: T.nn.Linear(4, 2)(T.ones(3, 5)))
    same_error(lambda T: T.nn.functional.glu(T.ones(3, 5)))
    same_error(lambda T: T.nn.functional.prelu(T.ones(2, 3), T.ones(2)))
    same_error(lambda T: T.nn.functional.softmax(T.ones(2, 3), 2))
    same_error(lambda T: T.nn.functional.gelu(T.ones(2), approximate="foo"))
    same_error(lambda T: T.nn.Softmax2d()(T.ones(2, 3)))
    same_error(lambda T: T.nn.functional.bilinear(T.ones(2, 3), T.ones(2, 4), T.ones(5, 3, 3)))
    same_error(lambda T: T.nn.functional.pdist(T.ones(2, 3, 4)))


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = jaxtorch.nn.functional.softmax(jaxtorch.tensor(X))
    with pytest.warns(UserWarning):
        t = torch.nn.functional.softmax(torch.tensor(X))
    assert_close(t, y)
