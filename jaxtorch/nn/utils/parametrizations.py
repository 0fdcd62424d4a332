"""torch.nn.utils.parametrizations: weight_norm, spectral_norm and orthogonal as parametrizations.

Each forward is one fused jnp function dispatched with ``apply`` (JAX differentiates it); the power-iteration
vectors of spectral_norm are buffers updated in place in training mode, so compile sees the write.
"""

from __future__ import annotations

from enum import Enum, auto

import jax.numpy as jnp
from jax import lax

from ..._ops._dispatch import apply
from ..._tensor import Tensor
from ..modules.module import Module
from . import parametrize
from .parametrize import _no_grad
from .weight_norm import _weight_norm

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# ---------------------------------------------------------------------------------------------- orthogonal
class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _mT(x):
    return jnp.swapaxes(x, -1, -2)


def _orthogonal_forward(X, base, *, orth_map):
    from ..._ops.linalg import _householder_product_impl, _matrix_exp_impl

    n, k = X.shape[-2:]
    transposed = n < k
    if transposed:
        X = _mT(X)
        n, k = k, n
    if orth_map in ("matrix_exp", "cayley"):
        X = jnp.tril(X)
        if n != k:
            X = jnp.concatenate([X, jnp.zeros(X.shape[:-1] + (n - k,), X.dtype)], axis=-1)
        A = X - jnp.conj(_mT(X))  # skew-Hermitian
        if orth_map == "matrix_exp":
            Q = _matrix_exp_impl(A)
        else:
            eye = jnp.eye(n, dtype=A.dtype)
            Q = jnp.linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
        if n != k:
            Q = Q[..., :k]
    else:
        A = jnp.tril(X, -1)
        tau = 2.0 / (1.0 + jnp.sum(A * A, axis=-2))
        Q = _householder_product_impl(A, tau)
        # torch multiplies by diag(X).int(): a truncation that carries no gradient
        signs = lax.stop_gradient(jnp.trunc(jnp.diagonal(X, axis1=-2, axis2=-1)))
        Q = Q * signs[..., None, :]
    if base is not None:
        Q = base @ Q
    if transposed:
        Q = _mT(Q)
    return Q


def _householder_signs(a, tau):
    # right_inverse without trivialization: the geqrf reflectors with sign(R_ii) on the diagonal,
    # flipped where tau == 0 (no reflection happened there)
    d = jnp.sign(jnp.diagonal(a, axis1=-2, axis2=-1))
    d = jnp.where(tau == 0.0, -d, d)
    m, k = a.shape[-2:]
    eye = jnp.eye(m, k, dtype=bool)
    return jnp.where(eye, d[..., None, :], a)  # here m >= k: the input was transposed if needed


def _make_orthogonal(A: Tensor) -> Tensor:
    from ..._ops.linalg import geqrf, householder_product

    X, tau = geqrf(A)
    Q = householder_product(X, tau)
    return Q * X.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _is_orthogonal(Q: Tensor) -> bool:
    import jaxtorch

    n, k = Q.size(-2), Q.size(-1)
    eye = jaxtorch.eye(k, dtype=Q.dtype, device=Q.device)
    eps = 10.0 * n * jaxtorch.finfo(Q.dtype).eps
    return jaxtorch.allclose(Q.mH @ Q, eye, atol=eps)


class _Orthogonal(Module):
    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        base = self._buffers["base"] if "base" in self._buffers else None
        return apply(_orthogonal_forward, (X, base), (("orth_map", self.orthogonal_map.name),), "orthogonal")

    def right_inverse(self, Q: Tensor) -> Tensor:
        import jaxtorch
        from ..._ops.linalg import geqrf

        with _no_grad():
            if Q.shape != self.shape:
                raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of "
                                 f"shape {Q.shape}.")
            Q_init = Q
            n, k = Q.size(-2), Q.size(-1)
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                              "parametrizations when use_trivialization=False.")
                A, tau = geqrf(Q)
                A = apply(_householder_signs, (A, tau), (), "orthogonal_right_inverse")
                return A.mT if transpose else A
            if n == k:
                Q = _make_orthogonal(Q) if not _is_orthogonal(Q) else Q.clone()
            else:
                # complete the k orthonormal columns to a square orthogonal base with random columns
                N = jaxtorch.randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
                Q = _make_orthogonal(jaxtorch.cat([Q, N], dim=-1))
            self.base = Q
            eye = -jaxtorch.eye(Q_init.size(-2), Q_init.size(-1), dtype=Q_init.dtype, device=Q_init.device)
            return eye.expand(Q_init.shape).clone()


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Parametrize ``module.<name>`` as an orthogonal (unitary) matrix or batch of matrices."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.size(-2) == weight.size(-1)
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


# --------------------------------------------------------------------------------------------- weight_norm
def _norm_except_dim(v, *, dim):
    if dim == -1:
        return jnp.sqrt(jnp.sum(v * jnp.conj(v)).real)
    axes = tuple(i for i in range(v.ndim) if i != dim)
    return jnp.sqrt(jnp.sum(v * v, axis=axes, keepdims=True))


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def _wrapped_dim(self, ndim: int) -> int:
        return self.dim + ndim if self.dim < -1 else self.dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return apply(_weight_norm, (weight_v, weight_g), (("dim", self._wrapped_dim(weight_v.ndim)),), "weight_norm")

    def right_inverse(self, weight: Tensor):
        weight_g = apply(_norm_except_dim, (weight,), (("dim", self._wrapped_dim(weight.ndim)),), "norm_except_dim")
        return weight_g, weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Parametrize ``module.<name>`` as ``g * v / ||v||`` (``original0`` = g, ``original1`` = v)."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs) -> None:
        # checkpoints written with the old hook-based weight_norm name the tensors <name>_g / <name>_v
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


# ------------------------------------------------------------------------------------------- spectral_norm
def _as_matrix(w, dim):
    if dim != 0:
        w = jnp.moveaxis(w, dim, 0)
    return w.reshape(w.shape[0], -1)


def _normalize(x, eps):
    return x / jnp.maximum(jnp.sqrt(jnp.sum((x * jnp.conj(x)).real)), eps)


def _sn_power_method(weight, u, v, eps, *, dim, n_iter):
    m = _as_matrix(weight, dim)
    for _ in range(n_iter):
        u = _normalize(m @ v, eps)
        v = _normalize(jnp.conj(m).T @ u, eps)
    return u, v


def _sn_divide(weight, u, v, *, dim):
    sigma = jnp.vdot(u, _as_matrix(weight, dim) @ v)
    return weight / sigma


def _sn_vector(weight, eps):
    return _normalize(weight, eps)


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            from .._functional.distance import normalize

            self.n_power_iterations = n_power_iterations
            h = weight.shape[self.dim]
            w = weight.numel() // h if h else 0
            with _no_grad():
                u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=self.eps)
                v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=self.eps)
            self.register_buffer("_u", u)
            self.register_buffer("_v", v)
            self._power_method(weight, 15)

    def _power_method(self, weight: Tensor, n_power_iterations: int) -> None:
        with _no_grad():
            u, v = apply(_sn_power_method, (weight, self._u, self._v, self.eps),
                         (("dim", self.dim), ("n_iter", n_power_iterations)), "spectral_norm_power_method")
            self._u._inplace_assign(u, "normalize")
            self._v._inplace_assign(v, "normalize")

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return apply(_sn_vector, (weight, self.eps), (), "normalize")
        if self.training:
            self._power_method(weight, self.n_power_iterations)
        # u, v enter as constants: no gradient flows into the buffers
        return apply(_sn_divide, (weight, self._u, self._v), (("dim", self.dim),), "spectral_norm")

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Parametrize ``module.<name>`` as itself divided by its spectral norm (estimated by power iteration)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
