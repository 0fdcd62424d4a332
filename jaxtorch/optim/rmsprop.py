"""RMSprop (torch.optim.RMSprop) on optax.scale_by_rms / scale_by_stddev and optax.trace."""

from __future__ import annotations

from typing import Callable, Iterable

import optax

from .._tensor import Tensor
from .optimizer import Optimizer, _check_lr, _decayed, _decays, _step_tensor, _unpack, _zeros_like

__all__ = ["RMSprop"]

_EMPTY = optax.EmptyState()


def _rmsprop_update(*arrays, n, centered, has_momentum, maximize, decay):
    n_state = 2 + int(has_momentum) + int(centered)
    params, grads, states, (lr, alpha, eps, weight_decay, momentum) = _unpack(arrays, n, n_state)
    steps, square_avgs = states[0], states[1]
    bufs = states[2] if has_momentum else None
    grad_avgs = states[2 + int(has_momentum)] if centered else None
    out = [[] for _ in range(n_state + 1)]
    for i in range(n):
        p, g = params[i], grads[i]
        if maximize:
            g = -g
        g = _decayed(g, p, weight_decay, decay)
        # torch adds eps outside the square root, optax's eps_in_sqrt=False
        if centered:
            u, st = optax.scale_by_stddev(alpha, eps, eps_in_sqrt=False).update(
                g, optax.ScaleByRStdDevState(mu=grad_avgs[i], nu=square_avgs[i])
            )
            nu = st.nu
        else:
            u, st = optax.scale_by_rms(alpha, eps, eps_in_sqrt=False).update(
                g, optax.ScaleByRmsState(nu=square_avgs[i])
            )
            nu = st.nu
        new_state = [steps[i] + 1, nu]
        if has_momentum:  # torch's buffer starts at zero: buf = m * buf + g / avg, optax.trace exactly
            u, tr = optax.trace(decay=momentum).update(u, optax.TraceState(trace=bufs[i]))
            new_state.append(tr.trace)
        if centered:
            new_state.append(st.mu)
        u, _ = optax.scale(-lr).update(u, _EMPTY)
        out[0].append(optax.apply_updates(p, u).astype(p.dtype))
        for k, v in enumerate(new_state):
            out[k + 1].append(v.astype(states[k][i].dtype))
    return tuple(x for lst in out for x in lst)


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

    _update = staticmethod(_rmsprop_update)

    def step(self, closure: Callable | None = None):
        """One RMSprop step; returns closure()'s loss."""
        return self._foreach_step(closure)

    def _new_state(self, p: Tensor, group: dict) -> dict:
        st = {"step": _step_tensor(), "square_avg": _zeros_like(p)}
        if group["momentum"] > 0:
            st["momentum_buffer"] = _zeros_like(p)
        if group["centered"]:
            st["grad_avg"] = _zeros_like(p)
        return st

    def _state_keys(self, group: dict) -> tuple:
        return (
            ("step", "square_avg")
            + (("momentum_buffer",) if group["momentum"] > 0 else ())
            + (("grad_avg",) if group["centered"] else ())
        )

    def _hyper(self, group: dict) -> tuple:
        return ("lr", "alpha", "eps", "weight_decay", "momentum")

    def _static(self, group: dict) -> tuple:
        return (
            ("centered", bool(group["centered"])),
            ("has_momentum", group["momentum"] > 0),
            ("maximize", bool(group["maximize"])),
            ("decay", _decays(group)),
        )
