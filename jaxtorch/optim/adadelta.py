"""Adadelta (torch.optim.Adadelta) on optax.scale_by_adadelta."""

from __future__ import annotations

from typing import Callable, Iterable

import optax

from .._tensor import Tensor
from .optimizer import Optimizer, _check_lr, _decayed, _step_tensor, _unpack, _zeros_like

__all__ = ["Adadelta"]

_EMPTY = optax.EmptyState()


def _adadelta_update(*arrays, n, maximize, decay):
    params, grads, (steps, square_avgs, acc_deltas), (lr, rho, eps, weight_decay) = _unpack(arrays, n, 3)
    out_p, out_step, out_sq, out_acc = [], [], [], []
    for i in range(n):
        p, g = params[i], grads[i]
        if maximize:
            g = -g
        # optax's e_g / e_x are torch's square_avg / acc_delta, with the same update order and eps placement
        g = _decayed(g, p, weight_decay, decay)
        tx = optax.chain(optax.scale_by_adadelta(rho, eps), optax.scale(-lr))
        u, (st, _) = tx.update(g, (optax.ScaleByAdaDeltaState(square_avgs[i], acc_deltas[i]), _EMPTY))
        out_p.append(optax.apply_updates(p, u).astype(p.dtype))
        out_step.append((steps[i] + 1).astype(steps[i].dtype))
        out_sq.append(st.e_g.astype(p.dtype))
        out_acc.append(st.e_x.astype(p.dtype))
    return (*out_p, *out_step, *out_sq, *out_acc)


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

    _update = staticmethod(_adadelta_update)

    def step(self, closure: Callable | None = None):
        """One Adadelta step; returns closure()'s loss."""
        return self._foreach_step(closure)

    def _new_state(self, p: Tensor, group: dict) -> dict:
        return {"step": _step_tensor(), "square_avg": _zeros_like(p), "acc_delta": _zeros_like(p)}

    def _state_keys(self, group: dict) -> tuple:
        return ("step", "square_avg", "acc_delta")

    def _hyper(self, group: dict) -> tuple:
        return ("lr", "rho", "eps", "weight_decay")
