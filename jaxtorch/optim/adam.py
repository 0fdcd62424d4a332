"""Adam (and the base of AdamW): torch's semantics on optax.scale_by_adam / scale_by_amsgrad."""

from __future__ import annotations

from typing import Callable, Iterable

import jax.numpy as jnp
import optax

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_adam_args,
    _decayed,
    _decays,
    _step_tensor,
    _unpack,
    _wide,
    _zeros_like,
)

__all__ = ["Adam"]

_EMPTY = optax.EmptyState()


def _adam_update(*arrays, n, amsgrad, maximize, decoupled, decay):
    params, grads, states, (lr, beta1, beta2, eps, weight_decay) = _unpack(arrays, n, 4 if amsgrad else 3)
    out_p, out_step, out_m, out_v, out_vmax = [], [], [], [], []
    for i in range(n):
        p, g, step = params[i], grads[i], states[0][i]
        if maximize:
            g = -g
        if not decoupled:  # Adam's weight_decay is L2: added to the gradient
            g = _decayed(g, p, weight_decay, decay)
        count = step.astype(jnp.int32)
        if amsgrad:
            # torch keeps the running max of the RAW second moment and bias-corrects it afterwards
            # (max(v_t) / bc2_t); optax's amsgrad maxes the bias-corrected moments unless bias_correction_nu is
            # off. With it off, torch's  mhat / (sqrt(vmax) / sqrt(bc2) + eps)
            # equals sqrt(bc2) * mhat / (sqrt(vmax) + eps * sqrt(bc2)): pass that eps and rescale.
            bc2_sqrt = jnp.sqrt(1.0 - beta2 ** (_wide(step) + 1))
            tx = optax.chain(
                optax.scale_by_amsgrad(beta1, beta2, eps * bc2_sqrt, bias_correction_nu=False), optax.scale(bc2_sqrt)
            )
            state = (optax.ScaleByAmsgradState(count, states[1][i], states[2][i], states[3][i]), _EMPTY)
        else:
            tx = optax.scale_by_adam(beta1, beta2, eps)
            state = optax.ScaleByAdamState(count, states[1][i], states[2][i])
        u, new = tx.update(g, state)
        if amsgrad:
            new = new[0]
            out_vmax.append(new.nu_max.astype(p.dtype))
        if decoupled:  # AdamW: p <- p - lr * wd * p, i.e. weight decay added to the update before the lr
            u = _decayed(u, p, weight_decay, decay)
        u, _ = optax.scale(-lr).update(u, _EMPTY)
        out_p.append(optax.apply_updates(p, u).astype(p.dtype))
        out_step.append((step + 1).astype(step.dtype))
        out_m.append(new.mu.astype(p.dtype))
        out_v.append(new.nu.astype(p.dtype))
    return (*out_p, *out_step, *out_m, *out_v, *out_vmax)


class Adam(Optimizer):
    """torch.optim.Adam (weight_decay is L2 unless decoupled_weight_decay=True, which is AdamW)."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        if isinstance(betas[0], Tensor) != isinstance(betas[1], Tensor):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (
                ("amsgrad", False),
                ("maximize", False),
                ("foreach", None),
                ("capturable", False),
                ("differentiable", False),
                ("fused", None),
                ("decoupled_weight_decay", False),
            ):
                group.setdefault(key, value)

    _update = staticmethod(_adam_update)

    def step(self, closure: Callable | None = None):
        """One Adam step over every parameter that has a gradient; returns closure()'s loss."""
        return self._foreach_step(closure)

    def _new_state(self, p: Tensor, group: dict) -> dict:
        st = {"step": _step_tensor(), "exp_avg": _zeros_like(p), "exp_avg_sq": _zeros_like(p)}
        if group["amsgrad"]:
            st["max_exp_avg_sq"] = _zeros_like(p)
        return st

    def _state_keys(self, group: dict) -> tuple:
        return ("step", "exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())

    def _hyper(self, group: dict) -> tuple:
        return ("lr", ("betas", 0), ("betas", 1), "eps", "weight_decay")

    def _static(self, group: dict) -> tuple:
        return (
            ("amsgrad", bool(group["amsgrad"])),
            ("maximize", bool(group["maximize"])),
            ("decoupled", bool(group["decoupled_weight_decay"])),
            ("decay", _decays(group)),
        )
