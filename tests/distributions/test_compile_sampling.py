"""Samplers under jaxtorch.compile(fullgraph=True): rejection loops (VonMises), data-dependent corrections
(Wishart), integer-valued draws and mixtures trace, and draw exactly what eager draws from the same seed."""

import warnings

import numpy as np
import pytest

import jaxtorch as torch
import jaxtorch.distributions as D


@pytest.mark.parametrize(
    "name",
    [
        "Binomial",
        "Categorical",
        "Poisson",
        "VonMises",
        "Wishart",
        "MixtureSameFamily",
        "LKJCholesky",
        "Geometric",
        "Multinomial",
    ],
)
def test_sampling_under_compile(name):
    from test_sampling import _dists

    def draw():
        d = _dists(D, torch)[name]
        x = d.sample((3,))
        return x, d.log_prob(x)

    torch.manual_seed(0)
    eager = draw()
    compiled = torch.compile(draw, fullgraph=True)
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traced = compiled()
    for e, c in zip(eager, traced):
        assert e.dtype == c.dtype and e.shape == c.shape
        np.testing.assert_allclose(c.numpy(), e.numpy(), rtol=1e-5, atol=1e-5)
