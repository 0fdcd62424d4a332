"""RMSprop (torch.optim.RMSprop) on optax.scale_by_rms / scale_by_stddev and optax.trace."""

from __future__ import annotations

from typing import Iterable

import optax

from .._tensor import Tensor
from .optimizer import Optimizer, _check_lr, _decays, _grad, _step_tensor, _zeros_like

__all__ = ["RMSprop"]


def _rmsprop_single(p, g, state, hp, *, centered, has_momentum, maximize, decay):
    g = _grad(g, p, hp["weight_decay"], maximize=maximize, decay=decay)
    new = {"step": state["step"] + 1}
    # torch adds eps outside the square root, optax's eps_in_sqrt=False
    if centered:
        tx = optax.scale_by_stddev(hp["alpha"], hp["eps"], eps_in_sqrt=False)
        u, st = tx.update(g, optax.ScaleByRStdDevState(mu=state["grad_avg"], nu=state["square_avg"]))
        new["grad_avg"] = st.mu
    else:
        tx = optax.scale_by_rms(hp["alpha"], hp["eps"], eps_in_sqrt=False)
        u, st = tx.update(g, optax.ScaleByRmsState(nu=state["square_avg"]))
    new["square_avg"] = st.nu
    if has_momentum:  # torch's buffer starts at zero: buf = m * buf + g / avg, optax.trace exactly
        u, tr = optax.trace(decay=hp["momentum"]).update(u, optax.TraceState(trace=state["momentum_buffer"]))
        new["momentum_buffer"] = tr.trace
    u, _ = optax.scale(-hp["lr"]).update(u, optax.EmptyState())
    return optax.apply_updates(p, u), new


class RMSprop(Optimizer):
    """torch.optim.RMSprop."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            capturable=capturable,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    update_single = staticmethod(_rmsprop_single)
    _hyper = ("lr", "alpha", "eps", "weight_decay", "momentum")

    def init_single(self, p: Tensor, group: dict) -> dict:
        st = {"step": _step_tensor(), "square_avg": _zeros_like(p)}
        if group["momentum"] > 0:
            st["momentum_buffer"] = _zeros_like(p)
        if group["centered"]:
            st["grad_avg"] = _zeros_like(p)
        return st

    def _static(self, group: dict) -> tuple:
        return (
            ("centered", bool(group["centered"])),
            ("has_momentum", group["momentum"] > 0),
            ("maximize", bool(group["maximize"])),
            ("decay", _decays(group)),
        )
