"""torchvision.ops.drop_block2d / drop_block3d and their modules (DropBlock regularisation).

Block seeds are Bernoulli draws from jaxtorch's generator (Tensor.bernoulli_), grown to blocks by a stride-1
max pool; the kept activations are rescaled by numel / (eps + number kept), as torchvision.
"""

from __future__ import annotations

import jaxtorch as torch

from ... import nn
from ..._tensor import Tensor

__all__ = ["drop_block2d", "drop_block3d", "DropBlock2d", "DropBlock3d"]

F = nn.functional


def _drop_block(
    input: Tensor, p: float, block_size: int, inplace: bool, eps: float, training: bool, spatial: int
) -> Tensor:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}.")
    if input.ndim != spatial + 2:
        raise ValueError(f"input should be {spatial + 2} dimensional. Got {input.ndim} dimensions.")
    if not training or p == 0.0:
        return input
    sizes = tuple(input.shape[2:])
    block_size = min(block_size, *sizes)
    if block_size % 2 == 0:
        raise ValueError(f"block size should be odd. Got {block_size} which is even.")
    valid = 1
    for s in sizes:
        valid *= s - block_size + 1
    numel = 1
    for s in sizes:
        numel *= s
    gamma = (p * numel) / ((block_size**spatial) * valid)
    seed_shape = tuple(input.shape[:2]) + tuple(s - block_size + 1 for s in sizes)
    noise = torch.empty(seed_shape, dtype=input.dtype, device=input.device).bernoulli_(gamma)
    noise = F.pad(noise, [block_size // 2] * (2 * spatial), value=0)
    pool = F.max_pool2d if spatial == 2 else F.max_pool3d
    noise = pool(noise, stride=(1,) * spatial, kernel_size=(block_size,) * spatial, padding=block_size // 2)
    noise = 1 - noise
    normalize_scale = noise.numel() / (eps + noise.sum())
    if inplace:
        return input.mul_(noise).mul_(normalize_scale)
    return input * noise * normalize_scale


def drop_block2d(
    input: Tensor, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06, training: bool = True
) -> Tensor:
    """DropBlock on [N, C, H, W]: zero block_size x block_size squares."""
    return _drop_block(input, p, block_size, inplace, eps, training, 2)


def drop_block3d(
    input: Tensor, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06, training: bool = True
) -> Tensor:
    """DropBlock on [N, C, D, H, W]: zero block_size cubes."""
    return _drop_block(input, p, block_size, inplace, eps, training, 3)


class DropBlock2d(nn.Module):
    """See :func:`drop_block2d`."""

    def __init__(self, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06) -> None:
        super().__init__()
        self.p = p
        self.block_size = block_size
        self.inplace = inplace
        self.eps = eps

    def forward(self, input: Tensor) -> Tensor:
        return drop_block2d(input, self.p, self.block_size, self.inplace, self.eps, self.training)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p}, block_size={self.block_size}, inplace={self.inplace})"


class DropBlock3d(DropBlock2d):
    """See :func:`drop_block3d`."""

    def forward(self, input: Tensor) -> Tensor:
        return drop_block3d(input, self.p, self.block_size, self.inplace, self.eps, self.training)
