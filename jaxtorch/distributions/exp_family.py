"""torch.distributions.ExponentialFamily: entropy (and KL, in kl.py) from the log normalizer's gradient."""

from __future__ import annotations

import jaxtorch as torch
from jaxtorch import Tensor

from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """Base class for distributions p(x; theta) = exp(<t(x), theta> - F(theta) + k(x)).

    Subclasses give `_natural_params` (theta), `_log_normalizer` (F) and `_mean_carrier_measure`
    (E[k(x)]); the entropy is then computed through autograd, as a Bregman divergence.
    """

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> float:
        raise NotImplementedError

    def entropy(self):
        result = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = torch.autograd.grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for np_, g in zip(nparams, gradients):
            result = result - (np_ * g).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result
