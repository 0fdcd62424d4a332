"""torch.nn.grad: gradients of conv1d/2d/3d with respect to their input or weight, given the output gradient.

A convolution is linear in its input and in its weight, so each gradient is the vjp of the convolution taken at
a zero point of the right shape: the tape computes it (one jax.vjp of the conv), and when `weight`/`input` or
`grad_output` require grad under grad mode the result is itself on the tape (create_graph), as torch's
convolution_backward is differentiable.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from .. import autograd
from .._tensor import Tensor
from ..autograd import grad_mode
from . import functional as F
from .modules.utils import _pair, _single, _triple

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input", "conv3d_weight"]


def _vjp_at_zero(
    conv: Callable[..., Tensor],
    size: Sequence[int],
    wrt_input: bool,
    other: Tensor,
    grad_output: Tensor,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Tensor:
    from .._ops.creation import zeros

    create_graph = grad_mode.is_grad_enabled() and (other.requires_grad or grad_output.requires_grad)
    point = zeros(tuple(size), dtype=grad_output.dtype, device=grad_output.device, requires_grad=True)
    with grad_mode.enable_grad():
        if wrt_input:
            out = conv(point, other, None, stride, padding, dilation, groups)
        else:
            out = conv(other, point, None, stride, padding, dilation, groups)
    (g,) = autograd.grad(out, point, grad_output, create_graph=create_graph)
    return g if create_graph else g.detach()


def conv1d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Gradient of conv1d with respect to its input (of shape `input_size`)."""
    return _vjp_at_zero(
        F.conv1d, input_size, True, weight, grad_output, _single(stride), _single(padding), _single(dilation), groups
    )


def conv1d_weight(
    input: Tensor,
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Gradient of conv1d with respect to its weight (of shape `weight_size`)."""
    return _vjp_at_zero(
        F.conv1d, weight_size, False, input, grad_output, _single(stride), _single(padding), _single(dilation), groups
    )


def conv2d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Gradient of conv2d with respect to its input (of shape `input_size`)."""
    return _vjp_at_zero(
        F.conv2d, input_size, True, weight, grad_output, _pair(stride), _pair(padding), _pair(dilation), groups
    )


def conv2d_weight(
    input: Tensor,
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Gradient of conv2d with respect to its weight (of shape `weight_size`)."""
    return _vjp_at_zero(
        F.conv2d, weight_size, False, input, grad_output, _pair(stride), _pair(padding), _pair(dilation), groups
    )


def conv3d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Gradient of conv3d with respect to its input (of shape `input_size`)."""
    return _vjp_at_zero(
        F.conv3d, input_size, True, weight, grad_output, _triple(stride), _triple(padding), _triple(dilation), groups
    )


def conv3d_weight(
    input: Tensor,
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Gradient of conv3d with respect to its weight (of shape `weight_size`)."""
    return _vjp_at_zero(
        F.conv3d, weight_size, False, input, grad_output, _triple(stride), _triple(padding), _triple(dilation), groups
    )
