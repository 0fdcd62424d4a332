"""Example distributions of every type that appears in torch's KL registry, two of each (p and q),
built from the same numpy parameters in torch and jaxtorch."""

import numpy as np

rng = np.random.default_rng(5)
POS = rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32)
REAL = rng.normal(size=(2, 3)).astype(np.float32)
UNIT = rng.uniform(0.15, 0.85, (2, 3)).astype(np.float32)
SIMPLEX = rng.dirichlet([1.0] * 3, size=(2, 2)).astype(np.float32)
LOW = rng.uniform(0.05, 0.3, (2, 3)).astype(np.float32)
HIGH = rng.uniform(0.6, 0.95, (2, 3)).astype(np.float32)
MATS = rng.normal(size=(2, 2, 3, 3)).astype(np.float32)
COV = (MATS @ MATS.transpose(0, 1, 3, 2) + 2 * np.eye(3)).astype(np.float32)
W = rng.normal(size=(2, 3, 2)).astype(np.float32)

# name -> (params(i) for the i-th of the pair, ctor(D, *params))
FACTORIES = {
    "Bernoulli": (lambda i: [UNIT[i]], lambda D, p: D.Bernoulli(p)),
    "Beta": (lambda i: [POS[i], POS[1 - i]], lambda D, a, b: D.Beta(a, b)),
    "Binomial": (lambda i: [UNIT[i]], lambda D, p: D.Binomial(6, p)),
    "Categorical": (lambda i: [SIMPLEX[i]], lambda D, p: D.Categorical(p)),
    "Cauchy": (lambda i: [REAL[i], POS[i]], lambda D, a, b: D.Cauchy(a, b)),
    "ContinuousBernoulli": (lambda i: [UNIT[i]], lambda D, p: D.ContinuousBernoulli(p)),
    "Dirichlet": (lambda i: [POS[i]], lambda D, a: D.Dirichlet(a)),
    "Exponential": (lambda i: [POS[i]], lambda D, r: D.Exponential(r)),
    "Gamma": (lambda i: [POS[i], POS[1 - i]], lambda D, a, b: D.Gamma(a, b)),
    "Geometric": (lambda i: [UNIT[i]], lambda D, p: D.Geometric(p)),
    "Gumbel": (lambda i: [REAL[i], POS[i]], lambda D, a, b: D.Gumbel(a, b)),
    "HalfNormal": (lambda i: [POS[i]], lambda D, s: D.HalfNormal(s)),
    "Laplace": (lambda i: [REAL[i], POS[i]], lambda D, a, b: D.Laplace(a, b)),
    "LowRankMultivariateNormal": (
        lambda i: [REAL[i], W[i], POS[i]],
        lambda D, m, w, d: D.LowRankMultivariateNormal(m, w, d),
    ),
    "MultivariateNormal": (lambda i: [REAL[i], COV[i]], lambda D, m, c: D.MultivariateNormal(m, covariance_matrix=c)),
    "Normal": (lambda i: [REAL[i], POS[i]], lambda D, a, b: D.Normal(a, b)),
    "OneHotCategorical": (lambda i: [SIMPLEX[i]], lambda D, p: D.OneHotCategorical(p)),
    "Pareto": (lambda i: [POS[i] * (1 - 0.3 * i), POS[i] + 2.2], lambda D, s, a: D.Pareto(s, a)),
    "Poisson": (lambda i: [POS[i]], lambda D, r: D.Poisson(r)),
    "Uniform": (lambda i: [LOW[i], HIGH[i]], lambda D, lo, hi: D.Uniform(lo, hi)),
}
