"""A small variational model (rsample, log_prob, kl_divergence, a gamma-based rsample, an MVN and a
Categorical) trained by a step that runs eagerly and under jaxtorch.compile: same losses and weights."""

import warnings

import numpy as np
import pytest

import jaxtorch as torch
import jaxtorch.distributions as D
from jaxtorch import nn


class Posterior(nn.Module):
    def __init__(self):
        super().__init__()
        self.mu = nn.Parameter(torch.tensor([0.1, -0.2, 0.3]))
        self.rho = nn.Parameter(torch.tensor([-0.5, 0.0, 0.5]))
        self.log_conc = nn.Parameter(torch.tensor([0.2, -0.1]))
        self.tril = nn.Parameter(torch.tensor([[0.5, 0.0], [0.1, 0.2]]))
        self.logits = nn.Parameter(torch.tensor([0.3, -0.2, 0.1]))


def _loss(m, x, labels):
    q = D.Normal(m.mu, nn.functional.softplus(m.rho))
    z = q.rsample((4,))
    log_lik = D.Normal(z, 1.0).log_prob(x).sum(-1).mean()
    kl = D.kl_divergence(q, D.Normal(torch.zeros(3), torch.ones(3))).sum()
    g = D.Gamma(m.log_conc.exp(), 2.0)
    gamma_term = (g.rsample((3,)) - 1.0).pow(2).mean() + D.kl_divergence(g, D.Gamma(1.0, 1.0)).sum()
    scale_tril = D.transform_to(D.constraints.lower_cholesky)(m.tril)
    mvn = D.MultivariateNormal(torch.zeros(2), scale_tril=scale_tril)
    mvn_term = -mvn.log_prob(x[:, :2]).mean() + mvn.rsample((2,)).pow(2).mean()
    cat = D.Categorical(logits=m.logits)
    cat_term = -cat.log_prob(labels).mean() - cat.entropy()
    return kl - log_lik + gamma_term + mvn_term + cat_term


def _train(compiled, steps=3):
    torch.manual_seed(0)
    m = Posterior()
    opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
    x = torch.tensor(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32))
    labels = torch.tensor([0, 2, 2, 1])

    def step(x, labels):
        opt.zero_grad()
        loss = _loss(m, x, labels)
        loss.backward()
        opt.step()
        return loss

    f = torch.compile(step, fullgraph=True) if compiled else step
    torch.manual_seed(1)
    losses = [float(f(x, labels)) for _ in range(steps)]
    return losses, {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}


def test_compiled_training_equals_eager():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no graph break (fullgraph) and no fallback warning
        eager_losses, eager_state = _train(False)
        compiled_losses, compiled_state = _train(True)
    np.testing.assert_allclose(compiled_losses, eager_losses, rtol=1e-5, atol=1e-5)
    for k in eager_state:
        np.testing.assert_allclose(compiled_state[k], eager_state[k], rtol=1e-5, atol=1e-6, err_msg=k)
    assert eager_losses[0] != eager_losses[1]  # the samples differ from step to step


def test_validation_skipped_under_compile_only():
    """Inside a compiled function parameter values are unknown: validation cannot raise there."""

    @torch.compile(fullgraph=True)
    def log_prob(scale, x):
        return D.Normal(0.0, scale).log_prob(x)

    out = log_prob(torch.tensor([-1.0]), torch.tensor([0.5]))
    assert out.shape == (1,)
    with pytest.raises(ValueError, match="to satisfy the constraint GreaterThan"):
        D.Normal(0.0, torch.tensor([-1.0])).log_prob(torch.tensor([0.5]))
