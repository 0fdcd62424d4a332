"""Discrete distributions against torch: moments, entropy, log_prob, enumerate_support, expand, repr,
constraints and parameter gradients."""

import numpy as np
import pytest
from _oracle import check_distribution

import jaxtorch

rng = np.random.default_rng(1)
UNIT = rng.uniform(0.1, 0.9, 3).astype(np.float32)
REAL = rng.uniform(-1.5, 1.5, 3).astype(np.float32)
POS = rng.uniform(0.5, 3.0, 3).astype(np.float32)
COUNTS = np.array([0.0, 1.0, 3.0], np.float32)
SIMPLEX = rng.dirichlet([1.0, 1.0, 1.0], size=2).astype(np.float32)
LOGITS = rng.normal(size=(2, 3)).astype(np.float32)

CASES = {
    "Bernoulli": (lambda D, p: D.Bernoulli(p), [UNIT], [np.array([0.0, 1.0, 1.0], np.float32)], dict(enum=True)),
    "Bernoulli-logits": (lambda D, p: D.Bernoulli(logits=p), [REAL], [np.array([0.0, 1.0, 1.0], np.float32)], {}),
    "Geometric": (lambda D, p: D.Geometric(p), [UNIT], [COUNTS], {}),
    "Geometric-logits": (lambda D, p: D.Geometric(logits=p), [REAL], [COUNTS], {}),
    "Poisson": (lambda D, r: D.Poisson(r), [POS], [COUNTS], {}),
    "Binomial": (lambda D, p: D.Binomial(5, p), [UNIT], [COUNTS], dict(enum=True)),
    "Binomial-tensor-count": (
        lambda D, n, p: D.Binomial(n, logits=p),
        [np.array([3.0, 5.0, 4.0], np.float32), REAL],
        [COUNTS],
        {},
    ),
    "NegativeBinomial": (lambda D, n, p: D.NegativeBinomial(n, p), [POS, UNIT], [COUNTS], {}),
    "NegativeBinomial-logits": (lambda D, n, p: D.NegativeBinomial(n, logits=p), [POS, REAL], [COUNTS], {}),
    "Categorical": (lambda D, p: D.Categorical(p), [SIMPLEX * 3], [np.array([0, 2])], dict(enum=True)),
    "Categorical-logits": (lambda D, p: D.Categorical(logits=p), [LOGITS], [np.array([[1, 2], [0, 1]])], {}),
    "OneHotCategorical": (
        lambda D, p: D.OneHotCategorical(p),
        [SIMPLEX],
        [np.eye(3, dtype=np.float32)[[0, 2]]],
        dict(enum=True),
    ),
    "Multinomial": (lambda D, p: D.Multinomial(4, p), [SIMPLEX], [np.array([[1, 2, 1], [0, 0, 4]], np.float32)], {}),
    "Multinomial-logits": (
        lambda D, p: D.Multinomial(3, logits=p),
        [LOGITS],
        [np.array([[1, 2, 0], [0, 0, 3]], np.float32)],
        {},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(name):
    ctor, params, values, kw = CASES[name]
    batch = tuple(ctor(jaxtorch.distributions, *[jaxtorch.tensor(p) for p in params]).batch_shape)
    check_distribution(ctor, params, values, expand_to=(2,) + batch, **kw)


def test_probability_edges():
    """probs at 0 and 1: torch's special cases (0 * log 0 = 0) give finite log_probs."""
    probs = np.array([0.0, 1.0, 0.5], np.float32)
    check_distribution(lambda D, p: D.Bernoulli(p), [probs], [np.array([0.0, 1.0, 1.0], np.float32)], grad=False)
    check_distribution(
        lambda D, p: D.Geometric(p),
        [np.array([1.0, 0.5, 1.0], np.float32)],
        [np.array([0.0, 2.0, 0.0], np.float32)],
        grad=False,
    )
    check_distribution(
        lambda D, p: D.Categorical(p), [np.array([0.0, 0.3, 0.7], np.float32)], [np.array(1)], grad=False
    )
