"""Adam and the update the Adam family shares: Adam/AdamW, NAdam, RAdam and Adamax are one per-parameter function
with switches, on optax's moments (scale_by_adam / scale_by_amsgrad / scale_by_radam / scale_by_adamax)."""

from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp
import optax

from .._tensor import Tensor
from .optimizer import Optimizer, _check_adam_args, _grad, _step_tensor, _wide, _zeros_like

__all__ = ["Adam"]

_EMPTY = optax.EmptyState()
_SECOND_MOMENT = {"adamax": "exp_inf"}  # the state key of the second moment, where it is not "exp_avg_sq"


def _adam_single(p, g, state, hp, *, maximize, decay, decoupled=False, amsgrad=False, variant="adam"):
    """One parameter's step of torch's Adam family. variant: "adam" (AdamW when decoupled), "nadam", "radam" or
    "adamax"; decoupled: weight decay applied to the parameter instead of added to the gradient (L2)."""
    lr, (beta1, beta2), eps, weight_decay = hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"]
    step = state["step"]
    g = _grad(g, p, weight_decay, maximize=maximize, decay=decay and not decoupled)
    if variant == "nadam":
        # optax.scale_by_nadam has neither torch's momentum schedule mu_t = b1 (1 - 0.5 * 0.96^(t psi)) nor its
        # running product, so the two-term update is written here; the moment updates are optax's
        if decoupled and decay:
            p = p * (1 - lr * weight_decay)
        t = _wide(step) + 1
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * hp["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * hp["momentum_decay"]))
        mu_product = (state["mu_product"] * mu).astype(state["mu_product"].dtype)
        m = optax.tree.update_moment(g, state["exp_avg"], beta1, 1)
        v = optax.tree.update_moment_per_elem_norm(g, state["exp_avg_sq"], beta2, 2)
        denom = jnp.sqrt(v / (1 - beta2**t)) + eps
        new_p = p - lr * (1.0 - mu) / (1.0 - mu_product) * g / denom
        new_p = new_p - lr * mu_next / (1.0 - mu_product * mu_next) * m / denom
        return new_p, {"step": t, "mu_product": mu_product, "exp_avg": m, "exp_avg_sq": v}
    new = {"step": step + 1}
    nu_key = _SECOND_MOMENT.get(variant, "exp_avg_sq")
    moments = (step.astype(jnp.int32), state["exp_avg"], state[nu_key])
    if amsgrad:
        # torch keeps the running max of the RAW second moment and bias-corrects it afterwards
        # (max(v_t) / bc2_t); optax's amsgrad maxes the bias-corrected moments unless bias_correction_nu is
        # off. With it off, torch's  mhat / (sqrt(vmax) / sqrt(bc2) + eps)
        # equals sqrt(bc2) * mhat / (sqrt(vmax) + eps * sqrt(bc2)): pass that eps and rescale.
        bc2_sqrt = jnp.sqrt(1.0 - beta2 ** (_wide(step) + 1))
        tx = optax.chain(
            optax.scale_by_amsgrad(beta1, beta2, eps * bc2_sqrt, bias_correction_nu=False), optax.scale(bc2_sqrt)
        )
        u, (st, _) = tx.update(g, (optax.ScaleByAmsgradState(*moments, state["max_exp_avg_sq"]), _EMPTY))
        new["max_exp_avg_sq"] = st.nu_max
    else:
        if variant == "radam":
            # torch's adaptive term is sqrt(bc2) / (sqrt(v) + eps); optax's is 1 / (sqrt(v / bc2) + eps'), the
            # same value when eps' = eps / sqrt(bc2). bc2 = 1 - b2^t is a traced value, so pass that eps.
            tx = optax.scale_by_radam(beta1, beta2, eps / jnp.sqrt(1.0 - beta2 ** (_wide(step) + 1)))
        elif variant == "adamax":  # optax's infinity moment is max(b2 * u, |g| + eps), torch's exp_inf exactly
            tx = optax.scale_by_adamax(beta1, beta2, eps)
        else:
            tx = optax.scale_by_adam(beta1, beta2, eps)
        u, st = tx.update(g, optax.ScaleByAdamState(*moments))
    if decoupled and decay:  # AdamW: p <- p - lr * wd * p, i.e. weight decay added to the update before the lr
        u = u + weight_decay * p
    u, _ = optax.scale(-lr).update(u, _EMPTY)
    return optax.apply_updates(p, u), {**new, "exp_avg": st.mu, nu_key: st.nu}


class _AdamFamily(Optimizer):
    """What Adam, NAdam, RAdam and Adamax share: the update (`_variant` picks the branch), its hyper-parameters,
    the moments' state and the switches."""

    _variant = "adam"
    update_single = staticmethod(_adam_single)
    _hyper = ("lr", "betas", "eps", "weight_decay")

    def init_single(self, p: Tensor, group: dict) -> dict:
        nu_key = _SECOND_MOMENT.get(self._variant, "exp_avg_sq")
        return {"step": _step_tensor(), "exp_avg": _zeros_like(p), nu_key: _zeros_like(p)}

    def _static(self, group: dict) -> tuple:
        decoupled = bool(group.get("decoupled_weight_decay", False))
        return (("variant", self._variant), ("decoupled", decoupled)) + super()._static(group)


class Adam(_AdamFamily):
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

    def init_single(self, p: Tensor, group: dict) -> dict:
        st = super().init_single(p, group)
        if group["amsgrad"]:
            st["max_exp_avg_sq"] = _zeros_like(p)
        return st

    def _static(self, group: dict) -> tuple:
        return super()._static(group) + (("amsgrad", bool(group["amsgrad"])),)
