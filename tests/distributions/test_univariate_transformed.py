"""Univariate distributions built as TransformedDistributions (and Python-number parameters), against
torch: moments, entropy, log_prob, cdf, icdf, expand, repr, constraints, and parameter gradients."""

import numpy as np
import pytest
from _oracle import check_distribution

rng = np.random.default_rng(0)
POS = rng.uniform(0.5, 2.0, 3).astype(np.float32)
POS2 = rng.uniform(0.5, 2.0, 3).astype(np.float32)
REAL = rng.uniform(-1, 1, 3).astype(np.float32)
UNIT = rng.uniform(0.1, 0.9, 3).astype(np.float32)

# torch has no gradient of the regularised incomplete gamma function with respect to its first argument
NO_CDF_GRAD = ("grad:cdf",)

CASES = {
    "LogNormal": (lambda D, a, b: D.LogNormal(a, b), [REAL, POS], [POS2], UNIT, {}),
    "HalfNormal": (lambda D, a: D.HalfNormal(a), [POS], [POS2], UNIT, {}),
    "HalfCauchy": (lambda D, a: D.HalfCauchy(a), [POS], [POS2], UNIT, {}),
    "Gumbel": (lambda D, a, b: D.Gumbel(a, b), [REAL, POS], [REAL], UNIT, {}),
    "Pareto": (lambda D, a, b: D.Pareto(a, b), [POS, POS2 * 3], [POS + 2.5], UNIT, {}),
    "Weibull": (lambda D, a, b: D.Weibull(a, b), [POS, POS2], [POS2], UNIT, {}),
    "Kumaraswamy": (lambda D, a, b: D.Kumaraswamy(a, b), [POS, POS2], [UNIT], UNIT, {}),
    "InverseGamma": (lambda D, a, b: D.InverseGamma(a, b), [POS * 3, POS2], [POS2], None, dict(skip=NO_CDF_GRAD)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(name):
    ctor, params, values, probs, kw = CASES[name]
    check_distribution(ctor, params, values, probs, expand_to=(2, 3), **kw)


def test_scalar_parameters():
    """Python numbers as parameters: batch_shape (), float32 results, repr with the values."""
    for ctor in (
        lambda D: D.Normal(0.5, 2.0),
        lambda D: D.Beta(2.0, 3.0),
        lambda D: D.Uniform(-1.0, 2.0),
        lambda D: D.Gumbel(1.0, 2.0),
        lambda D: D.Pareto(1.0, 3.0),
    ):
        check_distribution(ctor, [], [np.float32(0.7)])
