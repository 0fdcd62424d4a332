"""Old-style (hook based) spectral normalisation: weight = weight_orig / sigma, sigma estimated by power
iteration whose vectors u, v are buffers updated in place in training mode."""

from __future__ import annotations

import jax.numpy as jnp

from ..._ops._dispatch import apply
from ..._tensor import Tensor
from ...autograd import grad_mode as _gm
from ..parameter import UninitializedParameter

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


def _as_matrix(w, dim):
    if dim != 0:
        w = jnp.moveaxis(w, dim, 0)
    return w.reshape(w.shape[0], -1)


def _normalize(x, eps):
    return x / jnp.maximum(jnp.sqrt(jnp.sum(x * x)), eps)


def _power_iteration(w, u, v, eps, *, dim, n_iter):
    m = _as_matrix(w, dim)
    for _ in range(n_iter):
        v = _normalize(m.T @ u, eps)
        u = _normalize(m @ v, eps)
    return u, v


def _divide_by_sigma(w, u, v, *, dim):
    sigma = jnp.dot(u, _as_matrix(w, dim) @ v)
    return w / sigma


class SpectralNorm:
    _version = 1

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got n_power_iterations="
                             f"{n_power_iterations}")
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def compute_weight(self, module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        if do_power_iteration:
            prev = _gm.state.enabled
            _gm.state.enabled = False
            try:
                nu, nv = apply(_power_iteration, (weight, u, v, self.eps),
                               (("dim", self.dim), ("n_iter", self.n_power_iterations)), "power_iteration")
                u._inplace_assign(nu, "normalize")
                v._inplace_assign(nv, "normalize")
            finally:
                _gm.state.enabled = prev
            u, v = u.clone(), v.clone()
        return apply(_divide_by_sigma, (weight, u, v), (("dim", self.dim),), "spectral_norm")

    def remove(self, module) -> None:
        from ..parameter import Parameter

        prev = _gm.state.enabled
        _gm.state.enabled = False
        try:
            weight = self.compute_weight(module, do_power_iteration=False)
        finally:
            _gm.state.enabled = prev
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        from .._functional.distance import normalize

        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `SpectralNorm` can't have uninitialized parameters. Make sure to "
                             "run the dummy forward before applying spectral normalization")
        prev = _gm.state.enabled
        _gm.state.enabled = False
        try:
            shape = tuple(weight.shape)
            h = shape[dim]
            w = weight.numel() // h if h else 0
            u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=eps)
            v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=eps)
        finally:
            _gm.state.enabled = prev
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        object.__setattr__(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None):
    """Divide module.<name> by its largest singular value (estimated by power iteration) before each forward."""
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
