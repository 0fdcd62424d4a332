"""Adadelta (torch.optim.Adadelta) on optax.scale_by_adadelta."""

from __future__ import annotations

from typing import Iterable

import optax

from .._tensor import Tensor
from .optimizer import Optimizer, _check_lr, _grad, _step_tensor, _zeros_like

__all__ = ["Adadelta"]


def _adadelta_single(p, g, state, hp, *, maximize, decay):
    g = _grad(g, p, hp["weight_decay"], maximize=maximize, decay=decay)
    # optax's e_g / e_x are torch's square_avg / acc_delta, with the same update order and eps placement
    tx = optax.chain(optax.scale_by_adadelta(hp["rho"], hp["eps"]), optax.scale(-hp["lr"]))
    u, (st, _) = tx.update(g, (optax.ScaleByAdaDeltaState(state["square_avg"], state["acc_delta"]), optax.EmptyState()))
    return optax.apply_updates(p, u), {"step": state["step"] + 1, "square_avg": st.e_g, "acc_delta": st.e_x}


class Adadelta(Optimizer):
    """torch.optim.Adadelta."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            capturable=capturable,
            foreach=foreach,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    update_single = staticmethod(_adadelta_single)
    _hyper = ("lr", "rho", "eps", "weight_decay")

    def init_single(self, p: Tensor, group: dict) -> dict:
        return {"step": _step_tensor(), "square_avg": _zeros_like(p), "acc_delta": _zeros_like(p)}
