"""Sampling: shapes and dtypes of sample / rsample, and sample statistics (moments, quantiles) against
the analytic values torch gives (RNG bits are not torch's: statistical tolerances, fixed seeds)."""

import warnings

import numpy as np
import torch
from helpers import to_np

import jaxtorch

rng = np.random.default_rng(6)


def _dists(D, T):
    """A representative of every distribution with batch shape (2,) (or (2,) + event)."""
    t = T.tensor
    simplex = t([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
    cov = t([[[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.5]]] * 2)
    return {
        "Normal": D.Normal(t([0.5, -1.0]), t([1.0, 2.0])),
        "Uniform": D.Uniform(t([0.0, -1.0]), t([1.0, 3.0])),
        "Exponential": D.Exponential(t([0.5, 2.0])),
        "Laplace": D.Laplace(t([0.5, -1.0]), t([1.0, 2.0])),
        "Cauchy": D.Cauchy(t([0.5, -1.0]), t([1.0, 2.0])),
        "Gamma": D.Gamma(t([0.5, 3.0]), t([1.0, 2.0])),
        "Chi2": D.Chi2(t([1.5, 4.0])),
        "Beta": D.Beta(t([0.5, 2.0]), t([1.5, 3.0])),
        "StudentT": D.StudentT(t([5.0, 8.0]), t([0.5, -1.0]), t([1.0, 2.0])),
        "FisherSnedecor": D.FisherSnedecor(t([5.0, 8.0]), t([10.0, 12.0])),
        "LogNormal": D.LogNormal(t([0.1, -0.5]), t([0.3, 0.5])),
        "HalfNormal": D.HalfNormal(t([1.0, 2.0])),
        "HalfCauchy": D.HalfCauchy(t([1.0, 2.0])),
        "Gumbel": D.Gumbel(t([0.5, -1.0]), t([1.0, 2.0])),
        "Pareto": D.Pareto(t([1.0, 2.0]), t([5.0, 6.0])),
        "Weibull": D.Weibull(t([1.0, 2.0]), t([1.5, 3.0])),
        "Kumaraswamy": D.Kumaraswamy(t([1.5, 3.0]), t([2.0, 4.0])),
        "InverseGamma": D.InverseGamma(t([5.0, 6.0]), t([1.0, 2.0])),
        "GeneralizedPareto": D.GeneralizedPareto(t([0.5, -1.0]), t([1.0, 2.0]), t([0.1, -0.2])),
        "VonMises": D.VonMises(t([0.5, -1.0]), t([1.0, 4.0])),
        "ContinuousBernoulli": D.ContinuousBernoulli(t([0.2, 0.7])),
        "Bernoulli": D.Bernoulli(t([0.2, 0.7])),
        "Geometric": D.Geometric(t([0.3, 0.7])),
        "Poisson": D.Poisson(t([0.5, 4.0])),
        "Binomial": D.Binomial(t([5.0, 10.0]), t([0.3, 0.6])),
        "NegativeBinomial": D.NegativeBinomial(t([3.0, 5.0]), t([0.3, 0.6])),
        "Categorical": D.Categorical(simplex),
        "OneHotCategorical": D.OneHotCategorical(simplex),
        "OneHotCategoricalStraightThrough": D.OneHotCategoricalStraightThrough(simplex),
        "Multinomial": D.Multinomial(5, simplex),
        "Dirichlet": D.Dirichlet(t([[0.5, 1.0, 2.0], [3.0, 1.0, 0.7]])),
        "MultivariateNormal": D.MultivariateNormal(t([[0.5, -1.0, 0.0], [1.0, 0.0, 2.0]]), covariance_matrix=cov),
        "LowRankMultivariateNormal": D.LowRankMultivariateNormal(
            t([[0.5, -1.0, 0.0], [1.0, 0.0, 2.0]]), t([[[1.0], [0.5], [-0.3]]] * 2), t([[1.0, 0.5, 2.0]] * 2)
        ),
        "Wishart": D.Wishart(t([4.0, 6.0]), covariance_matrix=cov),
        "LKJCholesky": D.LKJCholesky(3, t([0.5, 2.0])),
        "LogisticNormal": D.LogisticNormal(t([[0.5, -1.0], [1.0, 0.0]]), t([[0.3, 0.5], [1.0, 0.2]])),
        "RelaxedBernoulli": D.RelaxedBernoulli(t(0.5), t([0.2, 0.7])),
        "RelaxedOneHotCategorical": D.RelaxedOneHotCategorical(t(0.5), simplex),
        "Independent": D.Independent(D.Normal(t([[0.5, -1.0], [1.0, 0.0]]), t([[1.0, 2.0], [0.5, 1.5]])), 1),
        "MixtureSameFamily": D.MixtureSameFamily(
            D.Categorical(simplex), D.Normal(t([[-2.0, 0.0, 3.0]] * 2), t([[0.5, 1.0, 0.7]] * 2))
        ),
    }


NAMES = list(_dists(jaxtorch.distributions, jaxtorch))
# distributions without finite moments, or whose moments are checked below in another way
NO_MOMENTS = (
    "Cauchy",
    "HalfCauchy",
    "Categorical",
    "Wishart",
    "LKJCholesky",
    "LogisticNormal",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "VonMises",
)
N = 20000


def _check_samples(names):
    """N samples of each: shape, dtype and support as torch's, and the sample moments against torch's
    analytic mean and variance (every sampler compiles per shape, so one draw serves all checks)."""
    t_all, j_all = _dists(torch.distributions, torch), _dists(jaxtorch.distributions, jaxtorch)
    drawn = {}
    for name in names:
        td, jd = t_all[name], j_all[name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch 2.13's Wishart warns on every draw
            t_dtype = td.sample((1,)).dtype
        js = jd.sample((N,))
        drawn[name] = to_np(js).astype(np.float64)
        assert tuple(js.shape) == tuple(td._extended_shape((N,))), f"{name}.sample: {js.shape}"
        assert str(t_dtype) == repr(js.dtype), f"{name}.sample dtype {t_dtype} vs {js.dtype}"
        assert not js.requires_grad
        assert bool(jd.support.check(js).all()), f"{name}: sample outside the support"
        if jd.has_rsample:
            jr = jd.rsample((N,))
            assert tuple(jr.shape) == tuple(js.shape) and jr.dtype == js.dtype, f"{name}.rsample"
        if name in NO_MOMENTS:
            continue
        x = to_np(js).astype(np.float64)
        mean, var = to_np(td.mean).astype(np.float64), to_np(td.variance).astype(np.float64)
        # 6 standard errors: a fixed seed, but the bound must hold for any correct sampler
        se = np.sqrt(var / N)
        assert np.all(np.abs(x.mean(0) - mean) <= 6 * se + 1e-6), f"{name}: mean {x.mean(0)} vs {mean}"
        assert np.allclose(x.var(0), var, rtol=0.12, atol=1e-3), f"{name}: variance {x.var(0)} vs {var}"
    return t_all, drawn


def test_univariate_samples():
    jaxtorch.manual_seed(0)
    t_all, drawn = _check_samples(NAMES[:21])
    # heavy tails too: the empirical cdf at torch's 10 / 50 / 90 % quantiles
    levels = torch.tensor([[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]])
    for name in ("Cauchy", "HalfCauchy", "Gumbel", "Laplace", "Weibull", "Normal"):
        emp = (drawn[name][None] <= to_np(t_all[name].icdf(levels))[:, None]).mean(1)
        assert np.allclose(emp, to_np(levels), atol=0.015), f"{name}: {emp}"
    v = drawn["VonMises"]  # circular: the mean direction, and 1 - the mean resultant length
    assert np.allclose(np.arctan2(np.sin(v).mean(0), np.cos(v).mean(0)), to_np(t_all["VonMises"].mean), atol=0.05)
    assert np.allclose(1 - np.hypot(np.sin(v).mean(0), np.cos(v).mean(0)), to_np(t_all["VonMises"].variance), atol=0.02)


def test_sample_shapes():
    t_all, j_all = _dists(torch.distributions, torch), _dists(jaxtorch.distributions, jaxtorch)
    jaxtorch.manual_seed(0)
    for name in ("Normal", "Gamma", "Categorical", "Dirichlet", "MultivariateNormal"):
        for shape in ((), (2, 3)):
            js = j_all[name].sample(shape)
            assert tuple(js.shape) == tuple(t_all[name]._extended_shape(shape)), f"{name}.sample({shape})"
            assert tuple(j_all[name].sample(jaxtorch.Size(shape)).shape) == tuple(js.shape)


def test_seeded_sampling_is_reproducible():
    D = jaxtorch.distributions
    d = D.Gamma(jaxtorch.tensor([0.5, 3.0]), jaxtorch.tensor([1.0, 2.0]))
    jaxtorch.manual_seed(7)
    a = d.sample((5,))
    jaxtorch.manual_seed(7)
    b = d.sample((5,))
    assert np.array_equal(to_np(a), to_np(b))
    assert not np.array_equal(to_np(a), to_np(d.sample((5,))))
