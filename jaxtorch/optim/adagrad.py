"""Adagrad (torch.optim.Adagrad).

optax.scale_by_rss puts eps inside the square root (g * rsqrt(sum + eps)) while torch divides by
sqrt(sum) + eps, and optax has no lr_decay; the accumulation and the division are written here, the
scaling is optax's.
"""

from __future__ import annotations

from typing import Callable, Iterable

import jax.numpy as jnp
import optax

from .._tensor import Tensor
from .optimizer import Optimizer, _check_lr, _decayed, _step_tensor, _unpack, _wide, _zeros_like

__all__ = ["Adagrad"]

_EMPTY = optax.EmptyState()


def _adagrad_update(*arrays, n, maximize, decay):
    params, grads, (steps, sums), (lr, lr_decay, weight_decay, eps) = _unpack(arrays, n, 2)
    out_p, out_step, out_sum = [], [], []
    for i in range(n):
        p, g = params[i], grads[i]
        if maximize:
            g = -g
        g = _decayed(g, p, weight_decay, decay)
        step = steps[i] + 1
        clr = lr / (1 + _wide(steps[i]) * lr_decay)
        acc = sums[i] + g * g
        u, _ = optax.scale(-clr).update(g / (jnp.sqrt(acc) + eps), _EMPTY)
        out_p.append(optax.apply_updates(p, u).astype(p.dtype))
        out_step.append(step.astype(steps[i].dtype))
        out_sum.append(acc.astype(p.dtype))
    return (*out_p, *out_step, *out_sum)


class Adagrad(Optimizer):
    """torch.optim.Adagrad (state is created at construction, as torch does)."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state[p]
                st["step"] = _step_tensor()
                st["sum"] = _zeros_like(p, group["initial_accumulator_value"])

    _update = staticmethod(_adagrad_update)

    def step(self, closure: Callable | None = None):
        """One Adagrad step; returns closure()'s loss."""
        return self._foreach_step(closure)

    def _new_state(self, p: Tensor, group: dict) -> dict:
        return {"step": _step_tensor(), "sum": _zeros_like(p, group["initial_accumulator_value"])}

    def _state_keys(self, group: dict) -> tuple:
        return ("step", "sum")

    def _hyper(self, group: dict) -> tuple:
        return ("lr", "lr_decay", "weight_decay", "eps")
