"""torchvision.ops.stochastic_depth / StochasticDepth: drop whole residual branches (rows or the batch).

The keep mask is drawn from jaxtorch's generator (random.draw), so under torch.compile the generator state is
carried like any other and every step draws a new mask; values differ from torch's RNG, distributions do not.
"""

from __future__ import annotations

import jax.numpy as jnp

from ... import nn
from ..._ops import _threefry
from ..._tensor import Tensor
from ...random import draw

__all__ = ["stochastic_depth", "StochasticDepth"]


def _keep_scaled(key, x, survival, *, shape):
    u = _threefry.uniform(key, shape, jnp.float64 if x.dtype == jnp.float64 else jnp.float32)
    keep = (u < survival).astype(x.dtype)
    # torch divides the kept mask by the survival rate only when it is positive
    keep = jnp.where(survival > 0, keep / jnp.where(survival > 0, survival, 1.0), keep).astype(x.dtype)
    return x * keep


def stochastic_depth(input: Tensor, p: float, mode: str, training: bool = True) -> Tensor:
    """Zero the whole input ("batch") or whole rows of it ("row") with probability p, scaling kept ones by 1/(1-p)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ["batch", "row"]:
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    shape = (input.shape[0],) + (1,) * (input.ndim - 1) if mode == "row" else (1,) * input.ndim
    return draw(None, _keep_scaled, (input, 1.0 - float(p)), (("shape", tuple(shape)),), "stochastic_depth")


class StochasticDepth(nn.Module):
    """See :func:`stochastic_depth`."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input: Tensor) -> Tensor:
        return stochastic_depth(input, self.p, self.mode, self.training)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p}, mode={self.mode})"
