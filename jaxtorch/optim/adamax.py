"""Adamax (torch.optim.Adamax) on optax.scale_by_adamax."""

from __future__ import annotations

from typing import Callable, Iterable

import jax.numpy as jnp
import optax

from .._tensor import Tensor
from .optimizer import Optimizer, _check_adam_args, _decayed, _step_tensor, _unpack, _zeros_like

__all__ = ["Adamax"]

_EMPTY = optax.EmptyState()


def _adamax_update(*arrays, n, maximize, decay):
    params, grads, (steps, exp_avgs, exp_infs), (lr, beta1, beta2, eps, weight_decay) = _unpack(arrays, n, 3)
    out_p, out_step, out_m, out_u = [], [], [], []
    for i in range(n):
        p, g, step = params[i], grads[i], steps[i]
        if maximize:
            g = -g
        g = _decayed(g, p, weight_decay, decay)
        # optax's infinity moment is max(b2 * u, |g| + eps), torch's exp_inf exactly
        tx = optax.chain(optax.scale_by_adamax(beta1, beta2, eps), optax.scale(-lr))
        u, (new, _) = tx.update(g, (optax.ScaleByAdamState(step.astype(jnp.int32), exp_avgs[i], exp_infs[i]), _EMPTY))
        out_p.append(optax.apply_updates(p, u).astype(p.dtype))
        out_step.append((step + 1).astype(step.dtype))
        out_m.append(new.mu.astype(p.dtype))
        out_u.append(new.nu.astype(p.dtype))
    return (*out_p, *out_step, *out_m, *out_u)


class Adamax(Optimizer):
    """torch.optim.Adamax."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 2e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    _update = staticmethod(_adamax_update)

    def step(self, closure: Callable | None = None):
        """One Adamax step; returns closure()'s loss."""
        return self._foreach_step(closure)

    def _new_state(self, p: Tensor, group: dict) -> dict:
        return {"step": _step_tensor(), "exp_avg": _zeros_like(p), "exp_inf": _zeros_like(p)}

    def _state_keys(self, group: dict) -> tuple:
        return ("step", "exp_avg", "exp_inf")

    def _hyper(self, group: dict) -> tuple:
        return ("lr", ("betas", 0), ("betas", 1), "eps", "weight_decay")
