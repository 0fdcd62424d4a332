"""Gradient clipping: clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_.

The norm of all gradients and the scaled gradients are computed in one dispatched function."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..._ops._dispatch import apply
from ..._tensor import Tensor
from ...autograd import grad_mode as _gm

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _as_list(tensors) -> list:
    if isinstance(tensors, Tensor):
        return [tensors]
    return list(tensors)


def _vector_norm(g, p):
    g = g.reshape(-1)
    if p == float("inf"):
        return jnp.max(jnp.abs(g)) if g.size else jnp.zeros((), g.dtype)
    if p == float("-inf"):
        return jnp.min(jnp.abs(g)) if g.size else jnp.asarray(jnp.inf, g.dtype)
    if p == 0:
        return jnp.sum((g != 0).astype(g.dtype))
    if p == 2:
        return jnp.sqrt(jnp.sum(g * g))
    return jnp.sum(jnp.abs(g) ** p) ** (1.0 / p)


def _total_norm(*grads, p):
    norms = jnp.stack([_vector_norm(g, p).astype(grads[0].dtype) for g in grads])
    return _vector_norm(norms, p)


def _scaled(max_norm, total, *grads):
    coef = jnp.minimum(max_norm / (total + 1e-6), 1.0)
    return tuple((g * coef.astype(g.dtype)).astype(g.dtype) for g in grads)


def _norm_and_scale(max_norm, *grads, p):
    total = _total_norm(*grads, p=p)
    return (total,) + _scaled(max_norm, total, *grads)


def _no_grad():
    class _Guard:
        def __enter__(self):
            self.prev = _gm.state.enabled
            _gm.state.enabled = False

        def __exit__(self, *exc):
            _gm.state.enabled = self.prev

    return _Guard()


def _nonfinite_error(norm_type: float) -> RuntimeError:
    return RuntimeError(f"The total norm of order {float(norm_type)} for gradients from `parameters` is non-finite, "
                        "so it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                        "norm anyway, set `error_if_nonfinite=False`")


def _check_finite(total: Tensor, norm_type: float) -> None:
    v = total._value()
    if not isinstance(v, jax.core.Tracer) and not bool(jnp.isfinite(v)):
        raise _nonfinite_error(norm_type)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The norm of the per-tensor norms (i.e. the norm of all elements together)."""
    from ..._ops.creation import tensor as _tensor

    ts = [t for t in _as_list(tensors) if t is not None]
    if not ts:
        return _tensor(0.0)
    with _no_grad():
        total = apply(_total_norm, tuple(ts), (("p", float(norm_type)),), "total_norm")
    if error_if_nonfinite:
        _check_finite(total, norm_type)
    return total


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor, foreach=None) -> None:
    params = [p for p in _as_list(parameters) if p.grad is not None]
    if not params:
        return
    with _no_grad():
        new = apply(_scaled, (float(max_norm), total_norm) + tuple(p.grad for p in params), (), "clip_grads")
        for p, g in zip(params, new):
            p.grad._inplace_assign(g, "mul_")


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale all gradients in place so their total norm is at most max_norm; returns the total norm."""
    from ..._ops.creation import tensor as _tensor

    params = [p for p in _as_list(parameters) if p.grad is not None]
    if not params:
        return _tensor(0.0)
    grads = tuple(p.grad for p in params)
    with _no_grad():
        if error_if_nonfinite:
            total = apply(_total_norm, grads, (("p", float(norm_type)),), "total_norm")
            _check_finite(total, norm_type)
            new = apply(_scaled, (float(max_norm), total) + grads, (), "clip_grads")
        else:
            total, *new = apply(_norm_and_scale, (float(max_norm),) + grads, (("p", float(norm_type)),),
                                "clip_grad_norm")
        for g, n in zip(grads, new):
            g._inplace_assign(n, "mul_")
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    import warnings

    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def _clamp_all(v, *grads):
    return tuple(jnp.clip(g, -v, v).astype(g.dtype) for g in grads)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient elementwise to [-clip_value, clip_value], in place."""
    params = [p for p in _as_list(parameters) if p.grad is not None]
    if not params:
        return
    grads = tuple(p.grad for p in params)
    with _no_grad():
        new = apply(_clamp_all, (float(clip_value),) + grads, (), "clip_grad_value")
        for g, n in zip(grads, new):
            g._inplace_assign(n, "clamp_")
