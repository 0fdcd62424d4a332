"""Adamax (torch.optim.Adamax): the Adam family's shared update (adam.py) on optax.scale_by_adamax."""

from __future__ import annotations

from typing import Iterable

from .._tensor import Tensor
from .adam import _AdamFamily
from .optimizer import _check_adam_args

__all__ = ["Adamax"]


class Adamax(_AdamFamily):
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

    _variant = "adamax"
