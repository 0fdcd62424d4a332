"""Reparameterised sampling: rsample values and gradients equal torch's for the same noise (torch and
jaxtorch both made to draw it from numpy, where the sampler goes through rand / _standard_normal);
otherwise gradients of expectations estimated by Monte Carlo; the gamma sampler's implicit gradient
against torch._standard_gamma_grad; the straight-through estimator."""

import numpy as np
import pytest
import torch
from helpers import assert_close, to_np

import jaxtorch


class _SameNoise:
    """Make torch and jaxtorch draw the same standard normal / uniform noise (from numpy: the k-th draw of
    each library is the same array), so that rsample values and gradients can be compared exactly."""

    NORMAL_MODULES = ("normal", "multivariate_normal", "lowrank_multivariate_normal", "studentT")

    def __init__(self, monkeypatch):
        self.count = {torch: 0, jaxtorch: 0}

        def noise(T, shape, kind):
            self.count[T] += 1
            r = np.random.default_rng(1000 + self.count[T])
            return r.standard_normal(shape) if kind == "normal" else r.uniform(0.02, 0.98, shape)

        def normal(T):
            return lambda shape, dtype, device: T.tensor(noise(T, tuple(shape), "normal"), dtype=dtype)

        def uniform(T):
            def draw(*size, dtype=None, device=None, **kw):
                shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
                return T.tensor(noise(T, shape, "uniform"), dtype=dtype or T.get_default_dtype())

            return draw

        for mod in self.NORMAL_MODULES:
            monkeypatch.setattr(f"torch.distributions.{mod}._standard_normal", normal(torch))
            monkeypatch.setattr(f"jaxtorch.distributions.{mod}._standard_normal", normal(jaxtorch))
        monkeypatch.setattr(torch, "rand", uniform(torch))
        monkeypatch.setattr(jaxtorch, "rand", uniform(jaxtorch))


_SIMPLEX = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]], np.float32)
_LOC3 = np.array([[0.5, -1.0, 0.0], [1.0, 0.0, 2.0]], np.float32)
_LOC2 = np.array([[0.5, -1.0], [1.0, 0.0]], np.float32)
_SCALE2 = np.array([[0.3, 0.5], [1.0, 0.2]], np.float32)
_A = np.array([0.5, -1.0], np.float32)
_B = np.array([1.0, 2.0], np.float32)
_P = np.array([0.2, 0.7], np.float32)

# name -> (constructor(D, *params), parameter arrays): every float parameter gets a gradient
SAME_NOISE = {
    "Normal": (lambda D, a, b: D.Normal(a, b), [_A, _B]),
    "Uniform": (lambda D, a, b: D.Uniform(a, a + b), [_A, _B]),
    "ContinuousBernoulli": (lambda D, p: D.ContinuousBernoulli(p), [_P]),
    "GeneralizedPareto": (lambda D, a, b, c: D.GeneralizedPareto(a, b, c), [_A, _B, np.array([0.1, -0.2], np.float32)]),
    "LogNormal": (lambda D, a, b: D.LogNormal(a, b), [_A, _B]),
    "HalfNormal": (lambda D, b: D.HalfNormal(b), [_B]),
    "Gumbel": (lambda D, a, b: D.Gumbel(a, b), [_A, _B]),
    "Kumaraswamy": (lambda D, a, b: D.Kumaraswamy(a, b), [_B + 0.5, _B]),
    "MultivariateNormal": (
        lambda D, m, s: D.MultivariateNormal(m, scale_tril=s),
        [_LOC3, np.array([[1.0, 0.0, 0.0], [0.3, 0.8, 0.0], [-0.2, 0.4, 1.5]], np.float32)],
    ),
    "LowRankMultivariateNormal": (
        lambda D, m, w, d: D.LowRankMultivariateNormal(m, w, d),
        [_LOC3, np.array([[1.0], [0.5], [-0.3]], np.float32), np.array([1.0, 0.5, 2.0], np.float32)],
    ),
    "LogisticNormal": (lambda D, a, b: D.LogisticNormal(a, b), [_LOC2, _SCALE2]),
    "RelaxedBernoulli": (lambda D, t, p: D.RelaxedBernoulli(t, p), [np.array(0.5, np.float32), _P]),
    "RelaxedOneHotCategorical": (
        lambda D, t, p: D.RelaxedOneHotCategorical(t, p),
        [np.array(0.5, np.float32), _SIMPLEX],
    ),
    "Independent": (lambda D, a, b: D.Independent(D.Normal(a, b), 1), [_LOC2, _SCALE2]),
}


@pytest.mark.parametrize("name", list(SAME_NOISE))
def test_rsample_gradients_with_shared_noise(name, monkeypatch):
    _SameNoise(monkeypatch)
    ctor, arrays = SAME_NOISE[name]
    outs = []
    for D, T in ((torch.distributions, torch), (jaxtorch.distributions, jaxtorch)):
        params = [T.tensor(a, requires_grad=True) for a in arrays]
        x = ctor(D, *params).rsample((3,))
        w = T.tensor(np.random.default_rng(9).uniform(0.5, 1.5, tuple(x.shape)).astype(np.float32))
        outs.append((x, T.autograd.grad((x * w).sum(), params, allow_unused=True)))
    (tx, tg), (jx, jg) = outs
    assert_close(tx, jx, rtol=1e-5, atol=1e-5, what=f"{name}.rsample")
    for i, (a, b) in enumerate(zip(tg, jg)):
        if a is None:
            assert b is None or not to_np(b).any()
        else:
            assert_close(a, b, rtol=1e-4, atol=1e-5, what=f"{name} grad[{i}]")


def test_standard_gamma_grad_matches_torch():
    """The implicit reparameterisation gradient d sample / d alpha, at the same (alpha, sample) points."""
    alpha = np.array([0.05, 0.3, 1.0, 2.5, 10.0, 80.0] * 2, np.float32)
    x = np.array([0.01, 0.2, 0.7, 2.0, 9.0, 85.0, 1e-3, 1.0, 3.0, 0.5, 14.0, 70.0], np.float32)
    t_g = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x))
    j_g = jaxtorch._standard_gamma_grad(jaxtorch.tensor(alpha), jaxtorch.tensor(x))
    # torch evaluates series / asymptotic approximations, JAX its own: they agree to ~1e-4 relative
    assert_close(t_g, j_g, rtol=5e-4, atol=1e-6)
    # and the gamma sampler's gradient is that function at its own samples
    a = jaxtorch.tensor([0.5, 7.0], requires_grad=True)
    s = jaxtorch._standard_gamma(a.expand(40000, 2))  # the shape the expectation tests draw: one compile
    g = jaxtorch.autograd.grad(s.sum(), a)[0]
    expected = jaxtorch._standard_gamma_grad(a.detach().expand(40000, 2), s.detach()).sum(0)
    assert_close(torch.tensor(to_np(expected)), g, rtol=1e-4, atol=1e-3)  # sums of 40000 float32 terms


@pytest.mark.parametrize(
    "name",
    [
        "Gamma",
        "Beta",
        "Dirichlet",
        "Exponential",
        "Laplace",
        "StudentT",
        "Chi2",
        "InverseGamma",
        "Weibull",
        "Pareto",
        "FisherSnedecor",
    ],
)
def test_reparameterised_expectation_gradients(name):
    """d/d theta E[x] from the mean of 40000 rsamples equals d/d theta of torch's analytic mean."""
    jaxtorch.manual_seed(3)
    make = {
        "Gamma": lambda D, T, a, b: D.Gamma(a, b),
        "Beta": lambda D, T, a, b: D.Beta(a, b),
        "Dirichlet": lambda D, T, a, b: D.Dirichlet(T.stack([a * b, b], -1)),  # the shape Beta draws: one compile
        "Exponential": lambda D, T, a, b: D.Exponential(a * b),
        "Laplace": lambda D, T, a, b: D.Laplace(a, b),
        "StudentT": lambda D, T, a, b: D.StudentT(a + 4.0, b),
        "Chi2": lambda D, T, a, b: D.Chi2(a + b),
        "InverseGamma": lambda D, T, a, b: D.InverseGamma(a + 3.0, b),
        "Weibull": lambda D, T, a, b: D.Weibull(a, b + 1.0),
        "Pareto": lambda D, T, a, b: D.Pareto(a, b + 3.0),
        "FisherSnedecor": lambda D, T, a, b: D.FisherSnedecor(a + 4.0, b + 6.0),
    }[name]
    a0, b0 = np.array([0.8, 2.5], np.float32), np.array([1.5, 0.7], np.float32)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    t_grad = torch.autograd.grad(make(torch.distributions, torch, ta, tb).mean.sum(), [ta, tb], allow_unused=True)
    t_grad = [torch.zeros(2) if g is None else g for g in t_grad]  # e.g. Laplace's mean is loc alone
    ja, jb = jaxtorch.tensor(a0, requires_grad=True), jaxtorch.tensor(b0, requires_grad=True)
    x = make(jaxtorch.distributions, jaxtorch, ja, jb).rsample((40000,))
    j_grad = jaxtorch.autograd.grad(x.mean(0).sum(), [ja, jb])
    for tg, jg in zip(t_grad, j_grad):
        # Monte Carlo error: a few percent for these (finite-variance) gradient estimators
        assert np.allclose(to_np(jg), to_np(tg), rtol=0.06, atol=0.03), f"{name}: {to_np(jg)} vs {to_np(tg)}"


def test_straight_through_gradient():
    p = jaxtorch.tensor([[0.2, 0.3, 0.5]], requires_grad=True)
    d = jaxtorch.distributions.OneHotCategoricalStraightThrough(p)
    x = d.rsample((4,))
    assert set(np.unique(to_np(x))) <= {0.0, 1.0}
    g = jaxtorch.autograd.grad((x * jaxtorch.tensor([1.0, 2.0, 3.0])).sum(), p)[0]
    # the forward value is one-hot; the backward is that of probs = p / p.sum()
    tp = torch.tensor([[0.2, 0.3, 0.5]], requires_grad=True)
    tg = torch.autograd.grad(
        ((tp / tp.sum(-1, keepdim=True)).expand(4, 1, 3) * torch.tensor([1.0, 2.0, 3.0])).sum(), tp
    )[0]
    assert_close(tg, g, rtol=1e-5, atol=1e-6)


def test_gamma_and_dirichlet_ops():
    """torch._standard_gamma / torch._sample_dirichlet: dtype, shape, support and torch's dtype errors."""
    jaxtorch.manual_seed(4)
    a = jaxtorch.tensor([[0.5, 7.0], [2.0, 1.0]], dtype=jaxtorch.float64)
    g = jaxtorch._standard_gamma(a)
    assert g.dtype == jaxtorch.float64 and tuple(g.shape) == (2, 2) and bool((g > 0).all())
    d = jaxtorch._sample_dirichlet(a)
    assert d.dtype == jaxtorch.float64 and tuple(d.shape) == (2, 2)
    assert np.allclose(to_np(d).sum(-1), 1.0) and bool((d >= 0).all())
    for fn in ("_standard_gamma", "_sample_dirichlet"):
        msgs = []
        for T in (torch, jaxtorch):
            with pytest.raises(RuntimeError) as e:
                getattr(T, fn)(T.tensor([1, 2]))
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1]
