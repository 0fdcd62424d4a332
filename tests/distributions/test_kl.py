"""kl_divergence for every pair of the same family that torch registers, the exponential-family
(Bregman) fallback, Independent / TransformedDistribution, and register_kl's dispatch rules."""

import warnings

import numpy as np
import pytest
import torch
from _kl_cases import FACTORIES
from _oracle import make_params
from helpers import assert_close

import jaxtorch


def check_kl(make_p, make_q, params_p, params_q, rtol=1e-5, atol=1e-5, grad_tol=None):
    """KL(p || q) values and gradients with respect to every float parameter of p and q."""
    tp, jp = make_params(params_p)
    tq, jq = make_params(params_q)
    t_kl = torch.distributions.kl_divergence(make_p(torch.distributions, *tp), make_q(torch.distributions, *tq))
    j_kl = jaxtorch.distributions.kl_divergence(
        make_p(jaxtorch.distributions, *jp), make_q(jaxtorch.distributions, *jq)
    )
    assert_close(t_kl, j_kl, rtol, atol, what="kl")
    t_leaves = [x for x in tp + tq if isinstance(x, torch.Tensor) and x.requires_grad]
    j_leaves = [x for x in jp + jq if isinstance(x, jaxtorch.Tensor) and x.requires_grad]
    finite = np.isfinite(np.asarray(t_kl.detach()))
    if not t_kl.requires_grad or not finite.any():
        return
    mask = torch.tensor(finite)
    t_g = torch.autograd.grad(torch.where(mask, t_kl, 0.0).sum(), t_leaves, allow_unused=True)
    j_g = jaxtorch.autograd.grad(jaxtorch.where(jaxtorch.tensor(finite), j_kl, 0.0).sum(), j_leaves, allow_unused=True)
    for i, (a, b) in enumerate(zip(t_g, j_g)):
        if a is None:
            assert b is None or not np.asarray(b).any()
        else:
            assert_close(a, b, grad_tol or rtol * 10, grad_tol or atol * 10, what=f"kl grad[{i}]")


SAME = sorted(FACTORIES)


@pytest.mark.parametrize("name", SAME)
def test_same_family(name):
    params, ctor = FACTORIES[name]
    check_kl(ctor, ctor, params(0), params(1))


def test_exponential_family_bregman():
    """Pairs without a closed form fall back to the Bregman divergence of the log normalizer (autograd)."""
    cases = [
        (
            lambda D, df, c: D.Wishart(df, covariance_matrix=c),
            [np.array([4.0, 5.0], np.float32), FACTORIES["MultivariateNormal"][0](0)[1]],
            [np.array([6.0, 4.5], np.float32), FACTORIES["MultivariateNormal"][0](1)[1]],
        ),
    ]
    for ctor, pp, pq in cases:
        check_kl(ctor, ctor, pp, pq, rtol=1e-4, atol=1e-4)
    # the fallback agrees with the closed form where both exist
    from jaxtorch.distributions.kl import _kl_expfamily_expfamily

    p = jaxtorch.distributions.Gamma(jaxtorch.tensor([1.5, 2.0]), jaxtorch.tensor([0.5, 3.0]))
    q = jaxtorch.distributions.Gamma(jaxtorch.tensor([2.5, 1.0]), jaxtorch.tensor([1.5, 2.0]))
    tp = torch.distributions.Gamma(torch.tensor([1.5, 2.0]), torch.tensor([0.5, 3.0]))
    tq = torch.distributions.Gamma(torch.tensor([2.5, 1.0]), torch.tensor([1.5, 2.0]))
    assert_close(torch.distributions.kl_divergence(tp, tq), _kl_expfamily_expfamily(p, q), rtol=1e-4, atol=1e-5)
    with pytest.raises(NotImplementedError, match="cannot .* be computed using Bregman divergences"):
        _kl_expfamily_expfamily(p, jaxtorch.distributions.Exponential(jaxtorch.tensor([1.0, 2.0])))


def test_independent_and_transformed():
    params, ctor = FACTORIES["Normal"]
    check_kl(
        lambda D, a, b: D.Independent(D.Normal(a, b), 1),
        lambda D, a, b: D.Independent(D.Normal(a, b), 1),
        params(0),
        params(1),
    )
    check_kl(lambda D, a, b: D.LogNormal(a, b), lambda D, a, b: D.LogNormal(a, b), params(0), params(1))
    D = jaxtorch.distributions
    p = D.Independent(D.Normal(jaxtorch.zeros(2, 3), 1.0), 1)
    with pytest.raises(NotImplementedError):
        D.kl_divergence(p, D.Independent(D.Normal(jaxtorch.zeros(2, 3), 1.0), 2))
    with pytest.raises(NotImplementedError):  # different transforms
        D.kl_divergence(D.LogNormal(0.0, 1.0), D.TransformedDistribution(D.Normal(0.0, 1.0), D.SigmoidTransform()))


def test_edge_values():
    """Supports that do not nest give inf; zero probabilities give 0 terms, as in torch."""
    check_kl(
        lambda D, p: D.Bernoulli(p),
        lambda D, p: D.Bernoulli(p),
        [np.array([0.0, 1.0, 0.3], np.float32)],
        [np.array([0.5, 0.0, 1.0], np.float32)],
    )
    check_kl(
        lambda D, p: D.Categorical(p),
        lambda D, p: D.Categorical(p),
        [np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]], np.float32)],
        [np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]], np.float32)],
    )
    check_kl(
        lambda D, lo, hi: D.Uniform(lo, hi),
        lambda D, lo, hi: D.Uniform(lo, hi),
        [np.array([0.0, 0.2], np.float32), np.array([1.0, 0.5], np.float32)],
        [np.array([0.1, 0.0], np.float32), np.array([1.0, 1.0], np.float32)],
    )
    check_kl(
        lambda D, p: D.Binomial(np.float32(5.0), p) if False else D.Binomial(5, p),
        lambda D, p: D.Binomial(3, p),
        [np.array([0.3, 0.6], np.float32)],
        [np.array([0.5, 0.5], np.float32)],
    )
    for D, T in ((torch.distributions, torch), (jaxtorch.distributions, jaxtorch)):
        with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
            D.kl_divergence(D.Binomial(3, T.tensor([0.5])), D.Binomial(5, T.tensor([0.5])))


def test_not_implemented_message():
    for D, T in ((torch.distributions, torch), (jaxtorch.distributions, jaxtorch)):
        with pytest.raises(
            NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type VonMises and q type Normal"
        ):
            D.kl_divergence(D.VonMises(T.tensor(0.0), T.tensor(1.0)), D.Normal(0.0, 1.0))


def _ambiguity(D, T):
    """Register (A, Normal) and (Normal, B) for subclasses A, B of Normal; KL(A, B) is ambiguous."""
    from importlib import import_module

    kl_mod = import_module(D.__name__ + ".kl")

    class A(D.Normal):
        pass

    class B(D.Normal):
        pass

    @D.register_kl(A, D.Normal)
    def _a_normal(p, q):
        return T.tensor(1.0)

    @D.register_kl(D.Normal, B)
    def _normal_b(p, q):
        return T.tensor(2.0)

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ab = D.kl_divergence(A(0.0, 1.0), B(0.0, 1.0))
            an = D.kl_divergence(A(0.0, 1.0), D.Normal(0.0, 1.0))  # exact match: no warning
            nb = D.kl_divergence(D.Normal(0.0, 1.0), B(0.0, 1.0))
            nn = D.kl_divergence(B(0.0, 1.0), A(0.0, 1.0))  # only (Normal, Normal) matches
        messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        return float(ab), float(an), float(nb), float(nn), messages
    finally:
        del kl_mod._KL_REGISTRY[A, D.Normal]
        del kl_mod._KL_REGISTRY[D.Normal, B]
        kl_mod._KL_MEMOIZE.clear()


def test_register_kl_dispatch_and_ambiguity():
    t = _ambiguity(torch.distributions, torch)
    j = _ambiguity(jaxtorch.distributions, jaxtorch)
    assert t == j
    assert j[0] == 1.0 and j[1] == 1.0 and j[2] == 2.0
    assert j[4] == ["Ambiguous kl_divergence(A, B). Please register_kl(A, B)"]


def test_register_kl_most_specific_wins():
    D = jaxtorch.distributions
    from jaxtorch.distributions import kl as kl_mod

    class Narrow(D.Normal):
        pass

    @D.register_kl(Narrow, Narrow)
    def _narrow(p, q):
        return jaxtorch.tensor(-1.0)

    try:
        assert float(D.kl_divergence(Narrow(0.0, 1.0), Narrow(0.0, 1.0))) == -1.0
        assert float(D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 1.0))) == 0.5
    finally:
        del kl_mod._KL_REGISTRY[Narrow, Narrow]
        kl_mod._KL_MEMOIZE.clear()
    assert "KL divergence is currently implemented for the following distribution pairs" in D.kl_divergence.__doc__
