"""torch.amp.GradScaler: dynamic loss scaling for float16 training.

The scale and the growth tracker are tensors (state cells), so `torch.compile` lifts them like any
other state. Skipping the optimizer step when a gradient is inf/nan:
  * eagerly, the found-inf flag is read (`.item()`) and `optimizer.step()` is simply not called,
    as torch does;
  * while traced by `torch.compile` the flag is a traced value, so the step is always computed and
    every parameter and optimizer-state tensor is then selected back to its old value where the flag
    is set (`where(found_inf, old, new)`). State that the optimizer creates lazily inside a skipped
    traced step is reset to zeros (the initial value of Adam's/AdamW's/RMSprop's moments and step;
    SGD's momentum buffer, which torch initialises from the first gradient, then starts from zero).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from enum import Enum
from typing import Any

import jax.numpy as jnp

from .. import _dtype as _dt
from .. import _trace_state
from .._ops._dispatch import apply
from .._tensor import Tensor, _is_tracer
from ..autograd.grad_mode import no_grad
from .autocast_mode import is_autocast_available

__all__ = ["GradScaler", "OptState"]


class OptState(Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state() -> dict:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


def _unscale_impl(inv_scale, found, *grads):
    """grads * inv_scale (math in float32 for half types) and found = 1 if any grad is inf/nan."""
    bad = found > 0
    out = []
    for g in grads:
        gc = g.astype(jnp.promote_types(g.dtype, jnp.float32))
        bad = bad | ~jnp.all(jnp.isfinite(gc))
        out.append((gc * inv_scale.astype(gc.dtype)).astype(g.dtype))
    return (bad.astype(jnp.float32),) + tuple(out)


def _update_scale_impl(scale, tracker, found, *, growth_factor, backoff_factor, growth_interval):
    """torch's _amp_update_scale_: back off on inf, grow after growth_interval clean steps."""
    inf = found > 0
    successful = tracker + 1
    grown = scale * jnp.float32(growth_factor)
    grow = successful >= growth_interval
    new_scale = jnp.where(inf, scale * jnp.float32(backoff_factor),
                          jnp.where(grow & jnp.isfinite(grown), grown, scale))
    new_tracker = jnp.where(inf | grow, jnp.zeros_like(tracker), successful)
    return new_scale.astype(scale.dtype), new_tracker.astype(tracker.dtype)


def _select_impl(found, old, new):
    return jnp.where(found > 0, old, new)


def _inv_impl(scale):
    return (1.0 / scale.astype(jnp.float64)).astype(jnp.float32)


class GradScaler:
    """Scale the loss, unscale gradients, skip steps with inf/nan gradients, adapt the scale."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if self._device == "cuda" and enabled and not is_autocast_available("cuda"):
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale: Tensor | None = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker: Tensor | None = None
            self._per_optimizer_states: dict = defaultdict(_refresh_per_optimizer_state)

    # ------------------------------------------------------------------ scaling
    def _lazy_init_scale_growth_tracker(self) -> None:
        from .. import full

        self._scale = full((), self._init_scale, dtype=_dt.float32)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=_dt.int32)

    def _compile_prepare(self, slots: list) -> list[Tensor] | None:
        """torch.compile: the traced step made the scale and growth tracker; make them up front."""
        if any(c is not self.__dict__ or key not in ("_scale", "_growth_tracker") for c, key in slots):
            return None
        if self._scale is None:
            self._lazy_init_scale_growth_tracker()
        return [self._scale, self._growth_tracker]

    def scale(self, outputs: Any) -> Any:
        """outputs (a tensor or nested iterables of tensors) multiplied by the scale factor."""
        if not self._enabled:
            return outputs
        if _trace_state.observer is not None:  # torch.compile: the scale is state this object holds
            _trace_state.observer.note_object(self)
        if isinstance(outputs, Tensor):
            if self._scale is None:
                self._lazy_init_scale_growth_tracker()
            return outputs * self._scale

        def apply_scale(val):
            if isinstance(val, Tensor):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker()
                return val * self._scale
            if isinstance(val, (list, tuple)):
                return type(val)(apply_scale(v) for v in val)
            if hasattr(val, "__iter__") and not isinstance(val, (str, bytes)):
                return map(apply_scale, val)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply_scale(outputs)

    def _unscale_grads_(self, optimizer, inv_scale: Tensor, found_inf: Tensor, allow_fp16: bool) -> dict:
        grads = []
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if not allow_fp16 and g.dtype is _dt.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                grads.append(g)
        if grads:
            with no_grad():
                res = apply(_unscale_impl, (inv_scale, found_inf) + tuple(grads), (), "amp_unscale")
                found_inf._inplace_assign(res[0])
                for g, new in zip(grads, res[1:]):
                    g._inplace_assign(new)
        return {self._device: found_inf}

    def unscale_(self, optimizer) -> None:
        """Divide optimizer's gradients by the scale in place (once per update) and record inf/nan."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        from .. import zeros

        inv_scale = apply(_inv_impl, (self._scale,), (), "reciprocal")
        found_inf = zeros((), dtype=_dt.float32)
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, found_inf, False)
        state["stage"] = OptState.UNSCALED

    def _maybe_opt_step(self, optimizer, state: dict, *args, **kwargs):
        found = list(state["found_inf_per_device"].values())
        flag = found[0]
        for f in found[1:]:
            flag = flag + f
        if not _is_tracer(flag._value()):
            # eager: read the flag and skip the step, exactly as torch does
            return optimizer.step(*args, **kwargs) if not flag.item() else None
        return self._select_step(optimizer, flag, args, kwargs)

    @staticmethod
    def _select_step(optimizer, flag: Tensor, args: tuple, kwargs: dict):
        """Traced step: compute it, then keep the old values wherever the flag says inf/nan."""
        before: dict = {}
        for group in optimizer.param_groups:
            for p in group["params"]:
                before[id(p)] = (p, Tensor._make(p._value()))
                for v in optimizer.state.get(p, {}).values():
                    if isinstance(v, Tensor):
                        before[id(v)] = (v, Tensor._make(v._value()))
        retval = optimizer.step(*args, **kwargs)
        with no_grad():
            for t, old in before.values():
                t._inplace_assign(apply(_select_impl, (flag, old, t), (), "amp_skip_step"))
            for group in optimizer.param_groups:
                for p in group["params"]:
                    for v in optimizer.state.get(p, {}).values():
                        if isinstance(v, Tensor) and id(v) not in before:  # created by this step
                            v._inplace_assign(apply(_select_impl, (flag, v * 0, v), (), "amp_skip_step"))
        return retval

    def step(self, optimizer, *args, **kwargs):
        """unscale_ (if not done yet), then optimizer.step() unless a gradient was inf/nan."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = self._maybe_opt_step(optimizer, state, *args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Set the next scale: backoff if any step saw inf/nan, growth after growth_interval clean steps."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("update")
        with no_grad():
            if new_scale is not None:
                if isinstance(new_scale, float):
                    self._scale.fill_(new_scale)
                else:
                    if not (isinstance(new_scale, Tensor) and new_scale.numel() == 1
                            and new_scale.dtype is _dt.float32 and not new_scale.requires_grad):
                        raise AssertionError("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                                             "torch.FloatTensor with requires_grad=False.")
                    self._scale.copy_(new_scale.reshape(()))
            else:
                found_infs = [f for st in self._per_optimizer_states.values()
                              for f in st["found_inf_per_device"].values()]
                if len(found_infs) == 0:
                    raise AssertionError("No inf checks were recorded prior to update.")
                found = found_infs[0]
                for f in found_infs[1:]:
                    found = found + f
                static = (("growth_factor", float(self._growth_factor)),
                          ("backoff_factor", float(self._backoff_factor)),
                          ("growth_interval", int(self._growth_interval)))
                scale, tracker = apply(_update_scale_impl, (self._scale, self._growth_tracker, found), static,
                                       "amp_update_scale")
                self._scale._inplace_assign(scale)
                self._growth_tracker._inplace_assign(tracker)
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _check_scale_growth_tracker(self, funcname: str) -> None:
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)

    # ------------------------------------------------------------------ getters / setters
    def _get_scale_async(self) -> Tensor | None:
        return self._scale

    def get_scale(self) -> float:
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale.item()

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker.item()

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        with no_grad():
            if self._scale is not None:
                self._scale.fill_(self._init_scale)
            if self._growth_tracker is not None:
                self._growth_tracker.fill_(self._init_growth_tracker)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError("A GradScaler instance may only be pickled at the beginning of an iteration, "
                                     "or at the end after scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
            state["_per_optimizer_states"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self._enabled:
            self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)
