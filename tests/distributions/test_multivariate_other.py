"""Composite and simplex-valued distributions against torch: Dirichlet, LKJCholesky, LogisticNormal, the
relaxed (Concrete) distributions, Independent, MixtureSameFamily and TransformedDistribution."""

import numpy as np
import pytest
import torch
from _oracle import check_distribution

import jaxtorch

rng = np.random.default_rng(2)
A = rng.normal(size=(2, 3, 3)).astype(np.float32)
COV = (A @ A.transpose(0, 2, 1) + 3 * np.eye(3)).astype(np.float32)
TRIL = np.linalg.cholesky(COV).astype(np.float32)
LOC = rng.normal(size=(2, 3)).astype(np.float32)
X = rng.normal(size=(2, 3)).astype(np.float32)
W = rng.normal(size=(2, 3, 2)).astype(np.float32)
DIAG = rng.uniform(0.5, 2, (2, 3)).astype(np.float32)
SIMPLEX = rng.dirichlet([1.0, 1.0, 1.0], size=2).astype(np.float32)
POS = rng.uniform(0.5, 2, (2, 3)).astype(np.float32)
UNIT = rng.uniform(0.1, 0.9, (2, 3)).astype(np.float32)
CORR_CHOL = np.linalg.cholesky(np.array([[1, 0.3, 0.1], [0.3, 1, 0.2], [0.1, 0.2, 1]])).astype(np.float32)

CASES = {
    "Dirichlet": (lambda D, a: D.Dirichlet(a), [POS], [SIMPLEX], {}),
    "LKJCholesky": (lambda D, c: D.LKJCholesky(3, c), [np.array([0.5, 2.0], np.float32)], [CORR_CHOL], {}),
    "LogisticNormal": (lambda D, a, b: D.LogisticNormal(a, b), [LOC[:, :2].copy(), POS[:, :2].copy()], [SIMPLEX], {}),
    "RelaxedBernoulli": (
        lambda D, t, p: D.RelaxedBernoulli(t, p),
        [np.array(0.5, np.float32), UNIT],
        [UNIT[::-1].copy()],
        {},
    ),
    "RelaxedOneHotCategorical": (
        lambda D, t, p: D.RelaxedOneHotCategorical(t, p),
        [np.array(0.5, np.float32), SIMPLEX],
        [SIMPLEX[::-1].copy()],
        {},
    ),
    "Independent": (lambda D, a, b: D.Independent(D.Normal(a, b), 1), [LOC, POS], [X], {}),
    "MixtureSameFamily": (
        lambda D, p, a, b: D.MixtureSameFamily(D.Categorical(p), D.Normal(a, b)),
        [SIMPLEX, LOC, POS],
        [X[:, 0].copy()],
        {},
    ),
    "MixtureSameFamily-2d": (
        lambda D, p, a, b: D.MixtureSameFamily(D.Categorical(p), D.Independent(D.Normal(a, b), 1)),
        [SIMPLEX, rng.normal(size=(2, 3, 2)).astype(np.float32), rng.uniform(0.5, 2, (2, 3, 2)).astype(np.float32)],
        [X[:, :2].copy()],
        {},
    ),
    "TransformedDistribution": (
        lambda D, a, b: D.TransformedDistribution(
            D.Normal(a, b), [D.transforms.TanhTransform(), D.transforms.AffineTransform(1.0, 2.0)]
        ),
        [LOC, POS],
        [rng.uniform(-0.5, 2.5, (2, 3)).astype(np.float32)],
        {},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(name):
    ctor, params, values, kw = CASES[name]
    batch = tuple(ctor(jaxtorch.distributions, *[jaxtorch.tensor(p) for p in params]).batch_shape)
    check_distribution(ctor, params, values, expand_to=(2,) + batch, **kw)


def test_constructor_errors():
    for D in (torch.distributions, jaxtorch.distributions):
        T = torch if D is torch.distributions else jaxtorch
        with pytest.raises(ValueError, match="Exactly one of covariance_matrix"):
            D.MultivariateNormal(T.zeros(2))
        with pytest.raises(ValueError, match="loc must be at least one-dimensional"):
            D.MultivariateNormal(T.tensor(0.0), T.eye(2))
        with pytest.raises(ValueError, match="cov_factor must be a batch of matrices"):
            D.LowRankMultivariateNormal(T.zeros(3), T.zeros(2, 1), T.ones(3))
        with pytest.raises(ValueError, match="The Mixture distribution needs to be an"):
            D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(T.zeros(2), 1.0))
        with pytest.raises(ValueError, match="Expected dim to be an integer greater than or equal to 2"):
            D.LKJCholesky(1)
        with pytest.raises(ValueError, match="Expected reinterpreted_batch_ndims <="):
            D.Independent(D.Normal(0.0, 1.0), 1)
