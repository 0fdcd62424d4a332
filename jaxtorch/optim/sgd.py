"""SGD with torch's momentum, dampening, nesterov, weight_decay and maximize, on optax transforms."""

from __future__ import annotations

from typing import Callable, Iterable

import jax.numpy as jnp
import optax

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .optimizer import Optimizer, _closure_loss, _decays, _grad, _occurrence_rounds, _zeros_like

__all__ = ["SGD"]


def _sgd_single(p, g, state, hp, *, first=False, has_momentum, nesterov, maximize, decay):
    """first: whether this occurrence starts its momentum buffer (a traced flag, one per occurrence)."""
    g = _grad(g, p, hp["weight_decay"], maximize=maximize, decay=decay)
    new = {}
    if has_momentum:
        # torch starts the buffer AT the first gradient and dampens only later updates:
        # buf_1 = g_1, buf_t = m * buf_{t-1} + (1 - d) * g_t. optax.trace computes buf = g_in + m * buf from a
        # zero buffer, so feeding it g_in = g on the first step and (1 - d) g afterwards is exactly torch's.
        g, _ = optax.scale(jnp.where(first, 1.0, 1.0 - hp["dampening"])).update(g, optax.EmptyState())
        trace = optax.trace(decay=hp["momentum"], nesterov=nesterov)
        g, st = trace.update(g, optax.TraceState(trace=state["momentum_buffer"]))
        new["momentum_buffer"] = st.trace
    u, _ = optax.scale(-hp["lr"]).update(g, optax.EmptyState())
    return optax.apply_updates(p, u), new


class SGD(Optimizer):
    """torch.optim.SGD."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def _prepare_state(self, params: list[Tensor]) -> list[Tensor] | None:
        # a fresh momentum buffer starts as the gradient itself; from zeros the first step gives the
        # same buffer only without dampening
        ids = {id(p) for p in params}
        made: list = []
        for group in self.param_groups:
            mine = [p for p in group["params"] if id(p) in ids]
            if group["momentum"] != 0 and mine:
                if group["dampening"] != 0 or len(mine) != len({id(p) for p in mine}):
                    # a fresh buffer is not a zero buffer then (dampening; a parameter listed twice starts two)
                    return None
                for p in mine:
                    if self.state[p].get("momentum_buffer") is None:
                        self.state[p]["momentum_buffer"] = _zeros_like(p)
                        made.append(self.state[p]["momentum_buffer"])
            made += self._hyper_args(group)[1]
        return made

    update_single = staticmethod(_sgd_single)
    _hyper = ("lr", "momentum", "dampening", "weight_decay")

    def _static(self, group: dict) -> tuple:
        return (
            ("has_momentum", group["momentum"] != 0),
            ("nesterov", bool(group["nesterov"])),
            ("maximize", bool(group["maximize"])),
            ("decay", _decays(group)),
        )

    def step(self, closure: Callable | None = None):
        """One SGD step over every parameter that has a gradient; returns closure()'s loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params = self._params_with_grad(group)
            if not params:
                continue
            if group["momentum"] == 0:
                self._run_update(group, params)
                continue
            first, fresh_ids = [], set()
            for p in params:
                st = self.state[p]
                # torch reads every buffer at the start of the step: each occurrence of a parameter listed
                # twice whose buffer did not exist yet starts a buffer of its own from the gradient
                fresh = st.get("momentum_buffer") is None or id(p) in fresh_ids
                if fresh and id(p) not in fresh_ids:
                    st["momentum_buffer"] = _zeros_like(p)
                    fresh_ids.add(id(p))
                first.append(fresh)
            for r, idx in enumerate(_occurrence_rounds(params)):
                ps, fs = [params[i] for i in idx], [first[i] for i in idx]
                if r:
                    with no_grad():
                        for p, f in zip(ps, fs):
                            if f:
                                self.state[p]["momentum_buffer"].zero_()
                self._run_update(group, ps, {"first": fs})
        return loss
