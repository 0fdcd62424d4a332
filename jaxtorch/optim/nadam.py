"""NAdam (torch.optim.NAdam): Adam moments from optax's tree helpers, torch's momentum-decay schedule.

optax.scale_by_nadam implements the simplified Nesterov step without torch's mu_t = b1 (1 - 0.5 * 0.96^(t psi))
schedule and its running product, so the schedule and the two-term update are written here; the moment
updates are optax's.
"""

from __future__ import annotations

from typing import Callable, Iterable

import jax.numpy as jnp
import optax

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_adam_args,
    _decayed,
    _decays,
    _scalar_dtype,
    _step_tensor,
    _unpack,
    _wide,
    _zeros_like,
)

__all__ = ["NAdam"]

_EMPTY = optax.EmptyState()


def _nadam_update(*arrays, n, maximize, decoupled, decay):
    params, grads, (steps, mu_products, exp_avgs, exp_avg_sqs), scalars = _unpack(arrays, n, 4)
    lr, beta1, beta2, eps, weight_decay, momentum_decay = scalars
    out = [[] for _ in range(5)]
    for i in range(n):
        p, g = params[i], grads[i]
        if maximize:
            g = -g
        step = _wide(steps[i]) + 1
        if decoupled and decay:
            p = p * (1 - lr * weight_decay)
        elif decay:
            g = _decayed(g, p, weight_decay, decay)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        mu_product = (mu_products[i] * mu).astype(mu_products[i].dtype)
        m = optax.tree.update_moment(g, exp_avgs[i], beta1, 1)
        v = optax.tree.update_moment_per_elem_norm(g, exp_avg_sqs[i], beta2, 2)
        denom = jnp.sqrt(v / (1 - beta2**step)) + eps
        mu_product_next = mu_product * mu_next
        new_p = p - lr * (1.0 - mu) / (1.0 - mu_product) * g / denom
        new_p = new_p - lr * mu_next / (1.0 - mu_product_next) * m / denom
        for lst, v_new, like in zip(out, (new_p, step, mu_product, m, v), (p, steps[i], mu_products[i], p, p)):
            lst.append(v_new.astype(like.dtype))
    return tuple(x for lst in out for x in lst)


class NAdam(Optimizer):
    """torch.optim.NAdam."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 2e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    _step_keys = ("step", "mu_product")

    _update = staticmethod(_nadam_update)

    def step(self, closure: Callable | None = None):
        """One NAdam step; returns closure()'s loss."""
        return self._foreach_step(closure)

    def _new_state(self, p: Tensor, group: dict) -> dict:
        return {
            "step": _step_tensor(),
            "mu_product": Tensor._make(jnp.ones((), _scalar_dtype())),
            "exp_avg": _zeros_like(p),
            "exp_avg_sq": _zeros_like(p),
        }

    def _state_keys(self, group: dict) -> tuple:
        return ("step", "mu_product", "exp_avg", "exp_avg_sq")

    def _hyper(self, group: dict) -> tuple:
        return ("lr", ("betas", 0), ("betas", 1), "eps", "weight_decay", "momentum_decay")

    def _static(self, group: dict) -> tuple:
        return (
            ("maximize", bool(group["maximize"])),
            ("decoupled", bool(group["decoupled_weight_decay"])),
            ("decay", _decays(group)),
        )
