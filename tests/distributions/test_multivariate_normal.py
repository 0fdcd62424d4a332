"""Gaussian-family multivariate distributions against torch: MultivariateNormal (all three
parameterisations), LowRankMultivariateNormal and Wishart."""

import numpy as np
import pytest
import torch
from _oracle import check_distribution
from helpers import assert_close

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
    "MVN-covariance": (lambda D, m, c: D.MultivariateNormal(m, covariance_matrix=c), [LOC, COV], [X], {}),
    "MVN-scale_tril": (lambda D, m, c: D.MultivariateNormal(m, scale_tril=c), [LOC, TRIL], [X], {}),
    "MVN-precision": (lambda D, m, c: D.MultivariateNormal(m, precision_matrix=c), [LOC, COV], [X], {}),
    "MVN-broadcast-loc": (lambda D, m, c: D.MultivariateNormal(m, scale_tril=c), [LOC[0], TRIL], [X[:1]], {}),
    "LowRankMVN": (lambda D, m, w, d: D.LowRankMultivariateNormal(m, w, d), [LOC, W, DIAG], [X], {}),
    "Wishart-covariance": (
        lambda D, df, c: D.Wishart(df, covariance_matrix=c),
        [np.array([4.0, 5.0], np.float32), COV],
        [COV],
        {},
    ),
    "Wishart-scale_tril": (
        lambda D, df, c: D.Wishart(df, scale_tril=c),
        [np.array([4.0, 5.0], np.float32), TRIL],
        [COV],
        {},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(name):
    ctor, params, values, kw = CASES[name]
    batch = tuple(ctor(jaxtorch.distributions, *[jaxtorch.tensor(p) for p in params]).batch_shape)
    check_distribution(ctor, params, values, expand_to=(2,) + batch, **kw)


def test_mvn_derived_matrices():
    """covariance / precision / scale_tril of each parameterisation (lazy properties) match torch's."""
    for kw in ("covariance_matrix", "precision_matrix", "scale_tril"):
        arg = TRIL if kw == "scale_tril" else COV
        td = torch.distributions.MultivariateNormal(torch.tensor(LOC), **{kw: torch.tensor(arg)})
        jd = jaxtorch.distributions.MultivariateNormal(jaxtorch.tensor(LOC), **{kw: jaxtorch.tensor(arg)})
        for prop in ("covariance_matrix", "precision_matrix", "scale_tril"):
            assert_close(getattr(td, prop), getattr(jd, prop), rtol=1e-4, atol=1e-5, what=f"{kw} -> {prop}")
    td = torch.distributions.LowRankMultivariateNormal(*(torch.tensor(a) for a in (LOC, W, DIAG)))
    jd = jaxtorch.distributions.LowRankMultivariateNormal(*(jaxtorch.tensor(a) for a in (LOC, W, DIAG)))
    for prop in ("covariance_matrix", "precision_matrix", "scale_tril"):
        assert_close(getattr(td, prop), getattr(jd, prop), rtol=1e-4, atol=1e-5, what=f"lowrank {prop}")
