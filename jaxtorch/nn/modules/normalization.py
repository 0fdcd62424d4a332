"""torch.nn.modules.normalization: LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm."""

from __future__ import annotations

import functools
import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops._dispatch import apply
from ..._ops.creation import empty
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d"]


def _shape(normalized_shape) -> tuple:
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(normalized_shape)


class LayerNorm(Module):
    """Layer normalisation over the trailing normalized_shape dims (torch.nn.LayerNorm)."""

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(*self.normalized_shape, **kw))
            if bias:
                self.bias = Parameter(empty(*self.normalized_shape, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalisation (torch.nn.GroupNorm)."""

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        kw = {"device": device, "dtype": dtype}
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(empty(num_channels, **kw))
            if bias:
                self.bias = Parameter(empty(num_channels, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.affine:
            with no_grad():
                self.weight.fill_(1.0)
                if self.bias is not None:
                    self.bias.zero_()

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalisation (torch.nn.RMSNorm); eps None means finfo(input.dtype).eps."""

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(*self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            with no_grad():
                self.weight.fill_(1.0)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Local response normalisation across channels (torch.nn.LocalResponseNorm)."""

    __constants__ = ["size", "alpha", "beta", "k"]

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


# ----------------------------------------------------------------------------- CrossMapLRN2d
# torch's CrossMapLRN2d is a legacy autograd.Function: its forward builds the channel window with a running
# sum that never drops channel 0 once the window has passed it, and its hand-written backward uses a window
# shifted by one channel (it is not the derivative of its forward: gradcheck fails in torch). Both windows are
# mirrored here as 0/1 matrices so values and gradients match torch's.
@functools.lru_cache(maxsize=64)
def _lrn_windows(channels: int, size: int) -> tuple:
    pre = int((size - 1) / 2 + 1)
    fwd = np.zeros((channels, channels), np.float64)  # fwd[d, j]: x_j^2 counts in scale_d
    fwd[0, :min(pre, channels)] = 1
    for c in range(1, channels):
        fwd[c] = fwd[c - 1]
        if c < channels - pre + 1:
            fwd[c, c + pre - 1] += 1
        if c > pre:
            fwd[c, c - pre] -= 1
    inv = int(size - (size - 1) / 2)
    bwd = np.zeros((channels, channels), np.float64)  # bwd[c, j]: ratio_j counts in input grad c
    for c in range(channels):
        lo, hi = max(c - inv, 0), min(c + size - 1 - inv, channels - 1)
        if lo <= hi:
            bwd[c, lo:hi + 1] = 1
    return fwd, bwd


def _lrn_forward(x, size, alpha, beta, k):
    fwd, _ = _lrn_windows(x.shape[1], size)
    summed = jnp.einsum("nchw,dc->ndhw", x * x, jnp.asarray(fwd, x.dtype), precision=lax.Precision.HIGHEST)
    scale = summed * (alpha / size) + k
    out = x * scale ** (-beta)
    return out, (x, scale, out)


@functools.partial(jax.custom_vjp, nondiff_argnums=(1, 2, 3, 4))
def _lrn_core(x, size, alpha, beta, k):
    return _lrn_forward(x, size, alpha, beta, k)[0]


def _lrn_backward(size, alpha, beta, k, res, g):
    x, scale, out = res
    _, bwd = _lrn_windows(x.shape[1], size)
    accum = jnp.einsum("njhw,cj->nchw", g * out / scale, jnp.asarray(bwd, x.dtype), precision=lax.Precision.HIGHEST)
    return (scale ** (-beta) * g - (2 * alpha * beta / size) * x * accum,)


_lrn_core.defvjp(_lrn_forward, _lrn_backward)


def _cross_map_lrn_impl(x, *, size, alpha, beta, k):
    return _lrn_core(x, size, alpha, beta, k)


class CrossMapLRN2d(Module):
    """Legacy cross-channel local response normalisation over (N, C, H, W) input (torch.nn.CrossMapLRN2d)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        static = (("size", int(self.size)), ("alpha", float(self.alpha)), ("beta", float(self.beta)),
                  ("k", float(self.k)))
        return apply(_cross_map_lrn_impl, (input,), static, name="CrossMapLRN2dBackward")

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
