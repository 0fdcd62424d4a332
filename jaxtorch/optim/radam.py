"""RAdam (torch.optim.RAdam) on optax.scale_by_radam."""

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
    _step_tensor,
    _unpack,
    _wide,
    _zeros_like,
)

__all__ = ["RAdam"]

_EMPTY = optax.EmptyState()


def _radam_update(*arrays, n, maximize, decoupled, decay):
    params, grads, (steps, exp_avgs, exp_avg_sqs), (lr, beta1, beta2, eps, weight_decay) = _unpack(arrays, n, 3)
    out_p, out_step, out_m, out_v = [], [], [], []
    for i in range(n):
        p, g, step = params[i], grads[i], steps[i]
        if maximize:
            g = -g
        if not decoupled:
            g = _decayed(g, p, weight_decay, decay)
        # torch's adaptive term is sqrt(bc2) / (sqrt(v) + eps); optax's is 1 / (sqrt(v / bc2) + eps'), the same
        # value when eps' = eps / sqrt(bc2). bc2 = 1 - b2^t is a traced value, so pass that eps.
        eps_scaled = eps / jnp.sqrt(1.0 - beta2 ** (_wide(step) + 1))
        u, new = optax.scale_by_radam(beta1, beta2, eps_scaled).update(
            g, optax.ScaleByAdamState(step.astype(jnp.int32), exp_avgs[i], exp_avg_sqs[i])
        )
        if decoupled:
            u = _decayed(u, p, weight_decay, decay)
        u, _ = optax.scale(-lr).update(u, _EMPTY)
        out_p.append(optax.apply_updates(p, u).astype(p.dtype))
        out_step.append((step + 1).astype(step.dtype))
        out_m.append(new.mu.astype(p.dtype))
        out_v.append(new.nu.astype(p.dtype))
    return (*out_p, *out_step, *out_m, *out_v)


class RAdam(Optimizer):
    """torch.optim.RAdam."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    _update = staticmethod(_radam_update)

    def step(self, closure: Callable | None = None):
        """One RAdam step; returns closure()'s loss."""
        return self._foreach_step(closure)

    def _new_state(self, p: Tensor, group: dict) -> dict:
        return {"step": _step_tensor(), "exp_avg": _zeros_like(p), "exp_avg_sq": _zeros_like(p)}

    def _state_keys(self, group: dict) -> tuple:
        return ("step", "exp_avg", "exp_avg_sq")

    def _hyper(self, group: dict) -> tuple:
        return ("lr", ("betas", 0), ("betas", 1), "eps", "weight_decay")

    def _static(self, group: dict) -> tuple:
        return (
            ("maximize", bool(group["maximize"])),
            ("decoupled", bool(group["decoupled_weight_decay"])),
            ("decay", _decays(group)),
        )
