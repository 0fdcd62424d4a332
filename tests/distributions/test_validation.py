"""Argument validation: torch's ValueErrors (same messages) for invalid parameters and for values outside
the support, validate_args=False, Distribution.set_default_validate_args, and the __init__ errors."""

import pytest
import torch

import jaxtorch

LIBS = [(torch, torch.distributions), (jaxtorch, jaxtorch.distributions)]


def _message(fn):
    """The ValueError message fn raises (None if it raises nothing)."""
    try:
        fn()
    except ValueError as e:
        return str(e)
    return None


BAD_PARAMS = {
    "Normal-scale": lambda T, D: D.Normal(T.tensor([0.0, 1.0]), T.tensor([1.0, -1.0])),
    "Normal-nan-loc": lambda T, D: D.Normal(T.tensor(float("nan")), 1.0),
    "Normal-scalar": lambda T, D: D.Normal(0.0, -1.0),
    "Gamma": lambda T, D: D.Gamma(T.tensor([1.0, 0.0]), T.tensor([1.0, 1.0])),
    "Beta": lambda T, D: D.Beta(T.tensor([-1.0]), T.tensor([1.0])),
    "Uniform": lambda T, D: D.Uniform(T.tensor([1.0, 0.0]), T.tensor([0.5, 1.0])),
    "Bernoulli": lambda T, D: D.Bernoulli(T.tensor([0.5, 1.5])),
    "Categorical": lambda T, D: D.Categorical(logits=T.tensor([[0.0, float("nan")]])),
    "Dirichlet": lambda T, D: D.Dirichlet(T.tensor([[1.0, -0.5]])),
    "Geometric-zero": lambda T, D: D.Geometric(T.tensor([0.0, 0.5])),
    "Binomial-count": lambda T, D: D.Binomial(T.tensor([2.5]), T.tensor([0.5])),
    "Poisson": lambda T, D: D.Poisson(T.tensor([-1.0])),
    "MultivariateNormal": lambda T, D: D.MultivariateNormal(T.zeros(2), T.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "MultivariateNormal-tril": lambda T, D: D.MultivariateNormal(
        T.zeros(2), scale_tril=T.tensor([[1.0, 1.0], [0.0, 1.0]])
    ),
    "LowRank": lambda T, D: D.LowRankMultivariateNormal(T.zeros(2), T.ones(2, 1), T.tensor([1.0, 0.0])),
    "Exponential": lambda T, D: D.Exponential(T.tensor([0.0])),
    "StudentT": lambda T, D: D.StudentT(T.tensor([-1.0])),
    "LogNormal": lambda T, D: D.LogNormal(T.tensor([0.0]), T.tensor([-1.0])),
    "Pareto": lambda T, D: D.Pareto(T.tensor([1.0]), T.tensor([-1.0])),
    "Wishart-df": lambda T, D: D.Wishart(T.tensor([1.0]), covariance_matrix=T.eye(3)),
    "LKJCholesky": lambda T, D: D.LKJCholesky(3, T.tensor([-1.0])),
    "VonMises": lambda T, D: D.VonMises(T.tensor([0.0]), T.tensor([-1.0])),
}


@pytest.mark.parametrize("name", list(BAD_PARAMS))
def test_invalid_parameters(name):
    t_msg, j_msg = (_message(lambda: BAD_PARAMS[name](T, D)) for T, D in LIBS)
    assert t_msg is not None
    assert j_msg == t_msg


def test_validate_args_false_accepts():
    for T, D in LIBS:
        d = D.Normal(T.tensor([0.0]), T.tensor([-1.0]), validate_args=False)
        assert d.log_prob(T.tensor([0.0])).shape == (1,)
        assert D.Bernoulli(T.tensor([1.5]), validate_args=False).probs.shape == (1,)


SUPPORT = {
    "Beta": (lambda T, D: D.Beta(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0])), [0.5, 1.5]),
    "Gamma": (lambda T, D: D.Gamma(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0])), [-0.5, 1.5]),
    "Bernoulli": (lambda T, D: D.Bernoulli(T.tensor([0.3, 0.6])), [0.5, 1.0]),
    "Poisson": (lambda T, D: D.Poisson(T.tensor([1.0, 2.0])), [1.5, 1.0]),
    "Categorical": (lambda T, D: D.Categorical(T.tensor([0.3, 0.7])), [2.0]),
    "Uniform": (lambda T, D: D.Uniform(T.tensor([0.0, 1.0]), T.tensor([1.0, 2.0])), [0.5, 2.5]),
    "Dirichlet": (lambda T, D: D.Dirichlet(T.tensor([1.0, 2.0])), [[0.3, 0.3]]),
    "Binomial": (lambda T, D: D.Binomial(3, T.tensor([0.3, 0.6])), [4.0, 1.0]),
    "HalfNormal": (lambda T, D: D.HalfNormal(T.tensor([1.0, 2.0])), [-1.0, 1.0]),
    "MultivariateNormal": (lambda T, D: D.MultivariateNormal(T.zeros(2), T.eye(2)), [[0.0, float("nan")]]),
    "Wishart": (lambda T, D: D.Wishart(T.tensor(4.0), covariance_matrix=T.eye(2)), [[1.0, 2.0], [2.0, 1.0]]),
    "OneHotCategorical": (lambda T, D: D.OneHotCategorical(T.tensor([0.3, 0.7])), [1.0, 1.0]),
}


@pytest.mark.parametrize("name", list(SUPPORT))
def test_value_outside_support(name):
    make, value = SUPPORT[name]
    msgs = []
    for T, D in LIBS:
        d = make(T, D)
        msgs.append(_message(lambda: d.log_prob(T.tensor(value))))
    assert msgs[0] is not None and msgs[1] == msgs[0]


def test_value_shape_errors():
    for T, D in LIBS:
        d = D.Normal(T.zeros(3), T.ones(3))
        assert _message(lambda: d.log_prob(0.5)) == "The value argument to log_prob must be a Tensor"
        assert "Value is not broadcastable with batch_shape+event_shape" in _message(lambda: d.log_prob(T.zeros(2)))
        m = D.MultivariateNormal(T.zeros(3), T.eye(3))
        assert "The right-most size of value must match event_shape" in _message(lambda: m.log_prob(T.zeros(2)))


def test_set_default_validate_args():
    try:
        for T, D in LIBS:
            D.Distribution.set_default_validate_args(False)
            D.Normal(T.tensor([0.0]), T.tensor([-1.0]))  # no error
            assert D.Normal(0.0, 1.0)._validate_args is False
            D.Distribution.set_default_validate_args(True)
            with pytest.raises(ValueError):
                D.Normal(T.tensor([0.0]), T.tensor([-1.0]))
            with pytest.raises(ValueError):
                D.Distribution.set_default_validate_args("yes")
            # an explicit argument wins over the default
            D.Distribution.set_default_validate_args(False)
            with pytest.raises(ValueError):
                D.Normal(T.tensor([0.0]), T.tensor([-1.0]), validate_args=True)
    finally:
        torch.distributions.Distribution.set_default_validate_args(True)
        jaxtorch.distributions.Distribution.set_default_validate_args(True)


def test_probs_logits_errors():
    for T, D in LIBS:
        for cls in (D.Bernoulli, D.Categorical, D.Geometric, D.OneHotCategorical):
            assert _message(lambda: cls()) == "Either `probs` or `logits` must be specified, but not both."
            assert _message(lambda: cls(T.tensor([0.5]), T.tensor([0.0]))) == (
                "Either `probs` or `logits` must be specified, but not both."
            )
        assert _message(lambda: D.Categorical(T.tensor(0.5))) == "`probs` parameter must be at least one-dimensional."
        with pytest.raises(NotImplementedError, match="inhomogeneous total_count is not supported"):
            D.Multinomial(T.tensor(3), T.tensor([0.5, 0.5]))


def test_unimplemented_members():
    """What torch leaves unimplemented raises NotImplementedError here too, with the same messages."""
    for T, D in LIBS:

        class Plain(D.Distribution):
            arg_constraints = {}

        plain = Plain()
        with pytest.raises(NotImplementedError, match="does not implement mode"):
            _ = plain.mode
        for member in ("mean", "variance", "support"):
            with pytest.raises(NotImplementedError):
                getattr(plain, member)
        with pytest.raises(NotImplementedError):
            plain.rsample()
        with pytest.raises(NotImplementedError, match="Enumeration over cartesian product is not implemented"):
            D.Independent(D.Bernoulli(T.tensor([[0.5]])), 1).enumerate_support()
        with pytest.raises(NotImplementedError, match="Inhomogeneous total count not supported by `entropy`"):
            D.Binomial(T.tensor([2.0, 3.0]), T.tensor([0.5, 0.5])).entropy()

        class Custom(D.Normal):
            def __init__(self, loc):
                super().__init__(loc, 1.0)

        with pytest.raises(NotImplementedError, match="must also define a custom .expand"):
            Custom(T.zeros(2)).expand((3, 2))
