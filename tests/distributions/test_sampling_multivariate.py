"""Sampling of discrete and multivariate distributions: shapes, dtypes, support and moments of 20000
draws against torch's analytic values, plus the Wishart mean, LKJ rows and Categorical frequencies."""

import numpy as np
from helpers import to_np
from test_sampling import _check_samples, NAMES

import jaxtorch


def test_discrete_and_multivariate_samples():
    jaxtorch.manual_seed(1)
    t_all, drawn = _check_samples(NAMES[21:])
    assert np.allclose(drawn["Wishart"].mean(0), to_np(t_all["Wishart"].mean), rtol=0.05, atol=0.1)
    assert np.allclose((drawn["LKJCholesky"] ** 2).sum(-1), 1.0, atol=1e-5)  # unit rows: a correlation factor
    m = drawn["Categorical"]
    assert np.allclose([(m == k).mean(0) for k in range(3)], to_np(t_all["Categorical"].probs).T, atol=0.015)
