"""NAdam (torch.optim.NAdam): the Adam family's shared update (adam.py) with torch's momentum-decay schedule."""

from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp

from .._tensor import Tensor
from .adam import _AdamFamily
from .optimizer import _check_adam_args, _scalar_dtype, _step_tensor, _zeros_like

__all__ = ["NAdam"]


class NAdam(_AdamFamily):
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

    _variant = "nadam"
    _step_keys = ("step", "mu_product")
    _hyper = ("lr", "betas", "eps", "weight_decay", "momentum_decay")

    def init_single(self, p: Tensor, group: dict) -> dict:
        return {
            "step": _step_tensor(),
            "mu_product": Tensor._make(jnp.ones((), _scalar_dtype())),
            "exp_avg": _zeros_like(p),
            "exp_avg_sq": _zeros_like(p),
        }
