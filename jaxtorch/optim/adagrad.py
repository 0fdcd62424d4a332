"""Adagrad (torch.optim.Adagrad).

optax.scale_by_rss puts eps inside the square root (g * rsqrt(sum + eps)) while torch divides by
sqrt(sum) + eps, and optax has no lr_decay; the accumulation and the division are written here, the
scaling is optax's.
"""

from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp
import optax

from .._tensor import Tensor
from .optimizer import Optimizer, _check_lr, _grad, _init_states, _step_tensor, _wide, _zeros_like

__all__ = ["Adagrad"]


def _adagrad_single(p, g, state, hp, *, maximize, decay):
    g = _grad(g, p, hp["weight_decay"], maximize=maximize, decay=decay)
    clr = hp["lr"] / (1 + _wide(state["step"]) * hp["lr_decay"])
    acc = state["sum"] + g * g
    u, _ = optax.scale(-clr).update(g / (jnp.sqrt(acc) + hp["eps"]), optax.EmptyState())
    return optax.apply_updates(p, u), {"step": state["step"] + 1, "sum": acc}


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
            _init_states(self, group["params"], lambda p: self.init_single(p, group))

    update_single = staticmethod(_adagrad_single)
    _hyper = ("lr", "lr_decay", "weight_decay", "eps")

    def init_single(self, p: Tensor, group: dict) -> dict:
        return {"step": _step_tensor(), "sum": _zeros_like(p, group["initial_accumulator_value"])}
