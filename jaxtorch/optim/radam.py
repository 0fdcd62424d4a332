"""RAdam (torch.optim.RAdam): the Adam family's shared update (adam.py) on optax.scale_by_radam."""

from __future__ import annotations

from typing import Iterable

from .._tensor import Tensor
from .adam import _AdamFamily
from .optimizer import _check_adam_args

__all__ = ["RAdam"]


class RAdam(_AdamFamily):
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

    _variant = "radam"
